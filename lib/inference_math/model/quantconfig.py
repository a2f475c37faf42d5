"""A checkpoint's stored format from its config.json (chapter 1): ``quantization_config``,
NVIDIA ModelOpt's ``hf_quant_config.json`` beside it, or, for an unquantized checkpoint,
``torch_dtype``. Each reader returns a ``stored.StoredFormat``; a malformed block is one
ValueError naming the file and the field.

What each method stores, as the code that writes and loads it does (transformers'
quantizer integrations, vLLM's loaders, the formats' own papers):

- ``fp8`` (DeepSeek-V3, Qwen3-FP8): e4m3 values; with ``weight_block_size`` [128, 128] one
  fp32 scale per 128 x 128 block (``weight_scale_inv``), else one per tensor (and one input
  scale per tensor under a static activation scheme).
- ``compressed-tensors``: ``config_groups``' ``weights`` (num_bits, type, strategy,
  group_size); per-channel and per-group scales in 16 bits, per-tensor ones in fp32; 4-bit
  floats in groups of 16 are NVFP4 (fp8 scales and an fp32 global scale per tensor);
  ``targets`` and ``ignore`` choose the matrices.
- ``awq``: 4-bit values, an fp16 scale and a packed 4-bit zero point per group of
  ``group_size`` inputs.
- ``gptq``: ``bits``-bit values, fp16 scales and packed zero points per group (or per row
  when ``group_size`` is -1), and ``g_idx``, an int32 per input column, in every checkpoint.
- ``mxfp4`` (gpt-oss): the experts only, 4-bit values and one 8-bit scale per 32 inputs;
  ``modules_to_not_convert`` stays in 16 bits.
- ModelOpt (``hf_quant_config.json`` or ``quant_method`` "modelopt"): FP8 per tensor (a
  weight and an input scale, fp32), or NVFP4: 4-bit values, an fp8 scale per 16 inputs and
  two fp32 scales per tensor; ``exclude_modules`` stays in 16 bits.
- ``bitsandbytes``: 4-bit (nf4 or fp4) in blocks of 64 values with an fp32 absmax, or with
  double quantization an 8-bit absmax and an fp32 scale per 256 blocks; 8-bit with an fp32
  scale per output row.

Every method but compressed-tensors and ModelOpt keeps the LM head in 16 bits; none
quantizes the embedding or a router (a few thousand numbers a layer). The names in an
ignore list are read by role (``modulenames``).
"""

from __future__ import annotations

from ..core.checks import printable
from .modulenames import excluded, roles_of
from .stored import LINEAR_ROLES, Scheme, StoredFormat

_PLAIN = {"bfloat16": ("bf16", 2.0), "bf16": ("bf16", 2.0), "float16": ("fp16", 2.0),
          "fp16": ("fp16", 2.0), "half": ("fp16", 2.0), "float32": ("fp32", 4.0),
          "fp32": ("fp32", 4.0), "float": ("fp32", 4.0)}  # fmt: skip
METHODS = ("fp8", "compressed-tensors", "awq", "gptq", "mxfp4", "modelopt", "bitsandbytes")
# Matrices a method quantizes unless its config says otherwise: every linear layer but the
# LM head and the routers (ModelOpt and compressed-tensors name the LM head themselves).
_DEFAULT = tuple(r for r in LINEAR_ROLES if r not in ("lm_head", "router"))


def _bad(where: str, key: str, what: str, value) -> ValueError:
    return ValueError(f"{where}: {key} must be {what}, got {printable(repr(value))[:60]}")


def _get(block: dict, key: str, where: str, kinds, what: str, default=None, required=False):
    value = block.get(key)
    if value is None:
        if required:
            raise ValueError(f"{where}: missing key {key} ({what})")
        return default
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise _bad(where, key, what, value)
    return value


def _names(block: dict, key: str, where: str) -> list:
    value = block.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(where, key, "a list of module names", value)
    return value


def _plain(config: dict, where: str):
    for key in ("torch_dtype", "dtype"):
        value = config.get(key)
        if value is not None:
            if not isinstance(value, str) or value.strip().lower() not in _PLAIN:
                raise _bad(where, key, f"one of {', '.join(_PLAIN)}", value)
            return _PLAIN[value.strip().lower()]
    return None


