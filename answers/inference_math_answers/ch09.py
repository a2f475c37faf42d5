"""Chapter 9, Completion tokens are dear."""

from inference_math import (
    API_PRICES,
    ARTICLE_API,
    GPU_HOUR_QUOTES,
    break_even_batch,
    completion_cost_floor,
    deployment,
    max_batch,
    usd_per_1k_completion,
)
from inference_math.book.exercises import exercise

_SCENARIO = "article-2023"
_GROQ = "groq/llama-3.3-70b-versatile"  # the same model, hosted, 2026
_LONG = 4096  # tokens per sequence in the chapter's long case: half prompt, half completion


@exercise(
    "ch09-full-batch",
    title="A full cache of long sequences",
    practises="cost per completion token at the largest batch that fits",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.01,
    unit="USD per 1K completion tokens",
)
def _full_batch_cost() -> float:
    dep = deployment(scenario=_SCENARIO)
    full = max_batch(dep, _LONG)
    return float(usd_per_1k_completion(dep, full, _LONG // 2, _LONG // 2))


@exercise(
    "ch09-kv-floor",
    title="The floor no batch gets under",
    practises="the batch-infinite limit of the sympy completion cost",
    kind="derive",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="USD per 1K completion tokens",
)
def _kv_floor() -> float:
    # The batch-infinite limit at a context of exactly _LONG tokens (one step after _LONG - 1);
    # at this context the cache read, not the compute, is the floor.
    return float(completion_cost_floor(deployment(scenario=_SCENARIO), _LONG - 1, 1))


@exercise(
    "ch09-eight-gpus",
    title="What eight GPUs buy",
    practises="why the GPU count cancels from the price; memory as the real gain",
    kind="explain",
    difficulty=2,
    minutes=10,
    rel_tol=1e-9,
    unit="sequences",
)
def _eight_gpus() -> float:
    return float(max_batch(deployment(scenario=_SCENARIO, gpus=8), _LONG))


@exercise(
    "ch09-int8",
    title="Break-even with int8 weights",
    practises="halving the weight read; rounding a batch up",
    kind="extend",
    difficulty=2,
    minutes=10,
    rel_tol=1e-9,
    unit="sequences",
)
def _int8_break_even() -> float:
    dep = deployment(scenario=_SCENARIO, dtype="int8")
    return float(break_even_batch(dep, API_PRICES[ARTICLE_API].usd_per_1k_output))


@exercise(
    "ch09-napkin-groq",
    title="A break-even batch on paper",
    practises="napkin math for the break-even batch: one weight read per step at the "
    "bandwidth and price of a GPU, against an API's price; the GPU count cancels",
    kind="estimate",
    difficulty=1,
    minutes=10,
    rel_tol=0.2,
    unit="sequences",
)
def _napkin_groq() -> float:
    # Llama-3.3-70B on two H100s at the same-day price (Hyperstack, 2026-08-26), the article's
    # MBU, against Groq's output price for the same model
    quote = next(q for q in GPU_HOUR_QUOTES if q.provider == "Hyperstack" and q.gpu == "h100-sxm")
    dep = deployment(
        scenario=_SCENARIO,
        model="llama-3.3-70b",
        gpu="h100-sxm",
        usd_per_gpu_hour=quote.usd_per_gpu_hour,
    )
    return float(break_even_batch(dep, API_PRICES[_GROQ].usd_per_1k_output))


@exercise(
    "ch09-fit-limit",
    title="The longest context at which break-even fits",
    practises="combining the break-even batch with the KV capacity: a crossover in sympy, "
    "read as the cache-floor context times the memory the weights leave free",
    kind="derive",
    difficulty=3,
    minutes=35,
    rel_tol=0.001,
    unit="tokens",
)
def _fit_limit() -> float:
    # Sequences that attend to and hold N tokens: the break-even batch W / (kv (N_floor - N))
    # (N_floor: the context at which one sequence's own cache read costs the API's price)
    # meets the largest batch that fits, capacity / N, where
    # N = capacity N_floor / (W / kv + capacity). Batches are real numbers here.
    dep = deployment(scenario=_SCENARIO)
    p = API_PRICES[ARTICLE_API].usd_per_1k_output
    usd_per_1k_per_cached_token = (
        1000 * dep.usd_per_second * dep.kv_bytes_per_token / dep.achieved_bandwidth
    )
    n_floor = p / usd_per_1k_per_cached_token
    capacity = dep.kv_capacity_tokens
    return float(capacity * n_floor / (dep.weight_bytes / dep.kv_bytes_per_token + capacity))
