"""Published measurements of real servers, and the per-op model's defaults fitted to them
(chapter 10).

``data/public-measurements.csv`` holds what serving engines' authors published: time to
first token (TTFT), time between output tokens (ITL), tokens per second, each with its
engine, version, date, model, number formats, GPU, tensor-parallel degree, batch or
concurrency, prompt and completion lengths and source. ``predict`` times a row with the
library: ``served_as`` says whether the row is a static batch (a single request is a batch of
one) or continuous batching, and a continuous row whose concurrency exceeds what fits in
memory runs the batch that fits while the rest of the clients queue for a slot (Little's
law: they wait (concurrency - in flight) / requests per second).

``fit`` finds the per-op model's constants (MFU and MBU by GPU generation and weight
precision, the fixed cost per forward pass, the all-reduce latency) by least squares on
the logarithm of predicted over measured, with every constant kept physical (shares in
(0, 1], times not negative). ``FIT_SOURCES`` are the sources published up to 2023; the
ones published later are held out: the library's defaults (``efficiency.py``) are the fit on
``FIT_SOURCES`` alone, and their error on the held-out sources is what chapter 10 reports.
``bootstrap`` resamples the fitting sources to give each constant an interval.

Assumptions, each stated in the data's notes or here: a KV dtype the source does not state
is the weights' for fp8 engines (TensorRT-LLM's fp8 builds quantize the cache) and bf16
otherwise; 90% of memory is usable; activations cross GPUs in 16-bit.
"""

from __future__ import annotations

import dataclasses
import pathlib
from dataclasses import dataclass

import numpy as np

from ..serving.batching import continuous_batch, static_batch
from ..core.datafiles import data_path, number, read_csv
from ..serving.deployment import Deployment
from ..hardware import efficiency as e
from ..hardware.efficiency import ROUND_MBU, ROUND_MFU, Fitted, mbu_class, mfu_class
from ..model.formats import KV_DTYPES, dtype_name
from ..hardware.gpus import GPUS
from ..model.catalog import MODELS

PUBLIC_FILE = "public-measurements.csv"
PUBLIC_COLUMNS = (
    "source_id", "engine", "engine_version", "date", "model", "dtype", "kv_dtype", "gpu", "tp",
    "batch_or_concurrency", "concurrency_kind", "served_as", "prompt_tokens",
    "completion_tokens", "metric", "value", "unit", "statistic", "url", "notes",
)  # fmt: skip
# The two latencies the held-out error is reported for; tokens per second per user at batch
# one is 1 / ITL and counts as ITL.
METRICS = ("ttft_s", "itl_s")
# The project's goal for the defaults' mean absolute error on the held-out sources.
HELD_OUT_GOAL = {"ttft_s": 0.15, "itl_s": 0.15}
FIT_SOURCES = ("databricks-2023", "trtllm-perf-v05", "lmdeploy-a100-2023", "gpt-fast-2023")


@dataclass(frozen=True)
class Measurement:
    """One published figure: a row of ``data/public-measurements.csv``, typed."""

    source: str
    engine: str
    version: str
    date: str
    model: str
    dtype: str
    kv_dtype: str
    gpu: str
    tp: int
    batch: int
    served_as: str
    prompt: int | None
    completion: int | None
    metric: str
    value: float
    url: str
    notes: str

    @property
    def metric_kind(self) -> str:
        """ "ttft_s" or "itl_s" for the two latencies (tokens/s per user is an ITL), else the
        metric itself."""
        return "itl_s" if self.metric == "tokens_per_s_per_user" else self.metric

    @property
    def why_not_modelled(self) -> str | None:
        """None if the library can predict this row, else the reason it cannot."""
        if self.model not in MODELS:
            return f"model {self.model} is not in the catalog"
        if self.gpu not in GPUS:
            return f"GPU {self.gpu} is not in the catalog"
        try:
            dtype_name(self.dtype)
        except ValueError:
            return f"number format {self.dtype} is not one the library models"
        if not self.served_as:
            return "an open-loop request rate or an engine's own maximum throughput"
        if self.prompt is None:
            return "prompt length not fixed (a dataset of varied lengths)"
        if self.metric_kind not in METRICS + ("mbu",):
            return f"metric {self.metric} is reported, not scored"
        return None


