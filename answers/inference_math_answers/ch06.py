"""Chapter 6, Generating tokens is memory-bound and slow; batching trades latency for cost."""

import math

import numpy as np

from inference_math import (
    decode_step_time,
    deployment,
    estimate,
    max_batch,
    memory_bound_context,
)
from inference_math.book.exercises import exercise


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
    e = estimate(deployment(scenario="article-2023"), batch=32, prompt=1024, completion=512)
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


@exercise(
    "ch06-batch64-napkin",
    title="A batch-64 decode step on eight A100s, by hand",
    practises="napkin math: a memory-bound decode step = (weights + every sequence's cache) / "
    "achieved bandwidth",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.2,
    unit="ms",
)
def _batch64_napkin(batch: int = 64, context: int = 1024) -> float:
    dep = deployment("llama-2-70b", "a100-80gb-sxm", 8, step_model="article")
    return 1e3 * float(decode_step_time(dep, batch, context))


TPOT_BUDGET_S = 0.05  # at least 20 tokens/s for every user
TPOT_CONTEXT = 1024  # the last step of a 512 + 512 request, taken for every step
TPOT_GPUS = (2, 4, 8)


@exercise(
    "ch06-tpot-budget",
    title="The cheapest deployment that streams fast enough",
    practises="solving the per-op step for the largest batch under a latency target (sympy, "
    "with its max); the memory limit on the batch; cost per token against GPU count with "
    "all-reduces",
    kind="derive",
    difficulty=3,
    minutes=40,
    rel_tol=0.005,
    unit="USD per 1K completion tokens",
)
def _tpot_budget() -> float:
    """The lowest decode cost per 1K completion tokens of Llama-2-70B on 2, 4 or 8
    A100-80GB GPUs (per-op step model, fitted defaults) with every step at TPOT_CONTEXT
    tokens, over the batches that fit in memory and keep a step within TPOT_BUDGET_S."""
    best = math.inf
    for gpus in TPOT_GPUS:
        dep = deployment("llama-2-70b", "a100-80gb-sxm", gpus)
        batches = np.arange(1, int(max_batch(dep, TPOT_CONTEXT)) + 1)
        steps = decode_step_time(dep, batches, TPOT_CONTEXT)
        ok = steps <= TPOT_BUDGET_S
        if ok.any():
            usd = steps[ok] * float(dep.usd_per_second) / batches[ok] * 1000
            best = min(best, float(usd.min()))
    return best
