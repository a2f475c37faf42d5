"""The roofline: FLOPs per byte of a whole forward step, and the FLOP/s a GPU can attain at it.

Williams, Waterman and Patterson (2009): a kernel that does W FLOPs while moving Q bytes has
arithmetic intensity I = W / Q, and on a GPU with peak F FLOP/s and bandwidth beta B/s it can
attain at most min(F, I x beta) FLOP/s. The ridge I* = F / beta (``ops_per_byte``) separates
memory-bound steps (I < I*) from compute-bound ones.

The step intensities below count the traffic that cannot be avoided: the weights (read once
per step however many tokens share them) and the KV cache (written in prefill, read in
decode). Activations are left out: between layers they are a few d-wide vectors per token,
about 1e-4 of the weight bytes per token for Llama-2-70B. Tensor parallelism splits FLOPs and
bytes alike, so the intensity of a step does not depend on the number of GPUs.
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from ..model.flops import attention_flops_per_token, flops_per_token, prefill_flops
from ..model.formats import FP4_DTYPES, dtype_name, kv_dtype_name
from ..model.sizes import kv_bytes_per_sequence, kv_bytes_per_token, weight_bytes_read
from .gpus import get_gpu
from ..model.catalog import get_model


def matmul_rate(gpu, dtype: str = "bf16") -> float:
    """Peak dense FLOP/s of one GPU for matrix products with weights stored as ``dtype``.
    Chapter 4 derives the roofline from it.

    bf16, fp16 and int4 (weight-only: dequantized to bf16 before the product) run at the bf16
    rate; fp32 at the TF32 tensor rate, half the bf16 rate on every GPU in the catalog;
    fp8 and int8 at the GPU's 8-bit rate, where it has one; mxfp4 and nvfp4 at its dense fp4
    rate, where its tensor cores multiply that format (Blackwell both, the MI355X MXFP4
    only). Never a fallthrough: every dtype maps to its own rate, or is refused where the
    GPU has none.
    """
    g = get_gpu(gpu)
    rates = {
        "fp32": g.bf16_flops / 2,
        "bf16": g.bf16_flops,
        "fp16": g.bf16_flops,
        "int4": g.bf16_flops,
        "fp8": g.fp8_flops,
        "int8": g.int8_ops,
        **{f: g.fp4_flops if f in g.fp4_formats else None for f in FP4_DTYPES},
    }
    name = dtype_name(dtype)
    if rates[name] is None:
        has = [d for d, r in rates.items() if r is not None]
        raise ValueError(
            f"{g.name} has no published dense {name} tensor rate; allowed dtypes "
            f"there: {', '.join(has)}"
        )
    return rates[name]


def ops_per_byte(gpu, dtype: str = "bf16") -> float:
    """The ridge point: peak FLOP/s over peak bandwidth, the FLOPs a byte must carry for a
    product to be compute-bound (chapter 4). A100 80GB SXM in bf16: 312e12 / 2.039e12 = 153."""
    g = get_gpu(gpu)
    return matmul_rate(g, dtype) / g.bandwidth_bytes_per_s


def attainable_flops(gpu, intensity, dtype: str = "bf16"):
    """The roofline: min(peak FLOP/s, intensity x peak bandwidth) for matrix products in
    ``dtype``. An A100-80GB at 1 FLOP/byte attains 2.039e12 FLOP/s, 0.65% of its 312e12.
    Chapter 4 derives it."""
    g = get_gpu(gpu)
    i = checks.nonnegative("intensity", intensity)
    return np.minimum(matmul_rate(g, dtype), i * g.bandwidth_bytes_per_s)


def prefill_intensity(model, prompt, batch=1, dtype: str = "bf16", kv_dtype: str = "bf16"):
    """FLOPs per byte of prefilling ``batch`` prompts of ``prompt`` tokens in one step: their
    FLOPs (causal attention scores included) over the weights read once plus the KV cache
    written. Grows about linearly with the tokens in the step: Llama-2-70B at 512 tokens
    does about 500 FLOPs per byte. Chapter 4 derives it."""
    m = get_model(model)
    n = checks.count("prompt", prompt)
    b = checks.count("batch", batch)
    kv_dtype_name(kv_dtype)
    flops = b * prefill_flops(m, n)
    moved = weight_bytes_read(m, dtype, b * n) + b * n * kv_bytes_per_token(m, kv_dtype)
    return flops / moved


def decode_intensity(model, batch, context, dtype: str = "bf16", kv_dtype: str = "bf16"):
    """FLOPs per byte of one decode step: ``batch`` sequences, one new token each, each
    attending to ``context`` cached tokens. FLOPs B (f + 4 L H d_h c) over weight bytes plus
    B c KV bytes, the same traffic ``decode_step_time`` charges. At batch 1 a dense model
    does about one FLOP per byte in bf16 (two FLOPs per weight, two bytes per weight).
    Chapter 4 derives it."""
    m = get_model(model)
    b = checks.count("batch", batch)
    c = checks.count("context", context, minimum=0)
    kv_dtype_name(kv_dtype)
    flops = b * (flops_per_token(m) + attention_flops_per_token(m, c))
    if m.has_windows:  # a sliding-window layer reads its window at most
        moved = weight_bytes_read(m, dtype, b) + b * kv_bytes_per_sequence(m, c, kv_dtype)
    else:
        moved = weight_bytes_read(m, dtype, b) + b * c * kv_bytes_per_token(m, kv_dtype)
    return flops / moved
