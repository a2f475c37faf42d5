"""Chapter 4, The roofline."""

import math

from ..exercises import register
from ..formulas import attention_flops_per_token, flops_per_token, kv_bytes_per_token
from ..roofline import attainable_flops, decode_intensity
from ..serving import matmul_rate, ops_per_byte


def _square_ridge() -> float:
    """Smallest whole n with n / 3 > the A100-80GB's ops:byte (a square bf16 product)."""
    return math.floor(3 * ops_per_byte("a100-80gb-sxm")) + 1


def _h100_decode_share(context: int = 512) -> float:
    """The fraction of an H100-SXM's dense bf16 peak that one batch-1 decode step of
    Llama-2-70B attains on the roofline: its intensity over the H100's ridge."""
    i = decode_intensity("llama-2-70b", 1, context)
    return float(attainable_flops("h100-sxm", i) / matmul_rate("h100-sxm"))


def _long_context_limit(context: int = 4096) -> float:
    """Decode intensity as the batch grows without bound: one sequence's FLOPs over its
    cache bytes, the weights amortised away."""
    m = "llama-2-70b"
    return float((flops_per_token(m) + attention_flops_per_token(m, context))
                 / (context * kv_bytes_per_token(m)))


register("ch04-h100-ridge", 4, "Batch-1 decode under the H100's ridge",
         "ops:byte from a datasheet; share of peak at a given intensity (intensity / ridge)",
         "compute", 1, 5, _h100_decode_share, 0.005, "fraction of peak")
register("ch04-square-ridge", 4, "When is a square product compute-bound?",
         "limits of the matmul intensity; solving intensity = ridge", "derive", 2, 10,
         _square_ridge, 1e-12, "")
register("ch04-long-context-decode", 4, "Decode's ceiling at long context",
         "why batching amortises weights but not the KV cache", "explain", 2, 15,
         _long_context_limit, 0.005, "FLOPs/byte")
register("ch04-mixtral-decode", 4, "A mixture of experts on the roofline",
         "expected experts touched; MoE decode intensity", "extend", 3, 15,
         lambda: float(decode_intensity("mixtral-8x7b", 8, 0)), 0.005, "FLOPs/byte")
