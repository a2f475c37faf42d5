"""Model architectures and the parameter counts that follow from them.

A model is a frozen dataclass of its architecture; every count (total, active, per component,
matmul-only) is computed from those fields, and the catalog's counts equal the published
figures exactly (tests/test_models.py). GPT-3.5's architecture is not public, so it is not
here: anything the book says about its size is a labelled scenario, never a catalog entry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

import numpy as np

from .checks import lookup, printable


@dataclass(frozen=True)
class Model:
    """A model's architecture, from which every parameter count follows (chapter 1)."""

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
    attention_bias: bool = False
    mlp_bias: bool = False
    learned_positions: bool = False  # a trained table of max_context x d (GPT-3); RoPE has none
    published_params: int | None = None
    source: str = ""
    date: str = ""

    def __post_init__(self):
        _validate(self)

    @property
    def params(self) -> int:
        """Every parameter held in memory, all experts of a mixture included (chapter 1)."""
        return sum(param_breakdown(self).values())

    @property
    def active_params(self) -> int:
        """Parameters one token uses: a mixture of experts runs only k of its E experts
        (chapter 12)."""
        return (
            self.params
            - self.n_layers * (self.n_experts - self.experts_per_token) * self.expert_params
        )

    @property
    def matmul_params(self) -> int:
        """Weights one token multiplies by (chapter 2): attention projections, the k active
        experts, the router and the LM head (counted even when tied, since the product still
        happens). The input embedding is a table lookup and norms and biases are
        elementwise, so they cost no matrix product."""
        per_layer = (
            _attention_matmul_per_layer(self)
            + self.experts_per_token * _ffn_matrices(self) * self.d_model * self.d_ff
            + (self.d_model * self.n_experts if self.is_moe else 0)
        )
        return self.n_layers * per_layer + self.vocab_size * self.d_model

    @property
    def expert_params(self) -> int:
        """Parameters of one feed-forward block (one expert of a mixture), chapter 1."""
        n_in = _ffn_matrices(self) - 1  # gate and up read d and write d_ff; down writes d
        weights = _ffn_matrices(self) * self.d_model * self.d_ff
        biases = (n_in * self.d_ff + self.d_model) if self.mlp_bias else 0
        return weights + biases

    @property
    def is_moe(self) -> bool:
        return self.n_experts > 1


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
)
_FLAGS = ("gated_ffn", "tied_embeddings", "attention_bias", "mlp_bias", "learned_positions")
NORMS = ("rmsnorm", "layernorm")


def _validate(m: Model) -> None:
    """Refuse a model no real architecture has, naming the field (one ValueError)."""
    if not isinstance(m.name, str) or not m.name.strip():
        raise ValueError(f"Model name must be a non-empty string, got {m.name!r}")
    where = f"model {printable(m.name)!r}"
    for f in _SIZES:
        v = getattr(m, f)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{where}: {f} must be a positive integer, got {v!r}")
        if v > MAX_SIZE:
            raise ValueError(f"{where}: {f} must be at most {MAX_SIZE:,}, got {v:,}")
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
    if m.published_params is not None and (
        isinstance(m.published_params, bool)
        or not isinstance(m.published_params, int)
        or m.published_params < 1
    ):
        raise ValueError(
            f"{where}: published_params must be a positive integer or None, got "
            f"{m.published_params!r}"
        )


def _attention_per_layer(m: Model) -> int:
    q_out = m.n_heads * m.head_dim
    kv_out = m.n_kv_heads * m.head_dim
    weights = m.d_model * q_out + 2 * m.d_model * kv_out + q_out * m.d_model
    biases = (q_out + 2 * kv_out + m.d_model) if m.attention_bias else 0
    return weights + biases


def _attention_matmul_per_layer(m: Model) -> int:
    q_out = m.n_heads * m.head_dim
    kv_out = m.n_kv_heads * m.head_dim
    return m.d_model * q_out + 2 * m.d_model * kv_out + q_out * m.d_model


def _ffn_matrices(m: Model) -> int:
    return 3 if m.gated_ffn else 2


def _norm_params(m: Model) -> int:
    return m.d_model * (2 if m.norm == "layernorm" else 1)


