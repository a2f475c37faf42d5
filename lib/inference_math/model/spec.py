"""What a model is: a frozen dataclass of its architecture, checked on construction.

Every count (total, active, per component, matmul-only) is computed from the fields
(``architecture``); the catalog's counts equal the published figures exactly
(tests/library/test_models.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import architecture
from ..core.checks import printable
from .stored import StoredFormat


@dataclass(frozen=True)
class Model:
    """A model's architecture, from which every parameter count follows (chapter 1).

    The fields after ``learned_positions`` describe the 2024-2026 architectures; their
    defaults describe a Llama, so the 2023 models need none of them. ``sliding_window`` with
    ``sliding_layers`` ("none", "all", or one True/False per layer, True where the layer
    attends to the last ``sliding_window`` tokens only) caps what a layer caches (chapter 3).
    ``kv_lora_rank`` makes the attention multi-head latent attention (DeepSeek-V2/V3): the
    cache holds ``kv_lora_rank + qk_rope_head_dim`` numbers per layer and token, ``head_dim``
    is then the query/key head width ``qk_nope_head_dim + qk_rope_head_dim``, and
    ``q_lora_rank`` None means a plain query projection. ``dense_layers`` lists the layers of
    a mixture of experts that keep a dense feed-forward network of width ``d_ff``; the
    others hold ``n_experts`` routed experts of width ``expert_d_ff`` (default ``d_ff``) and
    ``n_shared_experts`` that every token runs. ``mtp_layers`` multi-token-prediction
    modules are counted apart (``Model.mtp_params``), not in ``params``.

    The fields after ``mtp_layers`` describe 2025's models. ``attention_chunk`` with
    ``chunked_layers`` (as ``sliding_layers``) is chunked local attention (Llama 4): a token
    attends to the tokens of its own chunk only, so a chunked layer caches at most the chunk.
    ``attention_sinks`` adds one learned logit per query head and layer (gpt-oss),
    ``router_bias`` a bias on each mixture layer's router; ``qk_norm_scope`` says what a q/k
    norm covers ("head": one d_h-wide weight each for q and k, shared by the heads, as in
    Qwen3 and Gemma 3; "all": a weight for every head, (H + K) d_h, as in OLMo 2 and
    Cohere). ``vision_params`` counts an image encoder and its projector (Gemma 3, Llama 4):
    weights held in memory, but no KV cache and no FLOPs per text token. ``stored`` says how
    a checkpoint stores the weights (``stored.StoredFormat``; None: not known)."""

    name: str
    n_layers: int  # L
    d_model: int  # d
    n_heads: int  # H, query heads
    n_kv_heads: int  # K, key/value heads (K < H is grouped-query attention)
    head_dim: int  # d_h; not always d / H, so it is a field of its own
    d_ff: int  # feed-forward width (per expert for a mixture of experts)
    vocab_size: int
    max_context: int  # tokens the model was trained to attend over
    gated_ffn: bool = True  # SwiGLU: gate, up and down matrices (3); plain MLP: up and down (2)
    tied_embeddings: bool = False
    n_experts: int = 1  # E; 1 for a dense model
    experts_per_token: int = 1  # k, top-k routing
    norm: str = "rmsnorm"  # "layernorm" carries a bias vector beside its scale
    attention_bias: bool = False  # biases on q, k, v and o
    mlp_bias: bool = False
    learned_positions: bool = False  # a trained table of max_context x d (GPT-3); RoPE has none
    sliding_window: int | None = None  # tokens a sliding layer attends to (and caches)
    sliding_layers: str | tuple = "none"  # "none", "all", or per layer (True: sliding)
    qkv_bias: bool = False  # biases on q, k and v but not o (Qwen2)
    qk_norm: bool = False  # an RMSNorm over each query and key head (Qwen3)
    norms_per_layer: int = 2  # Gemma-2 has four: before and after attention and the FFN
    expert_d_ff: int | None = None  # a routed expert's width, when it is not d_ff
    n_shared_experts: int = 0  # experts every token runs (DeepSeek, Qwen2-MoE)
    shared_expert_d_ff: int | None = None  # a shared expert's width (default: expert width)
    shared_expert_gate: bool = False  # Qwen2-MoE gates its shared expert (a d -> 1 sigmoid)
    dense_layers: tuple = ()  # mixture layers that keep a dense FFN (DeepSeek's first three)
    kv_lora_rank: int | None = None  # multi-head latent attention: the cached latent's width
    q_lora_rank: int | None = None  # the query latent's width; None: a plain q projection
    qk_nope_head_dim: int | None = None  # the query/key head part without RoPE
    qk_rope_head_dim: int | None = None  # the part with RoPE (its key is shared by all heads)
    v_head_dim: int | None = None
    mtp_layers: int = 0  # multi-token-prediction modules, counted apart from params
    attention_chunk: int | None = None  # tokens of a chunk, chunked local attention (Llama 4)
    chunked_layers: str | tuple = "none"  # "none", "all", or per layer (True: chunked)
    attention_sinks: bool = False  # one learned logit per query head and layer (gpt-oss)
    router_bias: bool = False  # a bias on each mixture layer's router (gpt-oss)
    qk_norm_scope: str = "head"  # "head" (d_h, shared by the heads) or "all" ((H + K) d_h)
    vision_params: int = 0  # an image encoder and its projector: memory, no per-token work
    stored: StoredFormat | None = None  # how a checkpoint stores the weights (None: unknown)
    published_params: int | None = None
    source: str = ""
    date: str = ""

    def __post_init__(self):
        _validate(self)

    @property
    def params(self) -> int:
        """Every parameter held in memory, all experts of a mixture included (chapter 1); the
        multi-token-prediction modules are counted apart (``mtp_params``)."""
        return sum(param_breakdown(self).values())

    @property
    def text_params(self) -> int:
        """Parameters of the language model alone: ``params`` less the image encoder
        (``vision_params``), which a text token never reads (chapter 1)."""
        return self.params - self.vision_params

    @property
    def active_params(self) -> int:
        """Parameters one token uses: a mixture of experts runs only k of its E experts in
        each of its mixture layers, and no text token runs an image encoder (chapter 12)."""
        return (
            self.text_params
            - self.n_moe_layers * (self.n_experts - self.experts_per_token) * self.expert_params
        )

    @property
    def matmul_params(self) -> int:
        """Weights one token multiplies by (chapter 2): attention projections, the k active
        experts (and any shared ones), the router and the LM head (counted even when tied,
        since the product still happens). The input embedding is a table lookup and norms
        and biases are elementwise, so they cost no matrix product."""
        return architecture.matmul_params(self)

    @property
    def expert_params(self) -> int:
        """Parameters of one feed-forward block (one routed expert of a mixture), chapter 1."""
        return architecture.ffn_block(self, architecture.expert_width(self))

    @property
    def mtp_params(self) -> int:
        """Parameters of the multi-token-prediction modules, which DeepSeek counts apart from
        the main model (chapter 1): 0 for a model without them."""
        return architecture.mtp_params(self)

    @property
    def is_moe(self) -> bool:
        return self.n_experts > 1

    @property
    def n_moe_layers(self) -> int:
        """Layers that hold a mixture of experts: all but ``dense_layers`` (0 when dense)."""
        return architecture.n_moe_layers(self)

    @property
    def is_mla(self) -> bool:
        """Multi-head latent attention (``kv_lora_rank`` is set)."""
        return architecture.is_mla(self)

    @property
    def has_windows(self) -> bool:
        """Some layer attends to a sliding window or a chunk and caches at most that
        (chapter 3)."""
        return self.sliding_layers != "none" or self.chunked_layers != "none"

    @property
    def layer_windows(self) -> tuple:
        """Each layer's cap in tokens, or None where the layer attends to everything: its
        sliding window, or for a chunked layer its chunk (the cache's upper bound)."""
        return architecture.layer_windows(self)

    @property
    def layer_chunks(self) -> tuple:
        """Each layer's attention chunk in tokens, or None where it has none."""
        return architecture.layer_chunks(self)


# Larger sizes describe no model and would overflow the float arithmetic downstream.
MAX_SIZE = 2**31 - 1
_SIZES = (
    "n_layers",
    "d_model",
    "n_heads",
    "n_kv_heads",
    "head_dim",
    "d_ff",
    "vocab_size",
    "max_context",
    "n_experts",
    "experts_per_token",
    "norms_per_layer",
)
_OPTIONAL_SIZES = (
    "sliding_window",
    "expert_d_ff",
    "shared_expert_d_ff",
    "kv_lora_rank",
    "q_lora_rank",
    "qk_nope_head_dim",
    "qk_rope_head_dim",
    "v_head_dim",
    "attention_chunk",
)
_FLAGS = (
    "gated_ffn",
    "tied_embeddings",
    "attention_bias",
    "mlp_bias",
    "learned_positions",
    "qkv_bias",
    "qk_norm",
    "shared_expert_gate",
    "attention_sinks",
    "router_bias",
)
# "layernorm_nobias": a mean-subtracting LayerNorm with a scale and no bias (Cohere).
NORMS = ("rmsnorm", "layernorm", "layernorm_nobias")
QK_NORM_SCOPES = ("head", "all")
_MLA_SIZES = ("qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")


def _size(where: str, f: str, v, minimum: int = 1) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        what = "a positive integer" if minimum == 1 else "a non-negative integer"
        raise ValueError(f"{where}: {f} must be {what}, got {v!r}")
    if v > MAX_SIZE:
        raise ValueError(f"{where}: {f} must be at most {MAX_SIZE:,}, got {v:,}")


def _validate(m: Model) -> None:
    """Refuse a model no real architecture has, naming the field (one ValueError)."""
    if not isinstance(m.name, str) or not m.name.strip():
        raise ValueError(f"Model name must be a non-empty string, got {m.name!r}")
    where = f"model {printable(m.name)!r}"
    for f in _SIZES:
        _size(where, f, getattr(m, f))
    for f in _OPTIONAL_SIZES:
        if getattr(m, f) is not None:
            _size(where, f, getattr(m, f))
    for f in ("n_shared_experts", "mtp_layers", "vision_params"):
        _size(where, f, getattr(m, f), minimum=0)
    for f in _FLAGS:
        if not isinstance(getattr(m, f), bool):
            raise ValueError(f"{where}: {f} must be True or False, got {getattr(m, f)!r}")
    if m.n_heads % m.n_kv_heads:
        raise ValueError(
            f"{where}: n_heads ({m.n_heads}) must be a multiple of n_kv_heads ({m.n_kv_heads})"
        )
    if m.experts_per_token > m.n_experts:
        raise ValueError(
            f"{where}: experts_per_token ({m.experts_per_token}) exceeds n_experts ({m.n_experts})"
        )
    if m.norm not in NORMS:
        raise ValueError(f"{where}: norm must be one of {', '.join(NORMS)}, got {m.norm!r}")
    if m.qk_norm_scope not in QK_NORM_SCOPES:
        raise ValueError(
            f"{where}: qk_norm_scope must be one of {', '.join(QK_NORM_SCOPES)}, got "
            f"{printable(repr(m.qk_norm_scope))[:40]}"
        )
    if m.qk_norm_scope != "head" and not m.qk_norm:
        raise ValueError(f"{where}: qk_norm_scope {m.qk_norm_scope!r} needs qk_norm True")
    if m.router_bias and not m.is_moe:
        raise ValueError(f"{where}: router_bias describes a mixture of experts, but n_experts is 1")
    if m.stored is not None and not isinstance(m.stored, StoredFormat):
        raise ValueError(
            f"{where}: stored must be a StoredFormat or None, got {type(m.stored).__name__}"
        )
    if m.attention_bias and m.qkv_bias:
        raise ValueError(
            f"{where}: qkv_bias (q, k and v only) contradicts attention_bias (all four "
            "projections): set one of them"
        )
    _validate_windows(m, where)
    _validate_experts(m, where)
    _validate_mla(m, where)
    if m.published_params is not None and (
        isinstance(m.published_params, bool)
        or not isinstance(m.published_params, int)
        or m.published_params < 1
    ):
        raise ValueError(
            f"{where}: published_params must be a positive integer or None, got "
            f"{m.published_params!r}"
        )


def _validate_windows(m: Model, where: str) -> None:
    _validate_layer_caps(m, where, "sliding_layers", "sliding_window", "sliding", "a window")
    _validate_layer_caps(m, where, "chunked_layers", "attention_chunk", "chunked", "a chunk")


def _validate_layer_caps(m: Model, where: str, field: str, size: str, kind: str, what: str):
    """sliding_layers with sliding_window, or chunked_layers with attention_chunk."""
    layers = getattr(m, field)
    if isinstance(layers, tuple):
        if len(layers) != m.n_layers or not all(isinstance(s, bool) for s in layers):
            raise ValueError(
                f"{where}: {field} must be 'none', 'all' or a tuple of {m.n_layers} "
                f"True/False (one per layer), got {printable(repr(layers))[:80]}"
            )
        if not any(layers):
            raise ValueError(f"{where}: {field} has no {kind} layer: give 'none'")
    elif layers not in ("none", "all"):
        raise ValueError(
            f"{where}: {field} must be 'none', 'all' or a tuple of {m.n_layers} "
            f"True/False (one per layer), got {printable(repr(layers))[:80]}"
        )
    if (layers == "none") != (getattr(m, size) is None):
        raise ValueError(
            f"{where}: {size} ({getattr(m, size)!r}) and {field} "
            f"({printable(repr(layers))[:40]}) disagree: {what} needs the layers that use "
            f"it ('all' or a per-layer tuple), and {field} 'none' needs no {what[2:]}"
        )


def _validate_experts(m: Model, where: str) -> None:
    dense = m.dense_layers
    if (
        not isinstance(dense, tuple)
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in dense)
        or any(not 0 <= i < m.n_layers for i in dense)
        or list(dense) != sorted(set(dense))
    ):
        raise ValueError(
            f"{where}: dense_layers must be a tuple of distinct layer indices from 0 to "
            f"{m.n_layers - 1}, in order, got {printable(repr(dense))[:80]}"
        )
    if not m.is_moe:
        given = [f for f in ("expert_d_ff", "shared_expert_d_ff") if getattr(m, f) is not None]
        given += [f for f in ("n_shared_experts", "shared_expert_gate") if getattr(m, f)]
        given += ["dense_layers"] if dense else []
        if given:
            raise ValueError(
                f"{where}: {given[0]} describes a mixture of experts, but n_experts is 1"
            )
        return
    if not m.n_shared_experts and (m.shared_expert_d_ff is not None or m.shared_expert_gate):
        field = "shared_expert_d_ff" if m.shared_expert_d_ff is not None else "shared_expert_gate"
        raise ValueError(f"{where}: {field} needs n_shared_experts of at least 1")
    if len(dense) == m.n_layers:
        raise ValueError(
            f"{where}: dense_layers covers all {m.n_layers} layers; a mixture of experts "
            "needs at least one mixture layer"
        )


