"""Chapter 4, The roofline."""

import math

from inference_math import (
    attainable_flops,
    attention_flops_per_token,
    decode_intensity,
    flops_per_token,
    kv_bytes_per_token,
    matmul_rate,
    ops_per_byte,
    prefill_attention_flops,
    weight_bytes,
)
from inference_math.book.exercises import exercise


@exercise(
    "ch04-square-ridge",
    title="When is a square product compute-bound?",
    practises="limits of the matmul intensity; solving intensity = ridge",
    kind="derive",
    difficulty=2,
    minutes=10,
    rel_tol=1e-12,
    unit="rows and columns (n)",
)
def _square_ridge() -> float:
    """Smallest whole n with n / 3 > the A100-80GB's ops:byte (a square bf16 product)."""
    return math.floor(3 * ops_per_byte("a100-80gb-sxm")) + 1


@exercise(
    "ch04-h100-ridge",
    title="Batch-1 decode under the H100's ridge",
    practises="ops:byte from a datasheet; share of peak at a given intensity (intensity / ridge)",
    kind="compute",
    difficulty=1,
    minutes=5,
    rel_tol=0.005,
    unit="fraction of peak",
)
def _h100_decode_share(context: int = 512) -> float:
    """The fraction of an H100-SXM's dense bf16 peak that one batch-1 decode step of
    Llama-2-70B attains on the roofline: its intensity over the H100's ridge."""
    i = decode_intensity("llama-2-70b", 1, context)
    return float(attainable_flops("h100-sxm", i) / matmul_rate("h100-sxm"))


@exercise(
    "ch04-long-context-decode",
    title="Decode's ceiling at long context",
    practises="why batching amortises weights but not the KV cache",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=0.005,
    unit="FLOPs/byte",
)
def _long_context_limit(context: int = 4096) -> float:
    """Decode intensity as the batch grows without bound: one sequence's FLOPs over its
    cache bytes, the weights amortised away."""
    m = "llama-2-70b"
    return float(
        (flops_per_token(m) + attention_flops_per_token(m, context))
        / (context * kv_bytes_per_token(m))
    )


@exercise(
    "ch04-mixtral-decode",
    title="A mixture of experts on the roofline",
    practises="expected experts touched; MoE decode intensity",
    kind="extend",
    difficulty=3,
    minutes=15,
    rel_tol=0.005,
    unit="FLOPs/byte",
)
def _mixtral_decode() -> float:
    return float(decode_intensity("mixtral-8x7b", 8, 0))


@exercise(
    "ch04-batch32-napkin",
    title="Batch-32 decode on an H100, by hand",
    practises="napkin math: decode intensity is about the batch; on the slope, attainable "
    "FLOP/s = intensity x bandwidth",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.2,
    unit="TFLOP/s",
)
def _batch32_napkin(batch: int = 32, context: int = 512) -> float:
    """The FLOP/s one H100-SXM can attain, on the roofline, in a Llama-2-70B decode step of
    ``batch`` sequences at ``context`` tokens, in TFLOP/s."""
    i = decode_intensity("llama-2-70b", batch, context)
    return float(attainable_flops("h100-sxm", i)) / 1e12


def mixed_step_intensity(model, batch, context, chunk):
    """FLOPs per byte of one forward pass that advances ``batch`` decoding sequences (each at
    ``context`` cached tokens) and prefills the first ``chunk`` tokens of a new prompt: every
    token's FLOPs over one read of the weights, the decode caches read and the chunk's cache
    written (bf16)."""
    flops = (batch + chunk) * flops_per_token(model)
    flops += batch * attention_flops_per_token(model, context) + prefill_attention_flops(
        model, chunk
    )
    moved = weight_bytes(model) + (batch * context + chunk) * kv_bytes_per_token(model)
    return flops / moved


@exercise(
    "ch04-chunk-to-ridge",
    title="Filling decode's idle tensor cores with a prompt",
    practises="combining decode and prefill intensity in one step; solving intensity = ridge "
    "(a quadratic, with sympy) for the tokens that must share a weight read",
    kind="derive",
    difficulty=3,
    minutes=30,
    rel_tol=1e-9,
    unit="tokens",
)
def _chunk_to_ridge(batch: int = 64, context: int = 2048) -> float:
    """The smallest whole number of prompt tokens that, added to a decode step of ``batch``
    Llama-2-70B sequences at ``context`` tokens, brings the step to an H100-SXM's ridge."""
    ridge = ops_per_byte("h100-sxm")
    chunk = 1
    # the intensity grows with the chunk: the first whole chunk at or above the ridge
    while mixed_step_intensity("llama-2-70b", batch, context, chunk) < ridge:
        chunk += 1
    return float(chunk)
