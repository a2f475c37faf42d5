"""Reading the parts of a config.json that differ by family (chapter 1): checked values,
sliding windows and attention chunks, mixture-of-experts layouts, latent attention. Each
function returns ``Model`` fields or refuses with one ValueError naming the file and key;
``hfconfig.from_hf_config`` puts them together.
"""

from __future__ import annotations

from ..core.checks import printable
from .families import EXPERT_KEYS, FAMILIES, Family
from .spec import MAX_SIZE

_ABSENT = object()
MLA_KEYS = ("kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")


def positive_int(config: dict, key: str, where: str, minimum: int = 1) -> int:
    """``config[key]``, an integer of at least ``minimum`` and at most ``spec.MAX_SIZE``
    (chapter 1)."""
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


def int_or(config: dict, key: str, where: str, default, minimum: int = 1):
    """``config[key]`` checked, or ``default`` when the key is absent or null (chapter 1)."""
    return default if config.get(key) is None else positive_int(config, key, where, minimum)


def flag(config: dict, key: str, where: str, default: bool) -> bool:
    """``config[key]``, true or false, or ``default`` when absent or null (chapter 1)."""
    value = config.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be true or false, got {printable(repr(value))[:60]}")
    return value


def layer_list(config: dict, key: str, where: str, layers: int) -> list:
    """``config[key]``, a list of layer indices (empty when absent), chapter 1."""
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


def _types(config: dict, layers: int, where: str, allowed: tuple):
    types = config.get("layer_types")
    if types is not None and (
        not isinstance(types, list) or len(types) != layers or any(t not in allowed for t in types)
    ):
        raise ValueError(
            f"{where}: layer_types must list {layers} entries, each "
            f"{' or '.join(repr(a) for a in allowed)}, got {printable(repr(types))[:60]}"
        )
    return types


def windows(config: dict, fam: Family, kind: str, layers: int, where: str):
    """(sliding_window, sliding_layers) as transformers applies them to this config
    (chapter 3)."""
    allowed = ("full_attention", "sliding_attention")
    types = _types(
        config, layers, where, (*allowed, "chunked_attention") if fam.chunks else allowed
    )
    if fam.chunks:
        return None, "none"  # Llama 4 chunks, never slides (``chunks``)
    window, pattern = None, None
    if fam.windows == "qwen" and flag(config, "use_sliding_window", where, False):
        if fam.experts:  # transformers 4.x and 5.x pick different layers for Qwen MoE models
            raise ValueError(
                f"{where}: use_sliding_window true is not supported for {kind}: transformers "
                "versions disagree on which of its layers slide; allowed: false"
            )
        window = _window_value(config, fam, where)
        first = int_or(config, "max_window_layers", where, 28, minimum=0)
        pattern = [i >= first for i in range(layers)]  # the first max_window_layers attend fully
    elif fam.windows in ("all", "gemma2"):
        window = _window_value(config, fam, where)
        if window is None and fam.windows == "gemma2":
            raise ValueError(
                f"{where}: sliding_window must be a positive integer: gemma2 alternates "
                "sliding and global layers"
            )
        pattern = [fam.windows == "all" or i % 2 == 0 for i in range(layers)]
    elif fam.windows == "pattern":  # every period-th layer global, unless layer_types says
        window = _window_value(config, fam, where)
        period = int_or(config, fam.period_key, where, fam.window_period) if fam.period_key else (
            fam.window_period)  # fmt: skip
        pattern = [(i + 1) % period != 0 for i in range(layers)]
        if types is not None:
            pattern = [t == "sliding_attention" for t in types]
    if window is None:
        pattern = [False] * layers
    if types is not None and fam.windows != "pattern":
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


def chunks(config: dict, fam: Family, layers: int, where: str):
    """(attention_chunk, chunked_layers) for Llama 4: chunked local attention on the RoPE
    layers, ``no_rope_layers`` (1 marks a RoPE layer; empty or absent means transformers'
    default, every ``no_rope_layer_interval``-th layer without RoPE, 4 by default) or
    ``layer_types``; none when ``attention_chunk_size`` is null. Chapter 3."""
    if not fam.chunks:
        return {}
    chunk = int_or(config, "attention_chunk_size", where, 8192)
    if "attention_chunk_size" in config and config["attention_chunk_size"] is None:
        chunk = None
    types = config.get("layer_types")
    rope = config.get("no_rope_layers")
    if types is not None:
        pattern = [t == "chunked_attention" for t in types]
    elif rope:
        if not isinstance(rope, list) or len(rope) != layers or any(r not in (0, 1) for r in rope):
            raise ValueError(
                f"{where}: no_rope_layers must list {layers} entries of 0 or 1, got "
                f"{printable(repr(rope))[:60]}"
            )
        pattern = [r == 1 for r in rope]
    else:
        interval = int_or(config, "no_rope_layer_interval", where, 4)
        pattern = [(i + 1) % interval != 0 for i in range(layers)]
    if chunk is None or not any(pattern):
        return dict(attention_chunk=None, chunked_layers="none")
    return dict(attention_chunk=chunk, chunked_layers="all" if all(pattern) else tuple(pattern))


