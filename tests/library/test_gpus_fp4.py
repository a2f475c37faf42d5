"""The Blackwell, Ada and AMD GPUs of issue 19: dense datasheet rates (never the 2:4-sparse
headline), memory read as its label says, Infinity Fabric per direction, and the 4-bit
floating-point formats, multiplied only where a GPU's tensor cores take them.

Sources: /work/staging/hardware/gpus.md's tables, each figure from NVIDIA's Blackwell brief
v2.1 (Tables 2 and 3), AMD's ROCm documentation and AMD's product pages; the catalog names
them per GPU.
"""

from __future__ import annotations

import pytest

import inference_math as im

TERA, GB, GiB = 1e12, 1e9, 2**30

# name: (bf16, fp8, int8, fp4 dense FLOP/s, memory bytes, bandwidth, one-way link, generation)
# fmt: off
DATASHEET = {
    "b200": (2250e12, 4500e12, 4500e12, 9000e12, 180 * GiB, 8000 * GB, 900 * GB, "blackwell"),
    "gb200": (2500e12, 5000e12, 5000e12, 10_000e12, 186 * GiB, 8000 * GB, 900 * GB, "blackwell"),
    "b300": (2250e12, 4500e12, 150e12, 14_000e12, 270 * GiB, 7700 * GB, 900 * GB, "blackwell"),
    "l40s": (362.05e12, 733e12, 733e12, None, 48 * GiB, 864 * GB, 32 * GB, "ada"),
    "mi300x": (1307.4e12, 2614.9e12, 2614.9e12, None, 192 * GiB, 5300 * GB, 448 * GB, "cdna3"),
    "mi325x": (1307.4e12, 2614.9e12, 2614.9e12, None, 256 * GiB, 6000 * GB, 448 * GB, "cdna3"),
    "mi355x": (2516.6e12, 5033e12, 5033e12, 10_066e12, 288 * GiB, 8000 * GB, 537.6 * GB,
               "cdna4"),
}
# fmt: on


@pytest.mark.parametrize("name", sorted(DATASHEET))
def test_new_gpus_carry_their_dense_datasheet_figures(name):
    bf16, fp8, int8, fp4, memory, bandwidth, link, generation = DATASHEET[name]
    g = im.get_gpu(name)
    assert (g.bf16_flops, g.fp8_flops, g.int8_ops, g.fp4_flops) == (bf16, fp8, int8, fp4)
    assert (g.memory_bytes, g.bandwidth_bytes_per_s, g.tp_link_bytes_per_s) == (
        memory,
        bandwidth,
        link,
    )
    assert g.generation == generation
    assert g.source and g.date and g.price_source and g.price_date and g.usd_per_hour > 0
    assert im.matmul_rate(g, "bf16") == bf16 and im.matmul_rate(g, "fp8") == fp8


def test_dense_is_half_the_sparse_headline_except_blackwell_ultra_fp4():
    # NVIDIA's brief prints dense/sparse pairs: B200 fp4 9/18 PF, GB200 rack 720/1,440 PF,
    # but B300 fp4 14/18 PF (not 2:1)
    assert im.get_gpu("b200").fp4_flops * im.SPARSE_2_4_SPEEDUP == 18e15
    assert im.get_gpu("gb200").fp4_flops * 72 == 720e15
    assert im.get_gpu("b300").fp4_flops == 14e15 != 18e15 / im.SPARSE_2_4_SPEEDUP
    # AMD's headline matrix figures are dense: MI300X 2,048 bf16 FLOPs per clock per CU
    assert im.get_gpu("mi300x").bf16_flops == pytest.approx(2048 * 304 * 2.1e9, rel=1e-4)


def test_fp4_runs_only_where_the_tensor_cores_take_the_format():
    assert im.matmul_rate("b200", "mxfp4") == im.matmul_rate("b200", "nvfp4") == 9e15
    assert im.matmul_rate("gb200", "nvfp4") == 10e15
    assert im.matmul_rate("mi355x", "mxfp4") == 10.066e15
    with pytest.raises(ValueError, match="mi355x has no published dense nvfp4 tensor rate"):
        im.matmul_rate("mi355x", "nvfp4")  # CDNA 4 multiplies MXFP4, not NVIDIA's format
    for name in ("a100-80gb-sxm", "h100-sxm", "h200-sxm", "l40s", "mi300x", "mi325x"):
        for dtype in ("mxfp4", "nvfp4"):
            with pytest.raises(ValueError, match=f"{name} has no published dense {dtype}"):
                im.matmul_rate(name, dtype)
    # the error lists what the GPU does multiply
    with pytest.raises(ValueError, match="allowed dtypes there: fp32, bf16, fp16, int4, fp8, int8"):
        im.matmul_rate("h100-sxm", "mxfp4")


def test_fp4_ridge_and_roofline():
    b200 = im.get_gpu("b200")
    assert im.ops_per_byte(b200, "nvfp4") == 9e15 / 8e12 == 1125
    assert im.attainable_flops(b200, 10, "mxfp4") == 10 * 8e12


def test_fp4_dtypes_carry_their_block_scales_but_int4_keeps_the_articles_half_byte():
    assert im.bytes_per_param("mxfp4") == 4.25 / 8 == 0.53125  # 4 bits + 8 per 32
    assert im.bytes_per_param("nvfp4") == 4.5 / 8 == 0.5625  # 4 bits + 8 per 16
    assert im.bytes_per_param("int4") == 0.5  # scales left out, the article's convention
    assert im.weight_bytes("llama-2-70b", "int4") == 68_976_648_192 / 2
    with pytest.raises(ValueError, match="kv_dtype 'nvfp4' is not supported"):
        im.kv_bytes_per_token("llama-2-70b", "nvfp4")
    assert im.KV_DTYPES == ("fp32", "bf16", "fp16", "fp8", "int8")


def test_amd_memory_is_read_in_gib_and_infinity_fabric_per_direction():
    mi300x = im.get_gpu("mi300x")
    assert mi300x.memory_bytes == 206_158_430_208  # 192 GiB, as ROCm's table gives it
    # seven links of 128 GB/s both ways: 896 GB/s in all, 448 GB/s one way
    assert mi300x.interconnect_bytes_per_s == 7 * 128 * GB
    assert mi300x.tp_link_bytes_per_s == mi300x.interconnect_bytes_per_s / 2
    mi355x = im.get_gpu("mi355x")
    assert mi355x.tp_link_bytes_per_s == pytest.approx(7 * 76.8 * GB)
    assert "no on-demand MI355X quote" in mi355x.price_source


def test_a_deployment_on_the_new_gpus():
    dep = im.deployment("llama-3.1-70b", "mi300x", 1)
    assert dep.peak_flops == 1307.4e12 and dep.gpu.generation == "cdna3"
    # the shares fitted to published MI300X runs (chapter 10), under its measured ceilings
    eff = im.efficiency
    assert dep.mfu == eff.PRODUCTS_MFU[("cdna3", 16)] <= eff.MATMUL_CEILING[("cdna3", 16)].share
    assert dep.mbu == eff.WEIGHTS_MBU[("cdna3", "16")] <= eff.STREAM_CEILING["cdna3"].share
    with pytest.raises(ValueError, match="mi300x has no published dense nvfp4"):
        im.deployment("llama-3.1-70b", "mi300x", 1, "nvfp4")
