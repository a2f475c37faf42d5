"""Chapter 10, Theory against measurement."""

import numpy as np

from inference_math import measurements as ms
from inference_math.evidence.calibration import TERMS, predict
from inference_math.evidence.calibration_fit import fit, held_out_errors
from inference_math import (
    ARTICLE_REFINED,
    get_gpu,
    get_model,
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
    unit="",
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
    unit="",
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
    unit="",
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
    unit="",
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
    unit="",
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
    "ch10-hopper-fixed-cost",
    title="A fixed cost for Hopper",
    practises="least squares on relative error in closed form, applied to the per-op model's "
    "fixed cost per prefill; fitting on the past and testing on the future; when a held-out "
    "test stops being blind",
    kind="extend",
    difficulty=3,
    minutes=40,
    rel_tol=0.005,
    unit="",
)
def _hopper_fixed_cost() -> float:
    # The library's defaults, except a fixed cost per prefill layer of Hopper's own, fitted by
    # least squares on relative error to the fitting sources' Hopper first-token times (the
    # prediction is a + c L, linear in c); the held-out first-token times' mean absolute
    # relative error with it.
    public = ms.load_public_measurements()
    defaults = ms.library_defaults()
    no_layer = ms.replace(defaults, prefill_overhead_per_layer_s=0.0)

    def hopper(r):
        return get_gpu(r.gpu).generation == "hopper"

    train = [r for r in ms.fit_sources(public) if hopper(r) and r.metric == "ttft_s"]
    a = np.array([ms.predict(r, no_layer) for r in train])
    layers = np.array([get_model(r.model).n_layers for r in train])
    t = np.array([r.value for r in train])
    q = layers / t
    c_hopper = float((q * (1 - a / t)).sum() / (q * q).sum())
    with_hopper = ms.replace(defaults, prefill_overhead_per_layer_s=c_hopper)
    test = [r for r in ms.held_out(public) if r.metric_kind == "ttft_s"]
    pred = np.array([ms.predict(r, with_hopper if hopper(r) else defaults) for r in test])
    return float(np.mean(np.abs(pred / np.array([r.value for r in test]) - 1)))
