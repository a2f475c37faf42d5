"""How close to its datasheet a real server runs: measured ceilings, and the shares of them
that the per-op model uses (chapter 10 fits them).

A datasheet gives peak FLOP/s and bandwidth; no kernel reaches either. What a chip measurably
reaches is its **ceiling**: the best published stream benchmark for memory (a read-heavy
kernel of BabelStream or gpu-stream) and the best published large matrix product for FLOPs
(stas00/ml-engineering's "maximum achievable matmul FLOPS" search, or a vendor library's
best shape). A server's kernels reach a **share** of peak at most equal to the ceiling, and
smaller where they stream weights in few rows, unpack a format, or read a cache in pages.

The shares are kept apart where the physics differs:

- ``weights_mbu``: streaming the weights, by generation and stored format (16-bit, 8-bit,
  4-bit integers unpacked on the way, fp4 read by the tensor cores);
- ``products_mfu``: the weight products' FLOPs, by generation and the bits they consume;
- ``kv_mbu`` and ``attention_mfu``: attention over the cache, its own kernels (paged reads,
  and score FLOPs in 16-bit whatever the weights' format).

Fitted by ``evidence.server_fit`` with each share kept between zero and its ceiling and
pulled toward a prior (a round share of the ceiling), on published measurements; the
benchmark benchmarks/public_measurements.py refits them and prints the table as it is held
here. A combination no measurement informs falls back to the prior; a generation without a
ceiling to the book's round 0.6.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.formats import BYTES_PER_PARAM, dtype_name
from .gpus import get_gpu


@dataclass(frozen=True)
class Ceiling:
    """What a chip measurably reaches, as a share of its datasheet peak, with the source."""

    share: float
    source: str
    date: str


_AZURE = "Azure AI-benchmarking-guide, {vm} results (BabelStream, CUDA 12.x)"
_MAMF = "stas00/ml-engineering, maximum achievable matmul FLOPS table ({what})"
# Memory: the best BabelStream kernel (Dot reads two arrays and writes nothing, the nearest to
# streaming weights) as a share of the datasheet bandwidth.
# fmt: off
STREAM_CEILING: dict[str, Ceiling] = {
    "ampere": Ceiling(0.86, _AZURE.format(vm="ND A100 v4") + ": Dot 1.75 of 2.039 TB/s",
                      "2024-09"),
    "hopper": Ceiling(0.95, _AZURE.format(vm="ND H100 v5") + ": Dot 3.18 of 3.35 TB/s "
                      "(H200: 4.48 of 4.8, 0.93)", "2024-09"),
    "blackwell": Ceiling(0.93, "assumed equal to H200's measured 0.93 (HBM3e): no published "
                         "stream measurement of a B200 was found", "2026-12"),
    "ada": Ceiling(0.98, "te42kyfo/gpu-benches gpu-stream on an L40: read 844 of 864 GB/s",
                   "2024-04"),
    "cdna3": Ceiling(0.80, "Azure AI-benchmarking-guide, ND MI300X v5 results: BabelStream "
                     "Mul 4.26 of 5.3 TB/s (fork snapshot)", "2025"),
    "cdna4": Ceiling(0.80, "assumed equal to MI300X's measured 0.80: no published stream "
                     "measurement of an MI355X was found", "2026-12"),
}
# Products: the best measured dense product of the bits the products consume.
MATMUL_CEILING: dict[tuple[str, int], Ceiling] = {
    ("ampere", 16): Ceiling(0.869, _MAMF.format(what="A100 SXM bf16, 271.2 of 312"), "2026-08"),
    ("ampere", 8): Ceiling(0.869, "assumed equal to the A100's bf16 ceiling: no int8 product "
                           "measurement was found", "2026-12"),
    ("hopper", 16): Ceiling(0.803, _MAMF.format(what="H100 SXM bf16, 794.5 of 989"), "2026-08"),
    ("hopper", 8): Ceiling(0.734, _MAMF.format(what="H200 SXM fp8, 1,453.4 of 1,979"),
                           "2026-08"),
    ("blackwell", 16): Ceiling(0.776, _MAMF.format(what="B200 bf16, 1,745.0 of 2,250"),
                               "2026-08"),
    ("blackwell", 8): Ceiling(0.763, _MAMF.format(what="B200 fp8, 3,432.5 of 4,500"), "2026-08"),
    ("blackwell", 4): Ceiling(0.763, "Azure AI-benchmarking-guide, ND GB200 v6: cuBLASLt fp4 "
                              "7,627.6 of 10,000", "2025"),
    ("ada", 16): Ceiling(0.80, "assumed equal to Hopper's bf16 ceiling: no L40S or L4 "
                         "measurement was found", "2026-12"),
    ("ada", 8): Ceiling(0.73, "assumed equal to Hopper's fp8 ceiling", "2026-12"),
    ("cdna3", 16): Ceiling(0.604, _MAMF.format(what="MI325X bf16, 784.9 of 1,300"), "2026-08"),
    ("cdna3", 8): Ceiling(0.44, "Azure AI-benchmarking-guide, ND MI300X v5: hipBLASLt fp8 "
                          "1,159.5 of 2,614.9", "2025"),
    ("cdna4", 16): Ceiling(0.68, _MAMF.format(what="MI355X bf16, 1,565 of 2,300"), "2026-08"),
    ("cdna4", 8): Ceiling(0.68, "assumed equal to the MI355X's bf16 ceiling", "2026-12"),
    ("cdna4", 4): Ceiling(0.68, "assumed equal to the MI355X's bf16 ceiling", "2026-12"),
}
# fmt: on

# Where no measurement covers a combination: the primer's round figures (chapter 4).
ROUND_MFU = 0.6
ROUND_MBU = 0.6
# A share no published measurement informs is this fraction of its ceiling: the prior the fit
# starts from and is pulled toward (chapter 10).
PRIOR_SHARE_OF_CEILING = {"weights_mbu": 0.75, "products_mfu": 0.7, "kv_mbu": 0.6,
                          "attention_mfu": 0.5, "expert_mbu": 0.5}  # fmt: skip


def weight_format(dtype: str) -> str:
    """The weights' class for streaming them: "16" (bf16, fp16, fp32), "8" (fp8, int8),
    "int4" (4-bit integers, unpacked to 16-bit on the way) or "fp4" (read by fp4 tensor
    cores). Chapter 10 uses it."""
    name = dtype_name(dtype)
    if name in ("mxfp4", "nvfp4", "fp4"):
        return "fp4"
    bits = 8 * BYTES_PER_PARAM[name]
    return "int4" if bits < 8 else ("8" if bits == 8 else "16")


def product_bits(gpu, dtype: str) -> int:
    """The bits the weight products consume on ``gpu``: 8 for fp8 and int8 weights where the
    GPU multiplies in 8 bits, 4 for fp4 where it multiplies in fp4, else 16 (weight-only
    formats are dequantized to 16-bit first). Chapter 10 uses it."""
    g = get_gpu(gpu)
    fmt = weight_format(dtype)
    if fmt == "fp4" and getattr(g, "fp4_flops", None):
        return 4
    if fmt == "8" and (g.fp8_flops or g.int8_ops):
        return 8
    return 16


@dataclass(frozen=True)
class Efficiency:
    """The four shares of peak the per-op model uses for one deployment (chapter 10)."""

    products_mfu: float
    weights_mbu: float
    kv_mbu: float
    attention_mfu: float
    expert_mbu: float


# Fitted by evidence.server_fit on the published measurements; the benchmark of public
# measurements prints this table as it stands here. Keys are (generation, class).
FIT_DATE = "2026-12-08"
# fmt: off
WEIGHTS_MBU: dict[tuple[str, str], float] = {
    ('ada', '16'): 0.735,
    ('ada', '8'): 0.7348,
    ('ampere', '16'): 0.6736,
    ('ampere', '8'): 0.635,
    ('ampere', 'int4'): 0.62,
    ('blackwell', '16'): 0.7046,
    ('blackwell', '8'): 0.6956,
    ('blackwell', 'fp4'): 0.6979,
    ('cdna3', '16'): 0.539,
    ('cdna3', '8'): 0.5519,
    ('cdna4', '8'): 0.5993,
    ('cdna4', 'fp4'): 0.5989,
    ('hopper', '16'): 0.7464,
    ('hopper', '8'): 0.6968,
    ('hopper', 'int4'): 0.7033,
}
PRODUCTS_MFU: dict[tuple[str, int], float] = {
    ('ada', 16): 0.5597,
    ('ada', 8): 0.5009,
    ('ampere', 16): 0.6433,
    ('ampere', 8): 0.6079,
    ('blackwell', 16): 0.5432,
    ('blackwell', 4): 0.5303,
    ('blackwell', 8): 0.5308,
    ('cdna3', 16): 0.3539,
    ('cdna3', 8): 0.2818,
    ('cdna4', 4): 0.4745,
    ('cdna4', 8): 0.4749,
    ('hopper', 16): 0.573,
    ('hopper', 8): 0.5238,
}
KV_MBU: dict[str, float] = {
    'ada': 0.5786,
    'ampere': 0.504,
    'blackwell': 0.5663,
    'cdna3': 0.3975,
    'cdna4': 0.483,
    'hopper': 0.5695,
}
ATTENTION_MFU: dict[str, float] = {
    'ada': 0.3994,
    'ampere': 0.4358,
    'blackwell': 0.3783,
    'cdna3': 0.2866,
    'cdna4': 0.3347,
    'hopper': 0.402,
}
# Not fitted: the measurements hold too few MoE rows at small batch to tell the experts'
# reads from the rest (chapter 10); the prior stands.
EXPERT_MBU: dict[str, float] = {}
# The products' share falls as G^-x over G GPUs of tensor parallelism (each GPU's share of a
# matrix shrinks and the collectives interleave with the products); x is fitted.
TP_MFU_EXPONENT = 0.1751
# fmt: on


def ceiling(kind: str, gpu, dtype: str = "bf16") -> float:
    """The measured ceiling a share of ``kind`` ("weights_mbu", "kv_mbu", "products_mfu",
    "attention_mfu") may not exceed on ``gpu`` (chapter 10): the stream ceiling for reads,
    the matmul ceiling of the products' bits for FLOPs (16-bit for attention). 1 where no
    ceiling is known for the generation."""
    gen = get_gpu(gpu).generation
    if kind in ("weights_mbu", "kv_mbu", "expert_mbu"):
        c = STREAM_CEILING.get(gen)
    else:
        bits = product_bits(gpu, dtype) if kind == "products_mfu" else 16
        c = MATMUL_CEILING.get((gen, bits)) or MATMUL_CEILING.get((gen, 16))
    return c.share if c else 1.0


def prior(kind: str, gpu, dtype: str = "bf16") -> float:
    """The share a fit starts from and is pulled toward: ``PRIOR_SHARE_OF_CEILING`` of the
    ceiling, or the round 0.6 where the generation has no ceiling (chapter 10)."""
    gen = get_gpu(gpu).generation
    known = gen in STREAM_CEILING if kind.endswith("mbu") else any(
        k[0] == gen for k in MATMUL_CEILING)  # fmt: skip
    if not known:
        return ROUND_MBU if kind.endswith("mbu") else ROUND_MFU
    return PRIOR_SHARE_OF_CEILING[kind] * ceiling(kind, gpu, dtype)


def server_efficiency(gpu, dtype: str) -> Efficiency:
    """The shares of peak the per-op model assumes for weights in ``dtype`` on ``gpu``: the
    fitted ones of its classes, else each class's prior (chapter 10 fits them)."""
    gen = get_gpu(gpu).generation
    return Efficiency(
        products_mfu=PRODUCTS_MFU.get((gen, product_bits(gpu, dtype)),
                                      prior("products_mfu", gpu, dtype)),
        weights_mbu=WEIGHTS_MBU.get((gen, weight_format(dtype)), prior("weights_mbu", gpu)),
        kv_mbu=KV_MBU.get(gen, prior("kv_mbu", gpu)),
        attention_mfu=ATTENTION_MFU.get(gen, prior("attention_mfu", gpu)),
        expert_mbu=EXPERT_MBU.get(gen, prior("expert_mbu", gpu)),
    )  # fmt: skip
