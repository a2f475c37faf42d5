"""Judging the per-op model on sources it never saw (chapter 10): the round numbers it must
beat, every source group predicted by a fit on the others, errors read as the time each
measurement implies, and prediction intervals built from those held-out errors exactly as
``estimate(..., interval=...)`` builds them (``serving.intervals``).
"""

from __future__ import annotations

import numpy as np

from ..serving import intervals
from .public import Measurement
from .server_fit import KINDS, Constants, Design, fit, priors, replace

SCORED = ("ttft", "itl", "throughput", "e2e")


def plain(design: Design, share: float = 0.6) -> Constants:
    """The round numbers, not fitted: every share 0.6, each engine's documented or round
    fixed costs (the baseline a fit must beat, chapter 10)."""
    c = priors(design)
    return replace(c, **{k: {key: share for key in design.keys[k]} for k in KINDS})


def leave_one_group_out(design: Design, iterations: int = 25) -> np.ndarray:
    """log(predicted / printed) for every row, each group's rows predicted by a fit on all
    the other groups (chapter 10's headline)."""
    out = np.full(design.value.size, np.nan)
    for g in sorted(set(design.group)):
        held = np.flatnonzero(design.group == g)
        rest = np.flatnonzero(design.group != g)
        c = fit(design, rest, iterations=iterations)
        out[held] = design.errors(c, held)
    return out


RATES = ("tokens_per_s_per_user", "output_tokens_per_s", "output_tokens_per_s_per_gpu",
         "total_tokens_per_s", "total_tokens_per_s_per_gpu", "requests_per_s")  # fmt: skip


def time_errors(design: Design, log_errors, index=None) -> np.ndarray:
    """Each row's log error as the time it measures: log(predicted / printed) for a
    latency; for a rate, log(printed / predicted), the error of the time it implies.
    ``index`` names the rows ``log_errors`` belongs to (all of them when None)."""
    e = np.asarray(log_errors, dtype=float)
    metric = design.metric if index is None else design.metric[np.asarray(index)]
    return np.where(np.isin(metric, RATES), -e, e)


def relative(design: Design, log_errors, index=None) -> np.ndarray:
    """Each row's relative error as the time it measures: predicted / printed - 1 for a
    latency, printed / predicted - 1 for a rate (``time_errors``)."""
    return np.expm1(time_errors(design, log_errors, index))


def mean_abs_error(design: Design, log_errors, balanced: bool = False) -> dict[str, float]:
    """The mean absolute relative error per metric kind (``relative``): over rows, or with
    every source group weighing the same (``balanced``)."""
    err = np.abs(relative(design, log_errors))
    out = {}
    for k in SCORED:
        m = design.kind == k
        if not np.any(m):
            continue
        if not balanced:
            out[k] = float(np.mean(err[m]))
            continue
        groups = sorted(set(design.group[m]))
        out[k] = float(np.mean([np.mean(err[m & (design.group == g)]) for g in groups]))
    return out


def residual_class(row: Measurement) -> str:
    """The class a row's residual is pooled in for prediction intervals: its metric kind,
    GPU generation, weight format and architecture ("itl/hopper/8/dense",
    ``serving.intervals``)."""
    return intervals.residual_class(row.metric_kind, row.gpu, row.dtype, row.model)


def coverage(design: Design, log_errors, level: float = 0.8) -> dict:
    """The share of each metric kind's rows inside an interval of ``level`` built, for
    each source group, from the other groups' held-out errors exactly as ``estimate`` builds
    one (``serving.intervals.pooled_bounds``). About ``level`` is wanted."""
    errors = time_errors(design, log_errors)
    classes = np.array([residual_class(r) for r in design.rows])
    kinds = design.kind
    inside = np.zeros(errors.size, dtype=bool)
    for g in sorted(set(design.group)):
        held = design.group == g
        others = ~held
        for c in sorted(set(classes[held])):
            lo, hi = intervals.pooled_bounds(errors[others], design.group[others],
                                             classes[others], kinds[others], c, level)  # fmt: skip
            rows = held & (classes == c)
            inside[rows] = (lo <= -errors[rows]) & (-errors[rows] <= hi)
    return {k: float(np.mean(inside[kinds == k])) for k in SCORED if np.any(kinds == k)}


def interval_width(design: Design, log_errors, level: float = 0.8) -> dict:
    """The median width of those intervals per metric kind, as high bound over low bound:
    1.5 is an interval whose top is 1.5 times its bottom (an interval too wide is useless)."""
    errors = time_errors(design, log_errors)
    classes = np.array([residual_class(r) for r in design.rows])
    kinds = design.kind
    ratio = np.ones(errors.size)
    for g in sorted(set(design.group)):
        held = design.group == g
        others = ~held
        for c in sorted(set(classes[held])):
            lo, hi = intervals.pooled_bounds(errors[others], design.group[others],
                                             classes[others], kinds[others], c, level)  # fmt: skip
            ratio[held & (classes == c)] = np.exp(hi - lo)
    return {k: float(np.median(ratio[kinds == k])) for k in SCORED if np.any(kinds == k)}
