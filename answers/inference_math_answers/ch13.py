"""Chapter 13, Pitfalls."""

import warnings

from inference_math import (
    API_PRICES,
    ARTICLE_API,
    ContextLengthWarning,
    GPUS,
    MODELS,
    break_even_batch,
    decode_step_time,
    deployment,
    estimate,
    get_api_latency,
    max_utilisation,
    min_gpus,
    price_workload,
    tokens_ratio,
    usd_at_utilisation,
    weight_bytes,
)
from inference_math.book.exercises import exercise
from inference_math.core.units import GB, GiB


@exercise(
    "ch13-h100-decode",
    title="Two pitfalls at once on H100s",
    practises="decode is memory-bound; the 2:4-sparse headline is not a dense rate",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.01,
    unit="tokens/s",
)
def _h100_tokens_per_s() -> float:
    """Tokens/s of one sequence at batch 1 on two H100 SXM, default MBU, before any context:
    the roofline's read of the weights, not a FLOPs count at the 2:4-sparse headline."""
    return float(
        1 / decode_step_time(deployment("llama-2-70b", "h100-sxm", 2, step_model="article"), 1, 0)
    )


@exercise(
    "ch13-gib-amplification",
    title="Why a 7% misreading costs a factor of almost three",
    practises="an error in a total amplified in what is left after a subtraction",
    kind="derive",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="x",
)
def _amplification(gpus: int = 2) -> float:
    """How much a relative error in memory per GPU is magnified in the KV capacity:
    G M u / (G M u - W), with M the decimal reading of the A100's label."""
    a100 = GPUS["a100-80gb-sxm"]
    decimal = a100.memory_bytes / GiB * GB
    dep = deployment("llama-2-70b", "a100-80gb-sxm", gpus)
    usable = gpus * decimal * float(dep.usable_memory)
    return usable / (usable - weight_bytes("llama-2-70b", "bf16"))


@exercise(
    "ch13-fits-where",
    title="The break-even batch is the same on any GPU count; memory is not",
    practises="price per token independent of G; KV memory growing with batch and context",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=1e-9,
    unit="GPUs",
)
def _gpus_for_break_even() -> float:
    """A100-80GB (a power of two, 90% usable) that hold the break-even batch of sequences
    that fill Llama-2's context after the prompt gpt-3.5-turbo's latency was observed at."""
    llama = MODELS["llama-2-70b"]
    seen = get_api_latency(ARTICLE_API)
    n = seen.ttft_prompt_tokens
    c = llama.max_context - n
    batch = float(
        break_even_batch(
            deployment(scenario="article-2023"), API_PRICES[ARTICLE_API].usd_per_1k_output, n, c
        )
    )
    return float(min_gpus(llama, "a100-80gb-sxm", tokens=batch * llama.max_context))


@exercise(
    "ch13-llama3-context",
    title="The appendix's long runs on a model that admits them",
    practises="catching ContextLengthWarning; KV bytes of a long batch",
    kind="extend",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="GB",
)
def _llama3_long_run_kv_gb() -> float:
    """KV cache of the appendix's longest run (batch 2, 7584 + 512 tokens) on Llama-3-70B,
    whose 8192-token context admits it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ContextLengthWarning)
        r = estimate(
            deployment("llama-3-70b", "a100-80gb-sxm", 2, step_model="article"),
            batch=2,
            prompt=7584,
            completion=512,
        )
    return float(2 * (7584 + 512) * r["kv_bytes_per_token"]) / GB


@exercise(
    "ch13-four-a100-cache",
    title="Room for the cache on four A100s",
    practises="napkin math: usable memory less the weights, over the cache per token, in GiB",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.1,
    unit="tokens",
)
def _four_a100_kv_tokens() -> float:
    """KV-cache tokens of Llama-2-70B in bf16 that fit beside its bf16 weights on four
    A100-80GB at the library's usable fraction."""
    return float(deployment("llama-2-70b", "a100-80gb-sxm", 4).kv_capacity_tokens)


@exercise(
    "ch13-tail-eight-same-text",
    title="Eight A100s under a p99 target, for the same text",
    practises="combining the queue's tail, the cost of idle slots and tokens of two tokenizers",
    kind="extend",
    difficulty=3,
    minutes=30,
    rel_tol=0.005,
    unit="x gpt-3.5-turbo's price",
)
def _tail_eight_same_text() -> float:
    """Chat on eight A100s (the article's assumptions, continuous batching) at the highest
    utilisation whose p99 time to first token meets chat's target (Erlang's delay model, the
    batch as slots, a request holding its slot for its time to first token and its decode),
    over gpt-3.5-turbo's price for the same text (Llama-2 tokens converted to cl100k_base
    tokens with the GPL-3 counts)."""
    p = price_workload("chat", gpus=8, batching="continuous", scenario="article-2023")
    w = p.workload
    service = p.ttft_s + (w.completion - 1) / p.tokens_per_s_per_sequence
    rho = max_utilisation(p.batch, 1 / service, w.ttft_target_s - p.ttft_s, 0.99)
    cost = usd_at_utilisation(p.usd_per_request, rho)
    same_text = p.api_usd_per_request / tokens_ratio("llama-2", "cl100k_base", "GPL-3")
    return cost / same_text
