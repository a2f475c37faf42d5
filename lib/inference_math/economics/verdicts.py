"""Verdicts that carry their uncertainty: a cost ratio over the range of what decides it
(chapters 11 and 12).

"Self-hosting is 1.9x cheaper" is one point of a space. What a self-hosted request costs
over what an API charges for the same text moves with five things the book measures
elsewhere:

- **interval**: the serving model's error. A request's cost is the deployment's time per
  request, the inverse of its throughput, so its interval is that of the price of a
  completion token (``estimate(..., interval=)``, from throughput measured on sources the
  model was not fitted on, chapter 10). The article's step model has no interval.
- **price**: the GPU-hour, on demand, reserved or owned (``price_tiers``).
- **tokens**: how many tokens the self-hosted model makes of text the API counts as one
  token (``token_counts.tokens_ratio``; chapter 13). The self-hosted server is priced for
  that many more prompt and completion tokens, and must stream that much faster to be read
  at the same speed; the API's bill is for its own tokens.
- **utilisation**: how busy the GPUs may be kept while the latency target still holds once
  requests queue for a slot, for the mean or the 99th percentile of the time to first token
  (``serving.queueing``, Erlang's delay model with the requests in flight as its slots;
  chapter 13). A cost at full load is divided by it. For a static batch the same model is an
  assumption kinder than the truth: its arrivals would also wait for the batch in progress.
  A workload with no latency target keeps its GPUs full (a queue of work).
- **batching**: static (the article's) or continuous (today's; prefill chunked where the
  engine chunks by default).

``cost_verdict`` prices every combination (a case) and returns a ``Verdict``: the ratios,
the share of cases in which self-hosting is cheaper (all, most, some or none), and the
assumption that decides it: of the assumptions whose range, with the others held at their
central case, flips the verdict, the one that moves it most; if none flips it, the one that
moves it most.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..core import checks, units
from ..serving.batching import admitted
from ..serving.deployment import deployment as make_deployment
from ..serving.estimator import estimate
from ..serving.queueing import max_utilisation
from ..serving.workload import get_workload
from .api_history import ApiPeriod
from .price_tiers import GpuPrice
from .prices import get_api_price
from .token_counts import tokens_ratio
from .workloads import api_usd_per_request, meets_targets

AXES = ("interval", "price", "tokens", "utilisation", "batching")
AXIS_TITLES = {
    "interval": "the serving model's error",
    "price": "the GPU's price",
    "tokens": "the tokenizers' ratio",
    "utilisation": "the utilisation the latency target allows",
    "batching": "the batching mode",
}
# A latency statistic the target holds for: its q for serving.queueing.max_utilisation.
LATENCY_STATISTICS = {"p99": 0.99, "mean": "mean"}
# The prediction interval a verdict ranges over by default: the level chapter 10 reports.
INTERVAL_LEVEL = 0.8
# The most requests price_workload considers in flight.
_MOST = 4096


@dataclass(frozen=True)
class Axis:
    """One assumption a verdict ranges over: its values, a label for each, and which of
    them the central case takes (chapter 11)."""

    name: str  # one of AXES
    labels: tuple[str, ...]
    values: tuple
    base: int


@dataclass(frozen=True)
class Verdict:
    """Self-hosted over API cost over every case (chapters 11 and 12). ``ratios``,
    ``utilisations`` and ``batches`` have one axis per entry of ``axes``, in ``AXES``
    order; a ratio is inf where no batch meets the latency targets."""

    question: str
    axes: tuple[Axis, ...]
    ratios: np.ndarray
    utilisations: np.ndarray  # the utilisation each case is priced at
    batches: np.ndarray  # the cheapest batch within the targets (0: none)
    workload: str = ""  # the catalog workload, for ``against``
    api_usd: float = float("nan")  # what the API charges for one request

    def axis(self, name: str) -> Axis:
        return self.axes[AXES.index(checks.canonical("axis", name, {a: a for a in AXES}))]

    def against(self, api) -> Verdict:
        """The same cases against another API (a name, ``ApiPrice`` or ``ApiPeriod``): the
        self-hosted costs are the API's to share, so only its bill changes. The tokens axis
        keeps its ratios, which must be those of the new API's tokenizer too."""
        a = api.price() if isinstance(api, ApiPeriod) else get_api_price(api)
        w = get_workload(self.workload)
        usd = float(api_usd_per_request(a, w.prompt, w.completion))
        name = f"{self.question.rsplit(' against ', 1)[0]} against {a.name}"
        return dataclasses.replace(
            self, question=name, ratios=self.ratios * (self.api_usd / usd), api_usd=usd
        )

    def only(self, name: str, keep) -> Verdict:
        """The cases whose assumption ``name`` takes the values at indices ``keep``; the
        central case stays where it was if kept, else takes the lower middle of those kept."""
        i = AXES.index(self.axis(name).name)
        a, keep = self.axes[i], list(keep)
        if not keep:
            raise ValueError(f"keep must name at least one value of {name}")
        base = keep.index(a.base) if a.base in keep else _lower_middle([a.values[k] for k in keep])
        axis = Axis(
            a.name, tuple(a.labels[k] for k in keep), tuple(a.values[k] for k in keep), base
        )
        axes = self.axes[:i] + (axis,) + self.axes[i + 1 :]

        def cut(x):
            return np.take(x, keep, axis=i)

        return dataclasses.replace(
            self, axes=axes, ratios=cut(self.ratios), utilisations=cut(self.utilisations),
            batches=cut(self.batches),
        )  # fmt: skip

    @property
    def base_index(self) -> tuple:
        return tuple(a.base for a in self.axes)

    @property
    def base(self) -> float:
        """The ratio in the central case."""
        return float(self.ratios[self.base_index])

    @property
    def low(self) -> float:
        return float(self.ratios.min())

    @property
    def high(self) -> float:
        return float(self.ratios.max())

    @property
    def cases(self) -> int:
        return int(self.ratios.size)

    @property
    def cheaper_share(self) -> float:
        """The share of cases in which self-hosting costs less than the API."""
        return float(np.mean(self.ratios < 1))

    @property
    def cheaper_count(self) -> int:
        """How many cases self-hosting wins."""
        return int(np.sum(self.ratios < 1))

    @property
    def word(self) -> str:
        """Self-hosting is cheaper in "all", "most" (more than half), "half", "some" or
        "none" of the cases."""
        share = self.cheaper_share
        if share in (0.0, 0.5, 1.0):
            return {0.0: "none", 0.5: "half", 1.0: "all"}[share]
        return "most" if share > 0.5 else "some"

    def swing(self, name: str) -> tuple[float, float]:
        """The lowest and highest ratio as assumption ``name`` runs over its values, every
        other at its central case: a bar of the tornado figure."""
        i = AXES.index(self.axis(name).name)
        index = list(self.base_index)
        index[i] = slice(None)
        along = self.ratios[tuple(index)]
        return float(along.min()), float(along.max())

    def flips(self, name: str) -> bool:
        lo, hi = self.swing(name)
        return (lo < 1) != (hi < 1)

    @property
    def deciding(self) -> str:
        """The assumption that decides the verdict: of those whose range flips it (the
        others at their central case), the one that moves it most; if none flips it, the
        one that moves it most."""
        moving = [a.name for a in self.axes if len(a.values) > 1]
        if not moving:
            return "none"

        def reach(name):
            lo, hi = self.swing(name)
            if np.isinf(lo):
                return 0.0
            return np.inf if np.isinf(hi) else float(np.log(hi / lo))

        flipping = [n for n in moving if self.flips(n)]
        return max(flipping or moving, key=reach)

    @property
    def decided_by_flip(self) -> bool:
        """Whether the deciding assumption turns the verdict (True) or only moves it most."""
        return self.deciding != "none" and self.flips(self.deciding)

    def span(self, sig: int = 2) -> str:
        """'0.45× to 1.6×' (or one value where they round alike); 'no batch' where none
        meets the targets."""
        finite = self.ratios[np.isfinite(self.ratios)]
        if not finite.size:
            return "no batch meets the targets"
        lo = units.fmt_ratio(float(finite.min()), sig)
        hi = "∞" if np.isinf(self.high) else units.fmt_ratio(self.high, sig)
        return lo if lo == hi else f"{lo} to {hi}"

    def summary(self) -> str:
        """One clause: 'cheaper in most (26) of 36 cases (0.35× to 1.9× the API's cost, 0.67×
        in the central case); turned by the serving model's error'."""
        base = "∞" if np.isinf(self.base) else units.fmt_ratio(self.base, 2)
        how = "turned" if self.decided_by_flip else "moved most"
        return (
            f"cheaper in {self.word} ({self.cheaper_count}) of {self.cases} cases ({self.span()} "
            f"the API's cost, {base} in the central case); {how} by "
            f"{AXIS_TITLES.get(self.deciding, 'nothing')}"
        )


