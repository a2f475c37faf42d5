"""Parameter counts by component, for every architecture the catalog holds (chapter 1).

``models.Model`` holds the fields; the arithmetic that turns them into counts lives here so
that the 2024-2026 architectures fit beside the 2023 ones: grouped-query attention with or
without q/k/v biases and per-head q/k norms, multi-head latent attention (DeepSeek-V2/V3),
mixtures of experts with shared experts and dense layers among them, and the modules that
predict further tokens (DeepSeek-V3's multi-token prediction), counted apart from the main
model as DeepSeek counts them. Every function reads a model's fields and nothing else.
"""

from __future__ import annotations


def ffn_matrices(m) -> int:
    """Matrices of one feed-forward block: 3 when gated (SwiGLU, GeGLU), 2 for a plain MLP."""
    return 3 if m.gated_ffn else 2


def ffn_block(m, width: int) -> int:
    """Parameters of one feed-forward block of ``width`` (chapter 1): its matrices, plus their
    biases where the model has them (gate and up write ``width``, down writes d)."""
    n_in = ffn_matrices(m) - 1
    weights = ffn_matrices(m) * m.d_model * width
    biases = (n_in * width + m.d_model) if m.mlp_bias else 0
    return weights + biases


def is_mla(m) -> bool:
    """Multi-head latent attention: the cache holds a compressed latent, not K and V."""
    return m.kv_lora_rank is not None


def n_moe_layers(m) -> int:
    """Layers whose feed-forward network is a mixture of experts (0 for a dense model)."""
    return m.n_layers - len(m.dense_layers) if m.n_experts > 1 else 0


def expert_width(m) -> int:
    return m.d_ff if m.expert_d_ff is None else m.expert_d_ff


def shared_block(m) -> int:
    """Parameters of a mixture layer's shared experts, which every token runs, and the
    sigmoid gate (d -> 1) that Qwen2-MoE puts on them."""
    if not m.n_shared_experts:
        return 0
    width = expert_width(m) if m.shared_expert_d_ff is None else m.shared_expert_d_ff
    return m.n_shared_experts * ffn_block(m, width) + (m.d_model if m.shared_expert_gate else 0)


def _shared_matmul(m) -> int:
    if not m.n_shared_experts:
        return 0
    width = expert_width(m) if m.shared_expert_d_ff is None else m.shared_expert_d_ff
    gate = m.d_model if m.shared_expert_gate else 0
    return m.n_shared_experts * ffn_matrices(m) * m.d_model * width + gate


def attention_matmul_per_layer(m) -> int:
    """Weights of one layer's attention projections (no biases, no norms)."""
    if is_mla(m):
        qk = m.qk_nope_head_dim + m.qk_rope_head_dim
        if m.q_lora_rank is None:  # a plain query projection (DeepSeek-V2-Lite)
            q = m.d_model * m.n_heads * qk
        else:  # down to the query latent, then up to the heads
            q = m.d_model * m.q_lora_rank + m.q_lora_rank * m.n_heads * qk
        # down to the KV latent plus the shared RoPE key, then up to keys and values
        kv = m.d_model * (m.kv_lora_rank + m.qk_rope_head_dim)
        kv += m.kv_lora_rank * m.n_heads * (m.qk_nope_head_dim + m.v_head_dim)
        return q + kv + m.n_heads * m.v_head_dim * m.d_model
    q_out = m.n_heads * m.head_dim
    kv_out = m.n_kv_heads * m.head_dim
    return m.d_model * q_out + 2 * m.d_model * kv_out + q_out * m.d_model


