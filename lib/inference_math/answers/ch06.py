"""Chapter 6, Generating tokens is memory-bound and slow; batching trades latency for cost."""

from ..exercises import register
from ..serving import decode_step_time, deployment, estimate, memory_bound_context


def _eight_gpu_batch1() -> float:
    dep = deployment(scenario="article-2023", gpus=8)
    return 1.0 / float(decode_step_time(dep, 1, 0))


def _wall(gpu: str, kv_dtype: str = "bf16") -> float:
    return float(memory_bound_context(deployment("llama-2-70b", gpu, 2, kv_dtype=kv_dtype)))


def _article_batch32() -> float:
    # 1024-token prompts: the chapter's table shows the 512-token case
    e = estimate(scenario="article-2023", batch=32, prompt=1024, completion=512)
    return float(e["usd_per_1k_completion"])


register("ch06-eight-gpu-batch1", 6, "Batch 1 on eight GPUs",
         "decode step time = weight bytes / aggregate bandwidth", "compute", 1, 5,
         _eight_gpu_batch1, 0.005, "tokens/s")
register("ch06-memory-wall-a100", 6, "The context where batching stops helping, int8 cache",
         "solving memory term = compute term per added sequence, with sympy; how the KV bytes "
         "per token move the wall", "derive", 2, 20,
         lambda: _wall("a100-80gb-sxm", "int8"), 0.005, "tokens")
register("ch06-article-batch32", 6, "The article's batch-32 price with the KV cache",
         "KV reads are per sequence, grow with the context and are not shared by the batch",
         "explain", 2, 15,
         _article_batch32, 0.005, "USD per 1K completion tokens")
register("ch06-memory-wall-h100", 6, "The memory wall on H100s",
         "how a GPU's ops:byte ratio moves the context where decode stays memory-bound",
         "extend", 2, 15, lambda: _wall("h100-sxm"), 0.005, "tokens")
