"""The numbers behind the book's what-if figures (chapters 9 and 11), on a small grid.

A page's what-if figure has controls (model, GPU, GPU count, dtype, price per GPU-hour,
prompt and completion lengths, batching mode) that redraw it in the reader's browser with no
kernel. The browser computes nothing: every value it can show is computed here, by
``estimate``, when the book is built, and the page only looks it up. ``inference_math.book
.whatif`` turns a grid into the page's controls and figure.

- ``completion_point``: USD per 1K completion tokens against batch (chapter 9), where the
  batch fits, and the batch that breaks even with an API's output price.
- ``verdict_point``: USD per request self-hosted against batch, where the batch fits and meets
  a workload's latency targets, the cheapest such batch, and the API's price for the same
  request (chapter 11; with static batching it is ``price_workload``).
- ``grid``: every point of a what-if's controls, as plain lists for JSON.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..economics.prices import ARTICLE_API, get_api_price
from ..economics.verdicts import INTERVAL_LEVEL
from ..serving.batching import admitted
from ..serving.deployment import deployment as make_deployment
from ..serving.estimator import estimate
from ..serving.intervals import interval_factors
from ..economics.workloads import api_usd_per_request, get_workload, meets_targets

# Batches searched for break-even and cheapest batches, and the ones the figure draws.
SEARCH = np.arange(1, 4097)
SHOWN = 2 ** np.arange(13)  # 1, 2, 4, ..., 4096

# Each what-if's controls: (name, label, options as (value, label)), the first the default.
COMMON = [
    (
        "model",
        "model",
        [
            ("llama-2-70b", "Llama-2-70B"),
            ("llama-3-70b", "Llama-3-70B"),
            ("mixtral-8x7b", "Mixtral-8x7B"),
        ],
    ),
    ("gpu", "GPU", [("a100-80gb-sxm", "A100-80GB SXM"), ("h100-sxm", "H100 SXM")]),
    ("gpus", "GPUs", [(2, "2"), (4, "4"), (8, "8")]),
    ("dtype", "weights", [("bf16", "bf16"), ("int8", "int8")]),
    ("usd_per_gpu_hour", "USD per GPU-hour", [(2.0, "2"), (1.0, "1"), (4.0, "4")]),
]
BATCHING = ("batching", "batching", [("static", "static"), ("continuous", "continuous")])
AXES = {
    "completion-cost": COMMON
    + [
        ("prompt", "prompt tokens", [(512, "512"), (128, "128"), (2048, "2,048")]),
        ("completion", "completion tokens", [(512, "512"), (128, "128"), (2048, "2,048")]),
        BATCHING,
    ],
    "verdict": COMMON
    + [
        ("prompt", "prompt tokens", [(1024, "1,024"), (128, "128"), (2048, "2,048")]),
        ("completion", "completion tokens", [(128, "128"), (16, "16"), (1024, "1,024")]),
        (
            "targets",
            "latency targets",
            [("chat", "chat's"), ("code completion", "code completion's"), ("none", "none")],
        ),
        BATCHING,
    ],
}


def _first(mask: np.ndarray, values: np.ndarray, last: bool = False) -> int:
    """The first (or last) of ``values`` where ``mask`` holds; 0 where it never does."""
    if not mask.any():
        return 0
    return int(values[np.flatnonzero(mask)[-1 if last else 0]])


def _curve(values) -> list:
    """A curve for the figure: four significant digits are plenty for a line."""
    return [float(f"{x:.4g}") if np.isfinite(x) else None for x in values]


def _key(x) -> float:
    """A number the page prints (to three significant digits): six are kept."""
    return float(f"{x:.6g}")


def _bits(mask) -> int:
    return int(sum(1 << i for i, m in enumerate(np.asarray(mask, bool)) if m))


def _mesh(prices, prompts, completions):
    """The three varying axes of a block, as arrays that broadcast against the batch."""
    return (
        np.asarray(prices, float)[:, None, None, None],
        np.asarray(prompts)[None, :, None, None],
        np.asarray(completions)[None, None, :, None],
    )


def _batches(dep, batching, prompt, completion) -> np.ndarray:
    """The batches to price: every one of ``SEARCH`` for static batches; batched
    continuously, those up to the most the server admits (past it only the queue grows, so
    no batch is cheaper, and none that meets a target would not meet it earlier) and the
    ones the figure draws. The answers are those of the whole search, in a fraction of the
    time: a continuous batch is found by bisection, batch by batch."""
    if batching != "continuous":
        return SEARCH
    cap = int(np.max(admitted(dep, SEARCH[-1], prompt, completion)))
    return np.union1d(np.arange(1, min(cap, SEARCH[-1]) + 1), SHOWN)


def _points(block, prices, prompts, completions) -> dict:
    """A block's points by (price, prompt, completion)."""
    return {
        (u, n, c): block(i, j, k)
        for (i, u), (j, n), (k, c) in itertools.product(
            enumerate(prices), enumerate(prompts), enumerate(completions)
        )
    }


