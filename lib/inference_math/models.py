"""Model architectures and the parameter counts that follow from them.

A model is a frozen dataclass of its architecture; every count (total, active, per component,
matmul-only) is computed from those fields, and the catalog's counts equal the published
figures exactly (tests/test_models.py). GPT-3.5's architecture is not public, so it is not
here: anything the book says about its size is a labelled scenario, never a catalog entry.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields

import numpy as np

from .checks import lookup, printable, read_text_file


@dataclass(frozen=True)
class Model:
    name: str
    n_layers: int            # L
    d_model: int             # d
    n_heads: int             # H, query heads
    n_kv_heads: int          # K, key/value heads (K < H is grouped-query attention)
    head_dim: int            # d_h; not always d / H, so it is a field of its own
    d_ff: int                # feed-forward width (per expert for a mixture of experts)
    vocab_size: int
    max_context: int         # tokens the model was trained to attend over
    gated_ffn: bool = True   # SwiGLU: gate, up and down matrices (3); plain MLP: up and down (2)
    tied_embeddings: bool = False
    n_experts: int = 1       # E; 1 for a dense model
    experts_per_token: int = 1  # k, top-k routing
    norm: str = "rmsnorm"    # "layernorm" carries a bias vector beside its scale
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
        return total_params(self)

    @property
    def is_moe(self) -> bool:
        return self.n_experts > 1


# Larger sizes describe no model and would overflow the float arithmetic downstream.
MAX_SIZE = 2**31 - 1
_SIZES = ("n_layers", "d_model", "n_heads", "n_kv_heads", "head_dim", "d_ff", "vocab_size",
          "max_context", "n_experts", "experts_per_token")
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
        raise ValueError(f"{where}: n_heads ({m.n_heads}) must be a multiple of n_kv_heads "
                         f"({m.n_kv_heads})")
    if m.experts_per_token > m.n_experts:
        raise ValueError(f"{where}: experts_per_token ({m.experts_per_token}) exceeds "
                         f"n_experts ({m.n_experts})")
    if m.norm not in NORMS:
        raise ValueError(f"{where}: norm must be one of {', '.join(NORMS)}, got {m.norm!r}")
    if m.published_params is not None and (isinstance(m.published_params, bool) or not
                                           isinstance(m.published_params, int)
                                           or m.published_params < 1):
        raise ValueError(f"{where}: published_params must be a positive integer or None, got "
                         f"{m.published_params!r}")


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


def expert_params(m: Model) -> int:
    """Parameters of one feed-forward block (one expert of a mixture)."""
    n_in = _ffn_matrices(m) - 1  # gate and up read d and write d_ff; down writes d
    weights = _ffn_matrices(m) * m.d_model * m.d_ff
    biases = (n_in * m.d_ff + m.d_model) if m.mlp_bias else 0
    return weights + biases


def _norm_params(m: Model) -> int:
    return m.d_model * (2 if m.norm == "layernorm" else 1)


def param_breakdown(m: Model) -> dict[str, int]:
    """Parameters by component, summed over layers. The values add up to ``total_params``."""
    router = m.d_model * m.n_experts if m.is_moe else 0
    return {
        "embedding": m.vocab_size * m.d_model,
        "positions": m.max_context * m.d_model if m.learned_positions else 0,
        "attention": m.n_layers * _attention_per_layer(m),
        "ffn": m.n_layers * m.n_experts * expert_params(m),
        "router": m.n_layers * router,
        "norms": (2 * m.n_layers + 1) * _norm_params(m),
        "lm_head": 0 if m.tied_embeddings else m.vocab_size * m.d_model,
    }


def total_params(m: Model) -> int:
    """Every parameter held in memory (all experts of a mixture)."""
    return sum(param_breakdown(m).values())


def active_params(m: Model) -> int:
    """Parameters one token uses: a mixture of experts runs only k of its E experts."""
    inactive = m.n_layers * (m.n_experts - m.experts_per_token) * expert_params(m)
    return total_params(m) - inactive


def matmul_params(m: Model) -> int:
    """Weights one token multiplies by: attention projections, the k active experts, the router
    and the LM head (counted even when tied, since the product still happens). The input
    embedding is a table lookup and norms and biases are elementwise, so they cost no matmul."""
    per_layer = (_attention_matmul_per_layer(m)
                 + m.experts_per_token * _ffn_matrices(m) * m.d_model * m.d_ff
                 + (m.d_model * m.n_experts if m.is_moe else 0))
    return m.n_layers * per_layer + m.vocab_size * m.d_model


_HF = "Hugging Face config.json of {repo} and Meta's model card"
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


def get_model(name_or_model) -> Model:
    """A catalog model by name (close matches suggested), a ``Model`` as is, or a path to a
    Hugging Face ``config.json``."""
    if isinstance(name_or_model, Model):
        return name_or_model
    if isinstance(name_or_model, (str, os.PathLike)) and str(name_or_model).endswith(".json"):
        return from_hf_config(name_or_model)
    return lookup("model", name_or_model, MODELS)


_REQUIRED = ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size",
             "vocab_size", "max_position_embeddings")


def _positive_int(config: dict, key: str, where: str) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: {key} must be a positive integer, got "
                         f"{printable(repr(value))[:60]}")
    if value > MAX_SIZE:
        raise ValueError(f"{where}: {key} must be at most {MAX_SIZE:,}, got a number of "
                         f"{len(str(value))} digits")
    return value


def from_hf_config(path_or_dict, name: str | None = None) -> Model:
    """A ``Model`` from a Hugging Face ``config.json`` of the Llama/Mistral/Mixtral family.

    Optional keys take the defaults Hugging Face's LlamaConfig gives them:
    ``num_key_value_heads`` = ``num_attention_heads``, ``head_dim`` = hidden / heads,
    ``tie_word_embeddings`` false, one expert.
    """
    if isinstance(path_or_dict, dict):
        config, where = path_or_dict, "config"
    else:
        text = read_text_file(path_or_dict, "config.json")
        where = printable(os.fspath(path_or_dict))
        try:
            config = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{where} is not valid JSON: {err}") from None
        except RecursionError:
            raise ValueError(f"{where} is nested too deeply to be a config.json") from None
    if not isinstance(config, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(config).__name__}")
    missing = [k for k in _REQUIRED if k not in config]
    if missing:
        raise ValueError(f"{where}: missing key(s) {', '.join(missing)}; a config.json of the "
                         f"Llama family needs {', '.join(_REQUIRED)}")
    layers, d, heads, d_ff, vocab, ctx = (_positive_int(config, k, where) for k in _REQUIRED)
    kv_heads = _positive_int(config, "num_key_value_heads", where) \
        if config.get("num_key_value_heads") is not None else heads
    if heads % kv_heads:
        raise ValueError(f"{where}: num_attention_heads ({heads}) must be a multiple of "
                         f"num_key_value_heads ({kv_heads})")
    if config.get("head_dim") is not None:
        head_dim = _positive_int(config, "head_dim", where)
    elif d % heads:
        raise ValueError(f"{where}: hidden_size ({d}) is not a multiple of num_attention_heads "
                         f"({heads}) and no head_dim is given")
    else:
        head_dim = d // heads
    experts = _positive_int(config, "num_local_experts", where) \
        if config.get("num_local_experts") is not None else 1
    per_token = _positive_int(config, "num_experts_per_tok", where) \
        if config.get("num_experts_per_tok") is not None else 1
    if per_token > experts:
        raise ValueError(f"{where}: num_experts_per_tok ({per_token}) exceeds "
                         f"num_local_experts ({experts})")
    flags = {}
    for key in ("tie_word_embeddings", "attention_bias", "mlp_bias"):
        value = config.get(key, False)
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {key} must be true or false, got "
                             f"{printable(repr(value))[:60]}")
        flags[key] = value
    label = name or config.get("_name_or_path") or os.path.basename(os.path.dirname(where)) \
        or "custom"
    if not isinstance(label, str):
        raise ValueError(f"{where}: _name_or_path must be a string, got "
                         f"{printable(repr(label))[:60]}")
    return Model(printable(label).strip() or "custom", layers, d, heads, kv_heads, head_dim, d_ff, vocab, ctx,
                 tied_embeddings=flags["tie_word_embeddings"], n_experts=experts,
                 experts_per_token=per_token, attention_bias=flags["attention_bias"],
                 mlp_bias=flags["mlp_bias"], source=f"Hugging Face config {where}", date="")


def model_fields() -> list[str]:
    return [f.name for f in fields(Model)]
