"""Module names in a checkpoint's ignore lists, read as the roles of ``stored`` (chapter 1).

Quantization configs name what they leave in 16 bits by module path, in each family's
spelling (here without their leading ``model``): ``*.layers.*.self_attn`` (gpt-oss),
``*.layers.0.self_attn.q_proj`` (Llama 4), ``*.layers.12.self_attn.kv_a_proj_with_mqa``
(DeepSeek),
``re:.*mlp.gate$`` (compressed-tensors' regular expressions), ``lm_head``. ``roles_of``
reads one name as the roles it covers and its layer (None: every layer); a name that covers
no role of the language model (an image encoder's module, a multi-token-prediction layer
past the last) is left aside. ``excluded`` turns an ignore list into what stays quantized.
"""

from __future__ import annotations

import re

from .stored import ATTENTION_ROLES, LINEAR_ROLES

_LAYER = re.compile(r"layers?[._](\d+)(?![\d])")
_FFN = ("gate_proj", "up_proj", "down_proj", "gate_up_proj", "fc1", "fc2", "w1", "w2", "w3")
# (path fragment, roles), the most specific first
_PROJECTIONS = (
    ("q_a_proj", ("q_a",)),
    ("q_b_proj", ("q_b",)),
    ("kv_a_proj", ("kv_a",)),
    ("kv_b_proj", ("kv_b",)),
    ("qkv_proj", ("q", "k", "v")),
    ("q_proj", ("q",)),
    ("k_proj", ("k",)),
    ("v_proj", ("v",)),
    ("o_proj", ("o",)),
)


def roles_of(name: str) -> tuple[set, int | None]:
    """The roles a module name (or compressed-tensors target) covers and its layer index
    (None for every layer): ``*.layers.3.mlp.experts`` is ({"experts"}, 3). Chapter 1."""
    text = name.strip().lower()
    text = text[3:] if text.startswith("re:") else text
    if text == "linear":  # compressed-tensors' target class: every linear layer
        return set(LINEAR_ROLES), None
    found = _LAYER.search(text)
    layer = int(found.group(1)) if found else None
    parts = [p for p in re.split(r"[^a-z0-9_]+", text) if p]
    last = parts[-1] if parts else ""
    if any(w in text for w in ("vision", "visual", "multi_modal", "image", "patch_embed")):
        return set(), layer
    if "lm_head" in text:
        return {"lm_head"}, layer
    if "embed" in text or last == "wte":
        return {"embedding"}, layer
    if "shared_expert" in text:
        return {"shared"}, layer
    if "experts" in text:
        return {"experts"}, layer
    if "router" in text or last == "gate":
        return {"router"}, layer
    for fragment, roles in _PROJECTIONS:
        if fragment in text:
            return set(roles), layer
    if any(f in parts for f in _FFN):
        return {"ffn"}, layer
    if any(w in parts for w in ("self_attn", "attn", "attention")):
        return set(ATTENTION_ROLES), layer
    if any(w in parts for w in ("mlp", "feed_forward", "block_sparse_moe")):
        return {"ffn", "shared", "experts", "router"}, layer
    if layer is not None and (last == str(layer) or last.endswith("*")):
        return set(LINEAR_ROLES) - {"lm_head"}, layer  # a whole layer ("*.layers.61*")
    return set(), layer


def excluded(roles, skip: list, n_layers: int) -> tuple[tuple, tuple]:
    """(roles quantized in every layer, ((role, layer), ...) kept in 16 bits in one layer
    only) for a method that quantizes ``roles`` and leaves the modules ``skip`` names in 16
    bits. A role skipped in all ``n_layers`` layers is not quantized at all; names of
    layers past the last (DeepSeek's multi-token-prediction layer) are left aside.
    Chapter 1."""
    everywhere, per_layer = set(), {}
    for name in skip:
        covered, layer = roles_of(name)
        if layer is None:
            everywhere |= covered
        elif layer < n_layers:
            for role in covered:
                per_layer.setdefault(role, set()).add(layer)
    for role, layers in per_layer.items():
        if len(layers) == n_layers:
            everywhere.add(role)
    quantized = tuple(r for r in LINEAR_ROLES if r in set(roles) - everywhere)
    kept = tuple((role, layer) for role in quantized for layer in sorted(per_layer.get(role, ())))
    return quantized, kept
