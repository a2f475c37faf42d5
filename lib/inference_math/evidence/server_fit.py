"""The per-op model against published measurements: predict every row at once, fit the
shares and the engines' fixed costs with priors toward the physics, and judge the fit on
sources it never saw (chapter 10).

Every row becomes a deployment (its model, GPUs, formats, engine and way of splitting
attention, and the server's share of memory where the row states it) and a load (a static
batch, clients keeping requests in flight, or every request at once: ``offline_batch``);
the deployments are stacked into one ``DeploymentTable`` and timed by the same
functions ``estimate`` uses. A row's prediction is the printed metric: seconds to the first
token (with the wait for a slot), seconds between tokens or tokens a second per user,
tokens (or requests) a second in all or per GPU, or a request's whole latency.

The constants (``Constants``) are shares of peak, each kept between zero and its measured
ceiling (``hardware.efficiency.ceiling``) and pulled toward its prior, and each engine's
fixed costs, kept positive; they minimise the weighted sum of squared log errors, each
source group weighing the square root of its rows (so that one suite of thousands of rows
does not drown a paper of twenty), plus the priors' penalties.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..hardware import efficiency as eff
from ..hardware.gpus import GPUS
from ..model.catalog import MODELS
from ..model.formats import KV_DTYPES, dtype_name
from ..serving.batching import continuous_batch, offline_batch, static_batch
from ..serving.deployment import Deployment
from ..serving.engines import ENGINE_NAMES, PRIOR_FIXED_COSTS
from ..serving.table import stack
from .public import Measurement, scored

# The engine profile a row's engine is timed with; the others are timed as "generic".
ENGINE_OF = {"tensorrt-llm": "tensorrt-llm", "nvidia-nim": "tensorrt-llm", "vllm": "vllm",
             "sglang": "sglang", "gpt-fast": "gpt-fast"}  # fmt: skip
KINDS = ("weights_mbu", "products_mfu", "kv_mbu", "attention_mfu", "expert_mbu")
# Shares the fit leaves at their priors: the routed experts' (its sources disagree threefold:
# DeepSeek on 2025 engines against the same model on 2026 ones; chapter 10 shows both).
UNFITTED = ("expert_mbu",)
# How far a share may stray from its prior, in logit units of its share of the ceiling, and
# an engine's fixed cost from its prior, in natural-log units.
PRIOR_SD = {"share": 1.0, "time": 1.5, "exponent": 0.2}
# Every request of an offline run at once: a number no cache holds.
ALL_AT_ONCE = 1e6


@dataclass(frozen=True)
class Constants:
    """The per-op model's fitted constants: shares by class (``hardware.efficiency``'s keys)
    and each engine's fixed costs, (step, prefill per layer) in seconds."""

    weights_mbu: dict
    products_mfu: dict
    kv_mbu: dict
    attention_mfu: dict
    expert_mbu: dict
    engines: dict
    tp_exponent: float = 0.0


def row_class(row: Measurement, kind: str):
    """The class key of a row's share of ``kind`` (chapter 10)."""
    gen = GPUS[row.gpu].generation
    if kind == "weights_mbu":
        return gen, eff.weight_format(row.dtype)
    if kind == "products_mfu":
        return gen, eff.product_bits(row.gpu, row.dtype)
    return gen


def kv_format(row: Measurement) -> str:
    """The cache's format: as printed, else the weights' for TensorRT-LLM's fp8 builds (which
    quantize the cache too), else bf16."""
    if row.kv_dtype in KV_DTYPES:
        return row.kv_dtype
    dtype = dtype_name(row.dtype)
    return "fp8" if dtype == "fp8" and ENGINE_OF.get(row.engine) == "tensorrt-llm" else "bf16"


def deployment_for(row: Measurement) -> Deployment:
    """The library's deployment of a row (its efficiencies the priors; a fit replaces them),
    with the share of memory the server was told it may fill where the row states it."""
    stated = {} if row.usable_memory is None else {"usable_memory": row.usable_memory}
    return Deployment(
        MODELS[row.model], GPUS[row.gpu], gpus=row.gpus, dtype=dtype_name(row.dtype),
        kv_dtype=kv_format(row), usd_per_gpu_hour=0.0, engine=ENGINE_OF.get(row.engine),
        attention_parallelism=row.attention, **stated,
    )  # fmt: skip