def completion_points(
    model, gpu, gpus, dtype, batching, prices, prompts, completions, api=ARTICLE_API
) -> dict:
    """Chapter 9's what-if for one deployment and batching mode, at every price, prompt and
    completion given, by (price, prompt, completion): ``usd`` per 1K completion tokens at
    each batch of ``SHOWN`` (to four significant digits, for the figure), ``fits`` (a bit per
    shown batch: it fits in memory), ``max_fit`` (the largest batch up to 4096 that fits; 0:
    none) and ``max_fit_usd`` (its price; None), ``even`` (the smallest batch whose completion
    tokens cost at most the API's output price; 0: none up to 4096) and ``queues`` (the
    batching is continuous). Batched continuously the batch is the requests in flight: one
    must fit, and the server admits what its cache and engine hold while the rest queue, so
    ``fits`` marks the batches admitted whole and ``max_fit`` is the most admitted at once,
    past which the price stops falling."""
    price, prompt, completion = _mesh(prices, prompts, completions)
    dep = make_deployment(model, gpu, gpus, dtype, usd_per_gpu_hour=price)
    b = _batches(dep, batching, prompt, completion)
    r = estimate(dep, batch=b, prompt=prompt, completion=completion, batching=batching)
    cost, fits = r["usd_per_1k_completion"], r["fits"]
    queues = batching == "continuous"
    if queues:  # admitted whole: every request in flight is served, none waits
        fits = fits & (r["admitted"] >= b)
    even = cost <= get_api_price(api).usd_per_1k_output
    shown = np.searchsorted(b, SHOWN)

    def block(i, j, k):
        at = np.flatnonzero(fits[i, j, k])
        top = int(b[at[-1]]) if at.size else 0
        return {
            "usd": _curve(cost[i, j, k, shown]),
            "fits": _bits(fits[i, j, k, shown]),
            "max_fit": top,
            "max_fit_usd": _key(cost[i, j, k, at[-1]]) if top else None,
            "even": _first(even[i, j, k], b),
            "queues": queues,
        }

    return _points(block, prices, prompts, completions)


def completion_point(model, gpu, gpus, dtype, usd_per_gpu_hour, prompt, completion, batching):
    """``completion_points`` at one point."""
    points = completion_points(
        model, gpu, gpus, dtype, batching, [usd_per_gpu_hour], [prompt], [completion]
    )
    return points[usd_per_gpu_hour, prompt, completion]


def self_hosted_usd_per_request(prompt, completion, batch, batching="static", **deployment):
    """USD per request of ``prompt`` tokens in and ``completion`` out, served in batches of
    ``batch``, and the estimate it comes from. The prefill yields the first token, so the
    completion takes ``completion - 1`` decode steps, as in ``self_hosted_cost``; the request
    pays the deployment-seconds ``estimate`` charges to its tokens, so that the same function
    prices continuous batching too. With static batching it equals ``self_hosted_cost``."""
    decode = np.asarray(completion) - 1
    dep = make_deployment(**deployment)
    r = estimate(dep, batch=batch, prompt=prompt, completion=decode, batching=batching)
    with np.errstate(invalid="ignore"):
        usd = (
            np.nan_to_num(prompt * r["usd_per_1k_prompt"])
            + np.nan_to_num(decode * r["usd_per_1k_completion"])
        ) / 1000
    return usd, r


