"""Fitting chapter 10's timing models to the article's appendix, and their error on runs a
fit has not seen (``calibration`` holds the models and their predictions).

``fit`` finds the constants by least squares on relative error with numpy alone: the
predictions are piecewise linear in 1/MFU, 1/MBU, t_pf and 1/MBU_kv, so Gauss-Newton in those
reciprocals converges in a few steps. ``held_out_errors`` measures the error on runs a fit has
not seen, keeping every repeat of a configuration on one side of the split.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..core import checks
from ..serving.deployment import DEFAULT_MBU, DEFAULT_MFU
from ..serving.steps import mean_of_max_linear
from .appendix import APPENDIX_SOURCE, load_appendix
from .calibration import (
    TARGETS,
    TERMS,
    Calibration,
    measured_times,
    relative_errors,
    row_indices,
)


def _from_theta(theta, terms, base: Calibration) -> Calibration:
    it = iter(theta)
    fields = {"mfu": 1 / next(it), "mbu": 1 / next(it)}
    for term in TERMS:
        if term in terms:
            v = next(it)
            if term == "prefill_overhead":
                fields["prefill_overhead_s"] = v
            elif term == "kv_efficiency":
                fields["kv_mbu"] = 1 / v
            else:
                fields["step_overhead_s"] = v
    return dataclasses.replace(base, **fields)


class _Design:
    """Per-run constants of the model at unit efficiencies, so that a trial set of constants
    costs a few numpy operations (a fit evaluates hundreds). ``_predict`` on it equals
    ``predict`` (tests/chapters/test_ch10.py checks)."""

    def __init__(self, runs, idx, base: Calibration):
        dep = base.deployment()
        b = np.asarray(runs["batch"], float)[idx]
        n = np.asarray(runs["prompt_tokens"], float)[idx]
        self.c = np.asarray(runs["completion_tokens"], float)[idx]
        flops_s = dep.gpus * dep.peak_flops  # at MFU = 1
        bytes_s = dep.gpus * dep.gpu.bandwidth_bytes_per_s  # at MBU = 1
        f, a = dep.flops_per_token, dep.attention_flops_per_context_token
        kv = dep.kv_bytes_per_token
        weights = dep.weight_bytes_read(b) / bytes_s
        self.prefill_compute = b * n * (f + a * (n + 1) / 2) / flops_s
        self.prefill_memory = dep.weight_bytes_read(b * n) / bytes_s
        self.weights, self.kv0, self.kv1 = weights, b * kv * n / bytes_s, b * kv / bytes_s
        self.comp0, self.comp1 = b * (f + a * n) / flops_s, b * a / flops_s
        self.includes_prefill = base.completion_includes_prefill
        m = measured_times(runs)
        self.ttft, self.completion = m["ttft"][idx], m["completion"][idx]

    def predict(self, theta, terms):
        x, y = theta[0], theta[1]  # 1/MFU, 1/MBU
        k = 2
        t0 = z = ts = 0.0
        z = y
        if "prefill_overhead" in terms:
            t0, k = theta[k], k + 1
        if "kv_efficiency" in terms:
            z, k = theta[k], k + 1
        if "step_overhead" in terms:
            ts = theta[k]
        ttft = t0 + np.maximum(x * self.prefill_compute, y * self.prefill_memory)
        a0, a1 = y * self.weights + z * self.kv0, z * self.kv1  # memory: a0 + a1 j
        b0, b1 = x * self.comp0, x * self.comp1  # compute: b0 + b1 j
        if np.all(a0 + a1 >= b0 + b1) and np.all(a0 + a1 * self.c >= b0 + b1 * self.c):
            step = a0 + a1 * (self.c + 1) / 2  # memory-bound at every step: the exact mean
        else:
            step = mean_of_max_linear(a0, a1, b0, b1, self.c)
        step = step + ts
        return ttft, self.c * step + (ttft if self.includes_prefill else 0.0)

    def residuals(self, theta, terms, targets):
        if np.any(np.asarray(theta)[[0, 1]] < 1) or (
            "kv_efficiency" in terms and theta[2 + ("prefill_overhead" in terms)] < 1
        ):
            return np.full(self.c.size * len(targets), np.inf)  # an efficiency above 1
        ttft, completion = self.predict(theta, terms)
        parts = {"ttft": ttft / self.ttft - 1, "completion": completion / self.completion - 1}
        return np.concatenate([parts[t] for t in targets])


def fit(
    runs=None,
    terms=(),
    rows=None,
    targets=TARGETS,
    completion_includes_prefill=False,
    name: str = "",
    date: str = "",
) -> Calibration:
    """Least-squares constants on relative error: minimise the sum over runs (and over the
    ``targets``, time to first token and completion time) of (predicted / measured - 1)^2.

    ``terms`` picks optional terms from ``TERMS``; MFU and MBU are always fitted. Gauss-Newton
    in the reciprocals 1/MFU, 1/MBU, 1/MBU_kv and the overheads, in which every prediction is
    piecewise linear, with step halving whenever a step would not lower the sum. Starts from
    the book's defaults (0.6, 0.6, no overheads). Raises ValueError for unknown terms or
    targets and RuntimeError if it does not converge or lands outside (0, 1]."""
    runs = load_appendix() if runs is None else runs
    for t in terms:
        checks.lookup("calibration term", t, {k: k for k in TERMS})
    for t in targets:
        checks.lookup("calibration target", t, {k: k for k in TARGETS})
    if not targets:
        raise ValueError(f"targets must name at least one of {', '.join(TARGETS)}")
    terms = tuple(t for t in TERMS if t in terms)
    idx = row_indices(rows, len(runs["batch"]))
    base = Calibration(
        name=name or "fit",
        mfu=DEFAULT_MFU,
        mbu=DEFAULT_MBU,
        completion_includes_prefill=completion_includes_prefill,
    )
    start = {"prefill_overhead": 0.0, "kv_efficiency": 1 / DEFAULT_MBU, "step_overhead": 0.0}
    theta = np.array([1 / DEFAULT_MFU, 1 / DEFAULT_MBU] + [start[t] for t in terms])
    design = _Design(runs, idx, base)
    r = design.residuals(theta, terms, targets)
    sse = float(r @ r)
    for _ in range(200):
        jac = np.empty((r.size, theta.size))
        for k in range(theta.size):
            h = 1e-7 * max(1.0, abs(theta[k]))
            up, down = theta.copy(), theta.copy()
            up[k] += h
            down[k] -= h
            jac[:, k] = (
                design.residuals(up, terms, targets) - design.residuals(down, terms, targets)
            ) / (2 * h)
        step = np.linalg.lstsq(jac, -r, rcond=None)[0]
        if np.all(np.abs(step) <= 1e-12 * np.maximum(1.0, np.abs(theta))):
            break  # converged
        scale = 1.0
        while scale > 1e-6:
            trial = theta + scale * step
            r_trial = design.residuals(trial, terms, targets)
            if float(r_trial @ r_trial) <= sse:
                break
            scale /= 2
        else:
            break  # no descent along the step: at a minimum (or a kink)
        gain = sse - float(r_trial @ r_trial)
        theta, r, sse = trial, r_trial, sse - gain
        if gain <= 1e-15 * max(sse, 1e-300):
            break  # converged: a step no longer lowers the sum (at a kink of the max)
    else:
        raise RuntimeError("calibration fit did not converge in 200 Gauss-Newton steps")
    cal = _from_theta(theta, terms, base)
    for field in ("mfu", "mbu", "kv_mbu"):
        v = getattr(cal, field)
        if v is not None and not 0 < v <= 1:
            raise RuntimeError(
                f"fitted {field} = {v:.3g} lies outside (0, 1]: the model does "
                "not describe these runs"
            )
    what = ", ".join(("MFU", "MBU") + tuple(t.replace("_", " ") for t in terms))
    return dataclasses.replace(
        cal,
        name=name or f"least-squares fit ({what})",
        data=f"{APPENDIX_SOURCE}: {idx.size} of {len(runs['batch'])} runs",
        method=(
            "least squares on relative error of "
            + " and ".join(targets)
            + f" (Gauss-Newton in reciprocal efficiencies, numpy); fitted: {what}"
        ),
        date=date,
    )


# ----- held-out error ---------------------------------------------------------------------


def configurations(runs=None) -> np.ndarray:
    """An integer per run naming its configuration (batch, prompt, completion), numbered in
    order of first appearance: repeated runs of one configuration share a number, so a
    held-out test can keep every repeat of a configuration out of the fit together."""
    runs = load_appendix() if runs is None else runs
    keys = list(
        zip(
            runs["batch"].tolist(),
            runs["prompt_tokens"].tolist(),
            runs["completion_tokens"].tolist(),
        )
    )
    order = {}
    return np.array([order.setdefault(k, len(order)) for k in keys])


def held_out_errors(
    terms=(),
    runs=None,
    scheme: str = "leave-one-configuration-out",
    repeats: int = 100,
    test_fraction: float = 0.25,
    seed: int = 2023,
    rows=None,
    completion_includes_prefill: bool = False,
) -> dict[str, float]:
    """Mean absolute relative error on runs the fit did not see.

    ``scheme="leave-one-configuration-out"``: for each configuration, fit on the runs of all
    the others and predict its runs; the error is the mean over every run's held-out
    prediction (deterministic, no seed). ``scheme="random"``: ``repeats`` random splits of the
    configurations (``test_fraction`` of them held out, numpy's default generator seeded with
    ``seed``); the error is the mean over splits of each split's held-out mean. Repeats of one
    configuration never straddle the split. ``rows`` restricts everything to a subset of runs.
    """
    runs = load_appendix() if runs is None else runs
    pool = row_indices(rows, len(runs["batch"]))
    groups = configurations(runs)[pool]
    labels = np.unique(groups)
    kw = dict(runs=runs, terms=terms, completion_includes_prefill=completion_includes_prefill)
    if scheme == "leave-one-configuration-out":
        errors = {t: np.empty(pool.size) for t in TARGETS}
        for g in labels:
            out = groups == g
            err = relative_errors(fit(rows=pool[~out], **kw), runs)
            for t in TARGETS:
                errors[t][out] = np.abs(err[t][pool[out]])
        return {t: float(np.mean(v)) for t, v in errors.items()}
    if scheme == "random":
        checks.count("repeats", repeats)
        if not 0 < test_fraction < 1:
            raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
        n_test = max(1, int(round(test_fraction * labels.size)))
        rng = np.random.default_rng(seed)
        per_split = {t: [] for t in TARGETS}
        for _ in range(repeats):
            test = np.isin(groups, rng.permutation(labels)[:n_test])
            err = relative_errors(fit(rows=pool[~test], **kw), runs)
            for t in TARGETS:
                per_split[t].append(np.mean(np.abs(err[t][pool[test]])))
        return {t: float(np.mean(v)) for t, v in per_split.items()}
    raise ValueError(f"unknown scheme {scheme!r}; allowed: leave-one-configuration-out, random")