def tokenizer_ratios(self_hosted: str, api: str) -> dict[str, float]:
    """Tokens of ``self_hosted``'s tokenizer per token of ``api``'s on each measured text,
    by the text's file name: the tokens axis of a verdict (chapter 13 measures them)."""
    measured = tokens_ratio(self_hosted, api)
    return {path.rsplit("/", 1)[-1]: float(r) for path, r in measured.items()}


def _lower_middle(values) -> int:
    order = np.argsort(values, kind="stable")
    return int(order[(len(values) - 1) // 2])


def _price_axis(prices, dep_price: float, central=None) -> Axis:
    if prices is None:
        return Axis("price", (f"${dep_price:.2f}",), (dep_price,), 0)
    items = list(prices)
    if not items:
        raise ValueError("prices must hold at least one price (a GpuPrice or USD per GPU-hour)")
    values, labels, rented = [], [], []
    for p in items:
        if isinstance(p, GpuPrice):
            values.append(p.usd_per_gpu_hour)
            labels.append(p.label)
            rented.append(p.tier == "on-demand")
        else:
            usd = float(checks.positive("price", p))
            values.append(usd)
            labels.append(f"${usd:.2f}")
            rented.append(False)
    # the central case: the lower middle of the on-demand quotes, what renting costs today
    pool = [i for i, r in enumerate(rented) if r] or list(range(len(values)))
    base = pool[_lower_middle([values[i] for i in pool])]
    if central is not None:
        if central not in items:
            raise ValueError(f"central_price must be one of prices, got {central!r}")
        base = items.index(central)
    return Axis("price", tuple(labels), tuple(values), base)


def _scaled(w, r: float):
    """The workload as the self-hosted model's tokens: r times the prompt and completion,
    read at the same speed (r times the tokens per second)."""
    rate = None if w.tokens_per_s_target is None else w.tokens_per_s_target * r
    return dataclasses.replace(
        w,
        prompt=int(round(w.prompt * r)),
        completion=max(int(round(w.completion * r)), 1),
        tokens_per_s_target=rate,
    )


def _cheapest(dep, w, mode, interval, stats):
    """For each utilisation entry of ``stats``, the batch that serves ``w`` cheapest once the
    GPUs are kept as busy as the first-token target allows at that batch: (batch, USD per
    request at full load, utilisation, interval factors on the cost); batch 0 where none
    meets the targets. More requests in flight share the weights but start later, and more
    slots absorb a queue better: the queue decides the batch as much as the cost does. A
    fixed utilisation keeps ``price_workload``'s choice, the cheapest batch within the
    targets (the smallest of equally cheap ones)."""
    n, steps = w.prompt, w.completion - 1  # the first token comes with the prefill
    top = _MOST  # past what a continuous server admits only the queue grows
    if mode == "continuous":
        top = int(np.max(admitted(dep, _MOST, n, steps)))
    b = np.arange(1, top + 1)
    e = estimate(dep, batch=b, prompt=n, completion=steps, batching=mode, interval=interval)
    with np.errstate(invalid="ignore"):
        usd = (
            np.nan_to_num(n * e["usd_per_1k_prompt"])
            + np.nan_to_num(steps * e["usd_per_1k_completion"])
        ) / 1000
    ok = meets_targets(e, w.ttft_target_s, w.tokens_per_s_target)
    if not ok.any():
        return [(0, np.inf, 0.0, (1.0,))] * len(stats)
    key = "usd_per_1k_completion" if steps else "usd_per_1k_prompt"
    factors = (1.0,)
    if interval is not None:  # a request's cost is its time: the throughput's interval
        mid = e[key][0]
        factors = (float(e[key + "_low"][0] / mid), 1.0, float(e[key + "_high"][0] / mid))
    start = (e["ttft_s"] - e["queue_s"])[ok]  # the first token once a slot is free
    service = start + e["completion_s"][ok]  # seconds a request holds its slot
    slots = e["admitted"][ok]
    out = []
    for s in stats:
        if not isinstance(s, str):
            u = np.full(slots.shape, float(s))
        elif w.ttft_target_s is None:
            u = np.ones(slots.shape)  # nobody waits for a first token: a queue keeps it full
        else:
            budget = np.maximum(w.ttft_target_s - start, 0.0)
            u = max_utilisation(slots, 1 / service, budget, LATENCY_STATISTICS[s])
        with np.errstate(divide="ignore"):
            cost = np.where(u > 0, usd[ok] / np.maximum(u, 1e-300), np.inf)
        if not np.isfinite(cost).any():
            out.append((0, np.inf, 0.0, factors))
            continue
        at = int(np.flatnonzero(cost <= cost.min() * (1 + 1e-9))[0])
        out.append((int(b[ok][at]), float(usd[ok][at]), float(np.atleast_1d(u)[at]), factors))
    return out


def cost_verdict(
    workload, api, *, deployment: dict, prices=None, tokens=None,
    utilisation=("p99", "mean"), batching=("continuous",), interval=INTERVAL_LEVEL, question=None,
    central_price=None,
) -> Verdict:  # fmt: skip
    """Self-hosted over API cost of ``workload`` on ``deployment`` (keyword arguments of
    ``inference_math.deployment``) against ``api`` (a catalog name, an ``ApiPrice`` or an
    ``api_history.ApiPeriod``), over every combination of:

    - ``interval``: a level (0.8) gives the low end, the point estimate and the high end of
      the cost's prediction interval; None, the point estimate alone (the article's step
      model has no interval);
    - ``prices``: ``GpuPrice`` entries or USD per GPU-hour (None: the deployment's own);
    - ``tokens``: {label: self-hosted tokens per API token} (None: {"the same": 1.0});
    - ``utilisation``: "p99" and/or "mean" (the latency target held for that statistic of
      the time to first token, queueing included), or fixed fractions such as 1.0;
    - ``batching``: "static" and/or "continuous".

    The central case takes the point estimate, the lower middle of the on-demand prices
    (of all prices, if none is on demand; or ``central_price``, one of ``prices``) and of
    the token ratios, and the first utilisation and batching mode given. Chapters 11 and
    12 use it."""
    w = get_workload(workload)
    a = api.price() if isinstance(api, ApiPeriod) else get_api_price(api)
    api_usd = float(api_usd_per_request(a, w.prompt, w.completion))
    dep_kw = dict(deployment)
    dep = make_deployment(**dep_kw)
    price_axis = _price_axis(prices, float(np.max(dep.usd_per_gpu_hour)), central_price)
    dep_kw["usd_per_gpu_hour"] = price_axis.values[price_axis.base]
    token_map = {"the same": 1.0} if tokens is None else dict(tokens)
    token_values = [float(checks.positive("tokens ratio", v)) for v in token_map.values()]
    token_axis = Axis("tokens", tuple(token_map), tuple(token_values), _lower_middle(token_values))
    stats = tuple(utilisation)
    for s in stats:
        if isinstance(s, str):
            checks.canonical("utilisation statistic", s, LATENCY_STATISTICS)
        else:
            checks.fraction("utilisation", s)
    util_labels = tuple(
        f"{s} time to first token" if isinstance(s, str) else units.fmt_percent(s) for s in stats
    )
    util_axis = Axis("utilisation", util_labels, stats, 0)
    modes = tuple(checks.canonical("batching", m, {"static": 1, "continuous": 1}) for m in batching)
    batch_axis = Axis("batching", modes, modes, 0)
    if interval is None:
        interval_axis = Axis("interval", ("point estimate",), (None,), 0)
    else:
        level = units.fmt_percent(float(interval))
        labels = (f"low end ({level})", "point estimate", f"high end ({level})")
        interval_axis = Axis("interval", labels, ("low", None, "high"), 1)
    axes = (interval_axis, price_axis, token_axis, util_axis, batch_axis)
    shape = tuple(len(x.values) for x in axes)
    ratios = np.full(shape, np.inf)
    utils = np.zeros(shape)
    batches = np.zeros(shape, dtype=int)
    price_scale = np.asarray(price_axis.values) / price_axis.values[price_axis.base]

    for ti, r in enumerate(token_values):
        wr = _scaled(w, r)
        for bi, mode in enumerate(modes):
            found = _cheapest(make_deployment(**dep_kw), wr, mode, interval, stats)
            for ui, (batch, usd, u, factors) in enumerate(found):
                utils[:, :, ti, ui, bi] = u
                batches[:, :, ti, ui, bi] = batch
                if batch:
                    for ii, f in enumerate(factors):
                        ratios[ii, :, ti, ui, bi] = usd / u * f * price_scale / api_usd
    name = question or f"{w.name} on {dep.label} against {a.name}"
    return Verdict(name, axes, ratios, utils, batches, w.name, api_usd)
