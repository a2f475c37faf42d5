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
    heads: Llama-2-70B has 64 query heads but 8 KV heads, so 327,680 B (320 KiB) in bf16.

    Multi-head latent attention caches one latent of ``kv_lora_rank`` numbers and the shared
    RoPE key of ``qk_rope_head_dim`` per layer instead: L (r_kv + d_rope) x bytes, 70,272 B
    for DeepSeek-V3 in bf16. For a model with sliding-window layers this is what each token
    adds while the context is shorter than every window (the full-attention rate); a
    sequence's cache is ``kv_bytes_per_sequence``."""
    m = get_model(model)
    per = BYTES_PER_PARAM[kv_dtype_name(kv_dtype)]
    if m.is_mla:
        return m.n_layers * (m.kv_lora_rank + m.qk_rope_head_dim) * per
    return 2 * m.n_layers * m.n_kv_heads * m.head_dim * per


def window_groups(m: Model) -> tuple[int, list[tuple[int, int]]]:
    """A model's layers by window (chapter 3): (layers without one, [(window, layers with
    it), ...] in increasing window)."""
    counts: dict[int, int] = {}
    for w in m.layer_windows:
        if w is not None:
            counts[w] = counts.get(w, 0) + 1
    return m.n_layers - sum(counts.values()), sorted(counts.items())


def attended_tokens(model, context):
    """Tokens a token attends to and reads from the cache at ``context``, averaged over the
    layers (chapter 3): the context itself under full attention; a sliding-window layer
    stops at its window, so Mistral-7B-v0.1 attends to min(context, 4096) and Gemma-2,
    whose every other layer slides over 4096 tokens, to (context + min(context, 4096)) / 2.
    Times ``kv_bytes_per_token`` it is a sequence's cache; times the attention FLOPs per
    cached token, a token's attention FLOPs."""
    m = get_model(model)
    c = nonnegative("context", context)
    if not m.has_windows:
        return c
    return _layer_tokens(m, c) / m.n_layers


def _layer_tokens(m: Model, c):
    """The sum over layers of min(c, the layer's window): whole numbers stay exact."""
    full, groups = window_groups(m)
    total = full * c
    for window, layers in groups:
        total = total + layers * np.minimum(c, window)
    return total


def kv_bytes_per_sequence(model, tokens, kv_dtype: str = "bf16"):
    """Bytes of KV cache one sequence of ``tokens`` tokens holds (chapter 3): the sum over
    layers of min(tokens, that layer's window) x the bytes a layer caches per token. Without
    windows, tokens x ``kv_bytes_per_token``; four 32,768-token sequences of Mistral-7B-v0.1
    hold 4 x 32 layers x 4096 x 2 x 8 x 128 x 2 B = 2,147,483,648 B, not 17.2 GB."""
    m = get_model(model)
    per_token = kv_bytes_per_token(m, kv_dtype)
    t = nonnegative("tokens", tokens)
    if not m.has_windows:
        return t * per_token
    # bytes per layer and token (exact) times the layer-tokens (exact): whole bytes stay exact
    return (per_token / m.n_layers) * _layer_tokens(m, t)


def context_for_attended_tokens(model, attended):
    """The context at which a token attends to ``attended`` tokens on average over layers,
    the inverse of ``attended_tokens`` (chapter 3); infinite where the windows cap it below
    that, as every layer of Mistral-7B-v0.1 does beyond 4096."""
    m = get_model(model)
    e = nonnegative("attended", attended)
    if not m.has_windows:
        return e
    full, groups = window_groups(m)
    out = np.full(np.shape(e), np.inf)
    # Between two windows, the attended tokens grow as (open layers x context + the windows of
    # the closed layers) / L; each segment inverts that line, the first one exactly.
    low, closed, open_ = 0, 0, m.n_layers
    for window, layers in [*groups, (np.inf, 0)]:
        if not open_:  # every layer is capped: the largest window is reached, never passed
            return np.where(np.isinf(out) & (e * m.n_layers <= closed), low, out)
        ctx = e if not closed else (e * m.n_layers - closed) / open_
        out = np.where(np.isinf(out) & (ctx <= window), ctx, out)
        low, closed, open_ = window, closed + layers * window, open_ - layers
    return out


def attention_flops_per_attended_token(model) -> float:
    """Attention-score FLOPs one token spends per cached token it attends to (chapter 2):
    Q.K^T and scores.V are each 2 x H x d_h per layer, so 4 L H d_h. Under latent attention
    the keys are d_nope + d_rope wide and the values d_v: 2 L H (d_nope + d_rope + d_v), as
    when keys and values are rebuilt from the latent (engines that fold the up-projections
    into the query and output do other, larger products instead)."""
    m = get_model(model)
    if m.is_mla:
        return 2.0 * m.n_layers * m.n_heads * (m.head_dim + m.v_head_dim)
    return 4.0 * m.n_layers * m.n_heads * m.head_dim


def flops_per_token(model) -> float:
    """Forward FLOPs per token outside attention scores (chapter 2): 2 x the weights it
    multiplies by (one multiply and one add per weight). For a mixture of experts, only
    active experts."""
    return 2.0 * get_model(model).matmul_params


def attention_flops_per_token(model, context):
    """FLOPs of the attention scores for one token that attends to ``context`` tokens
    (chapter 2):
    Q.K^T and scores.V are each 2 x context x H x d_h per layer, so 4 L H d_h context.
    Every query head does this work, so it scales with H, not K. A sliding-window layer
    attends to its window at most (``attended_tokens``)."""
    m = get_model(model)
    if m.has_windows or m.is_mla:
        return attention_flops_per_attended_token(m) * attended_tokens(m, context)
    return 4.0 * m.n_layers * m.n_heads * m.head_dim * np.asarray(context, dtype=float)


def prefill_attended_tokens(model, prompt):
    """Cached tokens the tokens of a causal prefill of ``prompt`` tokens attend to, in all,
    averaged over layers (chapter 5): token i attends to i tokens, and the sum of i from 1
    to N is N(N+1)/2; a layer with window w stops at w, so it sums w(w+1)/2 + (N - w) w."""
    m = get_model(model)
    n = nonnegative("prompt", prompt)
    if not m.has_windows:
        return n * (n + 1) / 2
    full, groups = window_groups(m)
    total = full * n * (n + 1) / 2
    for window, layers in groups:
        capped = np.minimum(n, window)
        total = total + layers * (capped * (capped + 1) / 2 + (n - capped) * window)
    return total / m.n_layers


def prefill_attention_flops(model, prompt):
    """Attention-score FLOPs of a causal prefill of ``prompt`` tokens (chapter 5): token i
    attends to i
    tokens, and the sum of i from 1 to N is N(N+1)/2, so 2 L H d_h N (N+1). Sliding-window
    layers stop at their window (``prefill_attended_tokens``)."""
    m = get_model(model)
    if m.has_windows or m.is_mla:
        return attention_flops_per_attended_token(m) * prefill_attended_tokens(m, prompt)
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
    chapter 2. Infinite when sliding windows keep them below that share at any context."""
    m = get_model(model)
    if m.has_windows or m.is_mla:
        attended = share * flops_per_token(m) / attention_flops_per_attended_token(m)
        return float(context_for_attended_tokens(m, attended))
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
    # the shared weights include dense layers and shared experts, which every token reads
    shared = m.params - m.n_moe_layers * m.n_experts * m.expert_params
    touched = expected_experts_touched(m.n_experts, m.experts_per_token, tokens)
    return (shared + m.n_moe_layers * touched * m.expert_params) * per


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