def _validate_mla(m: Model, where: str) -> None:
    if m.kv_lora_rank is None:
        given = [f for f in ("q_lora_rank", *_MLA_SIZES) if getattr(m, f) is not None]
        if given:
            raise ValueError(
                f"{where}: {given[0]} belongs to multi-head latent attention: give kv_lora_rank"
            )
        return
    missing = [f for f in _MLA_SIZES if getattr(m, f) is None]
    if missing:
        raise ValueError(
            f"{where}: multi-head latent attention (kv_lora_rank) needs {', '.join(missing)}"
        )
    if m.head_dim != m.qk_nope_head_dim + m.qk_rope_head_dim:
        raise ValueError(
            f"{where}: head_dim ({m.head_dim}) must be qk_nope_head_dim + qk_rope_head_dim "
            f"({m.qk_nope_head_dim + m.qk_rope_head_dim}) under multi-head latent attention"
        )
    for f in ("attention_bias", "qkv_bias", "qk_norm"):
        if getattr(m, f):
            raise ValueError(f"{where}: {f} is not supported with multi-head latent attention")


def param_breakdown(m: Model) -> dict[str, int]:
    """Parameters by component, summed over layers (chapter 1). The values add up to
    ``Model.params``; ``shared_experts`` is zero but for mixtures with shared experts."""
    return architecture.param_breakdown(m)