def load_public_measurements(path=None) -> list[Measurement]:
    """Every row of the published measurements (``data/public-measurements.csv``), typed and
    checked; a bad value raises a ValueError naming the file and the line."""
    p = pathlib.Path(path) if path is not None else data_path(PUBLIC_FILE)
    where = str(p)
    _, rows = read_csv(p, "public measurements", PUBLIC_COLUMNS)
    out = []
    for r in rows:
        out.append(Measurement(
            source=r["source_id"], engine=r["engine"], version=r["engine_version"],
            date=r["date"], model=r["model"], dtype=r["dtype"], kv_dtype=r["kv_dtype"],
            gpu=r["gpu"], tp=number(where, r, "tp", int, minimum=1),
            # a request rate (qps, "inf" for all at once) is kept in the file, not modelled
            batch=0 if r["concurrency_kind"] == "qps"
            else number(where, r, "batch_or_concurrency", int, minimum=1),
            served_as=r["served_as"],
            prompt=number(where, r, "prompt_tokens", int, minimum=0, empty_ok=True),
            completion=number(where, r, "completion_tokens", int, minimum=0, empty_ok=True),
            metric=r["metric"], value=number(where, r, "value", strictly_above=0),
            url=r["url"], notes=r["notes"],
        ))  # fmt: skip
    return out


# ----- the model's constants ---------------------------------------------------------------


@dataclass(frozen=True)
class ServerConstants:
    """The per-op model's constants: MFU by (generation, weight bits), MBU by (generation,
    weight bits), the fixed overhead per forward pass, the further overhead of a prefill pass
    and the latency per all-reduce; ``step_model`` says how a forward pass is timed (the three
    times are the per-op model's and count for nothing under "article")."""

    mfu: dict
    mbu: dict
    overhead_s: float
    prefill_overhead_per_layer_s: float
    allreduce_latency_s: float
    step_model: str = "per-op"

    def efficiency(self, gpu: str, dtype: str) -> tuple[float, float]:
        """(MFU, MBU) for a row, with ``efficiency.server_efficiency``'s classes and
        fallbacks: its class, else its generation at 16 bits, else the round 0.6."""
        gen = GPUS[gpu].generation
        mfu = self.mfu.get(mfu_class(gpu, dtype), self.mfu.get((gen, 16), ROUND_MFU))
        mbu = self.mbu.get(mbu_class(gpu, dtype), self.mbu.get((gen, 16), ROUND_MBU))
        return mfu, mbu


def deployment_for(row: Measurement, constants: ServerConstants) -> Deployment:
    """The library's deployment of a row under the given constants and their step model."""
    dtype = dtype_name(row.dtype)
    kv = row.kv_dtype if row.kv_dtype in KV_DTYPES else ("fp8" if dtype == "fp8" else "bf16")
    if dtype == "int4" and kv == "int4":
        kv = "bf16"
    mfu, mbu = constants.efficiency(row.gpu, dtype)
    return Deployment(
        MODELS[row.model], GPUS[row.gpu], gpus=row.tp, dtype=dtype, kv_dtype=kv, mfu=mfu,
        mbu=mbu, usd_per_gpu_hour=0.0, step_model=constants.step_model,
        overhead_s=constants.overhead_s,
        prefill_overhead_s=constants.prefill_overhead_per_layer_s * MODELS[row.model].n_layers,
        allreduce_latency_s=constants.allreduce_latency_s,
    )  # fmt: skip


