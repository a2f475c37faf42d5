"""Number formats: the bytes one stored number takes, for weights and for the KV cache
(chapter 1). Every dtype the library accepts is a key of ``BYTES_PER_PARAM``; a name is
matched after trimming and lower-casing and returned in its canonical spelling.
"""

from __future__ import annotations

from ..core.checks import canonical

BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}


# A KV cache in int4 needs kernels the book's deployments do not assume.
KV_DTYPES = tuple(d for d in BYTES_PER_PARAM if d != "int4")


def dtype_name(dtype: str) -> str:
    """The canonical name of a weight dtype ("BF16 " is "bf16"); unknown names are refused.
    Chapter 1 uses it."""
    return canonical("dtype", dtype, BYTES_PER_PARAM)


def kv_dtype_name(kv_dtype: str) -> str:
    """The canonical name of a KV-cache dtype: any weight dtype but int4. Chapter 3 uses it."""
    if (
        isinstance(kv_dtype, str)
        and kv_dtype.strip().lower() in BYTES_PER_PARAM
        and kv_dtype.strip().lower() not in KV_DTYPES
    ):
        raise ValueError(f"kv_dtype {kv_dtype!r} is not supported; allowed: {', '.join(KV_DTYPES)}")
    return canonical("kv_dtype", kv_dtype, {d: d for d in KV_DTYPES})


def bytes_per_param(dtype: str) -> float:
    """Storage bytes per number. int4 packs two numbers per byte; the small per-group scales
    of real int4 formats (about 3% at group size 128) are left out. Chapter 1 uses it."""
    return BYTES_PER_PARAM[dtype_name(dtype)]
