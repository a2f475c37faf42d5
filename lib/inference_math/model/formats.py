"""Number formats: the bytes one stored number takes, for weights and for the KV cache
(chapter 1). Every dtype the library accepts is a key of ``BYTES_PER_PARAM``; a name is
matched after trimming and lower-casing and returned in its canonical spelling.

Two conventions live side by side. ``int4`` is the article's: half a byte per weight, the
per-group scales and zero points that every real int4 checkpoint stores left out (AWQ or
GPTQ at groups of 128 with 16-bit scales and 4-bit zeros store 4 + 20/128 = 4.16 bits per
weight, 4% more); the book's int4 numbers use it, so it stays. The two 4-bit floating-point
formats carry their block scales, because those are part of the format itself, not a choice
of the tool that wrote the checkpoint: ``mxfp4`` (OCP microscaling: 4-bit values and one
8-bit power-of-two scale per 32, 4.25 bits) and ``nvfp4`` (NVIDIA: 4-bit values and one fp8
scale per 16, 4.5 bits; its one fp32 scale per tensor is left out). A checkpoint's exact
bytes, scales and unquantized layers included, are ``model.stored``'s business.
"""

from __future__ import annotations

from ..core.checks import canonical

BYTES_PER_PARAM = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
    "mxfp4": 4.25 / 8,
    "nvfp4": 4.5 / 8,
}
# The 4-bit formats whose products run on fp4 tensor cores (Blackwell, CDNA 4).
FP4_DTYPES = ("mxfp4", "nvfp4")


# A KV cache in 4 bits needs kernels the book's deployments do not assume.
KV_DTYPES = ("fp32", "bf16", "fp16", "fp8", "int8")


def dtype_name(dtype: str) -> str:
    """The canonical name of a weight dtype ("BF16 " is "bf16"); unknown names are refused.
    Chapter 1 uses it."""
    return canonical("dtype", dtype, BYTES_PER_PARAM)


def kv_dtype_name(kv_dtype: str) -> str:
    """The canonical name of a KV-cache dtype: any weight dtype but the 4-bit ones. Chapter 3
    uses it."""
    if (
        isinstance(kv_dtype, str)
        and kv_dtype.strip().lower() in BYTES_PER_PARAM
        and kv_dtype.strip().lower() not in KV_DTYPES
    ):
        raise ValueError(f"kv_dtype {kv_dtype!r} is not supported; allowed: {', '.join(KV_DTYPES)}")
    return canonical("kv_dtype", kv_dtype, {d: d for d in KV_DTYPES})


def bytes_per_param(dtype: str) -> float:
    """Storage bytes per number (chapter 1). int4 packs two numbers per byte and leaves out
    the per-group scales of real int4 formats (about 4% at groups of 128); mxfp4 (0.53125)
    and nvfp4 (0.5625) include their block scales."""
    return BYTES_PER_PARAM[dtype_name(dtype)]
