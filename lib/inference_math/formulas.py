"""Bytes and FLOPs: the arithmetic of one forward pass, independent of any GPU (chapters 1
to 3).

Notation (book-wide): L layers, d model width, H query heads, K key/value heads, d_h head
dimension, P parameters, N tokens of context, B batch.
"""

from __future__ import annotations

import os

import numpy as np

from .checks import canonical, nonnegative
from .models import Model, get_model

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


def weight_bytes(model_or_params, dtype: str = "bf16"):
    """Bytes to hold a model's weights in ``dtype`` (chapter 1): its parameters x bytes per
    parameter, 68,976,648,192 x 2 = 137,953,296,384 for Llama-2-70B in bf16. Takes a model
    (a ``Model``, a catalog name or a config.json path) or a number of parameters (an array
    of them for a sweep)."""
    if isinstance(model_or_params, (Model, str, os.PathLike)):
        return float(get_model(model_or_params).params * bytes_per_param(dtype))
    return nonnegative("params", model_or_params) * bytes_per_param(dtype)


def kv_bytes_per_token(model, kv_dtype: str = "bf16") -> float:
    """2 (K and V) x L x K x d_h x bytes (chapter 3). The cache holds the key/value heads, not
    the query
    heads: Llama-2-70B has 64 query heads but 8 KV heads, so 327,680 B (320 KiB) in bf16."""
    m = get_model(model)
    return 2 * m.n_layers * m.n_kv_heads * m.head_dim * BYTES_PER_PARAM[kv_dtype_name(kv_dtype)]


def flops_per_token(model) -> float:
    """Forward FLOPs per token outside attention scores (chapter 2): 2 x the weights it
    multiplies by (one multiply and one add per weight). For a mixture of experts, only
    active experts."""
    return 2.0 * get_model(model).matmul_params


def attention_flops_per_token(model, context):
    """FLOPs of the attention scores for one token that attends to ``context`` tokens
    (chapter 2):
    Q.K^T and scores.V are each 2 x context x H x d_h per layer, so 4 L H d_h context.
    Every query head does this work, so it scales with H, not K."""
    m = get_model(model)
    return 4.0 * m.n_layers * m.n_heads * m.head_dim * np.asarray(context, dtype=float)


def prefill_attention_flops(model, prompt):
    """Attention-score FLOPs of a causal prefill of ``prompt`` tokens (chapter 5): token i
    attends to i
    tokens, and the sum of i from 1 to N is N(N+1)/2, so 2 L H d_h N (N+1)."""
    m = get_model(model)
    n = np.asarray(prompt, dtype=float)
    return 2.0 * m.n_layers * m.n_heads * m.head_dim * n * (n + 1)


def prefill_flops(model, prompt, attention: bool = True):
    """FLOPs to process a prompt of ``prompt`` tokens for one sequence (chapter 5)."""
    n = np.asarray(prompt, dtype=float)
    extra = prefill_attention_flops(model, n) if attention else 0.0
    return n * flops_per_token(model) + extra


def attention_share_context(model, share: float = 0.1) -> float:
    """The context at which one token's attention-score FLOPs reach ``share`` of its other
    FLOPs (``flops_per_token``: 2 x the weights it multiplies by, a little under 2P);
    chapter 2."""
    m = get_model(model)
    return share * flops_per_token(m) / (4.0 * m.n_layers * m.n_heads * m.head_dim)


def matmul_intensity(m, n, k, bytes_per_element: float = 2.0):
    """FLOPs per byte of an (m x k) @ (k x n) product that reads both operands and writes the
    result once: 2mnk / (bytes x (mk + kn + mn)); chapter 4."""
    m, n, k = (np.asarray(v, dtype=float) for v in (m, n, k))
    return 2 * m * n * k / (bytes_per_element * (m * k + k * n + m * n))


def expected_experts_touched(n_experts, experts_per_token, tokens):
    """Experts a layer must read when ``tokens`` tokens each pick ``experts_per_token`` of
    ``n_experts`` uniformly: E (1 - (1 - k/E)^B). One token reads k; many read all E
    (chapter 12)."""
    e = np.asarray(n_experts, dtype=float)
    k = np.asarray(experts_per_token, dtype=float)
    # an average over steps may hold a fraction of a token (chunked prefill, chapter 9)
    b = nonnegative("tokens", tokens)
    return e * (1.0 - (1.0 - k / e) ** b)


def weight_bytes_read(model, dtype: str, tokens, params=None):
    """Weight bytes a forward pass over ``tokens`` tokens must read (chapters 6 and 12). A
    dense model reads all
    of them. A mixture of experts reads its shared weights and only the experts its tokens
    route to (in expectation, uniform routing). ``params`` overrides the count (dense only)."""
    m = get_model(model)
    per = bytes_per_param(dtype)
    if params is not None or not m.is_moe:
        return (m.params if params is None else params) * per
    shared = m.params - m.n_layers * m.n_experts * m.expert_params
    touched = expected_experts_touched(m.n_experts, m.experts_per_token, tokens)
    return (shared + m.n_layers * touched * m.expert_params) * per


def model_summary(model: Model, dtype: str = "bf16") -> dict:
    """The numbers a catalog table shows for one model (the back matter's catalog).
    Chapter 1 uses it."""
    return {
        "name": model.name,
        "params": model.params,
        "active_params": model.active_params,
        "weight_bytes": weight_bytes(model, dtype),
        "kv_bytes_per_token": kv_bytes_per_token(model, dtype),
        "flops_per_token": flops_per_token(model),
        "max_context": model.max_context,
        "source": model.source,
        "date": model.date,
    }
