"""Prediction intervals for the per-op model, from its errors on sources it was not fitted on
(chapter 10).

``benchmarks/public_measurements.py --write`` predicts every published measurement with
constants fitted on the *other* source groups and writes each error to
``data/serving-model-residuals.csv``, as the log of predicted over measured **time** (for a
rate, measured over predicted: a rate too high is a time too short). An interval of level L
around a new prediction is the spread of those errors in its class: the metric kind (time to
first token, time between tokens, throughput), the GPU generation, the weight format and the
architecture (dense, or a mixture of experts: routing, expert parallelism and latent caches
miss in ways a dense model's prediction does not share).

Two rules keep an interval honest where the evidence is thin:

- every source group weighs the same inside a pool (one suite's 2,000 rows must not
  narrow an interval that three other suites contradict);
- a class with fewer than ``MINIMUM_ROWS`` errors, or fewer than ``MINIMUM_GROUPS``
  groups, takes the envelope of its own spread and that of its whole metric kind: an
  interval where little was measured is at least as wide as the kind's.
"""

from __future__ import annotations

import functools

import numpy as np

from ..core.datafiles import data_path, number, read_csv
from ..hardware.efficiency import weight_format
from ..hardware.gpus import get_gpu
from ..model.catalog import get_model

RESIDUALS_FILE = "serving-model-residuals.csv"
MINIMUM_ROWS = 20
MINIMUM_GROUPS = 2
# estimate()'s keys that get an interval, and the metric kind whose errors bound them. The
# prompt's price is prefill time, which only the time to first token measures; the
# completion's price is GPU-seconds per output token, the inverse of throughput.
INTERVAL_KINDS = {
    "ttft_s": "ttft",
    "itl_s": "itl",
    "output_tokens_per_s": "throughput",
    "usd_per_1k_prompt": "ttft",
    "usd_per_1k_completion": "throughput",
}
RATE_KEYS = ("output_tokens_per_s",)


def residual_class(kind: str, gpu, dtype: str, model) -> str:
    """The pool a prediction's errors come from:
    "<kind>/<generation>/<weight format>/<dense or moe>", for example "itl/hopper/8/dense"."""
    arch = "moe" if get_model(model).is_moe else "dense"
    return f"{kind}/{get_gpu(gpu).generation}/{weight_format(dtype)}/{arch}"


@functools.lru_cache(maxsize=4)
def _residuals(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    where = data_path(RESIDUALS_FILE) if path == "" else path
    _, rows = read_csv(where, "serving-model residuals", ("group", "class", "log_error"))
    groups = np.array([r["group"] for r in rows])
    classes = np.array([r["class"] for r in rows])
    errors = np.array([number(str(where), r, "log_error") for r in rows])
    return groups, classes, errors


def weighted_quantiles(errors, groups, qs) -> np.ndarray:
    """Quantiles ``qs`` of ``errors`` with each group's rows together weighing one."""
    e = np.asarray(errors, dtype=float)
    g = np.asarray(groups)
    _, inverse, counts = np.unique(g, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]
    order = np.argsort(e)
    cum = np.cumsum(w[order])
    cum = (cum - 0.5 * w[order]) / cum[-1]  # midpoints: a single group's median is its own
    return np.interp(np.asarray(qs, dtype=float), cum, e[order])


def log_bounds(errors, groups, level: float) -> tuple[float, float]:
    """(low, high) logs of the factors on a predicted *time* that span ``level`` of the
    errors: a prediction too fast by 20% (error log 0.8) needs a bound 25% slower."""
    lo, hi = weighted_quantiles(errors, groups, [(1 - level) / 2, (1 + level) / 2])
    return float(-hi), float(-lo)


def pooled_bounds(errors, groups, classes, kinds, target: str, level: float):
    """``log_bounds`` of the class ``target`` ("itl/hopper/8/dense"), widened to its kind's
    where the class is thin (fewer than ``MINIMUM_ROWS`` rows or ``MINIMUM_GROUPS``
    groups)."""
    kind = target.split("/")[0]
    in_kind = kinds == kind
    if not np.any(in_kind):
        raise ValueError(f"no residuals of metric kind {kind!r} to bound a prediction with")
    wide = log_bounds(errors[in_kind], groups[in_kind], level)
    mine = classes == target
    if mine.sum() >= MINIMUM_ROWS and np.unique(groups[mine]).size >= MINIMUM_GROUPS:
        return log_bounds(errors[mine], groups[mine], level)
    if not np.any(mine):
        return wide
    own = log_bounds(errors[mine], groups[mine], level)
    return min(own[0], wide[0]), max(own[1], wide[1])


def interval_factors(
    key: str, model, gpu, dtype: str, level: float, path=None
) -> tuple[float, float]:
    """Factors (low, high) to multiply ``estimate``'s ``key`` by for an interval of ``level``
    (0.8: 80% of held-out sources' measurements fell inside) for ``model`` on ``gpu`` with
    weights in ``dtype``. Chapter 10 derives them."""
    if not 0 < level < 1:
        raise ValueError(f"interval must be a level between 0 and 1 (0.8 for 80%), got {level!r}")
    if key not in INTERVAL_KINDS:
        raise ValueError(f"no interval for {key!r}; allowed: {', '.join(INTERVAL_KINDS)}")
    groups, classes, errors = _residuals("" if path is None else str(path))
    kinds = np.array([c.split("/")[0] for c in classes])
    target = residual_class(INTERVAL_KINDS[key], gpu, dtype, model)
    lo, hi = pooled_bounds(errors, groups, classes, kinds, target, level)
    if key in RATE_KEYS:  # a time too long by a factor is a rate too low by it
        return float(np.exp(-hi)), float(np.exp(-lo))
    return float(np.exp(lo)), float(np.exp(hi))
