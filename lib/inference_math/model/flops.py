"""FLOPs: what one token costs outside attention (2 x the weights it multiplies by), the
attention scores over its context, and a causal prefill (chapters 2 and 5). Independent of
any GPU.
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from .catalog import get_model
from .windows import attended_tokens, context_for_attended_tokens, prefill_attended_tokens


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
    return 4.0 * m.n_layers * m.n_heads * m.head_dim * checks.plain("context", context)


def prefill_attention_flops(model, prompt):
    """Attention-score FLOPs of a causal prefill of ``prompt`` tokens (chapter 5): token i
    attends to i
    tokens, and the sum of i from 1 to N is N(N+1)/2, so 2 L H d_h N (N+1). Sliding-window
    layers stop at their window (``prefill_attended_tokens``)."""
    m = get_model(model)
    if m.has_windows or m.is_mla:
        return attention_flops_per_attended_token(m) * prefill_attended_tokens(m, prompt)
    n = checks.plain("prompt", prompt)
    return 2.0 * m.n_layers * m.n_heads * m.head_dim * n * (n + 1)


def prefill_flops(model, prompt, attention: bool = True):
    """FLOPs to process a prompt of ``prompt`` tokens for one sequence (chapter 5)."""
    n = checks.plain("prompt", prompt)
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
