"""The roofline against measurement: fit its efficiencies to the article's 28 runs, and a
refined timing model with two more terms, each with a physical reading.

The plain roofline (``serving.prefill_time``, ``serving.mean_decode_step_time``) has two
free numbers, MFU and MBU. Set against the appendix of Sanger (2023) it misses in two places:
short prompts take longer than reading the weights once (a fixed cost per prefill that no
FLOP or byte count explains), and decode slows with context and batch much more than reading
the KV cache at the weights' bandwidth would (the decode-attention kernels of mid-2023 read
the cache far below peak bandwidth). The refined model adds exactly those two terms:

    TTFT       = t_pf + max(FLOPs / (G F MFU), W / (G beta MBU))
    decode step = max(W / (G beta MBU) + B N s_kv / (G beta MBU_kv), FLOPs / (G F MFU))

(W the weight bytes, s_kv the KV bytes per token, N the context, B the batch, G GPUs of peak
FLOP/s F and bandwidth beta.)

A ``Calibration`` is one such model with its constants and their provenance (the data, the fit
method, the date). ``fit`` finds the constants by least squares on relative error with numpy
alone: the predictions are piecewise linear in 1/MFU, 1/MBU, t_pf and 1/MBU_kv, so Gauss-Newton
in those reciprocals converges in a few steps. ``held_out_errors`` measures the error on runs a
fit has not seen. ``ARTICLE_REFINED`` holds the fitted constants for the book's other chapters;
tests/test_ch10.py refits and checks they have not gone stale.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from . import checks
from .appendix import APPENDIX_SOURCE, load_appendix
from .deployment import DEFAULT_MBU, DEFAULT_MFU, Deployment, deployment
from .steps import decode_lines, mean_decode_step_time, mean_of_max_linear, prefill_time

# What the refined model must achieve on runs its fit has not seen (mean absolute relative
# error), set by the book's issue 4 beside the plain roofline's error at MFU = MBU = 0.6.
HELD_OUT_GOAL = {"ttft": 0.08, "completion": 0.06}

# The optional terms a fit may add to the two efficiencies, by name.
TERMS = ("prefill_overhead", "kv_efficiency", "step_overhead")
TARGETS = ("ttft", "completion")


@dataclass(frozen=True)
class Calibration:
    """A timing model of one deployment: the roofline's MFU and MBU, optional extra terms, and
    where its constants came from.

    ``prefill_overhead_s`` is added once to every prefill (t_pf); ``kv_mbu`` is the fraction of
    peak bandwidth at which decode reads the KV cache (None: at ``mbu``, as the plain roofline
    assumes); ``step_overhead_s`` is added to every decode step. ``completion_includes_prefill``
    reads a measured completion time as prefill plus decode (the article does not say which it
    timed; the book's default is decode only, as ``serving.estimate`` does).
    Chapter 10 derives it."""

    name: str
    mfu: float
    mbu: float
    prefill_overhead_s: float = 0.0
    kv_mbu: float | None = None
    step_overhead_s: float = 0.0
    completion_includes_prefill: bool = False
    model: str = "llama-2-70b"
    gpu: str = "a100-80gb-sxm"
    gpus: int = 2
    dtype: str = "bf16"
    data: str = ""
    method: str = ""
    date: str = ""

    def deployment(self) -> Deployment:
        """The deployment these constants describe: the article's step model (the refined
        model's two terms are added by ``predict``), attention-score FLOPs counted."""
        return deployment(
            self.model,
            self.gpu,
            self.gpus,
            self.dtype,
            mfu=self.mfu,
            mbu=self.mbu,
            attention=True,
            step_model="article",
        )

    @property
    def terms(self) -> tuple[str, ...]:
        """The optional terms this model uses, in ``TERMS`` order."""
        used = {
            "prefill_overhead": self.prefill_overhead_s != 0.0,
            "kv_efficiency": self.kv_mbu is not None,
            "step_overhead": self.step_overhead_s != 0.0,
        }
        return tuple(t for t in TERMS if used[t])


def plain_roofline(mfu=DEFAULT_MFU, mbu=DEFAULT_MBU, **deployment_fields) -> Calibration:
    """The plain roofline at given efficiencies (the book's default 0.6 and 0.6): no extra
    terms, so ``predict`` reduces to ``serving.prefill_time`` and
    ``serving.mean_decode_step_time``."""
    checks.fraction("mfu", mfu)
    checks.fraction("mbu", mbu)
    return Calibration(
        name=f"roofline at MFU {mfu:g}, MBU {mbu:g}",
        mfu=float(mfu),
        mbu=float(mbu),
        method="not fitted",
        **deployment_fields,
    )


def predict(cal: Calibration, batch, prompt, completion) -> dict[str, np.ndarray]:
    """Predicted seconds for ``batch`` sequences of ``prompt`` tokens in and ``completion``
    tokens out (arrays broadcast): ``ttft_s`` (the prefill), ``decode_step_s`` (the mean step
    over the completion, step j attending to prompt + j tokens) and ``completion_s``.

    Unlike ``serving.estimate`` this does not warn beyond the model's context: the article's
    appendix, which the constants are fitted to, has two runs past Llama-2's 4096 tokens."""
    dep = cal.deployment()
    b = checks.count("batch", batch)
    n = checks.count("prompt", prompt)
    c = checks.count("completion", completion)
    ttft = cal.prefill_overhead_s + prefill_time(dep, n, b)
    if cal.kv_mbu is None:
        step = mean_decode_step_time(dep, b, n, c)
    else:
        kv_rate = dep.gpus * dep.gpu.bandwidth_bytes_per_s * checks.fraction("kv_mbu", cal.kv_mbu)
        step = mean_of_max_linear(*decode_lines(dep, b, n, kv_bandwidth=kv_rate), c)
    step = step + cal.step_overhead_s
    completion_s = c * step + (ttft if cal.completion_includes_prefill else 0.0)
    return {"ttft_s": ttft, "decode_step_s": step, "completion_s": completion_s}


def _measured(runs) -> dict[str, np.ndarray]:
    return {
        "ttft": np.asarray(runs["ttft_s"], float),
        "completion": np.asarray(runs["completion_s"], float),
    }


def relative_errors(cal: Calibration, runs=None) -> dict[str, np.ndarray]:
    """Predicted over measured, minus one, for each run's time to first token (``ttft``) and
    completion time (``completion``). ``runs`` defaults to the article's appendix."""
    runs = load_appendix() if runs is None else runs
    p = predict(cal, runs["batch"], runs["prompt_tokens"], runs["completion_tokens"])
    m = _measured(runs)
    return {
        "ttft": p["ttft_s"] / m["ttft"] - 1,
        "completion": p["completion_s"] / m["completion"] - 1,
    }


def mean_abs_error(cal: Calibration, runs=None, rows=None) -> dict[str, float]:
    """Mean absolute relative error over ``rows`` (all runs when None), per target."""
    err = relative_errors(cal, runs)
    idx = _rows(rows, len(err["ttft"]))
    return {k: float(np.mean(np.abs(v[idx]))) for k, v in err.items()}


def _rows(rows, n: int) -> np.ndarray:
    if rows is None:
        return np.arange(n)
    r = np.asarray(rows)
    if r.dtype == bool:
        if r.shape != (n,):
            raise ValueError(f"rows mask has shape {r.shape}; expected ({n},)")
        r = np.flatnonzero(r)
    if r.size == 0 or np.any((r < 0) | (r >= n)):
        raise ValueError(
            f"rows must be a non-empty selection of run indices 0..{n - 1}, got {rows!r}"
        )
    return r.astype(int)


# ----- fitting ----------------------------------------------------------------------------


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
    ``predict`` (tests/test_ch10.py checks)."""

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
        m = _measured(runs)
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
    idx = _rows(rows, len(runs["batch"]))
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
    pool = _rows(rows, len(runs["batch"]))
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


# ----- the fitted constants, for the other chapters ------------------------------------------

_FIT_DATA = (
    APPENDIX_SOURCE + ": all 28 runs, including the two 7584-token-prompt runs that "
    "exceed Llama-2's 4096-token context"
)

# fit(terms=()) on the whole appendix, rounded to six significant digits.
ARTICLE_ROOFLINE_FIT = Calibration(
    name="roofline fitted to the article's appendix",
    mfu=0.571851,
    mbu=0.562563,
    data=_FIT_DATA,
    method="least squares on relative error of ttft and completion (Gauss-Newton in reciprocal "
    "efficiencies, numpy); fitted: MFU, MBU",
    date="2026-11-26",
)

# fit(terms=("prefill_overhead", "kv_efficiency")) on the whole appendix, six digits.
ARTICLE_REFINED = Calibration(
    name="refined roofline fitted to the article's appendix",
    mfu=0.60159,
    mbu=0.622688,
    prefill_overhead_s=0.026832,
    kv_mbu=0.0786363,
    data=_FIT_DATA,
    method="least squares on relative error of ttft and completion (Gauss-Newton in reciprocal "
    "efficiencies, numpy); fitted: MFU, MBU, prefill overhead, kv efficiency",
    date="2026-11-26",
)
