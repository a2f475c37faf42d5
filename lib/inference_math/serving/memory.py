"""What a served model's memory holds: the weights, a fixed cost, and the KV cache, which grows
with every token of every sequence in the batch.

Chapter 3 derives these. A decode step must read the weights once and each sequence's whole
cache; what is left of the GPUs' memory after the weights decides how many cached tokens, and
so how many sequences of a given length, fit at once.
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from .deployment import DEFAULT_USABLE_MEMORY, Deployment
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
    b = checks.count("batch", batch)
    c = checks.count("context", context, minimum=0)
    return dep.weight_bytes_read(b) + b * dep.attended(c) * dep.kv_bytes_per_token


def max_batch(dep: Deployment, tokens_per_sequence):
    """Largest batch of sequences of ``tokens_per_sequence`` tokens (prompt plus completion)
    whose KV caches all fit beside the weights: the KV capacity in tokens over the tokens per
    sequence, floored; 0 when not even one fits. Llama-2-70B on 2 x A100-80GB (80 GiB each,
    90% usable) holds 50,859 tokens: 12 sequences of 4096. A sequence of a model with
    sliding-window layers takes only ``Deployment.attended(tokens)`` of that capacity.
    Chapter 3 derives it."""
    n = checks.count("tokens_per_sequence", tokens_per_sequence)
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
    """Fewest GPUs whose usable memory holds the weights and ``tokens`` tokens of KV cache
    (one sequence of ``tokens``, for a model with sliding windows, whose layers cache their
    window at most).

    With ``power_of_two`` (the default) the count is rounded up to a power of two: tensor
    parallelism must split the heads evenly, and the groups on an eight-GPU server are 1, 2, 4
    or 8. Llama-2-70B in bf16 with one full 4096-token sequence needs 2 A100-80GB at 90%
    usable; GPT-3 175B with one 2048-token sequence needs 5, so 8. Chapter 3 derives it."""
    m = get_model(model)
    g = get_gpu(gpu)
    kv_dtype_name(kv_dtype)
    t = checks.count("tokens", tokens, minimum=0)
    u = checks.fraction("usable_memory", usable_memory)
    if m.has_windows:
        need = weight_bytes(m, dtype) + kv_bytes_per_sequence(m, t, kv_dtype)
    else:
        need = weight_bytes(m, dtype) + t * kv_bytes_per_token(m, kv_dtype)
    gpus = np.maximum(np.ceil(need / (g.memory_bytes * u)), 1.0)
    if checks.flag("power_of_two", power_of_two):
        gpus = 2.0 ** np.ceil(np.log2(gpus))
    return gpus
