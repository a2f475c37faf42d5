"""A ``Model`` from a Hugging Face ``config.json`` (chapter 1 reads one).

Configs are hostile input: the file is read with ``checks.read_text_file`` (a regular file of
bounded size) and every field is checked, so a bad one is one ValueError naming the file and
the field, never a silently different model.

Each supported ``model_type`` (``families.SUPPORTED``) is read as Hugging Face transformers
reads it, with transformers' defaults for the keys a config leaves out (``FAMILIES``): Gemma
ties its embeddings without saying so, Qwen2 hard-codes its q/k/v biases, Mistral slides a
4096-token window unless ``sliding_window`` is null, Qwen2 slides none unless
``use_sliding_window``. What sizes the weights is never defaulted, except where the published
configs themselves rely on transformers' default (Gemma 3's vocabulary): a config that leaves
out a size, or names experts without saying how many each token is routed to, is refused
rather than read as another model (a mixture is never read as dense). The multimodal types
(``families.NESTED``) are read from their ``text_config``, with the image encoder counted
apart (``model.vision``); the hybrids (``families.HYBRIDS``) are refused in one line.

The checkpoint's stored format (``quantization_config``, ModelOpt's ``hf_quant_config.json``
beside the file, or ``torch_dtype``) is read too (``model.quantconfig``) and attached as
``Model.stored``.
"""

from __future__ import annotations

import dataclasses
import json
import os

from ..core.checks import printable, read_text_file
from . import architecture
from . import hflayers as hf
from .families import FAMILIES, HYBRIDS, NESTED, SUPPORTED, Family, hybrid_refusal
from .quantconfig import read_stored_format
from .spec import Model
from .vision import llama4_vision_params, siglip_params

_REQUIRED = (
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
)


class _RepeatedKey(Exception):
    pass


def _no_repeated_keys(pairs):
    """A JSON object's pairs as a dict, refusing a key given twice (JSON keeps the last one
    silently; a config with two values for one field does not say which is meant)."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def _parse(text: str, where: str) -> dict:
    try:
        config = json.loads(text, object_pairs_hook=_no_repeated_keys)
    except _RepeatedKey as err:
        key = printable(repr(err.args[0]))[:80]
        raise ValueError(
            f"{where}: key {key} appears twice in one object; which value is meant?"
        ) from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{where} is not valid JSON: {err}") from None
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply to be a config.json") from None
    if not isinstance(config, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(config).__name__}")
    return config


def _read(path_or_dict) -> tuple[dict, str, dict | None]:
    """The config, where it came from, and ModelOpt's hf_quant_config.json beside it."""
    if isinstance(path_or_dict, dict):
        return path_or_dict, "config", None
    text = read_text_file(path_or_dict, "config.json")
    where = printable(os.fspath(path_or_dict))
    beside = os.path.join(os.path.dirname(os.fspath(path_or_dict)), "hf_quant_config.json")
    modelopt = None
    if os.path.exists(beside):
        modelopt = _parse(read_text_file(beside, "hf_quant_config.json"), printable(beside))
    return _parse(text, where), where, modelopt


def _kind(config: dict, where: str) -> str:
    kind = config.get("model_type")
    if "model_type" not in config:
        raise ValueError(f"{where}: missing key(s) model_type; supported: {', '.join(SUPPORTED)}")
    if isinstance(kind, str) and kind in HYBRIDS:
        raise ValueError(hybrid_refusal(kind, where))
    if kind not in FAMILIES:
        raise ValueError(
            f"{where}: model_type {printable(repr(kind))[:40]} is not supported; supported: "
            f"{', '.join(SUPPORTED)}"
        )
    return kind


def _text_part(config: dict, where: str):
    """(text config, its model_type, vision_config) of a multimodal config; the config
    itself otherwise."""
    outer = config.get("model_type")
    if not isinstance(outer, str) or outer not in NESTED:
        return config, _kind(config, where), None
    text = config.get("text_config")
    if not isinstance(text, dict):
        raise ValueError(
            f"{where}: text_config must be a JSON object (model_type {outer!r} keeps its "
            f"language model there), got {printable(repr(text))[:60]}"
        )
    inner = text.get("model_type", NESTED[outer])
    if inner in (outer, NESTED[outer]):  # some copies repeat the outer type inside
        inner = NESTED[outer]
    kind = _kind({**text, "model_type": inner}, f"{where} (text_config)")
    if kind != NESTED[outer]:
        raise ValueError(f"{where}: text_config.model_type must be {NESTED[outer]!r}, got {kind!r}")
    return text, kind, config.get("vision_config")


def _sizes(config: dict, fam: Family, kind: str, where: str) -> dict:
    """The required sizes, transformers' defaults filled in where the family has them."""
    config = {**dict(fam.defaults), **config}
    required = _REQUIRED + fam.experts[:1] + (hf.MLA_KEYS if fam.mla else ())
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
    return config


def _heads(config: dict, fam: Family, fields: dict, where: str):
    """(K, d_h) as transformers reads them."""
    d, heads = config["hidden_size"], config["num_attention_heads"]
    kv_heads = hf.int_or(config, "num_key_value_heads", where, heads)
    if fam.mla:
        kv_heads = heads  # latent attention caches no per-head K and V
    if heads % kv_heads:
        raise ValueError(
            f"{where}: num_attention_heads ({heads}) must be a multiple of "
            f"num_key_value_heads ({kv_heads})"
        )
    if fam.mla:
        return kv_heads, fields.pop("head_dim")
    if config.get("head_dim") is not None:
        return kv_heads, hf.positive_int(config, "head_dim", where)
    if fam.head_dim is not None:
        return kv_heads, fam.head_dim
    if d % heads:
        raise ValueError(
            f"{where}: hidden_size ({d}) is not a multiple of num_attention_heads "
            f"({heads}) and no head_dim is given"
        )
    return kv_heads, d // heads