def param_breakdown(m: Model) -> dict[str, int]:
    """Parameters by component, summed over layers (chapter 1). The values add up to
    ``Model.params``."""
    router = m.d_model * m.n_experts if m.is_moe else 0
    return {
        "embedding": m.vocab_size * m.d_model,
        "positions": m.max_context * m.d_model if m.learned_positions else 0,
        "attention": m.n_layers * _attention_per_layer(m),
        "ffn": m.n_layers * m.n_experts * m.expert_params,
        "router": m.n_layers * router,
        "norms": (2 * m.n_layers + 1) * _norm_params(m),
        "lm_head": 0 if m.tied_embeddings else m.vocab_size * m.d_model,
    }


_HF = "Hugging Face config.json of {repo} and Meta's model card"
# fmt: off
MODELS: dict[str, Model] = {m.name: m for m in [
    Model("llama-2-7b", 32, 4096, 32, 32, 128, 11008, 32000, 4096,
          published_params=6_738_415_616,
          source=_HF.format(repo="meta-llama/Llama-2-7b-hf") + "; Touvron et al. 2023",
          date="2023-07-18"),
    Model("llama-2-13b", 40, 5120, 40, 40, 128, 13824, 32000, 4096,
          published_params=13_015_864_320,
          source=_HF.format(repo="meta-llama/Llama-2-13b-hf") + "; Touvron et al. 2023",
          date="2023-07-18"),
    Model("llama-2-70b", 80, 8192, 64, 8, 128, 28672, 32000, 4096,
          published_params=68_976_648_192,
          source=_HF.format(repo="meta-llama/Llama-2-70b-hf") + "; Touvron et al. 2023",
          date="2023-07-18"),
    Model("llama-3-8b", 32, 4096, 32, 8, 128, 14336, 128256, 8192,
          published_params=8_030_261_248,
          source=_HF.format(repo="meta-llama/Meta-Llama-3-8B"), date="2024-04-18"),
    Model("llama-3-70b", 80, 8192, 64, 8, 128, 28672, 128256, 8192,
          published_params=70_553_706_496,
          source=_HF.format(repo="meta-llama/Meta-Llama-3-70B"), date="2024-04-18"),
    Model("llama-3.1-8b", 32, 4096, 32, 8, 128, 14336, 128256, 131072,
          published_params=8_030_261_248,
          source=_HF.format(repo="meta-llama/Llama-3.1-8B"), date="2024-07-23"),
    Model("llama-3.1-70b", 80, 8192, 64, 8, 128, 28672, 128256, 131072,
          published_params=70_553_706_496,
          source=_HF.format(repo="meta-llama/Llama-3.1-70B"), date="2024-07-23"),
    Model("llama-3.3-70b", 80, 8192, 64, 8, 128, 28672, 128256, 131072,
          published_params=70_553_706_496,
          source=_HF.format(repo="meta-llama/Llama-3.3-70B-Instruct"), date="2024-12-06"),
    Model("mistral-7b", 32, 4096, 32, 8, 128, 14336, 32000, 32768,
          published_params=7_241_732_096,
          source="Hugging Face config.json of mistralai/Mistral-7B-v0.1; Jiang et al. 2023",
          date="2023-09-27"),
    Model("mixtral-8x7b", 32, 4096, 32, 8, 128, 14336, 32000, 32768,
          n_experts=8, experts_per_token=2, published_params=46_702_792_704,
          source="Hugging Face config.json of mistralai/Mixtral-8x7B-v0.1; Jiang et al. 2024",
          date="2023-12-11"),
    Model("gpt-3-175b", 96, 12288, 96, 96, 128, 49152, 50257, 2048,
          gated_ffn=False, tied_embeddings=True, norm="layernorm", attention_bias=True,
          mlp_bias=True, learned_positions=True,
          source="Brown et al. 2020, Table 2.1 (175.0B parameters); GPT-2 vocabulary and "
                 "layout (Radford et al. 2019)",
          date="2020-05-28"),
]}
# fmt: on


def get_model(name_or_model) -> Model:
    """A catalog model by name (close matches suggested), a ``Model`` as is, or a path to a
    Hugging Face ``config.json``. Chapter 1 uses it."""
    if isinstance(name_or_model, Model):
        return name_or_model
    if isinstance(name_or_model, (str, os.PathLike)) and str(name_or_model).endswith(".json"):
        from .hfconfig import from_hf_config

        return from_hf_config(name_or_model)
    return lookup("model", name_or_model, MODELS)


def model_fields() -> list[str]:
    return [f.name for f in fields(Model)]
