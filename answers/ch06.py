"""Chapter 6, Generating tokens is memory-bound and slow; batching trades latency for cost."""

from inference_math import decode_step_time, deployment, estimate, memory_bound_context
from inference_math.exercises import exercise


@exercise(
    "ch06-eight-gpu-batch1",
    title="Batch 1 on eight GPUs",
    practises="decode step time = weight bytes / aggregate bandwidth",
    kind="compute",
    difficulty=1,
    minutes=5,
    rel_tol=0.005,
    unit="tokens/s",
)
def _eight_gpu_batch1() -> float:
    dep = deployment(scenario="article-2023", gpus=8)
    return 1.0 / float(decode_step_time(dep, 1, 0))


def _wall(gpu: str, kv_dtype: str = "bf16") -> float:
    return float(
        memory_bound_context(
            deployment("llama-2-70b", gpu, 2, kv_dtype=kv_dtype, step_model="article")
        )
    )


@exercise(
    "ch06-article-batch32",
    title="The article's batch-32 price with the KV cache",
    practises="KV reads are per sequence, grow with the context and are not shared by the batch",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=0.005,
    unit="USD per 1K completion tokens",
)
def _article_batch32() -> float:
    # 1024-token prompts: the chapter's table shows the 512-token case
    e = estimate(scenario="article-2023", batch=32, prompt=1024, completion=512)
    return float(e["usd_per_1k_completion"])


@exercise(
    "ch06-memory-wall-a100",
    title="The context where batching stops helping, int8 cache",
    practises="solving memory term = compute term per added sequence, with sympy; how the KV "
    "bytes per token move the wall",
    kind="derive",
    difficulty=2,
    minutes=20,
    rel_tol=0.005,
    unit="tokens",
)
def _memory_wall_a100() -> float:
    return _wall("a100-80gb-sxm", "int8")


@exercise(
    "ch06-memory-wall-h100",
    title="The memory wall on H100s",
    practises="how a GPU's ops:byte ratio moves the context where decode stays memory-bound",
    kind="extend",
    difficulty=2,
    minutes=15,
    rel_tol=0.005,
    unit="tokens",
)
def _memory_wall_h100() -> float:
    return _wall("h100-sxm")
