"""A ``Model`` from a Hugging Face ``config.json`` (chapter 1 reads one).

Configs are hostile input: the file is read with ``checks.read_text_file`` (a regular file of
bounded size) and every field is checked, so a bad one is one ValueError naming the file and
the field, never a silently different model.
"""

from __future__ import annotations

import json
import os

from .checks import printable, read_text_file
from .models import MAX_SIZE, Model

_REQUIRED = (
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
)


def _positive_int(config: dict, key: str, where: str) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"{where}: {key} must be a positive integer, got {printable(repr(value))[:60]}"
        )
    if value > MAX_SIZE:
        raise ValueError(
            f"{where}: {key} must be at most {MAX_SIZE:,}, got a number of {len(str(value))} digits"
        )
    return value


def from_hf_config(path_or_dict, name: str | None = None) -> Model:
    """A ``Model`` from a Hugging Face ``config.json`` of the Llama/Mistral/Mixtral family.

    Optional keys take the defaults Hugging Face's LlamaConfig gives them:
    ``num_key_value_heads`` = ``num_attention_heads``, ``head_dim`` = hidden / heads,
    ``tie_word_embeddings`` false, one expert.
    Chapter 1 uses it."""
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
        raise ValueError(
            f"{where}: missing key(s) {', '.join(missing)}; a config.json of the "
            f"Llama family needs {', '.join(_REQUIRED)}"
        )
    layers, d, heads, d_ff, vocab, ctx = (_positive_int(config, k, where) for k in _REQUIRED)
    kv_heads = (
        _positive_int(config, "num_key_value_heads", where)
        if config.get("num_key_value_heads") is not None
        else heads
    )
    if heads % kv_heads:
        raise ValueError(
            f"{where}: num_attention_heads ({heads}) must be a multiple of "
            f"num_key_value_heads ({kv_heads})"
        )
    if config.get("head_dim") is not None:
        head_dim = _positive_int(config, "head_dim", where)
    elif d % heads:
        raise ValueError(
            f"{where}: hidden_size ({d}) is not a multiple of num_attention_heads "
            f"({heads}) and no head_dim is given"
        )
    else:
        head_dim = d // heads
    experts = (
        _positive_int(config, "num_local_experts", where)
        if config.get("num_local_experts") is not None
        else 1
    )
    per_token = (
        _positive_int(config, "num_experts_per_tok", where)
        if config.get("num_experts_per_tok") is not None
        else 1
    )
    if per_token > experts:
        raise ValueError(
            f"{where}: num_experts_per_tok ({per_token}) exceeds num_local_experts ({experts})"
        )
    flags = {}
    for key in ("tie_word_embeddings", "attention_bias", "mlp_bias"):
        value = config.get(key, False)
        if not isinstance(value, bool):
            raise ValueError(
                f"{where}: {key} must be true or false, got {printable(repr(value))[:60]}"
            )
        flags[key] = value
    label = (
        name or config.get("_name_or_path") or os.path.basename(os.path.dirname(where)) or "custom"
    )
    if not isinstance(label, str):
        raise ValueError(
            f"{where}: _name_or_path must be a string, got {printable(repr(label))[:60]}"
        )
    return Model(
        printable(label).strip() or "custom",
        layers,
        d,
        heads,
        kv_heads,
        head_dim,
        d_ff,
        vocab,
        ctx,
        tied_embeddings=flags["tie_word_embeddings"],
        n_experts=experts,
        experts_per_token=per_token,
        attention_bias=flags["attention_bias"],
        mlp_bias=flags["mlp_bias"],
        source=f"Hugging Face config {where}",
        date="",
    )
