"""Bytes: a model's weights and its KV cache, for any context and sliding window
(chapters 1 and 3), and the weight bytes a forward pass reads (a mixture of experts reads
only the experts its tokens route to). Independent of any GPU.

Weights come two ways: in one dtype for every parameter (``weight_bytes``, the book's way
since chapter 1), or as a checkpoint stores them (``stored_weight_bytes``: quantized
matrices with their scales, the rest in 16 bits, from ``Model.stored``).
``deployment_weights`` chooses between them for a deployment. An image encoder is held in
memory but never read by a text token.

Notation (book-wide): L layers, d model width, H query heads, K key/value heads, d_h head
dimension, P parameters, N tokens of context, B batch.
"""

from __future__ import annotations

import os

from ..core import checks
from ..core.checks import nonnegative
from .catalog import get_model
from .flops import flops_per_token
from .formats import BYTES_PER_PARAM, bytes_per_param, dtype_name, kv_dtype_name
from .spec import Model
from .stored import expert_bytes, stored_bytes
from .windows import layer_tokens


def weight_bytes(model_or_params, dtype: str = "bf16"):
    """Bytes to hold a model's weights in ``dtype`` (chapter 1): its parameters x bytes per
    parameter, 68,976,648,192 x 2 = 137,953,296,384 for Llama-2-70B in bf16. Takes a model
    (a ``Model``, a catalog name or a config.json path) or a number of parameters (an array
    of them for a sweep)."""
    if isinstance(model_or_params, (Model, str, os.PathLike)):
        return float(get_model(model_or_params).params * bytes_per_param(dtype))
    return nonnegative("params", model_or_params) * bytes_per_param(dtype)


def kv_bytes_per_token(model, kv_dtype: str = "bf16") -> float:
    """2 (K and V) x L x K x d_h x bytes (chapter 3). The cache holds the key/value heads, not
    the query
    heads: Llama-2-70B has 64 query heads but 8 KV heads, so 327,680 B (320 KiB) in bf16.

    Multi-head latent attention caches one latent of ``kv_lora_rank`` numbers and the shared
    RoPE key of ``qk_rope_head_dim`` per layer instead: L (r_kv + d_rope) x bytes, 70,272 B
    for DeepSeek-V3 in bf16. For a model with sliding-window layers this is what each token
    adds while the context is shorter than every window (the full-attention rate); a
    sequence's cache is ``kv_bytes_per_sequence``."""
    m = get_model(model)
    per = BYTES_PER_PARAM[kv_dtype_name(kv_dtype)]
    if m.is_mla:
        return m.n_layers * (m.kv_lora_rank + m.qk_rope_head_dim) * per
    return 2 * m.n_layers * m.n_kv_heads * m.head_dim * per


def kv_bytes_per_sequence(model, tokens, kv_dtype: str = "bf16"):
    """Bytes of KV cache one sequence of ``tokens`` tokens holds (chapter 3): the sum over
    layers of min(tokens, that layer's window) x the bytes a layer caches per token. Without
    windows, tokens x ``kv_bytes_per_token``; four 32,768-token sequences of Mistral-7B-v0.1
    hold 4 x 32 layers x 4096 x 2 x 8 x 128 x 2 B = 2,147,483,648 B, not 17.2 GB."""
    m = get_model(model)
    per_token = kv_bytes_per_token(m, kv_dtype)
    t = nonnegative("tokens", tokens)
    if not m.has_windows:
        return t * per_token
    # bytes per layer and token (exact) times the layer-tokens (exact): whole bytes stay exact
    return (per_token / m.n_layers) * layer_tokens(m, t)


def expected_experts_touched(n_experts, experts_per_token, tokens):
    """Experts a layer must read when ``tokens`` tokens each pick ``experts_per_token`` of
    ``n_experts`` uniformly: E (1 - (1 - k/E)^B). One token reads k; many read all E
    (chapter 12)."""
    e = checks.plain("n_experts", n_experts)
    k = checks.plain("experts_per_token", experts_per_token)
    # an average over steps may hold a fraction of a token (chunked prefill, chapter 9)
    b = nonnegative("tokens", tokens)
    return e * (1.0 - (1.0 - k / e) ** b)


