"""Chapter 4, the roofline: the sympy derivations equal the library, the step intensities
and ops:byte ratios are the hand-checkable numbers the chapter shows, and the page shows them."""

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

LLAMA = "llama-2-70b"
F_PER_TOKEN = 137_426_370_560  # 2 x the 68,713,185,280 weights a token multiplies by
W_BYTES = 137_953_296_384  # 2 x 68,976,648,192 parameters
KV = 327_680  # 2 x 80 layers x 8 KV heads x 128 x 2 bytes
ATTN = 4 * 80 * 64 * 128  # 2,621,440 attention FLOPs per token per context token


def test_hand_constants_match_the_library():
    assert im.flops_per_token(LLAMA) == F_PER_TOKEN
    assert im.weight_bytes(LLAMA) == W_BYTES
    assert im.kv_bytes_per_token(LLAMA) == KV
    assert im.attention_flops_per_token(LLAMA, 1) == ATTN


# ----- ops:byte: the datasheet, the article and Kipply -------------------------------------


def test_three_ops_per_byte_ratios():
    assert im.ops_per_byte("a100-80gb-sxm") == pytest.approx(312 / 2.039, rel=1e-12)
    assert round(im.ops_per_byte("a100-80gb-sxm")) == 153
    assert im.ops_per_byte(im.SCENARIOS["article-2023"]["gpu"]) == pytest.approx(156, rel=1e-12)
    kipply = im.QUOTED_GPUS["kipply-2022"]
    assert im.ops_per_byte(kipply) == pytest.approx(208, rel=1e-12)
    assert im.ops_per_byte("a100-40gb-sxm") == pytest.approx(312 / 1.555, rel=1e-12)
    assert round(im.ops_per_byte("a100-40gb-sxm")) == 201


def test_kipply_gpu_differs_from_the_catalog_only_in_bandwidth():
    import dataclasses

    kipply = im.QUOTED_GPUS["kipply-2022"]
    catalog = im.get_gpu("a100-40gb-sxm")
    differ = {
        f.name
        for f in dataclasses.fields(kipply)
        if getattr(kipply, f.name) != getattr(catalog, f.name)
    }
    assert differ == {"name", "bandwidth_bytes_per_s", "source", "date"}
    assert kipply.bandwidth_bytes_per_s == 1.5e12
    with pytest.raises(ValueError):
        im.get_gpu("kipply-2022")  # a quotation, not a catalog GPU


# ----- the roofline ---------------------------------------------------------------------------


def test_attainable_flops_slope_and_roof():
    assert im.attainable_flops("a100-80gb-sxm", 1.0) == pytest.approx(2.039e12)
    assert im.attainable_flops("a100-80gb-sxm", 1000) == 312e12
    assert im.attainable_flops("h100-sxm", 1000, "fp8") == pytest.approx(1979e12)
    ridge = im.ops_per_byte("a100-80gb-sxm")
    assert im.attainable_flops("a100-80gb-sxm", ridge) == pytest.approx(312e12, rel=1e-12)


def test_symbolic_roofline_equals_library():
    fn = sp.lambdify((s.I, s.F, s.beta), s.attainable_flops(), "numpy")
    grid = np.logspace(-2, 5, 50)
    for name in im.GPUS:
        g = im.get_gpu(name)
        assert np.allclose(
            fn(grid, g.bf16_flops, g.bandwidth_bytes_per_s),
            im.attainable_flops(g, grid),
            rtol=1e-12,
        )


def test_symbolic_matmul_intensity_equals_library():
    assert (
        sp.simplify(
            s.matmul_intensity()
            - s.matmul_flops() / (s.b_w * (s.m * s.k_mm + s.k_mm * s.n + s.m * s.n))
        )
        == 0
    )
    fn = sp.lambdify((s.m, s.n, s.k_mm, s.b_w), s.matmul_intensity(), "numpy")
    shapes = np.array(
        [(1, 28672, 8192), (512, 28672, 8192), (8192, 8192, 8192), (7, 3, 5)], dtype=float
    )
    for b in (2.0, 1.0, 4.0):
        assert np.allclose(fn(*shapes.T, b), im.matmul_intensity(*shapes.T, b), rtol=1e-12)


