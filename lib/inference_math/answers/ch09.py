"""Chapter 9, Completion tokens are dear."""

from ..breakeven import break_even_batch, completion_cost_floor, usd_per_1k_completion
from ..exercises import register
from ..memory import max_batch
from ..prices import API_PRICES, ARTICLE_API
from ..serving import deployment

_SCENARIO = "article-2023"
_LONG = 4096   # tokens per sequence in the chapter's long case: half prompt, half completion


def _full_batch_cost() -> float:
    dep = deployment(scenario=_SCENARIO)
    full = max_batch(dep, _LONG)
    return float(usd_per_1k_completion(dep, full, _LONG // 2, _LONG // 2))


def _kv_floor() -> float:
    # The batch-infinite limit at a context of exactly _LONG tokens (one step after _LONG - 1);
    # at this context the cache read, not the compute, is the floor.
    return float(completion_cost_floor(deployment(scenario=_SCENARIO), _LONG - 1, 1))


def _eight_gpus() -> float:
    return float(max_batch(deployment(scenario=_SCENARIO, gpus=8), _LONG))


def _int8_break_even() -> float:
    dep = deployment(scenario=_SCENARIO, dtype="int8")
    return float(break_even_batch(dep, API_PRICES[ARTICLE_API].usd_per_1k_output))


register("ch09-full-batch", 9, "A full cache of long sequences",
         "cost per completion token at the largest batch that fits", "compute", 1, 10,
         _full_batch_cost, 0.01, "USD per 1K completion tokens")
register("ch09-kv-floor", 9, "The floor no batch gets under",
         "the batch-infinite limit of the sympy completion cost", "derive", 2, 15, _kv_floor,
         0.01, "USD per 1K completion tokens")
register("ch09-eight-gpus", 9, "What eight GPUs buy",
         "why the GPU count cancels from the price; memory as the real gain", "explain", 2, 10,
         _eight_gpus, 1e-9, "sequences")
register("ch09-int8", 9, "Break-even with int8 weights",
         "halving the weight read; rounding a batch up", "extend", 2, 10, _int8_break_even,
         1e-9, "sequences")