def _flags(config: dict, fam: Family, where: str) -> dict:
    """Biases, norms, sinks and ties."""
    out = dict(norm=fam.norm, norms_per_layer=fam.norms_per_layer)
    out["tied_embeddings"] = hf.flag(config, "tie_word_embeddings", where, fam.tied)
    if fam.bias == "read":
        out["attention_bias"] = hf.flag(config, "attention_bias", where, False)
    out["qkv_bias"] = fam.bias == "qkv" or (
        fam.bias == "qkv_flag" and hf.flag(config, "qkv_bias", where, True)
    )
    out["mlp_bias"] = fam.expert_bias or (
        fam.mlp_bias and hf.flag(config, "mlp_bias", where, False)
    )
    qk = fam.qk_norm or bool(fam.qk_norm_key and hf.flag(config, fam.qk_norm_key, where, False))
    out.update(qk_norm=qk, qk_norm_scope=fam.qk_norm_scope if qk else "head")
    out.update(attention_sinks=fam.sinks, router_bias=fam.router_bias)
    return out


def _vision(vision, kind: str, d: int, where: str) -> int:
    if vision is None:
        return 0
    count = siglip_params if kind == "gemma3_text" else llama4_vision_params
    return count(vision, d, where)


def from_hf_config(path_or_dict, name: str | None = None, hf_quant_config=None) -> Model:
    """A ``Model`` from a Hugging Face ``config.json`` of a supported ``model_type``
    (``SUPPORTED``: the Llama, Mistral, Mixtral, Qwen2/3 and their MoE, Gemma 1/2/3, Phi-3,
    DeepSeek-V2/V3 and Kimi K2, gpt-oss, Llama 4, Cohere and OLMo 2 families), read as
    transformers reads it (``FAMILIES``): its defaults for optional keys
    (``num_key_value_heads`` = ``num_attention_heads``, ``head_dim`` = hidden / heads unless
    the family fixes it, tied embeddings for Gemma), its sliding windows and chunks, expert
    layouts, latent attention and image encoders, and the checkpoint's stored format
    (``hf_quant_config`` stands for an hf_quant_config.json when a dict is given). The model
    is named after ``_name_or_path``, else the file's folder. Chapter 1 uses it."""
    config, where, modelopt = _read(path_or_dict)
    modelopt = hf_quant_config if hf_quant_config is not None else modelopt
    text, kind, vision = _text_part(config, where)
    tw = where if text is config else f"{where} (text_config)"
    fam = FAMILIES[kind]
    hf.foreign_experts(text, fam, kind, tw)
    text = _sizes(text, fam, kind, tw)
    layers, d, heads, d_ff, vocab, ctx = (hf.positive_int(text, k, tw) for k in _REQUIRED)
    fields = dict(hf.mla(text, fam, tw))
    kv_heads, head_dim = _heads(text, fam, fields, tw)
    fields.update(hf.experts(text, fam, layers, tw))
    if fam.dense_width and fields.get("dense_layers"):  # Llama 4: dense layers are wider
        if fam.dense_width not in text:
            raise ValueError(f"{tw}: missing key(s) {fam.dense_width}, the dense layers' width")
        fields["expert_d_ff"], d_ff = d_ff, hf.positive_int(text, fam.dense_width, tw)
    window, sliding = hf.windows(text, fam, kind, layers, tw)
    fields.update(sliding_window=window, sliding_layers=sliding, **hf.chunks(text, fam, layers, tw))
    fields.update(_flags(text, fam, tw))
    if fam.mtp_default or text.get("num_nextn_predict_layers") is not None:
        fields["mtp_layers"] = hf.int_or(
            text, "num_nextn_predict_layers", tw, fam.mtp_default, minimum=0
        )
    fields["vision_params"] = _vision(vision, kind, d, where)
    fields["stored"] = read_stored_format(
        config, where, layers, modelopt, None if text is config else text
    )
    label = (
        name or config.get("_name_or_path") or os.path.basename(os.path.dirname(where)) or "custom"
    )
    if not isinstance(label, str):
        raise ValueError(
            f"{where}: _name_or_path must be a string, got {printable(repr(label))[:60]}"
        )
    try:
        m = Model(
            printable(label).strip() or "custom", layers, d, heads, kv_heads, head_dim, d_ff,
            vocab, ctx, source=f"Hugging Face config {where}", date="", **fields,
        )  # fmt: skip
    except ValueError as err:  # a combination no architecture has, named by the model's field
        raise ValueError(f"{where}: {err}") from None
    return _own_roles(m)


def _own_roles(m: Model) -> Model:
    """The model with its stored format's quantized roles cut to the matrices it has (a
    Llama has no latent projections to quantize)."""
    if m.stored is None or not m.stored.quantized:
        return m
    has = {r for i in range(m.n_layers) for r, *_ in architecture.layer_matrices(m, i)}
    has |= {r for r, *_ in architecture.model_matrices(m)}
    keep = tuple(r for r in m.stored.quantized if r in has)
    kept = tuple(k for k in m.stored.kept_layers if k[0] in keep)
    return dataclasses.replace(
        m, stored=dataclasses.replace(m.stored, quantized=keep, kept_layers=kept)
    )
