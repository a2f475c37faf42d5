"""GPUs: dense tensor throughput, memory, bandwidth, interconnect, and a dated price.

Throughput is the dense tensor-core figure. NVIDIA's headline numbers for Ampere and later
often assume 2:4 structured sparsity and are twice these; an LLM's weights are not 2:4 sparse.

Interconnect: NVLink's quoted figure is per GPU, all links, both directions (A100: 600 GB/s);
a ring all-reduce sends one way at a time, so ``tp_link_bytes_per_s`` holds half of it. Parts
without NVLink talk over PCIe x16: 32 GB/s each way for PCIe 4, 64 GB/s for PCIe 5.

Memory: NVIDIA's "80 GB" is read as 80 GiB (85,899,345,920 bytes). HBM stacks come in binary
sizes, and the driver reports an A100 80GB as 81,920 MiB, which is exactly 80 GiB. Some parts
report a little less than their label read this way (an H100 80GB shows 81,559 MiB, 0.4% less;
the GDDR6 L4 and A10G about 23,030 MiB, 6% less, once ECC is on); the usable-memory
fraction (serving.deployment.DEFAULT_USABLE_MEMORY) is meant to cover such differences along
with the runtime's own needs. The source article instead counted 160 GB for two GPUs
(decimal); its scenario keeps that reading, and
chapter 3 shows what the difference is worth. Bandwidth is decimal (GB/s = 1e9 bytes/s), as
every datasheet uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.checks import lookup
from ..core.units import GB, GiB, TERA


@dataclass(frozen=True)
class GPU:
    """One GPU's dense tensor rates, memory, bandwidth, interconnect and a dated price, each
    with its source. Chapter 3 uses it first; chapter 4 explains the rates."""

    name: str
    bf16_flops: float  # dense bf16/fp16 tensor FLOP/s
    int8_ops: float | None  # dense int8 tensor ops/s (None: no such mode published)
    fp8_flops: float | None  # dense fp8 tensor FLOP/s (None: no fp8 tensor cores)
    memory_label: str  # the vendor's wording, kept to show how it was read
    memory_bytes: float
    bandwidth_bytes_per_s: float  # peak memory bandwidth
    interconnect: str
    interconnect_bytes_per_s: float | None  # per GPU, all links together; None: none/PCIe only
    usd_per_hour: float  # default rental price per GPU-hour
    price_source: str
    price_date: str
    source: str
    date: str
    # The architecture generation: the efficiency a server reaches depends on it (chapter 10).
    generation: str = ""
    # Bytes/s one GPU sends to the next in a ring all-reduce, one direction: half the NVLink
    # total, or a PCIe x16 link's one-way rate (chapter 6's tensor-parallel cost).
    tp_link_bytes_per_s: float | None = None

    @property
    def ops_per_byte(self) -> float:
        """Dense bf16 FLOP/s over peak bandwidth: the arithmetic intensity of the ridge."""
        return self.bf16_flops / self.bandwidth_bytes_per_s


_A100_SHEET = "NVIDIA A100 Tensor Core GPU datasheet (2021), dense figures"
_H100_SHEET = "NVIDIA H100 Tensor Core GPU datasheet (2023), dense figures"
# fmt: off
GPUS: dict[str, GPU] = {g.name: g for g in [
    GPU("a100-40gb-sxm", 312 * TERA, 624 * TERA, None, "40 GB HBM2", 40 * GiB, 1555 * GB,
        "NVLink 3", 600 * GB, 32.77 / 8,
        "AWS p4d.24xlarge on-demand, $32.77/hour for 8 GPUs, us-east-1", "2023-07",
        _A100_SHEET, "2021-06", generation="ampere", tp_link_bytes_per_s=300 * GB),
    GPU("a100-80gb-sxm", 312 * TERA, 624 * TERA, None, "80 GB HBM2e", 80 * GiB, 2039 * GB,
        "NVLink 3", 600 * GB, 2.21,
        "CoreWeave list price for A100 80GB NVLink, as used by Sanger (2023)", "2023-07",
        _A100_SHEET, "2021-06", generation="ampere", tp_link_bytes_per_s=300 * GB),
    GPU("a100-80gb-pcie", 312 * TERA, 624 * TERA, None, "80 GB HBM2e", 80 * GiB, 1935 * GB,
        "PCIe 4 (NVLink bridge optional)", None, 2.21,
        "CoreWeave 2023 list price taken equal to the SXM part (assumption)", "2023-07",
        _A100_SHEET, "2021-06", generation="ampere", tp_link_bytes_per_s=32 * GB),
    GPU("h100-sxm", 989 * TERA, 1979 * TERA, 1979 * TERA, "80 GB HBM3", 80 * GiB, 3350 * GB,
        "NVLink 4", 900 * GB, 3.99, "Lambda on-demand price per GPU-hour", "2026-11",
        _H100_SHEET, "2023-03", generation="hopper", tp_link_bytes_per_s=450 * GB),
    GPU("h100-pcie", 756 * TERA, 1513 * TERA, 1513 * TERA, "80 GB HBM2e", 80 * GiB, 2000 * GB,
        "PCIe 5 (NVLink bridge optional)", None, 2.86,
        "Lambda on-demand 1x H100 PCIe, as relayed by techbytes.app", "2026-05",
        _H100_SHEET, "2023-03", generation="hopper", tp_link_bytes_per_s=64 * GB),
    GPU("h200-sxm", 989 * TERA, 1979 * TERA, 1979 * TERA, "141 GB HBM3e", 141 * GiB, 4800 * GB,
        "NVLink 4", 900 * GB, 4.54, "Spheron on-demand H200 SXM price", "2026-03",
        "NVIDIA H200 Tensor Core GPU datasheet (2024), dense figures", "2024-11",
        generation="hopper", tp_link_bytes_per_s=450 * GB),
    GPU("l4", 121 * TERA, 242 * TERA, 242 * TERA, "24 GB GDDR6", 24 * GiB, 300 * GB,
        "PCIe 4", None, 0.80, "Modal on-demand L4 price ($0.7992/hour)", "2026-05",
        "NVIDIA L4 Tensor Core GPU datasheet (2023), dense figures", "2023-03",
        generation="ada", tp_link_bytes_per_s=32 * GB),
    GPU("a10g", 70 * TERA, None, None, "24 GB GDDR6", 24 * GiB, 600 * GB,
        "PCIe 4", None, 1.006, "AWS g5.xlarge on-demand, us-east-1 (one A10G with 4 vCPUs)",
        "2023-07",
        "AWS EC2 G5 documentation; NVIDIA publishes no A10G datasheet, so the bf16 rate is an "
        "approximate secondary figure", "2021-11", generation="ampere",
        tp_link_bytes_per_s=32 * GB),
    GPU("b200", 2250 * TERA, 4500 * TERA, 4500 * TERA, "180 GB HBM3e (usable)", 180 * GiB,
        8000 * GB, "NVLink 5", 1800 * GB, 6.69, "Lambda on-demand price per GPU-hour", "2026-11",
        "NVIDIA HGX B200 specifications (2024), dense figures per GPU", "2024-03",
        generation="blackwell", tp_link_bytes_per_s=900 * GB),
]}
# fmt: on


# GPUs as other authors quoted them, so the book can reproduce their ratios exactly and show
# where they differ from the datasheet. (The source article's A100, "2 TB/s" and 80e9 bytes,
# lives in serving.deployment.SCENARIOS["article-2023"]["gpu"].) Not in GPUS: get_gpu never
# returns one.
# fmt: off
QUOTED_GPUS: dict[str, GPU] = {
    # Chen (kipp.ly, 2022): "312e12 FLOPS" over "1.5e12 bytes/s" = 208, the A100 40GB's
    # 1,555 GB/s rounded down to 1.5 TB/s.
    "kipply-2022": GPU(
        "a100-40gb-sxm (kipply-2022)", 312 * TERA, 624 * TERA, None, "40 GB HBM2", 40 * GiB,
        1500 * GB, "NVLink 3", 600 * GB, 32.77 / 8,
        "AWS p4d.24xlarge on-demand, $32.77/hour for 8 GPUs, us-east-1", "2023-07",
        "Chen, 'Transformer Inference Arithmetic', kipp.ly: bandwidth quoted as 1.5e12 B/s",
        "2022-03", generation="ampere", tp_link_bytes_per_s=300 * GB),
}
# fmt: on


# NVIDIA's headline tensor rates for Ampere and later assume 2:4 structured sparsity: in every
# group of four weights two are zero and the sparse tensor cores skip them, which doubles the
# rate (Mishra et al. 2021, "Accelerating Sparse Deep Neural Networks"). The catalog holds the
# dense rates; a headline figure is the dense one times this. An LLM's weights are not 2:4 sparse.
SPARSE_2_4_SPEEDUP = 4 / 2


def get_gpu(name_or_gpu) -> GPU:
    """A catalog GPU by name (close matches suggested), or a ``GPU`` as is. Chapter 3 uses it."""
    if isinstance(name_or_gpu, GPU):
        return name_or_gpu
    return lookup("GPU", name_or_gpu, GPUS)