def verdict_points(
    model, gpu, gpus, dtype, batching, prices, prompts, completions, targets, api=ARTICLE_API
) -> dict:
    """Chapter 11's what-if for one deployment and batching mode, at every price, prompt and
    completion given, by (price, prompt, completion): ``usd`` per request at each batch of
    ``SHOWN`` (four significant digits, for the figure), ``api_usd`` (the same request through
    ``api``) and ``targets``, one entry for each name in ``targets`` (a workload whose latency
    targets apply, or "none"): ``ok`` (a bit per shown batch: it fits and meets the targets),
    ``best`` (the cheapest batch up to 4096 that does, the smallest of equally cheap ones, as
    ``price_workload`` picks; 0: none), ``best_usd`` (its price; None when none does) and
    ``best_low``, ``best_high`` (that price over the serving model's ``INTERVAL_LEVEL``
    interval: a request's cost is its time, so the throughput's interval, as
    ``cost_verdict`` takes it)."""
    price, prompt, completion = _mesh(prices, prompts, completions)
    dep = dict(model=model, gpu=gpu, gpus=gpus, dtype=dtype, usd_per_gpu_hour=price)
    b = _batches(make_deployment(**dep), batching, prompt, np.asarray(completion) - 1)
    usd, r = self_hosted_usd_per_request(prompt, completion, b, batching, **dep)
    oks = []
    for name in targets:
        limits = (None, None)
        if name != "none":
            w = get_workload(name)
            limits = (w.ttft_target_s, w.tokens_per_s_target)
        oks.append(np.broadcast_to(meets_targets(r, *limits), usd.shape))
    p = get_api_price(api)
    shown = np.searchsorted(b, SHOWN)
    low, high = interval_factors("usd_per_1k_completion", model, gpu, dtype, INTERVAL_LEVEL)

    def cheapest(ok, usd):
        if not ok.any():
            return {"ok": 0, "best": 0, "best_usd": None, "best_low": None, "best_high": None}
        cost = np.where(ok, usd, np.inf)
        at = int(np.flatnonzero(cost <= cost.min() * (1 + 1e-9))[0])
        return {"ok": _bits(ok[shown]), "best": int(b[at]), "best_usd": _key(cost[at]),
                "best_low": _key(cost[at] * low), "best_high": _key(cost[at] * high)}  # fmt: skip

    def block(i, j, k):
        return {
            "usd": _curve(usd[i, j, k, shown]),
            "api_usd": _key(api_usd_per_request(p, prompts[j], completions[k])),
            "targets": [cheapest(ok[i, j, k], usd[i, j, k]) for ok in oks],
        }

    return _points(block, prices, prompts, completions)


def verdict_point(model, gpu, gpus, dtype, usd_per_gpu_hour, prompt, completion, targets, batching):
    """``verdict_points`` at one point, for one name of ``targets``: ``usd``, ``api_usd``,
    ``ok``, ``best``, ``best_usd``, ``best_low`` and ``best_high``."""
    points = verdict_points(
        model, gpu, gpus, dtype, batching, [usd_per_gpu_hour], [prompt], [completion], [targets]
    )
    point = points[usd_per_gpu_hour, prompt, completion]
    return {"usd": point["usd"], "api_usd": point["api_usd"], **point["targets"][0]}


# Axes whose choice picks an entry within a point rather than a point.
INNER = {"verdict": "targets"}


def grid(name: str) -> dict:
    """Every point of what-if ``name`` ("completion-cost" or "verdict"): ``axes`` (the
    controls), ``batches`` (``SHOWN``) and ``points``, one per combination of the axes'
    options, the last axis varying fastest (``lookup`` finds one). An axis named in
    ``inner`` (chapter 11's latency targets) is not a dimension of the points: each point
    holds one entry per option in its list ``inner``."""
    axes = AXES[name]
    options = {a[0]: [v for v, _ in a[2]] for a in axes}
    inner = INNER.get(name)
    vary = ("usd_per_gpu_hour", "prompt", "completion")
    fixed = [k for k in ("model", "gpu", "gpus", "dtype", "batching") if k in options]
    outer = [k for k in options if k != inner]
    found = {}
    for values in itertools.product(*[options[k] for k in fixed]):
        args = [*values, *[options[k] for k in vary]]
        if name == "completion-cost":
            block = completion_points(*args)
        else:
            block = verdict_points(*args, options[inner])
        for (u, n, c), point in block.items():
            at = dict(zip(fixed, values), usd_per_gpu_hour=u, prompt=n, completion=c)
            found[tuple(at[k] for k in outer)] = point
    return {
        "name": name,
        "axes": [{"name": n, "label": lab, "options": opts} for n, lab, opts in axes],
        "inner": inner,
        "batches": [int(b) for b in SHOWN],
        "api": get_api_price(ARTICLE_API).name,
        "api_usd_per_1k_output": get_api_price(ARTICLE_API).usd_per_1k_output,
        "interval_level": INTERVAL_LEVEL,
        "points": [found[v] for v in itertools.product(*[options[k] for k in outer])],
    }


def lookup(spec: dict, **choice) -> dict:
    """The point of a ``grid`` for one choice of every axis, as the page finds it: the
    outer axes index the points, the inner one (if any) an entry of the point."""
    index, inner = 0, None
    for axis in spec["axes"]:
        values = [v for v, _ in axis["options"]]
        if axis["name"] == spec.get("inner"):
            inner = values.index(choice[axis["name"]])
            continue
        index = index * len(values) + values.index(choice[axis["name"]])
    point = dict(spec["points"][index])
    if inner is not None:
        point.update(point.pop(spec["inner"])[inner])
    return point