def weight_bytes_read(model, dtype: str, tokens, params=None):
    """Weight bytes a forward pass over ``tokens`` tokens must read (chapters 6 and 12). A
    dense model reads all
    of them. A mixture of experts reads its shared weights and only the experts its tokens
    route to (in expectation, uniform routing). ``params`` overrides the count (dense only)."""
    m = get_model(model)
    per = bytes_per_param(dtype)
    if params is not None or not m.is_moe:
        return (m.text_params if params is None else params) * per
    # the shared weights include dense layers and shared experts, which every token reads
    shared = m.text_params - m.n_moe_layers * m.n_experts * m.expert_params
    touched = expected_experts_touched(m.n_experts, m.experts_per_token, tokens)
    return (shared + m.n_moe_layers * touched * m.expert_params) * per


def stored_weight_bytes(model) -> float:
    """Bytes of a model's weights as its checkpoint stores them (chapter 1): quantized
    matrices at their bits with their scales and zero points, everything else at the
    checkpoint's 16 (or 32) bits (``Model.stored``; refused when the model has none).
    gpt-oss-120b: 65,248,815,744 B, the model card's 60.8 GiB."""
    m = get_model(model)
    return stored_bytes(m)


def stored_weight_bytes_read(model, tokens):
    """Weight bytes a forward pass over ``tokens`` tokens reads, as the checkpoint stores
    them (chapters 6 and 12): all of them for a dense model (the image encoder aside); for a
    mixture, the shared weights and, in expectation, the experts the tokens route to."""
    m = get_model(model)
    held = stored_bytes(m) - m.vision_params * m.stored.plain_bytes
    t = nonnegative("tokens", tokens)
    if not m.is_moe:
        return held + 0.0 * t  # every weight, once per pass, for any number of tokens
    one = expert_bytes(m)
    shared = held - m.n_moe_layers * m.n_experts * one
    touched = expected_experts_touched(m.n_experts, m.experts_per_token, t)
    return shared + m.n_moe_layers * touched * one


def deployment_weights(model, dtype: str | None = None) -> tuple[float, str, str]:
    """What a deployment holds and multiplies in (chapter 3): (weight bytes, the dtype whose
    product rate applies, a one-line note saying where both came from).

    With ``dtype``, every parameter in it: params x bytes per parameter, as
    ``weight_bytes``, whatever the checkpoint stores. Without, the model's stored format
    (``Model.stored``, read from its config.json): ``stored_weight_bytes`` and the format's
    dtype (fp8 for fp8 checkpoints, int4 for 4-bit weights multiplied in 16 bits, mxfp4 or
    nvfp4 where the products run in 4 bits, which only GPUs with fp4 tensor cores do); a
    model with no stored format falls back to bf16, the library's default."""
    m = get_model(model)
    fmt = m.stored
    if dtype is not None:
        name = dtype_name(dtype)
        was = f" over the checkpoint's {fmt.name}" if fmt is not None else ""
        return float(m.params * BYTES_PER_PARAM[name]), name, (
            f"every parameter in {name}: an explicit dtype{was}")  # fmt: skip
    if fmt is None:
        note = "every parameter in bf16, the library's default: no stored format is known"
        return float(m.params * BYTES_PER_PARAM["bf16"]), "bf16", note
    where = f", read from {fmt.source}" if fmt.source else ""
    return stored_bytes(m), fmt.dtype, f"as the checkpoint stores them: {fmt.name}{where}"


def model_summary(model: Model, dtype: str = "bf16") -> dict:
    """The numbers a catalog table shows for one model (the back matter's catalog).
    Chapter 1 uses it."""
    return {
        "name": model.name,
        "params": model.params,
        "active_params": model.active_params,
        "weight_bytes": weight_bytes(model, dtype),
        "kv_bytes_per_token": kv_bytes_per_token(model, dtype),
        "flops_per_token": flops_per_token(model),
        "max_context": model.max_context,
        "source": model.source,
        "date": model.date,
    }
