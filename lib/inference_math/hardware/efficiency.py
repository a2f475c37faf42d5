"""How close to its datasheet a real server runs: the efficiency defaults of the per-op model.

A datasheet gives peak FLOP/s and bandwidth; a serving engine reaches a share of each (MFU,
MBU), pays a fixed cost for every forward pass (launching kernels, scheduling, sampling) and,
across GPUs, a latency for every all-reduce that bandwidth alone does not give. These
constants are fitted to published measurements of real servers (``data/public-measurements.csv``,
``inference_math.measurements``, chapter 10) on the sources chosen for fitting, never on the
held-out ones; each carries the interval a bootstrap over those sources gives.

The shares depend on the GPU generation and on the number format: an fp8 product on Hopper
reaches a smaller share of its (doubled) peak than a bf16 product on Ampere, and a memory
system's reachable share differs by generation. A combination the published measurements do
not cover falls back to the same generation's 16-bit figures, then to the book's round 0.6.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.formats import BYTES_PER_PARAM, dtype_name
from .gpus import get_gpu


@dataclass(frozen=True)
class Fitted:
    """A fitted constant with its bootstrap interval (5th to 95th percentile)."""

    value: float
    low: float
    high: float


# Fitted by inference_math.measurements.fit() on the fitting sources of
# data/public-measurements.csv, intervals from measurements.bootstrap() (resampling whole
# sources); benchmarks/public_measurements.py prints both and the held-out error, and
# tests/library/test_measurements.py refits and checks these have not gone stale.
FIT_DATE = "2026-11-30"
# fmt: off
MFU: dict[tuple[str, int], Fitted] = {       # (generation, bits of the products' inputs)
    ("ampere", 16): Fitted(0.7035, 0.5428, 0.7778),
    ("hopper", 8): Fitted(0.5305, 0.4776, 0.5612),
}
MBU: dict[tuple[str, int], Fitted] = {       # (generation, 16, or 4 for unpacked int4 weights)
    ("ampere", 4): Fitted(0.404, 0.401, 0.4253),
    ("ampere", 16): Fitted(0.7137, 0.6845, 0.7458),
    ("hopper", 16): Fitted(0.8972, 0.7172, 0.9022),
}
OVERHEAD_S = Fitted(0.0004688, 0, 0.001077)                            # per forward pass
PREFILL_OVERHEAD_PER_LAYER_S = Fitted(0.0002468, 0.0001448, 0.0007429)  # per prefill layer
ALLREDUCE_LATENCY_S = Fitted(3.572e-05, 2.864e-05, 5.956e-05)          # per all-reduce
# fmt: on

# Where no measurement covers a combination: the primer's round figures (chapter 4).
ROUND_MFU = 0.6
ROUND_MBU = 0.6


def mfu_class(gpu, dtype: str) -> tuple[str, int]:
    """The MFU class of weights in ``dtype`` on ``gpu``: its generation and the bits the
    products consume (8 for fp8 and int8 products, 16 for bf16, fp16 and weight-only int4,
    whose products run in bf16; 32 for fp32)."""
    bits = precision_bits(dtype)
    return get_gpu(gpu).generation, 16 if bits == 4 else bits


def mbu_class(gpu, dtype: str) -> tuple[str, int]:
    """The MBU class: the generation, and 4 for int4 weights (unpacked on the way from
    memory, which costs bandwidth) or 16 for every format the tensor cores read directly
    (streaming a byte costs the same whatever it encodes)."""
    return get_gpu(gpu).generation, 4 if precision_bits(dtype) == 4 else 16


def precision_bits(dtype: str) -> int:
    """16, 8 or 4 (32 for fp32): the weights' bits, which decide the products' rate class."""
    return int(8 * BYTES_PER_PARAM[dtype_name(dtype)])


def server_efficiency(gpu, dtype: str) -> tuple[float, float]:
    """(MFU, MBU) the per-op model assumes for weights in ``dtype`` on ``gpu``: the fitted
    figures of its classes (``mfu_class``, ``mbu_class``), else its generation's 16-bit
    ones, else the round 0.6 and 0.6 (chapter 10 fits them)."""
    gen = get_gpu(gpu).generation
    mfu = MFU.get(mfu_class(gpu, dtype), MFU.get((gen, 16)))
    mbu = MBU.get(mbu_class(gpu, dtype), MBU.get((gen, 16)))
    return (mfu.value if mfu else ROUND_MFU), (mbu.value if mbu else ROUND_MBU)
