"""Chapter 13, Pitfalls."""

import warnings

from ..breakeven import break_even_batch
from ..exercises import register
from ..formulas import model_weight_bytes
from ..gpus import GPUS
from ..memory import min_gpus
from ..models import MODELS
from ..prices import ARTICLE_API, API_PRICES, get_api_latency
from ..serving import ContextLengthWarning, decode_step_time, deployment, estimate
from ..units import GB, GiB


def _h100_tokens_per_s() -> float:
    """Tokens/s of one sequence at batch 1 on two H100 SXM, default MBU, before any context:
    the roofline's read of the weights, not a FLOPs count at the 2:4-sparse headline."""
    return float(1 / decode_step_time(deployment("llama-2-70b", "h100-sxm", 2), 1, 0))


def _amplification(gpus: int = 2) -> float:
    """How much a relative error in memory per GPU is magnified in the KV capacity:
    G M u / (G M u - W), with M the decimal reading of the A100's label."""
    a100 = GPUS["a100-80gb-sxm"]
    decimal = a100.memory_bytes / GiB * GB
    dep = deployment("llama-2-70b", "a100-80gb-sxm", gpus)
    usable = gpus * decimal * float(dep.usable_memory)
    return usable / (usable - model_weight_bytes("llama-2-70b", "bf16"))


def _gpus_for_break_even() -> float:
    """A100-80GB (a power of two, 90% usable) that hold the break-even batch of sequences
    that fill Llama-2's context after the prompt gpt-3.5-turbo's latency was observed at."""
    llama = MODELS["llama-2-70b"]
    seen = get_api_latency(ARTICLE_API)
    n = seen.ttft_prompt_tokens
    c = llama.max_context - n
    batch = float(break_even_batch(deployment(scenario="article-2023"),
                                   API_PRICES[ARTICLE_API].usd_per_1k_output, n, c))
    return float(min_gpus(llama, "a100-80gb-sxm", tokens=batch * llama.max_context))


def _llama3_long_run_kv_gb() -> float:
    """KV cache of the appendix's longest run (batch 2, 7584 + 512 tokens) on Llama-3-70B,
    whose 8192-token context admits it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ContextLengthWarning)
        r = estimate("llama-3-70b", "a100-80gb-sxm", 2, batch=2, prompt=7584, completion=512)
    return float(2 * (7584 + 512) * r["kv_bytes_per_token"]) / GB


register("ch13-h100-decode", 13, "Two pitfalls at once on H100s",
         "decode is memory-bound; the 2:4-sparse headline is not a dense rate", "compute", 1, 10,
         _h100_tokens_per_s, 0.01, "tokens/s")
register("ch13-gib-amplification", 13, "Why a 7% misreading costs a factor of almost three",
         "an error in a total amplified in what is left after a subtraction", "derive", 2, 15,
         _amplification, 0.01, "")
register("ch13-fits-where", 13, "The break-even batch is the same on any GPU count; memory is not",
         "price per token independent of G; KV memory growing with batch and context", "explain",
         2, 15, _gpus_for_break_even, 1e-9, "GPUs")
register("ch13-llama3-context", 13, "The appendix's long runs on a model that admits them",
         "catching ContextLengthWarning; KV bytes of a long batch", "extend", 2, 15,
         _llama3_long_run_kv_gb, 0.01, "GB")