class Design:
    """Every scored row, stacked once, so that a set of constants costs a few array passes.
    ``predict(constants)`` gives each row's metric; ``errors`` log(predicted / printed)."""

    def __init__(self, rows: list[Measurement]):
        self.rows = scored(rows)
        cache: dict = {}
        tables = []
        for r in self.rows:
            key = (r.model, r.gpu, r.gpus, r.dtype, kv_format(r), ENGINE_OF.get(r.engine),
                   r.attention, r.usable_memory)  # fmt: skip
            if key not in cache:
                cache[key] = deployment_for(r).table
            tables.append(cache[key])
        self.table = stack(tables)
        rs = self.rows
        self.value = np.array([r.value for r in rs])
        self.batch = np.array([float(r.batch or ALL_AT_ONCE) for r in rs])
        self.prompt = np.array([r.prompt for r in rs], dtype=float)
        self.completion = np.array([max(r.completion, 1.0) for r in rs], dtype=float)
        self.served_as = np.array([r.served_as for r in rs])
        self.recv_interval = np.array([float(r.recv_interval) for r in rs])
        self.metric = np.array([r.metric for r in rs])
        self.kind = np.array([r.metric_kind for r in rs])
        self.group = np.array([r.group for r in rs])
        self.engine = np.array([ENGINE_OF.get(r.engine, "generic") for r in rs])
        self.server = np.array([r.harness == "server" for r in rs])
        self.classes = {k: [row_class(r, k) for r in rs] for k in KINDS}
        # each kind's distinct classes, their priors, and each row's index among them
        self.keys, self.index, self.prior = {}, {}, {}
        for k in KINDS:
            keys = sorted(set(self.classes[k]), key=str)
            where = {key: i for i, key in enumerate(keys)}
            self.keys[k] = keys
            self.index[k] = np.array([where[key] for key in self.classes[k]])
            first = {key: r for key, r in zip(self.classes[k], rs)}
            self.prior[k] = np.array([eff.prior(k, first[key].gpu, first[key].dtype)
                                      for key in keys])  # fmt: skip
        self.engines = sorted(set(self.engine))
        self.engine_index = np.array([self.engines.index(e) for e in self.engine])
        self.gpus = self.table.gpus
        self.n_layers = self.table.n_layers

    def with_constants(self, c: Constants):
        """The stacked table with the constants' shares and fixed costs, row by row; a class
        the constants lack keeps its prior."""
        shares = {}
        for k in KINDS:
            table = getattr(c, k)
            values = np.array([table.get(key, p) for key, p in zip(self.keys[k], self.prior[k])])
            shares[k] = values[self.index[k]]
        fixed = np.array([c.engines.get(e, _engine_prior(e))
                          for e in self.engines])[self.engine_index]  # fmt: skip
        return self.table.replace(
            weights_mbu=shares["weights_mbu"], products_mfu=shares["products_mfu"],
            kv_mbu=shares["kv_mbu"], attention_mfu=shares["attention_mfu"],
            expert_mbu=shares["expert_mbu"], tp_mfu_exponent=c.tp_exponent,
            overhead_s=fixed[:, 0], prefill_overhead_s=fixed[:, 1] * self.n_layers,
            request_overhead_s=np.where(self.server, fixed[:, 2], 0.0),
        )  # fmt: skip

    def predict(self, c: Constants, index=None) -> np.ndarray:
        """Each row's predicted metric under constants ``c`` (rows ``index`` only, if given)."""
        idx = np.arange(self.value.size) if index is None else np.asarray(index)
        table = self.with_constants(c).take(idx)
        b, n, m = self.batch[idx], self.prompt[idx], self.completion[idx]
        out = np.empty(idx.size)
        served_as = self.served_as[idx]
        with np.errstate(all="ignore"):
            for how, run in (("static", static_batch), ("continuous", continuous_batch),
                             ("offline", offline_batch)):  # fmt: skip
                mask = served_as == how
                if not np.any(mask):
                    continue
                extra = {}
                if how == "continuous":  # the scheduler's polls, where a launch states them
                    extra["recv_interval"] = self.recv_interval[idx][mask]
                r = run(table.take(mask), b[mask], n[mask], m[mask], **extra)
                out[mask] = self._metric(r, self.metric[idx][mask], self.gpus[idx][mask],
                                         b[mask], n[mask], m[mask])  # fmt: skip
        return out

    @staticmethod
    def _metric(r, metric, gpus, b, n, c):
        rate = r["output_tokens_per_s"]
        requests = rate / c
        values = {
            "ttft_s": r["ttft_s"],
            "itl_s": r["itl_s"],
            "tokens_per_s_per_user": 1 / r["itl_s"],
            "output_tokens_per_s": rate,
            "output_tokens_per_s_per_gpu": rate / gpus,
            "total_tokens_per_s": requests * (n + c),
            "total_tokens_per_s_per_gpu": requests * (n + c) / gpus,
            "requests_per_s": requests,
            "e2e_latency_s": r["ttft_s"] + r["completion_s"],
        }
        out = np.full(metric.shape, np.nan)
        for name, v in values.items():
            out = np.where(metric == name, v, out)
        return out

    def errors(self, c: Constants, index=None) -> np.ndarray:
        """log(predicted / printed) per row."""
        idx = np.arange(self.value.size) if index is None else np.asarray(index)
        return np.log(self.predict(c, idx) / self.value[idx])

    def weights(self, index=None) -> np.ndarray:
        """Each row's weight in a fit: every (group, metric kind) weighs the square root of
        its rows."""
        idx = np.arange(self.value.size) if index is None else np.asarray(index)
        keys = [f"{g}|{k}" for g, k in zip(self.group[idx], self.kind[idx])]
        counts: dict = {}
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        return np.array([1 / np.sqrt(counts[k]) for k in keys])


