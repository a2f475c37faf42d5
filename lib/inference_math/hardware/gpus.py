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
every datasheet uses it. AMD's ROCm specification table gives VRAM in GiB outright (an
MI300X's "192 GB" is 192 GiB), so AMD labels are read the same way.

4-bit floating point (``fp4_flops``) runs on Blackwell and CDNA 4 only. Blackwell's tensor
cores multiply both MXFP4 and NVFP4 at the one fp4 rate; CDNA 4 (MI355X) multiplies MXFP4
(and MXFP6) but has no NVFP4, so ``fp4_formats`` lists what each GPU multiplies. NVIDIA's
fp4 figures for Blackwell Ultra (B300) are the exception to "sparse is twice dense": its
brief gives 14 PF dense and 18 PF sparse.

AMD's Infinity Fabric joins the eight GPUs of a node all to all, seven links per GPU
(MI300X: 64 GB/s each way per link, 896 GB/s both ways over all seven); the catalog's
``tp_link_bytes_per_s`` is the sum over the seven links one way, which a ring all-reduce over
all eight GPUs can use (RCCL runs several rings at once). Two or four GPUs of a node reach
each other over fewer links: tensor parallelism at 2 on an MI300X has one link, 64 GB/s.
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
    # Dense 4-bit floating-point tensor FLOP/s (None: no fp4 tensor cores), and which of the
    # library's fp4 dtypes the GPU multiplies at that rate (chapter 4).
    fp4_flops: float | None = None
    fp4_formats: tuple = ()

    @property
    def ops_per_byte(self) -> float:
        """Dense bf16 FLOP/s over peak bandwidth: the arithmetic intensity of the ridge."""
        return self.bf16_flops / self.bandwidth_bytes_per_s