def read_stored_format(config: dict, where: str, n_layers: int, modelopt=None, text=None):
    """The ``StoredFormat`` a config.json describes (chapter 1): from ``modelopt`` (the
    parsed ``hf_quant_config.json`` beside it) or the config's ``quantization_config``, else
    the unquantized ``torch_dtype``; None when it says neither. ``text`` is a nested config's
    text part, consulted for ``torch_dtype``. Names in ignore lists are matched to the
    model's ``n_layers`` layers."""
    plain = _plain(config, where) or (_plain(text, where) if text else None)
    plain_bytes = plain[1] if plain else 2.0
    if modelopt is not None:
        owhere = f"{where} (hf_quant_config.json)"
        block = modelopt.get("quantization") if isinstance(modelopt, dict) else modelopt
        if not isinstance(block, dict):
            raise _bad(owhere, "quantization", "a JSON object", block)
        return _modelopt(block, owhere, n_layers, plain_bytes, "hf_quant_config.json")
    block = config.get("quantization_config")
    if block is None:
        if plain is None:
            return None
        label = f"{plain[0]}, unquantized"
        return StoredFormat(label, plain[0], plain_bytes=plain_bytes, source="torch_dtype")
    if not isinstance(block, dict):
        raise _bad(where, "quantization_config", "a JSON object", block)
    qwhere = f"{where}: quantization_config"
    method = _get(block, "quant_method", qwhere, str, f"one of {', '.join(METHODS)}",
                  required=True)  # fmt: skip
    if method not in METHODS:
        raise _bad(qwhere, "quant_method", f"one of {', '.join(METHODS)}", method)
    reader = {"fp8": _fp8, "compressed-tensors": _compressed, "awq": _awq, "gptq": _gptq,
              "mxfp4": _mxfp4, "modelopt": _modelopt, "bitsandbytes": _bnb}[method]  # fmt: skip
    return reader(block, qwhere, n_layers, plain_bytes, "quantization_config")


def _format(name, dtype, scheme, roles, skip, n_layers, plain_bytes, source):
    quantized, kept = excluded(roles, skip, n_layers)
    return StoredFormat(name, dtype, scheme, quantized, kept, plain_bytes, source)


def _fp8(block, where, n_layers, plain_bytes, source):
    fmt = _get(block, "fmt", where, str, "'e4m3' or 'e5m2'", "e4m3")
    if fmt not in ("e4m3", "e5m2"):
        raise _bad(where, "fmt", "'e4m3' or 'e5m2'", fmt)
    scheme_ = _get(block, "activation_scheme", where, str, "'dynamic' or 'static'", "dynamic")
    if scheme_ not in ("dynamic", "static"):
        raise _bad(where, "activation_scheme", "'dynamic' or 'static'", scheme_)
    size = block.get("weight_block_size")
    skip = _names(block, "modules_to_not_convert", where)
    if size is None:
        scheme = Scheme(8, "tensor", scale_bytes=4, tensor_bytes=4 if scheme_ == "static" else 0)
        name = f"fp8 {fmt}, one fp32 scale per tensor"
    else:
        if (
            not isinstance(size, list)
            or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)
        ):
            raise _bad(where, "weight_block_size", "two positive integers", size)
        scheme = Scheme(8, "block", group=size[1], block_rows=size[0], scale_bytes=4)
        name = f"fp8 {fmt}, one fp32 scale per {size[0]}x{size[1]} block"
    return _format(name, "fp8", scheme, _DEFAULT, skip, n_layers, plain_bytes, source)


def _int_in(block, key, where, allowed, default=None, required=False):
    value = _get(block, key, where, int, f"one of {allowed}", default, required)
    if value not in allowed:
        raise _bad(where, key, f"one of {allowed}", value)
    return value


def _group(block, key, where, default=None, required=False):
    value = _get(block, key, where, int, "a positive integer or -1 (per row)", default, required)
    if value is not None and value < 1 and value != -1:
        raise _bad(where, key, "a positive integer or -1 (per row)", value)
    return value


