"""Chapter 10, Theory against measurement."""

from ..appendix import load_appendix
from ..calibration import TERMS, fit, held_out_errors
from ..exercises import register
from ..formulas import kv_bytes_per_token, model_weight_bytes
from ..gpus import get_gpu

REFINED_TERMS = ("prefill_overhead", "kv_efficiency")


def _first_run_mbu() -> float:
    """Bytes one mean decode step reads (exact weights, KV of the mean context) over the
    measured step time, as a fraction of two A100-80GB SXM's peak bandwidth."""
    runs = load_appendix()
    b, n, c = runs["batch"][0], runs["prompt_tokens"][0], runs["completion_tokens"][0]
    step = runs["completion_s"][0] / c
    read = model_weight_bytes("llama-2-70b") + b * (n + (c + 1) / 2) * kv_bytes_per_token(
        "llama-2-70b")
    return float(read / step / (2 * get_gpu("a100-80gb-sxm").bandwidth_bytes_per_s))


register("ch10-first-run-mbu", 10, "The first run's bandwidth",
         "achieved MBU from a measured completion time: exact bytes, datasheet bandwidth",
         "compute", 1, 10, _first_run_mbu, 0.005, "")
register("ch10-closed-form-mbu", 10, "One efficiency in closed form",
         "least squares on relative error for a model linear in 1/MBU, with sympy", "derive", 2,
         20, lambda: fit(targets=("completion",)).mbu, 0.001, "")
register("ch10-within-context", 10, "Only the runs Llama-2 was made for",
         "what the runs beyond the 4096-token context do to the fitted KV efficiency",
         "explain", 2, 15,
         lambda: fit(terms=REFINED_TERMS, rows=load_appendix()["prompt_tokens"] <= 4096).kv_mbu,
         0.005, "")
register("ch10-third-term", 10, "A third term",
         "over-fitting: a term that lowers the in-sample error can raise the held-out one",
         "extend", 3, 25, lambda: held_out_errors(TERMS)["ttft"], 0.005, "")
register("ch10-prefill-in-completion", 10, "What did the article time?",
         "a measurement's definition is part of the model: completion time with the prefill",
         "explain", 2, 15,
         lambda: held_out_errors(REFINED_TERMS, completion_includes_prefill=True)["completion"],
         0.005, "")
