"""What a served model's memory holds: the weights, a fixed cost, and the KV cache, which grows
with every token of every sequence in the batch.

Chapter 3 derives these. A decode step must read the weights once and each sequence's whole
cache; what is left of the GPUs' memory after the weights decides how many cached tokens, and
so how many sequences of a given length, fit at once.
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from .deployment import DEFAULT_USABLE_MEMORY, MAX_GPUS, Deployment
from .table import tensor_splits
from ..model.sizes import kv_bytes_per_sequence, kv_bytes_per_token, weight_bytes
from ..model.formats import kv_dtype_name
from ..hardware.gpus import get_gpu
from ..model.catalog import get_model


def decode_bytes_read(dep: Deployment, batch, context):
    """Bytes one decode step reads: the weights once for the whole batch, plus ``batch`` x
    ``context`` x KV bytes per token of cache (every sequence re-reads its own cache). This is
    the memory term of ``decode_step_time`` and the source article's "140 GB + 320 KB x N x B":
    for Llama-2-70B in bf16 at batch 1 and context 0, exactly 137,953,296,384 bytes. A
    sliding-window layer reads its window at most (``Deployment.attended``).
    Chapter 3 derives it."""
    b = checks.batch("batch", batch)
    c = checks.tokens("context", context)
    return dep.weight_bytes_read(b) + b * dep.attended(c) * dep.kv_bytes_per_token


def max_batch(dep: Deployment, tokens_per_sequence):
    """Largest batch of sequences of ``tokens_per_sequence`` tokens (prompt plus completion)
    whose KV caches all fit beside the weights: the KV capacity in tokens over the tokens per
    sequence, floored; 0 when not even one fits. Llama-2-70B on 2 x A100-80GB (80 GiB each,
    90% usable) holds 50,859 tokens: 12 sequences of 4096. A sequence of a model with
    sliding-window layers takes only ``Deployment.attended(tokens)`` of that capacity.
    Chapter 3 derives it."""
    n = checks.tokens("tokens_per_sequence", tokens_per_sequence, minimum=1)
    return np.floor(dep.kv_capacity_tokens / dep.attended(n))


def min_gpus(
    model,
    gpu,
    dtype: str = "bf16",
    kv_dtype: str = "bf16",
    tokens=0,
    usable_memory=DEFAULT_USABLE_MEMORY,
    power_of_two: bool = True,
):
    """Fewest GPUs, split by tensor parallelism, whose usable memory holds the weights and
    ``tokens`` tokens of KV cache (one sequence of ``tokens``; a model with sliding windows
    caches its window at most in those layers). Chapter 3 derives it.

    Only counts tensor parallelism can split the model over are considered
    (``tensor_splits``), and with ``power_of_two`` (the default: the groups of an eight-GPU
    server, and NVLink domains beyond) only powers of two among them. Past as many GPUs as
    the model has KV heads each GPU holds a copy of the heads it serves, and a latent cache
    is whole on every GPU, so the cache a token needs grows with the count. Infinite when no
    allowed count up to ``MAX_GPUS`` holds it (tensor parallelism alone cannot serve it).
    Llama-2-70B in bf16 with one full 4096-token sequence needs 2 A100-80GB at 90% usable;
    GPT-3 175B with one 2048-token sequence needs 5, so 8."""
    m = get_model(model)
    g = get_gpu(gpu)
    kv_dtype_name(kv_dtype)
    t = checks.tokens("tokens", tokens)
    u = checks.fraction("usable_memory", usable_memory)
    if m.has_windows:
        kv = kv_bytes_per_sequence(m, t, kv_dtype)
    else:
        kv = t * kv_bytes_per_token(m, kv_dtype)
    weights = weight_bytes(m, dtype)
    counts = np.array(tensor_splits(m, MAX_GPUS), dtype=float)
    if checks.flag("power_of_two", power_of_two):
        counts = counts[np.log2(counts) % 1 == 0]
    best = np.full(np.shape(kv), np.inf)
    for count in counts[::-1]:  # the smallest that holds it wins
        copies = count if m.is_mla else max(count / m.n_kv_heads, 1.0)
        fits = weights + kv * copies <= count * g.memory_bytes * u
        best = np.where(fits, count, best)
    return best if np.ndim(best) else float(best)