def priors(design: Design) -> Constants:
    """The constants at their priors: each class's share ``hardware.efficiency.prior``, each
    engine's documented or round fixed costs."""
    tables = {k: dict(zip(design.keys[k], design.prior[k].tolist())) for k in KINDS}
    engines = {e: _engine_prior(e) for e in ENGINE_NAMES}
    return Constants(**tables, engines=engines)


def _engine_prior(name: str) -> tuple[float, float, float]:
    return PRIOR_FIXED_COSTS[name]


def replace(c: Constants, **changes) -> Constants:
    return dataclasses.replace(c, **changes)


# ----- fitting ---------------------------------------------------------------------------

# Log errors beyond this count less and less (a pseudo-Huber loss, fitted by reweighting):
# one source's 10x miss must not drag every constant toward it.
ROBUST_SCALE = 0.5


@dataclass(frozen=True)
class Parameter:
    """One fitted number: a share (kind, class key, its ceiling and prior) or an engine's
    fixed cost (kind "step" or "prefill", the engine's name, and its prior in seconds)."""

    kind: str
    key: object
    ceiling: float
    prior: float


def parameters(design: Design) -> list[Parameter]:
    """What a fit on ``design`` can move: every share class its rows use, and the step and
    per-layer prefill costs of every engine they name."""
    out = []
    for k in KINDS:
        if k in UNFITTED:
            continue
        first = {key: r for key, r in zip(design.classes[k], design.rows)}
        for key, p in zip(design.keys[k], design.prior[k]):
            r = first[key]
            out.append(Parameter(k, key, eff.ceiling(k, r.gpu, r.dtype), float(p)))
    for e in design.engines:
        step, prefill, request = _engine_prior(e)
        out.append(Parameter("step", e, np.inf, step))
        out.append(Parameter("prefill", e, np.inf, prefill))
        if request > 0 and np.any(design.server & (design.engine == e)):
            out.append(Parameter("request", e, np.inf, request))
    out.append(Parameter("exponent", "tp", np.inf, 0.0))
    return out


def _to_theta(params: list[Parameter], values) -> np.ndarray:
    out = []
    for p, v in zip(params, values):
        if p.kind in KINDS:
            x = np.clip(v / p.ceiling, 1e-6, 1 - 1e-6)
            out.append(np.log(x / (1 - x)))
        elif p.kind == "exponent":
            out.append(v)
        else:
            out.append(np.log(v))
    return np.array(out)


