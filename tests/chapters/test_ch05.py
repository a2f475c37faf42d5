"""Chapter 5, prefill: the sympy prefill time and compute-bound prompt length equal the
library, the article's prompt latencies are what its assumptions give, and the page shows
them."""

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

ARTICLE = im.deployment(scenario="article-2023")
REAL = im.deployment("llama-2-70b", "a100-80gb-sxm", 2, step_model="article")
f = sp.Symbol("f", positive=True)
ARGS = (f, s.L, s.H, s.d_h, s.N, s.B, s.G, s.F, s.MFU, s.P, s.b_w, s.beta, s.MBU)
PREFILL = sp.lambdify(ARGS, s.prefill_time(flops_per_tok=f), "numpy")


def symbolic_prefill(dep, n, b=1):
    m = dep.model
    heads = m.n_heads if dep.attention else 0  # the article counts no attention scores
    return PREFILL(
        dep.flops_per_token,
        m.n_layers,
        heads,
        m.head_dim,
        n,
        b,
        float(dep.gpus),
        dep.gpu.bf16_flops,
        float(dep.mfu),
        dep.params,
        im.bytes_per_param(dep.dtype),
        dep.gpu.bandwidth_bytes_per_s,
        float(dep.mbu),
    )


@pytest.mark.parametrize("dep", [ARTICLE, REAL], ids=["article", "real"])
def test_symbolic_prefill_equals_library(dep):
    n = np.array([1, 16, 100, 153, 154, 512, 1536, 4096])
    for b in (1, 3, 64):
        assert np.allclose(symbolic_prefill(dep, n, b), im.prefill_time(dep, n, b), rtol=1e-12)


def test_article_prompt_latencies_and_rate():
    # 512 x 140e9 / (2 x 200e12) = 179.2 ms; the article says "about 170 ms" and "530 ms"
    assert im.prefill_time(ARTICLE, [512, 1536]) == pytest.approx([0.1792, 0.5376], rel=1e-12)
    assert 1536 / im.prefill_time(ARTICLE, 1536) == pytest.approx(400e12 / 140e9, rel=1e-12)
    # the floor: 140 GB of weights at 2 x 1.3 TB/s
    assert im.prefill_time(ARTICLE, 1) == pytest.approx(140e9 / 2.6e12, rel=1e-12)


def test_real_architecture_prompt_latencies():
    # f = 137,426,370,560 FLOPs per token plus causal attention 2 L H d_h N (N + 1), on
    # 2 x 312e12 x 0.6 FLOP/s
    for n in (512, 1536):
        flops = n * 137_426_370_560 + 2 * 80 * 64 * 128 * n * (n + 1)
        assert im.prefill_time(REAL, n) == pytest.approx(flops / (2 * 312e12 * 0.6), rel=1e-12)
    assert float(im.prefill_time(REAL, 512)) == pytest.approx(0.18885, rel=1e-4)
    assert float(im.prefill_time(REAL, 1536)) == pytest.approx(0.57207, rel=1e-4)


def test_symbolic_compute_bound_prompt_equals_library():
    n_star = s.compute_bound_prompt(flops_per_tok=f)
    by_hand = sp.solve(
        sp.Eq(s.N * f / (s.G * s.F * s.MFU), s.P * s.b_w / (s.G * s.beta * s.MBU)), s.N
    )[0]
    assert sp.simplify(n_star - by_hand) == 0
    assert sp.simplify(n_star - s.ops_per_byte() * s.MFU / s.MBU * s.P * s.b_w / f) == 0
    fn = sp.lambdify((f, s.F, s.MFU, s.P, s.b_w, s.beta, s.MBU), n_star, "numpy")
    for dep in (ARTICLE, REAL, im.deployment("llama-2-70b", "h100-sxm", 4, mfu=0.5, mbu=0.8)):
        value = fn(
            dep.flops_per_token,
            dep.gpu.bf16_flops,
            float(dep.mfu),
            dep.params,
            im.bytes_per_param(dep.dtype),
            dep.gpu.bandwidth_bytes_per_s,
            float(dep.mbu),
        )
        assert value == pytest.approx(float(im.compute_bound_prompt(dep)), rel=1e-12)


def test_compute_bound_prompt_hand_values():
    # the article: 156 x (200/312) / (1.3/2) x (140e9 / 140e9) = 200 / 1.3
    assert float(im.compute_bound_prompt(ARTICLE)) == pytest.approx(2000 / 13, rel=1e-12)
    # the datasheet A100 at MFU = MBU: ops:byte x bytes of weights / FLOPs per token
    expected = 312 / 2.039 * 137_953_296_384 / 137_426_370_560
    assert float(im.compute_bound_prompt(REAL)) == pytest.approx(expected, rel=1e-12)
    assert im.exercises.expected("ch05-batched-crossover") == pytest.approx(2000 / 13 / 8)


def test_short_prompt_uses_mfu_scaled_by_length():
    # memory-bound: the share of peak is MFU x N / N*
    expected = 200 / 312 * 32 / (2000 / 13)
    assert im.exercises.expected("ch05-short-prompt-mfu") == pytest.approx(expected, rel=1e-12)


def test_prompt_cost_exercise():
    h100 = im.deployment("llama-2-70b", "h100-sxm", 2, step_model="article")
    t = float(im.prefill_time(h100, 1536))
    expected = t * 2 * 3.99 / 3600 / 1.536
    assert im.exercises.expected("ch05-h100-cost") == pytest.approx(expected, rel=1e-12)
