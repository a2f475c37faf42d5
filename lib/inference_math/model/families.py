"""The ``model_type``s a config.json may name, and how transformers builds each (chapter 1).

``FAMILIES`` holds, per supported type, which keys transformers reads and the defaults it
gives the keys a config leaves out, read from transformers' config classes and modeling code
(5.24 and 5.25; the 4.x code where the two differ). ``NESTED`` names the multimodal types
whose language model sits under ``text_config``; ``HYBRIDS`` the types the library refuses,
with the reason: their linear-attention or state-space layers keep a fixed state per
sequence, not a KV cache per token, and reading them as dense transformers would price
another model.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """How transformers builds one ``model_type`` (chapter 1): which keys it reads and the
    defaults it gives the ones a config leaves out."""

    experts: tuple = ()  # the key(s) counting the routed experts; () for a dense family
    expert_width: str = "intermediate_size"  # the key sizing one routed expert
    # sliding windows: "none", "all" (every layer or none), "gemma2", "qwen", or "pattern"
    # (layer_types, else every window_period-th layer global, period read from period_key)
    windows: str = "none"
    window_default: int | None = None  # sliding_window when the key is absent
    window_period: int = 0
    period_key: str = ""
    chunks: bool = False  # chunked local attention on the RoPE layers (Llama 4)
    tied: bool = False  # tie_word_embeddings when absent
    head_dim: int | None = None  # head_dim when absent (None: hidden / heads)
    # attention biases: "read" (attention_bias, all four), "qkv" (q, k and v, hard-coded),
    # "qkv_flag" (q, k and v unless qkv_bias is false), "none"
    bias: str = "read"
    mlp_bias: bool = False  # reads mlp_bias
    expert_bias: bool = False  # biases on every expert's matrices, hard-coded (gpt-oss)
    router_bias: bool = False  # a bias on the router, hard-coded (gpt-oss)
    sinks: bool = False  # attention sinks, one logit per head (gpt-oss)
    norm: str = "rmsnorm"
    norms_per_layer: int = 2
    qk_norm: bool = False
    qk_norm_key: str = ""  # a flag that turns the q/k norms on (Cohere's use_qk_norm)
    qk_norm_scope: str = "head"
    mla: bool = False  # multi-head latent attention (DeepSeek)
    # which layers hold experts: "every", "qwen" (decoder_sparse_step, mlp_only_layers),
    # "deepseek" (first_k_dense_replace, moe_layer_freq), "llama4" (moe_layers or
    # interleave_moe_layer_step)
    moe_layout: str = "every"
    # shared experts: "qwen" (one, gated), "deepseek" (n_shared_experts), "one" (Llama 4)
    shared: str = "none"
    shared_default: int = 0  # n_shared_experts when absent
    dense_default: int = 0  # first_k_dense_replace when absent
    dense_width: str = ""  # the key sizing the dense layers among experts (Llama 4)
    mtp_default: int = 0  # num_nextn_predict_layers when absent
    defaults: tuple = ()  # (key, value) for sizes the published configs rely on


_QWEN_MOE = dict(
    expert_width="moe_intermediate_size", windows="qwen", window_default=4096, moe_layout="qwen"
)
_DEEPSEEK = dict(
    experts=("n_routed_experts",),
    expert_width="moe_intermediate_size",
    mla=True,
    shared="deepseek",
    moe_layout="deepseek",
)
_DEEPSEEK_V3 = Family(shared_default=1, dense_default=3, mtp_default=1, **_DEEPSEEK)
FAMILIES = {
    "llama": Family(mlp_bias=True),
    "mistral": Family(windows="all", window_default=4096, bias="none"),
    "mixtral": Family(experts=("num_local_experts",), windows="all", bias="none"),
    "qwen2": Family(windows="qwen", window_default=4096, bias="qkv"),
    "qwen3": Family(windows="qwen", window_default=4096, head_dim=128, qk_norm=True),
    "qwen2_moe": Family(experts=("num_experts",), bias="qkv_flag", shared="qwen", **_QWEN_MOE),
    # transformers 5 also accepts num_local_experts for Qwen3-MoE (an alias)
    "qwen3_moe": Family(
        experts=("num_experts", "num_local_experts"), head_dim=128, qk_norm=True, **_QWEN_MOE
    ),
    "gemma": Family(tied=True, head_dim=256),
    "gemma2": Family(
        tied=True, head_dim=256, windows="gemma2", window_default=4096, norms_per_layer=4
    ),
    # Gemma 3: five sliding layers, then a global one; the hub's 4B to 27B configs leave out
    # the vocabulary (262,208), the context and the 4B's heads, so transformers' defaults hold
    "gemma3_text": Family(
        tied=True,
        head_dim=256,
        windows="pattern",
        window_default=4096,
        window_period=6,
        period_key="sliding_window_pattern",
        norms_per_layer=4,
        qk_norm=True,
        defaults=(
            ("vocab_size", 262_208),
            ("max_position_embeddings", 131_072),
            ("num_attention_heads", 8),
            ("num_key_value_heads", 4),
        ),
    ),  # fmt: skip
    "phi3": Family(windows="all", bias="none"),
    "deepseek_v2": Family(shared_default=2, **_DEEPSEEK),
    "deepseek_v3": _DEEPSEEK_V3,
    # Kimi K2 is DeepSeek-V3's architecture (its remote code is DeepSeek-V3's); transformers
    # registers no kimi_k2 type, so it is read as deepseek_v3
    "kimi_k2": _DEEPSEEK_V3,
    # gpt-oss: biased attention with a sink per head, biased experts and router, layers
    # alternating a 128-token window and full attention
    "gpt_oss": Family(
        experts=("num_local_experts",),
        windows="pattern",
        window_default=128,
        window_period=2,
        expert_bias=True,
        router_bias=True,
        sinks=True,
    ),  # fmt: skip
    # Llama 4: dense and mixture layers interleaved, one shared expert, chunked attention on
    # three layers in four; its q/k norm has no weights
    "llama4_text": Family(
        experts=("num_local_experts",),
        chunks=True,
        moe_layout="llama4",
        shared="one",
        dense_width="intermediate_size_mlp",
        head_dim=128,
    ),  # fmt: skip
    # Cohere (Command R): one LayerNorm without bias per layer feeds attention and the
    # network in parallel; optional q/k norms per head; tied embeddings
    "cohere": Family(
        tied=True,
        norm="layernorm_nobias",
        norms_per_layer=1,
        qk_norm_key="use_qk_norm",
        qk_norm_scope="all",
    ),  # fmt: skip
    # OLMo 2: norms after attention and after the network (no pre-norms), q and k normed
    # over the whole projection
    "olmo2": Family(qk_norm=True, qk_norm_scope="all"),
}
SUPPORTED = tuple(FAMILIES)
# Multimodal types: the language model under text_config, an image encoder under
# vision_config (counted by model.vision), the text type when text_config names none.
NESTED = {"llama4": "llama4_text", "gemma3": "gemma3_text"}
# Every spelling of "how many routed experts" across the families.
EXPERT_KEYS = ("num_local_experts", "num_experts", "n_routed_experts")
# The hybrids, refused: what their non-attention layers are.
HYBRIDS = {
    "qwen3_next": "Gated DeltaNet (linear attention)",
    "nemotron_h": "Mamba-2",
    "minimax": "lightning (linear) attention",
    "minimax_m1": "lightning (linear) attention",
    "minimax_text_01": "lightning (linear) attention",
    "jamba": "Mamba",
    "falcon_h1": "Mamba-2 (beside attention in every layer)",
}


def hybrid_refusal(kind: str, where: str) -> str:
    """The one-line refusal of a hybrid ``model_type`` (chapter 3 says why)."""
    return (
        f"{where}: model_type {kind!r} is a hybrid whose {HYBRIDS[kind]} layers keep a fixed "
        "state per sequence, not a KV cache per token; the library does not model them, so "
        "it refuses the config rather than read it as a dense transformer"
    )