def test_matmul_intensity_limits_in_bf16():
    assert im.matmul_intensity(8192, 8192, 8192) == pytest.approx(8192 / 3, rel=1e-12)
    assert im.matmul_intensity(1, 28672, 8192) == pytest.approx(1.0, abs=2e-4)
    # the chapter's m*: the up projection turns compute-bound on the A100-80GB at 157 rows
    r = im.ops_per_byte("a100-80gb-sxm")
    assert im.matmul_intensity(156, 28672, 8192) < r < im.matmul_intensity(157, 28672, 8192)
    R = sp.Symbol("R", positive=True)
    m_star = sp.solve(sp.Eq(s.matmul_intensity(), R), s.m)[0]
    value = float(m_star.subs({s.n: 28672, s.k_mm: 8192, s.b_w: 2, R: r}))
    assert im.matmul_intensity(value, 28672, 8192) == pytest.approx(r, rel=1e-12)


# ----- step intensities --------------------------------------------------------------------------


def test_decode_intensity_hand_values():
    assert im.decode_intensity(LLAMA, 1, 0) == pytest.approx(F_PER_TOKEN / W_BYTES, rel=1e-12)
    expected = 64 * (F_PER_TOKEN + ATTN * 512) / (W_BYTES + 64 * 512 * KV)
    assert im.decode_intensity(LLAMA, 64, 512) == pytest.approx(expected, rel=1e-12)
    # batch without bound at 4096 tokens: one sequence's FLOPs over its cache bytes, below
    # the A100-80GB's ridge of 153, so decode at that context is always memory-bound
    limit = (F_PER_TOKEN + ATTN * 4096) / (4096 * KV)
    assert limit == 110.390625
    assert im.decode_intensity(LLAMA, 10**9, 4096) == pytest.approx(limit, rel=1e-6)
    assert im.exercises.expected("ch04-long-context-decode") == limit


def test_prefill_intensity_hand_values():
    n = 512
    expected = (n * F_PER_TOKEN + 2 * 80 * 64 * 128 * n * (n + 1)) / (W_BYTES + n * KV)
    assert im.prefill_intensity(LLAMA, n) == pytest.approx(expected, rel=1e-12)
    assert im.prefill_intensity(LLAMA, n) == pytest.approx(511.917, rel=1e-5)
    # B prompts of N tokens share one weight read, like one prompt of B N tokens (minus the
    # cross-prompt attention)
    assert im.prefill_intensity(LLAMA, 64, 8) > 7 * im.prefill_intensity(LLAMA, 64)


def test_moe_decode_at_batch_1_reads_only_its_experts():
    m = im.get_model("mixtral-8x7b")
    assert im.decode_intensity(m, 1, 0) == pytest.approx(
        im.flops_per_token(m) / (2 * m.active_params), rel=1e-12
    )
    assert im.exercises.expected("ch04-mixtral-decode") == pytest.approx(2.4175, rel=1e-4)


def test_intensity_bad_inputs():
    with pytest.raises(ValueError, match="intensity"):
        im.attainable_flops("a100-80gb-sxm", -1)
    with pytest.raises(ValueError, match="prompt"):
        im.prefill_intensity(LLAMA, 0)
    with pytest.raises(ValueError, match="batch"):
        im.decode_intensity(LLAMA, 0, 512)
    with pytest.raises(ValueError, match="context"):
        im.decode_intensity(LLAMA, 1, -1)
    with pytest.raises(ValueError, match="dtype"):
        im.decode_intensity(LLAMA, 1, 1, kv_dtype="int3")
    with pytest.raises(ValueError):
        im.attainable_flops("a10g", 10, "fp8")


def test_exercise_answers():
    # on the slope the attained share is intensity / ridge, and the H100's ridge is 989 / 3.35
    i_b1 = float(im.decode_intensity(LLAMA, 1, 512))
    assert 1 < i_b1 < 1.01  # about one FLOP per byte; attention over 512 tokens lifts it past 1
    assert im.exercises.expected("ch04-h100-ridge") == pytest.approx(i_b1 / (989 / 3.35), rel=1e-12)
    assert im.exercises.expected("ch04-square-ridge") == 460