def attention_per_layer(m) -> int:
    """One layer's attention projections with their biases: all four with ``attention_bias``
    (GPT-3), q, k and v only with ``qkv_bias`` (Qwen2 hard-codes them; its o has none), and
    gpt-oss's sinks, one learned logit per query head."""
    weights = attention_matmul_per_layer(m) + (m.n_heads if m.attention_sinks else 0)
    if is_mla(m):
        return weights
    q_out = m.n_heads * m.head_dim
    kv_out = m.n_kv_heads * m.head_dim
    if m.attention_bias:
        return weights + q_out + 2 * kv_out + m.d_model
    return weights + (q_out + 2 * kv_out if m.qkv_bias else 0)


def norm_params(m) -> int:
    """One norm over the model width: a scale, and a bias too for LayerNorm (Cohere's
    LayerNorm has none)."""
    return m.d_model * _vectors_per_norm(m)


def _vectors_per_norm(m) -> int:
    return 2 if m.norm == "layernorm" else 1


def norms_per_layer(m) -> int:
    """One layer's norm weights: its ``norms_per_layer`` norms over the width (2 for Llama,
    4 for Gemma-2 and 3, 1 for Cohere's parallel block), the q/k norms (Qwen3's over one
    head, 2 d_h; OLMo 2's and Cohere's over every head, (H + K) d_h), and latent
    attention's norms over its latents."""
    extra = 0
    if m.qk_norm:
        heads = 2 if m.qk_norm_scope == "head" else m.n_heads + m.n_kv_heads
        extra += heads * m.head_dim * _vectors_per_norm(m)
    if is_mla(m):
        extra += m.kv_lora_rank + (m.q_lora_rank or 0)
    return m.norms_per_layer * norm_params(m) + extra


def param_breakdown(m) -> dict[str, int]:
    """Parameters by component, summed over layers (chapter 1). The values add up to
    ``Model.params``: ``ffn`` holds the dense layers' feed-forward networks and every routed
    expert, ``shared_experts`` the experts every token runs, ``norms`` every norm scale,
    ``vision`` an image encoder with its projector."""
    moe = n_moe_layers(m)
    dense = m.n_layers - moe
    return {
        "embedding": m.vocab_size * m.d_model,
        "positions": m.max_context * m.d_model if m.learned_positions else 0,
        "attention": m.n_layers * attention_per_layer(m),
        "ffn": dense * ffn_block(m, m.d_ff) + moe * m.n_experts * ffn_block(m, expert_width(m)),
        "shared_experts": moe * shared_block(m),
        "router": moe * router_per_layer(m),
        "norms": m.n_layers * norms_per_layer(m) + norm_params(m),
        "lm_head": 0 if m.tied_embeddings else m.vocab_size * m.d_model,
        "vision": m.vision_params,
    }


def router_per_layer(m) -> int:
    """A mixture layer's router: d -> E, with gpt-oss's bias (chapter 1)."""
    return m.n_experts * (m.d_model + (1 if m.router_bias else 0))


def matmul_params(m) -> int:
    """Weights one token multiplies by: attention, the dense layers' networks, in each
    mixture layer the k routed experts, the shared experts and the router, and the LM head."""
    moe = n_moe_layers(m)
    dense = m.n_layers - moe
    per_moe_layer = (
        m.experts_per_token * ffn_matrices(m) * m.d_model * expert_width(m)
        + _shared_matmul(m)
        + m.d_model * m.n_experts
    )
    return (
        m.n_layers * attention_matmul_per_layer(m)
        + dense * ffn_matrices(m) * m.d_model * m.d_ff
        + moe * per_moe_layer
        + m.vocab_size * m.d_model
    )


def mtp_params(m) -> int:
    """Parameters of the multi-token-prediction modules (DeepSeek-V3's one), apart from the
    main model: each is one more decoder layer (a mixture layer where the model has one),
    two norms over its inputs, a projection of their concatenation (2d -> d) and a final
    norm. They share the main model's embedding and LM head, so those are not counted."""
    if not m.mtp_layers:
        return 0
    if m.n_experts > 1:
        ffn = m.n_experts * ffn_block(m, expert_width(m)) + shared_block(m)
        ffn += router_per_layer(m)
    else:
        ffn = ffn_block(m, m.d_ff)
    layer = attention_per_layer(m) + norms_per_layer(m) + ffn
    return m.mtp_layers * (layer + 3 * norm_params(m) + 2 * m.d_model * m.d_model)


