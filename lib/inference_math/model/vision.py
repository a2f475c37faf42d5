"""Image encoders counted from a multimodal config.json's ``vision_config`` (chapter 1).

Gemma 3 and Llama 4 are published as multimodal models, and their totals (Gemma 3 4B's
4,300,079,472, Llama 4 Scout's 108,641,793,536) include an image encoder and the projector
that maps its output into the language model's width. Those weights take memory but no KV
cache, and a text token never runs them, so the library counts them as one number
(``Model.vision_params``) outside every per-token figure.

The two encoders, as transformers builds them (shapes checked on the meta device):

- SigLIP (Gemma 3): a patch convolution with a bias, a table of positions, ``L`` layers of
  biased q, k, v and out projections, a biased two-matrix MLP and two LayerNorms with
  biases, a final LayerNorm; then Gemma 3's projector, a (vision width x text width) matrix
  and an RMSNorm over the vision width. Gemma 3's configs set ``vision_use_head`` false.
- Llama 4's ViT: a bias-free patch projection, a class embedding, a table of positions (one
  per patch and the class token), LayerNorms before and after, ``L`` layers as SigLIP's,
  then a pixel-shuffle adapter (two bias-free matrices) and the projector into the text
  width.
"""

from __future__ import annotations

from ..core.checks import printable

_SIGLIP = ("hidden_size", "intermediate_size", "num_hidden_layers", "image_size", "patch_size")
_LLAMA4 = _SIGLIP + ("projector_input_dim", "projector_output_dim", "vision_output_dim")


def _sizes(vision: dict, keys: tuple, where: str) -> dict:
    if not isinstance(vision, dict):
        raise ValueError(f"{where}: vision_config must be a JSON object, got "
                         f"{printable(repr(vision))[:60]}")  # fmt: skip
    out = {}
    for key in (*keys, "num_channels"):
        value = vision.get(key, 3 if key == "num_channels" else None)
        if value is None:
            raise ValueError(f"{where}: vision_config is missing {key}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{where}: vision_config.{key} must be a positive integer, got "
                             f"{printable(repr(value))[:40]}")  # fmt: skip
        out[key] = value
    if out["image_size"] % out["patch_size"]:
        raise ValueError(f"{where}: vision_config.image_size ({out['image_size']}) is not a "
                         f"multiple of patch_size ({out['patch_size']})")  # fmt: skip
    return out


def _encoder_layer(h: int, inner: int) -> int:
    """One ViT layer: q, k, v and out with biases, a biased two-matrix MLP, two LayerNorms."""
    return 4 * (h * h + h) + (h * inner + inner) + (inner * h + h) + 2 * 2 * h


def siglip_params(vision: dict, text_width: int, where: str = "config") -> int:
    """Parameters of Gemma 3's SigLIP encoder and projector (chapter 1): 419,816,304 for
    Gemma 3 4B."""
    s = _sizes(vision, _SIGLIP, where)
    if vision.get("vision_use_head", True) is not False:
        raise ValueError(
            f"{where}: vision_config.vision_use_head must be false (Gemma 3's encoder has no "
            "pooling head; SigLIP's default of true would add one this library does not count)"
        )
    h, patches = s["hidden_size"], (s["image_size"] // s["patch_size"]) ** 2
    embed = s["num_channels"] * s["patch_size"] ** 2 * h + h + patches * h
    layers = s["num_hidden_layers"] * _encoder_layer(h, s["intermediate_size"])
    projector = h * text_width + h
    return embed + layers + 2 * h + projector


def llama4_vision_params(vision: dict, text_width: int, where: str = "config") -> int:
    """Parameters of Llama 4's image encoder, adapter and projector (chapter 1): 871,932,416
    for Llama 4 Scout."""
    s = _sizes(vision, _LLAMA4, where)
    h, patches = s["hidden_size"], (s["image_size"] // s["patch_size"]) ** 2
    embed = s["num_channels"] * s["patch_size"] ** 2 * h + h + (patches + 1) * h
    layers = s["num_hidden_layers"] * _encoder_layer(h, s["intermediate_size"])
    adapter = s["intermediate_size"] * s["projector_input_dim"]
    adapter += s["projector_output_dim"] * s["projector_output_dim"]
    bias = vision.get("multi_modal_projector_bias", False)
    if not isinstance(bias, bool):
        raise ValueError(f"{where}: vision_config.multi_modal_projector_bias must be true or "
                         "false")  # fmt: skip
    projector = s["vision_output_dim"] * text_width + (text_width if bias else 0)
    return embed + 2 * 2 * h + layers + adapter + projector