_BRIEF = "NVIDIA Blackwell Architecture Technical Brief v2.1"
_ROCM_SPECS = "AMD ROCm documentation, 'Accelerator and GPU hardware specifications' (VRAM in GiB)"
_MLE = "stas00/ml-engineering compute/accelerator/README.md @ 7bc7c30 (cites AMD's product page)"
_BOTH_FP4 = ("mxfp4", "nvfp4")
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
    # fp4: the Blackwell brief's Table 3 gives 9 PF dense (18 PF sparse) per HGX B200 GPU.
    GPU("b200", 2250 * TERA, 4500 * TERA, 4500 * TERA, "180 GB HBM3e (usable)", 180 * GiB,
        8000 * GB, "NVLink 5", 1800 * GB, 6.69, "Lambda on-demand price per GPU-hour", "2026-11",
        "NVIDIA HGX B200 specifications (2024), dense figures per GPU", "2024-03",
        generation="blackwell", tp_link_bytes_per_s=900 * GB, fp4_flops=9000 * TERA,
        fp4_formats=_BOTH_FP4),
    # One GPU of a GB200 NVL72 rack: the rack's dense rates over 72. It runs at a higher power
    # limit than an HGX B200 (1,200 W against 1,000 W), hence 2.5 PF bf16 against 2.25.
    GPU("gb200", 2500 * TERA, 5000 * TERA, 5000 * TERA,
        "186 GB HBM3e per GPU (NVIDIA's MIG table; 192 GB physical)", 186 * GiB, 8000 * GB,
        "NVLink 5 (72-GPU NVLink Switch domain)", 1800 * GB, 10.50,
        "CoreWeave GB200 NVL72 on-demand, $42.00/hour per 4-GPU instance (api-evangelist "
        "transcription of coreweave.com/pricing)", "2026-09-20",
        _BRIEF + ", Table 2: GB200 NVL72 rack dense FP4 720 PF, FP8 360 PF, BF16 180 PF, "
        "per GPU / 72; 576 TB/s HBM per rack / 72", "2025",
        generation="blackwell", tp_link_bytes_per_s=900 * GB, fp4_flops=10_000 * TERA,
        fp4_formats=_BOTH_FP4),
    # Blackwell Ultra: fp4 dense 14 PF, not half the 18 PF sparse; int8 cut to 0.15 POPS.
    GPU("b300", 2250 * TERA, 150 * TERA, 4500 * TERA,
        "270 GB HBM3e per GPU (NVIDIA's brief, Table 3; 288 GB marketed)", 270 * GiB,
        7700 * GB, "NVLink 5", 1800 * GB, 7.89,
        "RunPod B300 secure-cloud pod, on-demand (api-evangelist transcription of "
        "runpod.io/pricing)", "2026-10-07",
        _BRIEF + ", Table 3 (HGX B300 per GPU): FP4 14/18 PF dense/sparse, FP8 4.5, INT8 "
        "0.15 POPS, BF16 2.25 PF dense, 7.7 TB/s", "2025",
        generation="blackwell", tp_link_bytes_per_s=900 * GB, fp4_flops=14_000 * TERA,
        fp4_formats=_BOTH_FP4),
    GPU("l40s", 362.05 * TERA, 733 * TERA, 733 * TERA, "48 GB GDDR6 (ECC)", 48 * GiB,
        864 * GB, "PCIe 4 (no NVLink)", None, 1.55,
        "Nebius L40S (Intel CPU) on-demand (api-evangelist transcription of nebius.com/prices)",
        "2026-10-07",
        "NVIDIA L40S datasheet (2023): 733 TFLOP/s fp8 and 1,466 with sparsity; dense bf16 "
        "362.05 (as ml-engineering's table gives it)", "2023-08",
        generation="ada", tp_link_bytes_per_s=32 * GB),
    GPU("mi300x", 1307.4 * TERA, 2614.9 * TERA, 2614.9 * TERA,
        "192 GB HBM3 (192 GiB in ROCm's table)", 192 * GiB, 5300 * GB,
        "AMD Infinity Fabric (xGMI), 7 links, all to all in an 8-GPU node", 896 * GB, 2.59,
        "DigitalOcean MI300X (1x) list price via its API, as recorded in the "
        "tokenwatt/gpu-cloud-prices dataset", "2026-10-07",
        "AMD ROCm documentation, 'AMD Instinct MI300 series microarchitecture', peak dense "
        "matrix rates (2,100 MHz x 304 CUs), 5.3 TB/s, seven Infinity Fabric links; "
        + _ROCM_SPECS + "; 128 GB/s per link both ways (ROCm/rccl issue 1210)", "2025-01",
        generation="cdna3", tp_link_bytes_per_s=448 * GB),
    GPU("mi325x", 1307.4 * TERA, 2614.9 * TERA, 2614.9 * TERA,
        "256 GB HBM3E (256 GiB in ROCm's table)", 256 * GiB, 6000 * GB,
        "AMD Infinity Fabric (xGMI), 7 links as on the MI300X (assumed)", 896 * GB, 1.95,
        "TensorWave MI325X on-demand, as relayed by a cliffcenter.com research note "
        "(2026-05-18); no MI325X quote in the book's gathered price sources", "2026-05",
        "AMD Instinct MI325X product page via " + _MLE + " (the MI300X's compute, 6 TB/s); "
        + _ROCM_SPECS, "2024-10",
        generation="cdna3", tp_link_bytes_per_s=448 * GB),
    GPU("mi355x", 2516.6 * TERA, 5033 * TERA, 5033 * TERA,
        "288 GB HBM3E (288 GiB in ROCm's table)", 288 * GiB, 8000 * GB,
        "AMD Infinity Fabric (4th generation), 7 links, all to all in an 8-GPU node",
        1075.2 * GB, 6.69,
        "no on-demand MI355X quote was found (the book's price sources, a search); the "
        "catalog B200's Lambda price stands in, the GPU AMD sets it against (assumption)",
        "2026-09-20",
        "AMD Instinct MI355X product page via " + _MLE + ", dense (AMD's own sparse figures "
        "are twice these): 2.5 PF bf16, 5.0 PF fp8, 10.1 PF MXFP4; 76.8 GB/s each way per "
        "link (vllm-project/vllm PR 39080); " + _ROCM_SPECS, "2025-06",
        generation="cdna4", tp_link_bytes_per_s=537.6 * GB, fp4_flops=10_066 * TERA,
        fp4_formats=("mxfp4",)),
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