def _values(params: list[Parameter], c: Constants) -> list[float]:
    """The parameters' values in ``c`` (a class ``c`` lacks: its prior)."""
    out = []
    for p in params:
        if p.kind in KINDS:
            out.append(getattr(c, p.kind).get(p.key, p.prior))
        elif p.kind == "exponent":
            out.append(c.tp_exponent)
        else:
            fixed = c.engines.get(p.key, _engine_prior(p.key))
            out.append(fixed[("step", "prefill", "request").index(p.kind)])
    return out


def _constants(params: list[Parameter], theta) -> Constants:
    tables = {k: {} for k in KINDS}
    engines: dict = {}
    exponent = 0.0
    for p, t in zip(params, np.clip(theta, -30, 30)):
        if p.kind in KINDS:
            tables[p.kind][p.key] = float(p.ceiling / (1 + np.exp(-t)))
        elif p.kind == "exponent":
            exponent = float(np.clip(t, -0.5, 1.0))
        else:
            values = list(engines.get(p.key, _engine_prior(p.key)))
            values[("step", "prefill", "request").index(p.kind)] = float(np.exp(t))
            engines[p.key] = tuple(values)
    return Constants(**tables, engines=engines, tp_exponent=exponent)


def _affected(design: Design, p: Parameter) -> np.ndarray:
    """The rows a parameter moves: its class's, or its engine's."""
    if p.kind in KINDS:
        i = design.keys[p.kind].index(p.key)
        return np.flatnonzero(design.index[p.kind] == i)
    if p.kind == "exponent":
        return np.flatnonzero(design.gpus > 1)
    if p.kind == "request":
        return np.flatnonzero((design.engine == p.key) & design.server)
    return np.flatnonzero(design.engine == p.key)


def fit(design: Design, index=None, iterations: int = 25, start: Constants | None = None
        ) -> Constants:  # fmt: skip
    """The constants that minimise the robust, weighted squared log errors of rows
    ``index`` (all when None) plus the priors' penalties: each share's logit of its share of
    the ceiling ``PRIOR_SD["share"]`` from its prior's, each fixed cost's log
    ``PRIOR_SD["time"]`` from its prior's. Levenberg-Marquardt from the priors (or from
    ``start``: a test checks that the committed constants are where the search stops), the
    Jacobian by finite differences on the rows each parameter moves. Chapter 10 runs it."""
    rows = np.arange(design.value.size) if index is None else np.asarray(index)
    params = parameters(design)
    theta0 = _to_theta(params, [p.prior for p in params])
    sd = np.array([PRIOR_SD["share"] if p.kind in KINDS
                   else PRIOR_SD.get(p.kind, PRIOR_SD["time"]) for p in params])  # fmt: skip
    base = design.weights(rows)
    affected = [np.intersect1d(_affected(design, p), rows) for p in params]
    position = {r: i for i, r in enumerate(rows)}
    theta = theta0.copy() if start is None else _to_theta(params, _values(params, start))

    def residuals(t, e=None):
        e = design.errors(_constants(params, t), rows) if e is None else e
        robust = base / np.sqrt(1 + (e / ROBUST_SCALE) ** 2)
        return np.concatenate([np.sqrt(robust) * e, (t - theta0) / sd]), e

    r, e = residuals(theta)
    damping = 1e-2
    for _ in range(iterations):
        robust = np.sqrt(base / np.sqrt(1 + (e / ROBUST_SCALE) ** 2))
        jac = np.zeros((r.size, theta.size))
        for k, idx in enumerate(affected):
            step = np.zeros_like(theta)
            step[k] = 1e-4
            if idx.size:
                moved = design.errors(_constants(params, theta + step), idx)
                at = np.array([position[i] for i in idx])
                jac[at, k] = robust[at] * (moved - e[at]) / 1e-4
            jac[rows.size + k, k] = 1 / sd[k]
        grad = jac.T @ r
        a = jac.T @ jac
        improved = False
        while damping < 1e8:
            delta = np.linalg.solve(a + damping * np.diag(np.diag(a) + 1e-9), -grad)
            trial, e_trial = residuals(theta + delta)
            if np.all(np.isfinite(trial)) and trial @ trial < r @ r:
                gain = r @ r - trial @ trial
                theta, r, e = theta + delta, trial, e_trial
                damping = max(damping / 3, 1e-7)
                improved = True
                break
            damping *= 4
        if not improved or gain < 1e-8 * (r @ r):
            break
    return _constants(params, theta)
