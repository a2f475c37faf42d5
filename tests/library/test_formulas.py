import math

import numpy as np
import pytest

import inference_math as im
from inference_math import units


def test_kv_bytes_per_token_llama_2_70b():
    assert im.kv_bytes_per_token("llama-2-70b", "bf16") == 327_680
    assert im.kv_bytes_per_token("llama-2-70b", "bf16") == 320 * units.KiB


def test_kv_uses_kv_heads_not_query_heads():
    import dataclasses

    m = im.get_model("llama-2-70b")
    mha = dataclasses.replace(m, n_kv_heads=64)
    mqa = dataclasses.replace(m, n_kv_heads=1)
    assert im.kv_bytes_per_token(mha) == 2_621_440 == 8 * 327_680
    assert im.kv_bytes_per_token(mqa) == 40_960


def test_kv_bytes_scale_with_dtype():
    assert im.kv_bytes_per_token("llama-2-70b", "int8") == 163_840
    assert im.kv_bytes_per_token("llama-2-7b", "bf16") == 524_288


@pytest.mark.parametrize(
    "dtype,expected",
    [
        ("fp32", 275_906_592_768),
        ("bf16", 137_953_296_384),
        ("fp16", 137_953_296_384),
        ("int8", 68_976_648_192),
        ("fp8", 68_976_648_192),
        ("int4", 34_488_324_096),
    ],
)
def test_weight_bytes(dtype, expected):
    assert im.weight_bytes("llama-2-70b", dtype) == expected


def test_weights_in_gb_and_gib():
    b = im.weight_bytes("llama-2-70b", "bf16")
    assert units.fmt_bytes(b, "GB", decimals=2) == "137.95 GB"
    assert units.fmt_bytes(b, "GiB", decimals=1) == "128.5 GiB"


def test_flops_per_token():
    # 2 x weights multiplied: attention, FFN and LM head (not the embedding lookup, not norms)
    assert im.flops_per_token("llama-2-70b") == 2 * 68_713_185_280
    assert im.flops_per_token("mixtral-8x7b") == 2 * 12_748_587_008


def test_attention_flops():
    # 4 L H d_h per token of context for Llama-2-70B: 4 x 80 x 64 x 128
    assert im.attention_flops_per_token("llama-2-70b", 1) == 2_621_440
    assert im.attention_flops_per_token("llama-2-70b", 4096) == 2_621_440 * 4096
    # causal prefill: sum of 1..N
    n = 512
    assert im.prefill_attention_flops("llama-2-70b", n) == 2_621_440 * n * (n + 1) / 2


def test_attention_share_context():
    n = im.attention_share_context("llama-2-70b", 0.1)
    assert im.attention_flops_per_token("llama-2-70b", n) == pytest.approx(
        0.1 * im.flops_per_token("llama-2-70b")
    )
    assert 5000 < n < 5500


def test_expected_experts_touched():
    assert im.expected_experts_touched(8, 2, 1) == pytest.approx(2)
    assert im.expected_experts_touched(8, 2, 2) == pytest.approx(8 * (1 - 0.75**2))
    assert im.expected_experts_touched(8, 2, 1000) == pytest.approx(8)


def test_moe_reads_fewer_weights_at_batch_one():
    m = im.get_model("mixtral-8x7b")
    one = im.weight_bytes_read(m, "bf16", 1)
    assert one == pytest.approx(2 * m.active_params)
    assert im.weight_bytes_read(m, "bf16", 10_000) == pytest.approx(2 * m.params)


def test_matmul_intensity():
    # a square bf16 product of n: 2n^3 / (2 x 3n^2) = n/3
    assert im.matmul_intensity(3000, 3000, 3000) == pytest.approx(1000)
    # a matrix-vector product has intensity about 1 in bf16
    assert im.matmul_intensity(1, 8192, 8192) == pytest.approx(1, rel=1e-3)


def test_ops_per_byte():
    assert im.ops_per_byte("a100-80gb-sxm") == pytest.approx(312 / 2.039)
    assert round(im.ops_per_byte("a100-80gb-sxm")) == 153
    assert im.ops_per_byte("h100-sxm", "fp8") == pytest.approx(1979 / 3.35)


def test_gpu_catalog():
    g = im.get_gpu("a100-80gb-sxm")
    assert g.bf16_flops == 312e12 and g.bandwidth_bytes_per_s == 2.039e12
    assert g.memory_bytes == 80 * 2**30 == 85_899_345_920
    assert g.usd_per_hour == 2.21
    assert set(im.GPUS) == {
        "a100-40gb-sxm",
        "a100-80gb-sxm",
        "a100-80gb-pcie",
        "h100-sxm",
        "h100-pcie",
        "h200-sxm",
        "l4",
        "a10g",
        "b200",
        "gb200",
        "b300",
        "l40s",
        "mi300x",
        "mi325x",
        "mi355x",
    }
    for g in im.GPUS.values():
        assert g.source and g.date and g.price_source and g.price_date, g.name
        assert g.bf16_flops < 3e15  # dense, never the 2:4-sparse headline


def test_api_prices():
    p = im.get_api_price("gpt-3.5-turbo-0613")
    assert (p.usd_per_1k_input, p.usd_per_1k_output) == (0.0015, 0.002)
    assert im.get_api_price("gpt-3.5-turbo-0125").usd_per_1k_input == 0.0005
    assert im.get_api_price("gpt-4o-mini").usd_per_1k_output == 0.0006
    for p in im.API_PRICES.values():
        assert p.date and p.source


def test_matmul_rate_by_dtype():
    assert im.matmul_rate("a100-80gb-sxm", "int4") == 312e12  # weight-only
    assert im.matmul_rate("a100-80gb-sxm", "int8") == 624e12
    assert im.matmul_rate("a100-80gb-sxm", "fp32") == 156e12  # TF32
    with pytest.raises(ValueError, match="fp8"):
        im.matmul_rate("a100-80gb-sxm", "fp8")
    assert math.isclose(im.matmul_rate("h100-sxm", "fp8"), 1979e12)


def test_units_formatting():
    assert units.fmt_sig(0.00042972, 2) == "0.00043"
    assert units.fmt_sig(2867.2, 3) == "2,870"
    assert units.fmt_seconds(0.1792) == "179 ms"
    assert units.fmt_seconds(2.8672) == "2.87 s"
    assert units.fmt_usd(2.21) == "$2.2"
    assert units.fmt_usd(2.21, 3) == "$2.21"
    assert units.fmt_si(1.4e11, "FLOP", "G") == "140 GFLOP"
    assert units.fmt_bytes(327_680, "KiB") == "320 KiB"
    assert units.fmt_bytes(327_680, "KB") == "328 KB"
    assert units.fmt_int(68_976_648_192) == "68,976,648,192"
    assert units.fmt_percent(0.0737) == "7.4%"
    # a ratio off one by less than the digits shown still says which side of one it is on
    assert units.fmt_ratio(3.5) == "3.5×" and units.fmt_ratio(1.0) == "1.0×"
    assert units.fmt_ratio(1.026) == "1.03×" and units.fmt_ratio(0.996) == "0.996×"
    assert units.fmt_ratio(1.0004) == "1.0004×"
    with pytest.raises(ValueError):
        units.fmt_bytes(1, "kb")
    assert np.isnan(float("nan")) and units.fmt_sig(float("nan")) == "n/a"