def _per_layer(layers, size) -> tuple:
    return tuple(size if s else None for s in layers) if isinstance(layers, tuple) else None


def layer_chunks(m) -> tuple:
    """Each layer's attention chunk in tokens, or None for a layer without one (chapter 3)."""
    per = _per_layer(m.chunked_layers, m.attention_chunk)
    return per or ((m.attention_chunk if m.chunked_layers == "all" else None),) * m.n_layers


def layer_sliding(m) -> tuple:
    """Each layer's sliding window in tokens, or None for a layer without one (chapter 3)."""
    per = _per_layer(m.sliding_layers, m.sliding_window)
    return per or ((m.sliding_window if m.sliding_layers == "all" else None),) * m.n_layers


def layer_windows(m) -> tuple:
    """Each layer's cap on what it attends to and caches: its sliding window, or its chunk
    (the cache's upper bound: a chunked layer holds at most the chunk it is in), the smaller
    where a layer has both; None for a layer that attends to all. Chapter 3."""
    return tuple(
        w if c is None else (c if w is None else min(w, c))
        for w, c in zip(layer_sliding(m), layer_chunks(m))
    )


def layer_matrices(m, i: int) -> list[tuple[str, int, int, int]]:
    """Layer ``i``'s weight matrices as (role, rows, columns, how many): rows are outputs,
    columns inputs, as a checkpoint stores them. Roles: q, k, v, o (q_a, q_b, kv_a, kv_b
    under latent attention), ffn (a dense layer's network), experts, shared, router. Biases,
    norms and sinks are vectors, not listed. Chapter 1's counts, matrix by matrix."""
    d, out = m.d_model, []
    if is_mla(m):
        qk, h = m.qk_nope_head_dim + m.qk_rope_head_dim, m.n_heads
        if m.q_lora_rank is None:
            out.append(("q", h * qk, d, 1))
        else:
            out += [("q_a", m.q_lora_rank, d, 1), ("q_b", h * qk, m.q_lora_rank, 1)]
        out += [
            ("kv_a", m.kv_lora_rank + m.qk_rope_head_dim, d, 1),
            ("kv_b", h * (m.qk_nope_head_dim + m.v_head_dim), m.kv_lora_rank, 1),
            ("o", d, h * m.v_head_dim, 1),
        ]
    else:
        q, kv = m.n_heads * m.head_dim, m.n_kv_heads * m.head_dim
        out += [("q", q, d, 1), ("k", kv, d, 1), ("v", kv, d, 1), ("o", d, q, 1)]
    n_in = ffn_matrices(m) - 1
    if m.n_experts == 1 or i in m.dense_layers:
        return out + [("ffn", m.d_ff, d, n_in), ("ffn", d, m.d_ff, 1)]
    w, e = expert_width(m), m.n_experts
    out += [("experts", w, d, n_in * e), ("experts", d, w, e), ("router", e, d, 1)]
    if m.n_shared_experts:
        sw = w if m.shared_expert_d_ff is None else m.shared_expert_d_ff
        s = m.n_shared_experts
        out += [("shared", sw, d, n_in * s), ("shared", d, sw, s)]
        out += [("shared", 1, d, 1)] if m.shared_expert_gate else []
    return out


def model_matrices(m) -> list[tuple[str, int, int, int]]:
    """The matrices outside the layers: the embedding, the LM head unless tied, GPT-3's
    table of positions (chapter 1)."""
    out = [("embedding", m.vocab_size, m.d_model, 1)]
    out += [] if m.tied_embeddings else [("lm_head", m.vocab_size, m.d_model, 1)]
    return out + ([("positions", m.max_context, m.d_model, 1)] if m.learned_positions else [])
