"""Chapter 9, Completion tokens are dear."""

from inference_math import (
    API_PRICES,
    ARTICLE_API,
    break_even_batch,
    completion_cost_floor,
    deployment,
    max_batch,
    usd_per_1k_completion,
)
from inference_math.exercises import exercise

_SCENARIO = "article-2023"
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
