"""The roofline against measurement: fit its efficiencies to the article's 28 runs, and a
refined timing model with two more terms, each with a physical reading.

The plain roofline (``steps.prefill_time``, ``steps.mean_decode_step_time``) has two
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
method, the date); ``calibration_fit`` finds the constants and measures the error on runs a
fit has not seen. ``ARTICLE_REFINED`` holds the fitted constants for the book's other
chapters; the tests refit and check they have not gone stale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import checks
from .appendix import APPENDIX_SOURCE, load_appendix
from ..serving.deployment import DEFAULT_MBU, DEFAULT_MFU, Deployment, deployment
from ..serving.steps import decode_lines, mean_decode_step_time, mean_of_max_linear, prefill_time

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
    timed; the book's default is decode only, as ``im.estimate`` does).
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
    terms, so ``predict`` reduces to ``steps.prefill_time`` and
    ``steps.mean_decode_step_time``."""
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

    Unlike ``im.estimate`` this does not warn beyond the model's context: the article's
    appendix, which the constants are fitted to, has two runs past Llama-2's 4096 tokens."""
    dep = cal.deployment()
    b = checks.batch("batch", batch)
    n = checks.tokens("prompt", prompt, minimum=1)
    c = checks.tokens("completion", completion, minimum=1)
    ttft = cal.prefill_overhead_s + prefill_time(dep, n, b)
    if cal.kv_mbu is None:
        step = mean_decode_step_time(dep, b, n, c)
    else:
        kv_rate = dep.gpus * dep.gpu.bandwidth_bytes_per_s * checks.fraction("kv_mbu", cal.kv_mbu)
        step = mean_of_max_linear(*decode_lines(dep, b, n, kv_bandwidth=kv_rate), c)
    step = step + cal.step_overhead_s
    completion_s = c * step + (ttft if cal.completion_includes_prefill else 0.0)
    return {"ttft_s": ttft, "decode_step_s": step, "completion_s": completion_s}


def measured_times(runs) -> dict[str, np.ndarray]:
    return {
        "ttft": np.asarray(runs["ttft_s"], float),
        "completion": np.asarray(runs["completion_s"], float),
    }


def relative_errors(cal: Calibration, runs=None) -> dict[str, np.ndarray]:
    """Predicted over measured, minus one, for each run's time to first token (``ttft``) and
    completion time (``completion``). ``runs`` defaults to the article's appendix."""
    runs = load_appendix() if runs is None else runs
    p = predict(cal, runs["batch"], runs["prompt_tokens"], runs["completion_tokens"])
    m = measured_times(runs)
    return {
        "ttft": p["ttft_s"] / m["ttft"] - 1,
        "completion": p["completion_s"] / m["completion"] - 1,
    }


def mean_abs_error(cal: Calibration, runs=None, rows=None) -> dict[str, float]:
    """Mean absolute relative error over ``rows`` (all runs when None), per target."""
    err = relative_errors(cal, runs)
    idx = row_indices(rows, len(err["ttft"]))
    return {k: float(np.mean(np.abs(v[idx]))) for k, v in err.items()}


def row_indices(rows, n: int) -> np.ndarray:
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