def _awq(block, where, n_layers, plain_bytes, source):
    bits = _int_in(block, "bits", where, (4,), required=True)
    size = _group(block, "group_size", where, required=True)
    zero = _get(block, "zero_point", where, bool, "true or false", True)
    layout = "row" if size == -1 else "group"
    scheme = Scheme(bits, layout, group=max(size, 0), scale_bytes=2, zero_bytes=bits / 8 * zero)
    name = f"AWQ int{bits}, fp16 scales{' and zero points' if zero else ''} per " + (
        "row" if size == -1 else f"{size} inputs")  # fmt: skip
    skip = _names(block, "modules_to_not_convert", where)
    return _format(name, "int4", scheme, _DEFAULT, skip, n_layers, plain_bytes, source)


def _gptq(block, where, n_layers, plain_bytes, source):
    bits = _int_in(block, "bits", where, (4, 8), required=True)
    size = _group(block, "group_size", where, required=True)
    _get(block, "desc_act", where, bool, "true or false")
    head = _get(block, "lm_head", where, bool, "true or false", False)
    layout = "row" if size == -1 else "group"
    scheme = Scheme(bits, layout, group=max(size, 0), scale_bytes=2, zero_bytes=bits / 8,
                    column_bytes=4)  # fmt: skip
    name = (
        f"GPTQ int{bits}, fp16 scales and zero points per "
        + ("row" if size == -1 else f"{size} inputs")
        + ", an int32 group index per column"
    )
    roles = _DEFAULT + (("lm_head",) if head else ())
    skip = _names(block, "modules_to_not_convert", where)
    dtype = "int4" if bits == 4 else "bf16"  # 8-bit weights, products in 16 bits
    return _format(name, dtype, scheme, roles, skip, n_layers, plain_bytes, source)


def _mxfp4(block, where, n_layers, plain_bytes, source):
    skip = _names(block, "modules_to_not_convert", where)
    scheme = Scheme(4, "group", group=32, scale_bytes=1)
    name = "MXFP4 experts (4-bit values, an 8-bit scale per 32), the rest in 16 bits"
    return _format(name, "mxfp4", scheme, ("experts",), skip, n_layers, plain_bytes, source)


def _modelopt(block, where, n_layers, plain_bytes, source):
    algo = _get(block, "quant_algo", where, str, "'FP8' or 'NVFP4'", required=True)
    skip = _names(block, "exclude_modules", where) + _names(block, "ignore", where)
    roles = _DEFAULT + ("lm_head",)
    if algo == "FP8":
        scheme = Scheme(8, "tensor", scale_bytes=4, tensor_bytes=4)
        name, dtype = "fp8 e4m3, fp32 weight and input scales per tensor (ModelOpt)", "fp8"
    elif algo == "NVFP4":
        size = _get(block, "group_size", where, int, "16", 16)
        if size != 16:
            raise _bad(where, "group_size", "16 (NVFP4's block)", size)
        scheme = Scheme(4, "group", group=16, scale_bytes=1, tensor_bytes=8)
        name, dtype = "NVFP4 (4-bit values, an fp8 scale per 16, ModelOpt)", "nvfp4"
    else:
        raise _bad(where, "quant_algo", "'FP8' or 'NVFP4'", algo)
    return _format(name, dtype, scheme, roles, skip, n_layers, plain_bytes, source)


def _bnb(block, where, n_layers, plain_bytes, source):
    four = _get(block, "load_in_4bit", where, bool, "true or false", False)
    eight = _get(block, "load_in_8bit", where, bool, "true or false", False)
    if four == eight:
        raise ValueError(f"{where}: exactly one of load_in_4bit and load_in_8bit must be true")
    skip = _names(block, "llm_int8_skip_modules", where)
    if eight:
        scheme = Scheme(8, "row", scale_bytes=4)
        return _format("bitsandbytes int8, an fp32 scale per row", "int8", scheme, _DEFAULT,
                       skip, n_layers, plain_bytes, source)  # fmt: skip
    kind = _get(block, "bnb_4bit_quant_type", where, str, "'nf4' or 'fp4'", "fp4")
    if kind not in ("nf4", "fp4"):
        raise _bad(where, "bnb_4bit_quant_type", "'nf4' or 'fp4'", kind)
    double = _get(block, "bnb_4bit_use_double_quant", where, bool, "true or false", False)
    scale = 1 + 4 / 256 if double else 4
    scheme = Scheme(4, "flat", group=64, scale_bytes=scale)
    name = f"bitsandbytes {kind}, blocks of 64 with " + (
        "8-bit absmax (double quantization)" if double else "an fp32 absmax"
    )
    return _format(name, "int4", scheme, _DEFAULT, skip, n_layers, plain_bytes, source)


