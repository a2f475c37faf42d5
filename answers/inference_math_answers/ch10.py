"""Chapter 10, Theory against measurement."""

import numpy as np

from inference_math.evidence import public
from inference_math.evidence import cross_validation as cv
from inference_math.evidence import server_fit as sf
from inference_math.evidence.calibration import TERMS, predict
from inference_math.evidence.calibration_fit import fit, held_out_errors
from inference_math import (
    ARTICLE_REFINED,
    get_gpu,
    kv_bytes_per_token,
    load_appendix,
    weight_bytes,
)
from inference_math.book.exercises import exercise

REFINED_TERMS = ("prefill_overhead", "kv_efficiency")


@exercise(
    "ch10-first-run-mbu",
    title="The first run's bandwidth",
    practises="achieved MBU from a measured completion time: exact bytes, datasheet bandwidth",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.005,
    unit="fraction of peak bandwidth",
)
def _first_run_mbu() -> float:
    """Bytes one mean decode step reads (exact weights, KV of the mean context) over the
    measured step time, as a fraction of two A100-80GB SXM's peak bandwidth."""
    runs = load_appendix()
    b, n, c = runs["batch"][0], runs["prompt_tokens"][0], runs["completion_tokens"][0]
    step = runs["completion_s"][0] / c
    read = weight_bytes("llama-2-70b") + b * (n + (c + 1) / 2) * kv_bytes_per_token("llama-2-70b")
    return float(read / step / (2 * get_gpu("a100-80gb-sxm").bandwidth_bytes_per_s))


@exercise(
    "ch10-closed-form-mbu",
    title="One efficiency in closed form",
    practises="least squares on relative error for a model linear in 1/MBU, with sympy",
    kind="derive",
    difficulty=2,
    minutes=20,
    rel_tol=0.001,
    unit="fraction of peak bandwidth",
)
def _closed_form_mbu() -> float:
    return fit(targets=("completion",)).mbu


@exercise(
    "ch10-within-context",
    title="Only the runs Llama-2 was made for",
    practises="what the runs beyond the 4096-token context do to the fitted KV efficiency",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=0.005,
    unit="fraction of peak bandwidth",
)
def _within_context() -> float:
    return fit(terms=REFINED_TERMS, rows=load_appendix()["prompt_tokens"] <= 4096).kv_mbu


@exercise(
    "ch10-third-term",
    title="A third term",
    practises="over-fitting: a term that lowers the in-sample error can raise the held-out one",
    kind="extend",
    difficulty=3,
    minutes=25,
    rel_tol=0.005,
    unit="fraction (mean relative error)",
)
def _third_term() -> float:
    return held_out_errors(TERMS)["ttft"]


@exercise(
    "ch10-prefill-in-completion",
    title="What did the article time?",
    practises="a measurement's definition is part of the model: completion time with the prefill",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=0.005,
    unit="fraction (mean relative error)",
)
def _prefill_in_completion() -> float:
    return held_out_errors(REFINED_TERMS, completion_includes_prefill=True)["completion"]


@exercise(
    "ch10-napkin-batch32",
    title="The batch-32 runs on paper",
    practises="napkin math with the refined model: the weights at MBU and the KV cache at "
    "the mean context at its own, much lower, efficiency",
    kind="estimate",
    difficulty=2,
    minutes=15,
    rel_tol=0.15,
    unit="s",
)
def _napkin_batch32() -> float:
    # what the refined model (im.ARTICLE_REFINED) predicts for the largest batch's runs
    runs = load_appendix()
    pick = runs["batch"] == runs["batch"].max()
    b, n, c = (int(runs[k][pick][0]) for k in ("batch", "prompt_tokens", "completion_tokens"))
    return float(predict(ARTICLE_REFINED, b, n, c)["completion_s"])


@exercise(
    "ch10-round-numbers",
    title="What the round numbers miss on one suite",
    practises="the error of a rate read as the error of the time it implies; the per-op model "
    "at the round 0.6 and 0.6 on one source group's time between tokens",
    kind="compute",
    difficulty=2,
    minutes=20,
    rel_tol=0.005,
    unit="fraction (mean relative error)",
)
def _round_numbers() -> float:
    # Qwen's published speed tables: tokens per second per user at batch 1, read as the time
    # between tokens; the per-op model with every share at 0.6 and round fixed costs.
    rows = [r for r in public.load_public_measurements() if r.group == "qwen-docs"]
    design = sf.Design(rows)
    errors = design.errors(cv.plain(design))
    return float(np.mean(np.abs(cv.relative(design, errors))))