def predict(row: Measurement, constants: ServerConstants) -> float:
    """The library's value for a modelled row's metric (seconds, or tokens/s per user)."""
    dep = deployment_for(row, constants)
    n, c = row.prompt, max(row.completion or 1, 1)
    if row.served_as == "static":
        r = static_batch(dep, row.batch, n, c)
        ttft, itl = float(r["ttft_s"]), float(r["itl_s"])
    else:
        slots = max(int(dep.kv_capacity_tokens // dep.attended(n + c)), 1)
        flight = min(row.batch, slots)
        r = continuous_batch(dep, flight, n, c)
        queue = (row.batch - flight) / float(r["output_tokens_per_s"] / c)
        ttft, itl = float(r["ttft_s"]) + queue, float(r["itl_s"])
    if row.metric == "ttft_s":
        return ttft
    if row.metric == "mbu":  # bytes a step reads over the step's time and the peak bandwidth
        cached = dep.attended(n + c / 2)  # sliding-window layers read their window at most
        read = dep.weight_bytes_read(row.batch) + row.batch * cached * dep.kv_bytes_per_token
        return float(read / itl / (dep.gpus * dep.gpu.bandwidth_bytes_per_s))
    return 1 / itl if row.metric == "tokens_per_s_per_user" else itl


def scored(rows: list[Measurement], sources=None) -> list[Measurement]:
    """The rows the library models, from ``sources`` (all when None)."""
    return [r for r in rows if r.why_not_modelled is None
            and (sources is None or r.source in sources)]  # fmt: skip


def log_errors(rows: list[Measurement], constants: ServerConstants) -> np.ndarray:
    """log(predicted / measured) per row."""
    return np.array([np.log(predict(r, constants) / r.value) for r in rows])


def relative_errors(rows: list[Measurement], constants: ServerConstants) -> np.ndarray:
    """predicted / measured - 1 per row, for the latency itself (an ITL row given as tokens
    per second per user is compared as the ITL it implies)."""
    err = np.exp(log_errors(rows, constants))
    flip = np.array([r.metric == "tokens_per_s_per_user" for r in rows])
    return np.where(flip, 1 / err, err) - 1


def mean_abs_error(rows: list[Measurement], constants: ServerConstants) -> dict[str, float]:
    """Mean absolute relative error of TTFT and of ITL over ``rows``."""
    err = relative_errors(rows, constants)
    kinds = np.array([r.metric_kind for r in rows])
    return {m: float(np.mean(np.abs(err[kinds == m]))) if np.any(kinds == m) else float("nan")
            for m in METRICS}  # fmt: skip


# ----- fitting -----------------------------------------------------------------------------


def _classes(rows: list[Measurement]):
    """The MFU and MBU classes ``rows`` can inform (``efficiency.mfu_class``, ``mbu_class``).
    Weight-only int8 rows (gpt-fast) run their products in bf16: they inform no int8 MFU
    class, and their batch-one decode steps depend on the MBU alone."""
    mfu = {mfu_class(r.gpu, "bf16" if r.dtype == "int8" else r.dtype) for r in rows}
    mbu = {mbu_class(r.gpu, r.dtype) for r in rows}
    return sorted(mfu), sorted(mbu)


def _unpack(theta, mfu_keys, mbu_keys) -> ServerConstants:
    theta = np.clip(theta, -40, 40)  # far beyond any share or time that matters
    share = 1 / (1 + np.exp(-theta[:-3]))  # logistic: a share in (0, 1)
    k, m = len(mfu_keys), len(mbu_keys)
    mbu = dict(zip(mbu_keys, share[k : k + m]))
    return ServerConstants(
        mfu=dict(zip(mfu_keys, share[:k])), mbu=mbu, overhead_s=float(np.exp(theta[-3])),
        prefill_overhead_per_layer_s=float(np.exp(theta[-2])),
        allreduce_latency_s=float(np.exp(theta[-1])),
    )  # fmt: skip


def fit(rows: list[Measurement], iterations: int = 100) -> ServerConstants:
    """Least-squares constants for ``rows`` (scored rows only): minimise the sum of
    log(predicted / measured)^2 by Levenberg-Marquardt in unconstrained coordinates (logit
    of each share, log of each time), so every constant stays physical. Classes as in
    ``_classes``; a class no row depends on is left out of the result."""
    rows = scored(rows)
    mfu_keys, mbu_keys = _classes(rows)
    theta = np.concatenate([np.full(len(mfu_keys) + len(mbu_keys), np.log(0.6 / 0.4)),
                            [np.log(1e-3), np.log(1e-4), np.log(1e-5)]])  # fmt: skip

    def residuals(t):
        return log_errors(rows, _unpack(t, mfu_keys, mbu_keys))

    r = residuals(theta)
    damping = 1e-3
    for _ in range(iterations):
        jac = np.empty((r.size, theta.size))
        for k in range(theta.size):
            step = np.zeros_like(theta)
            step[k] = 1e-6
            jac[:, k] = (residuals(theta + step) - r) / 1e-6
        while damping < 1e8:
            a = jac.T @ jac
            delta = np.linalg.solve(a + damping * np.diag(np.diag(a) + 1e-12), -jac.T @ r)
            trial = residuals(theta + delta)
            if trial @ trial < r @ r:
                theta, gain, r = theta + delta, r @ r - trial @ trial, trial
                damping = max(damping / 3, 1e-9)
                break
            damping *= 4
        else:
            break
        if gain < 1e-12 * max(r @ r, 1e-300):
            break
    fitted = _unpack(theta, mfu_keys, mbu_keys)
    # A share no row depends on keeps its starting value: it was not fitted, so it is left
    # out, and the library falls back for it (the Jacobian's column is zero).
    blind = np.all(np.abs(jac) < 1e-9, axis=0)
    k = len(mfu_keys)
    return dataclasses.replace(
        fitted,
        mfu={key: v for i, (key, v) in enumerate(fitted.mfu.items()) if not blind[i]},
        mbu={key: v for i, (key, v) in enumerate(fitted.mbu.items()) if not blind[k + i]},
    )


def bootstrap(rows: list[Measurement], repeats: int = 100, seed: int = 2026):
    """Refit on ``repeats`` resamples of the fitting sources (whole sources drawn with
    replacement, so rows of one source stay together) and return the fits."""
    rows = scored(rows)
    sources = sorted({r.source for r in rows})
    rng = np.random.default_rng(seed)
    fits = []
    for _ in range(repeats):
        drawn = rng.choice(sources, size=len(sources), replace=True)
        sample = [r for s in drawn for r in rows if r.source == s]
        fits.append(fit(sample, iterations=40))
    return fits


def interval(point: float, draws, low: float = 5, high: float = 95) -> Fitted:
    """A constant with the 5th to 95th percentile of its bootstrap draws."""
    d = np.asarray(list(draws), dtype=float)
    return Fitted(point, float(np.percentile(d, low)), float(np.percentile(d, high)))


def held_out(rows: list[Measurement]) -> list[Measurement]:
    """The scored rows of the sources not used for fitting."""
    return [r for r in scored(rows) if r.source not in FIT_SOURCES]


def fit_sources(rows: list[Measurement]) -> list[Measurement]:
    """The scored rows of ``FIT_SOURCES``."""
    return scored(rows, FIT_SOURCES)


def library_defaults() -> ServerConstants:
    """The constants the library uses by default (``efficiency.py``), as ``ServerConstants``."""
    return ServerConstants(
        mfu={k: v.value for k, v in e.MFU.items()},
        mbu={k: v.value for k, v in e.MBU.items()},
        overhead_s=e.OVERHEAD_S.value,
        prefill_overhead_per_layer_s=e.PREFILL_OVERHEAD_PER_LAYER_S.value,
        allreduce_latency_s=e.ALLREDUCE_LATENCY_S.value,
    )  # fmt: skip


def article_defaults() -> ServerConstants:
    """The article's model as the library ran it before the per-op model: one max() per step,
    MFU = MBU = 0.6 on every GPU and format, no overheads, no all-reduces."""
    return ServerConstants(mfu={}, mbu={}, overhead_s=0.0, prefill_overhead_per_layer_s=0.0,
                           allreduce_latency_s=0.0, step_model="article")  # fmt: skip


def replace(constants: ServerConstants, **changes) -> ServerConstants:
    return dataclasses.replace(constants, **changes)