def foreign_experts(config: dict, fam: Family, kind: str, where: str) -> None:
    """Refuse experts spelled as another family spells them: never read them as dense
    (chapter 1)."""
    foreign = [k for k in EXPERT_KEYS if config.get(k) is not None and k not in fam.experts]
    if foreign:
        how = f"reads {' or '.join(fam.experts)}" if fam.experts else "is dense"
        raise ValueError(
            f"{where}: {foreign[0]} names experts, but model_type {kind!r} {how}; a mixture "
            f"of experts is one of {', '.join(k for k, f in FAMILIES.items() if f.experts)}"
        )


def experts(config: dict, fam: Family, layers: int, where: str) -> dict:
    """The mixture-of-experts fields of a ``Model``, empty for a dense family (chapter 1)."""
    named = [k for k in EXPERT_KEYS if config.get(k) is not None]
    if not fam.experts:
        return {}
    key = named[0]
    n = positive_int(config, key, where, minimum=2)
    if len(named) > 1 and config[named[1]] != n:
        other = printable(repr(config[named[1]]))[:20]
        raise ValueError(f"{where}: {named[0]} and {named[1]} disagree ({n} and {other})")
    if config.get("num_experts_per_tok") is None:
        raise ValueError(
            f"{where}: {key} ({n}) names experts but num_experts_per_tok, how many each "
            "token is routed to, is missing; a mixture of experts is never read as dense"
        )
    per_token = positive_int(config, "num_experts_per_tok", where)
    if per_token > n:
        raise ValueError(f"{where}: num_experts_per_tok ({per_token}) exceeds {key} ({n})")
    out = dict(n_experts=n, experts_per_token=per_token)
    if fam.expert_width != "intermediate_size":
        out["expert_d_ff"] = positive_int(config, fam.expert_width, where)
    if fam.shared == "qwen":  # one shared expert behind a sigmoid gate
        out.update(n_shared_experts=1, shared_expert_gate=True)
        out["shared_expert_d_ff"] = positive_int(config, "shared_expert_intermediate_size", where)
    elif fam.shared == "one":  # Llama 4: one shared expert as wide as a routed one
        out["n_shared_experts"] = 1
    dense, keys = _dense_layers(config, fam, layers, where)
    if len(dense) == layers:
        raise ValueError(f"{where}: {keys} leave no mixture-of-experts layer of {layers}")
    out["dense_layers"] = tuple(dense)
    if fam.shared == "deepseek":
        # null means no shared expert, as in DeepSeek's own code; absent, transformers' default
        shared = fam.shared_default if "n_shared_experts" not in config else 0
        out["n_shared_experts"] = int_or(config, "n_shared_experts", where, shared, minimum=0)
    return out


def _dense_layers(config: dict, fam: Family, layers: int, where: str):
    """The layers of a mixture that keep a dense network, and the keys that said so."""
    if fam.moe_layout == "deepseek":
        first = int_or(config, "first_k_dense_replace", where, fam.dense_default, minimum=0)
        freq = int_or(config, "moe_layer_freq", where, 1)
        dense = [i for i in range(layers) if i < first or i % freq]
        return dense, "first_k_dense_replace and moe_layer_freq"
    if fam.moe_layout == "qwen":  # a layer is a mixture every decoder_sparse_step layers
        step = int_or(config, "decoder_sparse_step", where, 1)
        only = layer_list(config, "mlp_only_layers", where, layers)
        dense = [i for i in range(layers) if i in only or (i + 1) % step]
        return dense, "decoder_sparse_step and mlp_only_layers"
    if fam.moe_layout == "llama4":  # moe_layers, else every step-th layer from step - 1
        moe = layer_list(config, "moe_layers", where, layers)
        if config.get("moe_layers") is None or not moe:
            step = int_or(config, "interleave_moe_layer_step", where, 1)
            moe = list(range(step - 1, layers, step))
        return [i for i in range(layers) if i not in moe], "moe_layers"
    return [], ""  # Mixtral, gpt-oss: every layer


def mla(config: dict, fam: Family, where: str) -> dict:
    """The latent-attention fields of a ``Model`` (DeepSeek-V2/V3), empty for other
    families (chapter 3)."""
    given = [k for k in ("kv_lora_rank", "q_lora_rank") if config.get(k) is not None]
    if not fam.mla:
        if given:
            raise ValueError(
                f"{where}: {given[0]} belongs to multi-head latent attention, which only "
                "deepseek_v2, deepseek_v3 and kimi_k2 configs describe"
            )
        return {}
    out = {k: positive_int(config, k, where) for k in MLA_KEYS}
    # transformers defaults q_lora_rank to 1536, wrong for DeepSeek-V2-Lite: require the key
    if "q_lora_rank" not in config:
        raise ValueError(
            f"{where}: missing key q_lora_rank; give the query latent's width, or null for a "
            "plain query projection (DeepSeek-V2-Lite)"
        )
    out["q_lora_rank"] = int_or(config, "q_lora_rank", where, None)
    out["head_dim"] = out["qk_nope_head_dim"] + out["qk_rope_head_dim"]
    return out
