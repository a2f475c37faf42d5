"""A ``Model`` from a Hugging Face ``config.json`` (chapter 1 reads one).

Configs are hostile input: the file is read with ``checks.read_text_file`` (a regular file of
bounded size) and every field is checked, so a bad one is one ValueError naming the file and
the field, never a silently different model.

Each supported ``model_type`` (``SUPPORTED``) is read as Hugging Face transformers reads it,
with transformers' defaults for the keys a config leaves out (``FAMILIES``): Gemma ties its
embeddings without saying so, Qwen2 hard-codes its q/k/v biases, Mistral slides a 4096-token
window unless ``sliding_window`` is null, Qwen2 slides none unless ``use_sliding_window``.
What sizes the weights is never defaulted: a config that leaves out a size, or names experts
without saying how many each token is routed to, is refused rather than read as another
model (a mixture is never read as dense).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ..core.checks import printable, read_text_file
from .spec import MAX_SIZE, Model

_REQUIRED = (
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
)
# Every spelling of "how many routed experts" across the families.
EXPERT_KEYS = ("num_local_experts", "num_experts", "n_routed_experts")
_MLA_KEYS = ("kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")


@dataclass(frozen=True)
class Family:
    """How transformers builds one ``model_type`` (chapter 1): which keys it reads and the
    defaults it gives the ones a config leaves out."""

    experts: tuple = ()  # the key(s) counting the routed experts; () for a dense family
    expert_width: str = "intermediate_size"  # the key sizing one routed expert
    windows: str = "none"  # "none", "all" (every layer or none), "gemma2", "qwen"
    window_default: int | None = None  # sliding_window when the key is absent
    tied: bool = False  # tie_word_embeddings when absent
    head_dim: int | None = None  # head_dim when absent (None: hidden / heads)
    # attention biases: "read" (attention_bias, all four), "qkv" (q, k and v, hard-coded),
    # "qkv_flag" (q, k and v unless qkv_bias is false), "none"
    bias: str = "read"
    mlp_bias: bool = False  # reads mlp_bias
    norms_per_layer: int = 2
    qk_norm: bool = False
    mla: bool = False  # multi-head latent attention (DeepSeek)
    shared: str = "none"  # shared experts: "qwen" (one, gated) or "deepseek" (n_shared_experts)
    shared_default: int = 0  # n_shared_experts when absent
    dense_default: int = 0  # first_k_dense_replace when absent
    mtp_default: int = 0  # num_nextn_predict_layers when absent


_QWEN_MOE = dict(expert_width="moe_intermediate_size", windows="qwen", window_default=4096)
_DEEPSEEK = dict(
    experts=("n_routed_experts",), expert_width="moe_intermediate_size", mla=True, shared="deepseek"
)
# transformers' defaults per model_type, read from transformers 5.24.0's config classes and
# checked against the 4.x modeling code where the two differ (q/k/v biases, window layers).
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
    "phi3": Family(windows="all", bias="none"),
    "deepseek_v2": Family(shared_default=2, **_DEEPSEEK),
    "deepseek_v3": Family(shared_default=1, dense_default=3, mtp_default=1, **_DEEPSEEK),
}
SUPPORTED = tuple(FAMILIES)
_ABSENT = object()


def _positive_int(config: dict, key: str, where: str, minimum: int = 1) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        what = {1: "a positive integer", 0: "a non-negative integer"}.get(
            minimum, f"an integer of at least {minimum}"
        )
        raise ValueError(f"{where}: {key} must be {what}, got {printable(repr(value))[:60]}")
    if value > MAX_SIZE:
        raise ValueError(
            f"{where}: {key} must be at most {MAX_SIZE:,}, got a number of {len(str(value))} digits"
        )
    return value


def _int_or(config: dict, key: str, where: str, default, minimum: int = 1):
    """``config[key]`` checked, or ``default`` when the key is absent or null."""
    return default if config.get(key) is None else _positive_int(config, key, where, minimum)


def _flag(config: dict, key: str, where: str, default: bool) -> bool:
    value = config.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be true or false, got {printable(repr(value))[:60]}")
    return value


def _layer_list(config: dict, key: str, where: str, layers: int) -> list:
    value = config.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i < layers for i in value
    ):
        raise ValueError(
            f"{where}: {key} must be a list of layer indices from 0 to {layers - 1}, got "
            f"{printable(repr(value))[:60]}"
        )
    return value


def _read(path_or_dict) -> tuple[dict, str]:
    if isinstance(path_or_dict, dict):
        return path_or_dict, "config"
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
    return config, where


def _windows(config: dict, fam: Family, kind: str, layers: int, where: str):
    """(sliding_window, sliding_layers) as transformers applies them to this config."""
    types = config.get("layer_types")
    if types is not None and (
        not isinstance(types, list)
        or len(types) != layers
        or any(t not in ("full_attention", "sliding_attention") for t in types)
    ):
        raise ValueError(
            f"{where}: layer_types must list {layers} entries, each 'full_attention' or "
            f"'sliding_attention', got {printable(repr(types))[:60]}"
        )
    window, pattern = None, None
    if fam.windows == "qwen" and _flag(config, "use_sliding_window", where, False):
        if fam.experts:  # transformers 4.x and 5.x pick different layers for Qwen MoE models
            raise ValueError(
                f"{where}: use_sliding_window true is not supported for {kind}: transformers "
                "versions disagree on which of its layers slide; allowed: false"
            )
        window = _window_value(config, fam, where)
        first = _int_or(config, "max_window_layers", where, 28, minimum=0)
        pattern = [i >= first for i in range(layers)]  # the first max_window_layers attend fully
    elif fam.windows in ("all", "gemma2"):
        window = _window_value(config, fam, where)
        if window is None and fam.windows == "gemma2":
            raise ValueError(
                f"{where}: sliding_window must be a positive integer: gemma2 alternates "
                "sliding and global layers"
            )
        pattern = [fam.windows == "all" or i % 2 == 0 for i in range(layers)]
    if window is None:
        pattern = [False] * layers
    if types is not None:
        given = [t == "sliding_attention" for t in types]
        if fam.windows in ("gemma2", "qwen") and window is not None:
            pattern = given
        elif given != pattern:
            raise ValueError(
                f"{where}: layer_types disagrees with how {kind} slides its window "
                f"(sliding_window {window!r}); a {kind} config's layers all slide or none do"
            )
    if not any(pattern):
        return None, "none"
    return window, "all" if all(pattern) else tuple(pattern)


def _window_value(config: dict, fam: Family, where: str):
    value = config.get("sliding_window", _ABSENT)
    if value is _ABSENT:
        return fam.window_default
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(
            f"{where}: sliding_window must be a positive integer or null (no window), got "
            f"{printable(repr(value))[:60]}"
        )
    return value


def _foreign_experts(config: dict, fam: Family, kind: str, where: str) -> None:
    """Refuse experts spelled as another family spells them: never read them as dense."""
    foreign = [k for k in EXPERT_KEYS if config.get(k) is not None and k not in fam.experts]
    if foreign:
        how = f"reads {' or '.join(fam.experts)}" if fam.experts else "is dense"
        raise ValueError(
            f"{where}: {foreign[0]} names experts, but model_type {kind!r} {how}; a mixture "
            f"of experts is one of {', '.join(k for k, f in FAMILIES.items() if f.experts)}"
        )


def _experts(config: dict, fam: Family, kind: str, layers: int, where: str) -> dict:
    """The mixture-of-experts fields of a ``Model``, empty for a dense family."""
    named = [k for k in EXPERT_KEYS if config.get(k) is not None]
    if not fam.experts:
        return {}
    key = named[0]
    experts = _positive_int(config, key, where, minimum=2)
    if len(named) > 1 and config[named[1]] != experts:
        other = printable(repr(config[named[1]]))[:20]
        raise ValueError(f"{where}: {named[0]} and {named[1]} disagree ({experts} and {other})")
    if config.get("num_experts_per_tok") is None:
        raise ValueError(
            f"{where}: {key} ({experts}) names experts but num_experts_per_tok, how many each "
            "token is routed to, is missing; a mixture of experts is never read as dense"
        )
    per_token = _positive_int(config, "num_experts_per_tok", where)
    if per_token > experts:
        raise ValueError(f"{where}: num_experts_per_tok ({per_token}) exceeds {key} ({experts})")
    out = dict(n_experts=experts, experts_per_token=per_token)
    if fam.expert_width != "intermediate_size":
        out["expert_d_ff"] = _positive_int(config, fam.expert_width, where)
    if fam.shared == "qwen":  # one shared expert behind a sigmoid gate
        out.update(n_shared_experts=1, shared_expert_gate=True)
        out["shared_expert_d_ff"] = _positive_int(config, "shared_expert_intermediate_size", where)
    if fam.shared == "deepseek":
        # null means no shared expert, as in DeepSeek's own code; absent, transformers' default
        shared = fam.shared_default if "n_shared_experts" not in config else 0
        out["n_shared_experts"] = _int_or(config, "n_shared_experts", where, shared, minimum=0)
        first = _int_or(config, "first_k_dense_replace", where, fam.dense_default, minimum=0)
        freq = _int_or(config, "moe_layer_freq", where, 1)
        dense = [i for i in range(layers) if i < first or i % freq]
        keys = "first_k_dense_replace and moe_layer_freq"
    elif kind.startswith("qwen"):  # a layer is a mixture every decoder_sparse_step layers
        step = _int_or(config, "decoder_sparse_step", where, 1)
        only = _layer_list(config, "mlp_only_layers", where, layers)
        dense = [i for i in range(layers) if i in only or (i + 1) % step]
        keys = "decoder_sparse_step and mlp_only_layers"
    else:  # Mixtral: every layer
        dense, keys = [], ""
    if len(dense) == layers:
        raise ValueError(f"{where}: {keys} leave no mixture-of-experts layer of {layers}")
    out["dense_layers"] = tuple(dense)
    return out


def _mla(config: dict, fam: Family, where: str) -> dict:
    """The latent-attention fields of a ``Model`` (DeepSeek-V2/V3), empty for other families."""
    given = [k for k in ("kv_lora_rank", "q_lora_rank") if config.get(k) is not None]
    if not fam.mla:
        if given:
            raise ValueError(
                f"{where}: {given[0]} belongs to multi-head latent attention, which only "
                "deepseek_v2 and deepseek_v3 configs describe"
            )
        return {}
    out = {k: _positive_int(config, k, where) for k in _MLA_KEYS}
    # transformers defaults q_lora_rank to 1536, wrong for DeepSeek-V2-Lite: require the key
    if "q_lora_rank" not in config:
        raise ValueError(
            f"{where}: missing key q_lora_rank; give the query latent's width, or null for a "
            "plain query projection (DeepSeek-V2-Lite)"
        )
    out["q_lora_rank"] = _int_or(config, "q_lora_rank", where, None)
    out["head_dim"] = out["qk_nope_head_dim"] + out["qk_rope_head_dim"]
    return out


def from_hf_config(path_or_dict, name: str | None = None) -> Model:
    """A ``Model`` from a Hugging Face ``config.json`` of a supported ``model_type``
    (``SUPPORTED``: the Llama, Mistral, Mixtral, Qwen2/3 and their MoE, Gemma 1/2, Phi-3 and
    DeepSeek-V2/V3 families), read as transformers reads it (``FAMILIES``): its defaults for
    optional keys (``num_key_value_heads`` = ``num_attention_heads``, ``head_dim`` = hidden /
    heads unless the family fixes it, tied embeddings for Gemma), its sliding windows, expert
    layouts and latent attention. The model is named after ``_name_or_path``, else the file's
    folder. Chapter 1 uses it."""
    config, where = _read(path_or_dict)
    kind = config.get("model_type")
    if "model_type" not in config or kind not in FAMILIES:
        got = "missing key(s) model_type" if "model_type" not in config else (
            f"model_type {printable(repr(kind))[:40]} is not supported")  # fmt: skip
        raise ValueError(f"{where}: {got}; supported: {', '.join(SUPPORTED)}")
    fam = FAMILIES[kind]
    _foreign_experts(config, fam, kind, where)
    required = _REQUIRED + fam.experts[:1] + (_MLA_KEYS if fam.mla else ())
    if fam.expert_width != "intermediate_size":
        required += (fam.expert_width,)
    if fam.shared == "qwen":
        required += ("shared_expert_intermediate_size",)
    missing = [k for k in required if k not in config and k not in fam.experts]
    if fam.experts and not any(k in config for k in fam.experts):
        missing = [fam.experts[0], *missing]
    if missing:
        raise ValueError(
            f"{where}: missing key(s) {', '.join(missing)}; a {kind} config.json needs "
            f"{', '.join(required)}"
        )
    layers, d, heads, d_ff, vocab, ctx = (_positive_int(config, k, where) for k in _REQUIRED)
    kv_heads = _int_or(config, "num_key_value_heads", where, heads)
    fields = dict(_mla(config, fam, where))
    if fam.mla:
        kv_heads = heads  # latent attention caches no per-head K and V
    if heads % kv_heads:
        raise ValueError(
            f"{where}: num_attention_heads ({heads}) must be a multiple of "
            f"num_key_value_heads ({kv_heads})"
        )
    if fam.mla:
        head_dim = fields.pop("head_dim")
    elif config.get("head_dim") is not None:
        head_dim = _positive_int(config, "head_dim", where)
    elif fam.head_dim is not None:
        head_dim = fam.head_dim
    elif d % heads:
        raise ValueError(
            f"{where}: hidden_size ({d}) is not a multiple of num_attention_heads "
            f"({heads}) and no head_dim is given"
        )
    else:
        head_dim = d // heads
    fields.update(_experts(config, fam, kind, layers, where))
    window, sliding = _windows(config, fam, kind, layers, where)
    fields.update(sliding_window=window, sliding_layers=sliding)
    fields["tied_embeddings"] = _flag(config, "tie_word_embeddings", where, fam.tied)
    if fam.bias == "read":
        fields["attention_bias"] = _flag(config, "attention_bias", where, False)
    fields["qkv_bias"] = fam.bias == "qkv" or (
        fam.bias == "qkv_flag" and _flag(config, "qkv_bias", where, True)
    )
    fields["mlp_bias"] = fam.mlp_bias and _flag(config, "mlp_bias", where, False)
    if fam.mtp_default or config.get("num_nextn_predict_layers") is not None:
        fields["mtp_layers"] = _int_or(
            config, "num_nextn_predict_layers", where, fam.mtp_default, minimum=0
        )
    label = (
        name or config.get("_name_or_path") or os.path.basename(os.path.dirname(where)) or "custom"
    )
    if not isinstance(label, str):
        raise ValueError(
            f"{where}: _name_or_path must be a string, got {printable(repr(label))[:60]}"
        )
    try:
        return Model(
            printable(label).strip() or "custom", layers, d, heads, kv_heads, head_dim, d_ff,
            vocab, ctx, norms_per_layer=fam.norms_per_layer, qk_norm=fam.qk_norm,
            source=f"Hugging Face config {where}", date="", **fields,
        )  # fmt: skip
    except ValueError as err:  # a combination no architecture has, named by the model's field
        raise ValueError(f"{where}: {err}") from None