def _compressed(block, where, n_layers, plain_bytes, source):
    groups = block.get("config_groups")
    if not isinstance(groups, dict) or not groups:
        raise _bad(where, "config_groups", "a non-empty JSON object of groups", groups)
    schemes, roles = set(), set()
    for key, group in groups.items():
        gwhere = f"{where}: config_groups.{printable(key)[:30]}"
        if not isinstance(group, dict):
            raise _bad(gwhere, "group", "a JSON object", group)
        schemes.add(_ct_scheme(group, gwhere, plain_bytes))
        targets = _names(group, "targets", gwhere)
        if not targets:
            raise _bad(gwhere, "targets", "a non-empty list of module names", targets)
        for t in targets:
            roles |= roles_of(t)[0]
    if len(schemes) > 1:
        raise ValueError(
            f"{where}: config_groups store weights in {len(schemes)} different schemes; one "
            "scheme per checkpoint is supported"
        )
    scheme, dtype, name = schemes.pop()
    skip = _names(block, "ignore", where)
    quantized = tuple(r for r in LINEAR_ROLES if r in roles)
    return _format(name, dtype, scheme, quantized, skip, n_layers, plain_bytes, source)


def _ct_scheme(group, where, plain_bytes):
    w = group.get("weights")
    if not isinstance(w, dict):
        raise _bad(where, "weights", "a JSON object", w)
    wwhere = f"{where}.weights"
    bits = _int_in(w, "num_bits", wwhere, (4, 8), required=True)
    kind = _get(w, "type", wwhere, str, "'int' or 'float'", "int")
    strategy = _get(w, "strategy", wwhere, str, "a strategy", required=True)
    allowed = ("tensor", "channel", "group", "block", "tensor_group")
    if kind not in ("int", "float"):
        raise _bad(wwhere, "type", "'int' or 'float'", kind)
    if strategy not in allowed:
        raise _bad(wwhere, "strategy", f"one of {', '.join(allowed)}", strategy)
    zero = 0.0 if _get(w, "symmetric", wwhere, bool, "true or false", True) else bits / 8
    if strategy == "tensor":
        scheme = Scheme(bits, "tensor", scale_bytes=4)
    elif strategy == "channel":
        scheme = Scheme(bits, "row", scale_bytes=plain_bytes, zero_bytes=zero)
    elif strategy == "block":
        size = w.get("block_structure")
        if (
            not isinstance(size, list)
            or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)
        ):
            raise _bad(wwhere, "block_structure", "two positive integers", size)
        scheme = Scheme(bits, "block", group=size[1], block_rows=size[0], scale_bytes=4)
    else:
        size = _get(w, "group_size", wwhere, int, "a positive integer", required=True)
        if size < 1:
            raise _bad(wwhere, "group_size", "a positive integer", size)
        nvfp4 = strategy == "tensor_group"
        scheme = Scheme(bits, "group", group=size, scale_bytes=1 if nvfp4 else plain_bytes,
                        zero_bytes=zero, tensor_bytes=8 if nvfp4 else 0)  # fmt: skip
    acts = group.get("input_activations")
    if acts is not None and not isinstance(acts, dict):
        raise _bad(where, "input_activations", "a JSON object or null", acts)
    a_bits = None if acts is None else _int_in(acts, "num_bits", f"{where}.input_activations",
                                               (4, 8, 16), required=True)  # fmt: skip
    a_kind = None if acts is None else acts.get("type", "int")
    label = f"{kind}{bits} weights, {strategy} scales"
    if a_bits in (None, 16):
        dtype = "int4" if bits == 4 else "bf16"  # weight-only: products in 16 bits
        return scheme, dtype, f"compressed-tensors {label}, 16-bit activations"
    dtype = {(8, "float"): "fp8", (8, "int"): "int8", (4, "float"): "nvfp4"}.get((a_bits, a_kind))
    if dtype is None or (dtype == "nvfp4" and strategy != "tensor_group"):
        raise _bad(f"{where}.input_activations", "num_bits and type",
                   "8-bit float or int, or 4-bit float in groups of 16", acts)  # fmt: skip
    return scheme, dtype, f"compressed-tensors {label}, {a_kind}{a_bits} activations"
