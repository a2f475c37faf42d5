"""How a checkpoint stores its weights, and the bytes that follows (chapter 1).

A checkpoint's size is the bytes it stores, not parameters x 2. A quantized checkpoint keeps
some matrices in a few bits, each with its scales (and zero points, and index tables), and
the rest in 16 bits: the embedding, most LM heads, every norm, bias and router, and whatever
its ``quantization_config`` leaves out (gpt-oss keeps attention in bf16 and stores only its
experts in MXFP4; DeepSeek's NVFP4 checkpoint keeps the latent projections in bf16).

``StoredFormat`` says which of a model's matrices a checkpoint quantizes, by role
(``architecture.layer_matrices``: q, k, v, o, the latent projections, a dense layer's
network, routed and shared experts, router, embedding, LM head), and how (``Scheme``); every
other parameter, vectors included, takes ``plain_bytes`` (the checkpoint's ``torch_dtype``).
``stored_bytes`` prices the model matrix by matrix, scales rounded up per block as the
checkpoint stores them. ``model.quantconfig`` reads a format from a config.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import architecture
from ..core.checks import printable

ATTENTION_ROLES = ("q", "k", "v", "o", "q_a", "q_b", "kv_a", "kv_b")
# Roles of matrices that a format may quantize; the embedding and positions are tables.
LINEAR_ROLES = (*ATTENTION_ROLES, "ffn", "shared", "experts", "router", "lm_head")
ROLES = (*LINEAR_ROLES, "embedding", "positions")
# How scales tile a matrix: one for the matrix, one per output row, one per group of
# ``group`` inputs in a row, one per block of ``block_rows`` x ``group``, one per ``group``
# values of the flattened matrix (bitsandbytes).
LAYOUTS = ("tensor", "row", "group", "block", "flat")
COMPONENTS = {
    **{r: "attention" for r in ATTENTION_ROLES},
    "ffn": "ffn",
    "shared": "shared_experts",
    "experts": "experts",
    "router": "router",
    "embedding": "embedding",
    "lm_head": "lm_head",
    "positions": "positions",
}


@dataclass(frozen=True)
class Scheme:
    """How one quantized matrix is stored (chapter 1): ``bits`` per value, scales of
    ``scale_bytes`` tiled by ``layout`` (with ``zero_bytes`` of zero point beside each),
    ``tensor_bytes`` per matrix (per-tensor scales) and ``column_bytes`` per input column
    (GPTQ's index of each column's group)."""

    bits: float
    layout: str = "tensor"
    group: int = 0
    block_rows: int = 0
    scale_bytes: float = 0.0
    zero_bytes: float = 0.0
    tensor_bytes: float = 0.0
    column_bytes: float = 0.0

    def __post_init__(self):
        if self.layout not in LAYOUTS:
            raise ValueError(f"Scheme layout must be one of {', '.join(LAYOUTS)}, got "
                             f"{printable(repr(self.layout))[:40]}")  # fmt: skip
        if self.layout in ("group", "block", "flat") and self.group < 1:
            raise ValueError(f"Scheme group must be a positive size for layout {self.layout}")
        if self.layout == "block" and self.block_rows < 1:
            raise ValueError("Scheme block_rows must be a positive size for layout block")
        for f in ("bits", "scale_bytes", "zero_bytes", "tensor_bytes", "column_bytes"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise ValueError(f"Scheme {f} must be a non-negative number, got {v!r}")
        if not 0 < self.bits <= 16:
            raise ValueError(f"Scheme bits must be in (0, 16], got {self.bits!r}")

    def scales(self, rows: int, cols: int) -> int:
        """Scales one rows x cols matrix stores."""
        if self.layout == "tensor":
            return 1
        if self.layout == "row":
            return rows
        if self.layout == "group":
            return rows * math.ceil(cols / self.group)
        if self.layout == "block":
            return math.ceil(rows / self.block_rows) * math.ceil(cols / self.group)
        return math.ceil(rows * cols / self.group)

    def matrix_bytes(self, rows: int, cols: int) -> float:
        """Bytes one rows x cols matrix takes: its values, scales, zero points and tables."""
        per_scale = self.scale_bytes + self.zero_bytes
        values = rows * cols * self.bits / 8
        return values + self.scales(rows, cols) * per_scale + self.tensor_bytes + (
            cols * self.column_bytes)  # fmt: skip


@dataclass(frozen=True)
class StoredFormat:
    """How a checkpoint stores a model's weights (chapter 1). ``name`` describes it in one
    phrase; ``dtype`` is the library dtype whose product rate applies to it (``fp8`` for fp8
    weights and activations, ``int4`` for 4-bit weights multiplied in 16 bits, ``mxfp4``,
    ``nvfp4``, ``bf16``, ...). The matrices of the roles in ``quantized`` follow ``scheme``
    in every layer but those listed in ``kept_layers`` as (role, layer); everything else
    takes ``plain_bytes`` per parameter. ``source`` names the file it was read from."""

    name: str
    dtype: str
    scheme: Scheme | None = None
    quantized: tuple = ()
    kept_layers: tuple = ()
    plain_bytes: float = 2.0
    source: str = ""

    def __post_init__(self):
        for f in ("name", "dtype", "source"):
            if not isinstance(getattr(self, f), str):
                raise ValueError(f"StoredFormat {f} must be a string")
        if self.scheme is not None and not isinstance(self.scheme, Scheme):
            raise ValueError("StoredFormat scheme must be a Scheme or None")
        bad = [r for r in self.quantized if r not in LINEAR_ROLES]
        if not isinstance(self.quantized, tuple) or bad:
            raise ValueError(
                f"StoredFormat quantized must be a tuple of roles from {', '.join(LINEAR_ROLES)}"
                f", got {printable(repr(bad or self.quantized))[:60]}"
            )
        if self.quantized and self.scheme is None:
            raise ValueError("StoredFormat quantized names roles but scheme is None")
        if not isinstance(self.kept_layers, tuple) or not all(
            isinstance(k, tuple) and len(k) == 2 and k[0] in LINEAR_ROLES
            and isinstance(k[1], int) and k[1] >= 0 for k in self.kept_layers
        ):  # fmt: skip
            raise ValueError("StoredFormat kept_layers must be a tuple of (role, layer) pairs")
        if self.plain_bytes not in (1.0, 2.0, 4.0):
            raise ValueError(
                f"StoredFormat plain_bytes must be 1, 2 or 4, got {self.plain_bytes!r}"
            )

    def quantizes(self, role: str, layer: int | None = None) -> bool:
        """Whether the matrices of ``role`` (in ``layer``) are stored by ``scheme``."""
        return role in self.quantized and (role, layer) not in self.kept_layers


def _priced(fmt: StoredFormat, role, rows, cols, count, layer=None) -> tuple[float, int]:
    params = rows * cols * count
    if fmt.quantizes(role, layer):
        return count * fmt.scheme.matrix_bytes(rows, cols), params
    return params * fmt.plain_bytes, params


def stored_bytes_by_component(m, fmt: StoredFormat | None = None) -> dict[str, float]:
    """Bytes of a model's weights as ``fmt`` (default: the model's own ``stored``) stores
    them, by component: attention, ffn, shared_experts, experts, router, embedding,
    lm_head, positions, vision and vectors (norms, biases, sinks). The image encoder and
    the vectors take ``plain_bytes``. The main model only: DeepSeek's multi-token-prediction
    module, stored beside it, is not counted. Chapter 1 prices a checkpoint with it."""
    fmt = m.stored if fmt is None else fmt
    if not isinstance(fmt, StoredFormat):
        raise ValueError(
            f"model {printable(m.name)!r} has no stored format: read one from a config.json "
            "with a quantization_config or a torch_dtype, or give one"
        )
    out = dict.fromkeys((*dict.fromkeys(COMPONENTS.values()), "vision", "vectors"), 0.0)
    matrix_params = 0
    for i in range(m.n_layers):
        for role, rows, cols, count in architecture.layer_matrices(m, i):
            nbytes, params = _priced(fmt, role, rows, cols, count, i)
            out[COMPONENTS[role]] += nbytes
            matrix_params += params
    for role, rows, cols, count in architecture.model_matrices(m):
        nbytes, params = _priced(fmt, role, rows, cols, count)
        out[COMPONENTS[role]] += nbytes
        matrix_params += params
    out["vision"] = m.vision_params * fmt.plain_bytes
    out["vectors"] = (m.params - m.vision_params - matrix_params) * fmt.plain_bytes
    return out


def stored_bytes(m, fmt: StoredFormat | None = None) -> float:
    """All of a model's weight bytes as ``fmt`` (default: the model's ``stored``) stores
    them (chapter 1): ``stored_bytes_by_component`` summed."""
    return float(sum(stored_bytes_by_component(m, fmt).values()))


def expert_bytes(m, fmt: StoredFormat | None = None) -> float:
    """Bytes of one routed expert of one mixture layer as stored, biases included, averaged
    over the mixture layers (chapter 12): what a token routed to it reads."""
    fmt = m.stored if fmt is None else fmt
    experts = m.n_moe_layers * m.n_experts
    width = architecture.expert_width(m)
    biases = architecture.ffn_block(m, width) - architecture.ffn_matrices(m) * m.d_model * width
    total = stored_bytes_by_component(m, fmt)["experts"] + experts * biases * fmt.plain_bytes
    return total / experts
