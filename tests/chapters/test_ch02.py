"""Chapter 2, FLOPs per token: the chapter's sympy derivations against the library, with
hand-checkable values for Llama-2-70B, and the numbers the page must show."""

import dataclasses

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

LLAMA = im.get_model("llama-2-70b")


def mm(k_in, n_out):
    """One token (m = 1) through a k_in x n_out matrix, from the library's 2mnk."""
    return s.matmul_flops().subs({s.m: 1, s.k_mm: k_in, s.n: n_out}, simultaneous=True)


def test_matmul_count_as_the_chapter_derives_it():
    m, n, k, i, j = sp.symbols("m n k i j", positive=True, integer=True)
    exact = sp.summation(sp.summation(2 * k - 1, (i, 1, m)), (j, 1, n))
    assert sp.expand(exact - m * n * (2 * k - 1)) == 0
    convention = s.matmul_flops().subs({s.m: m, s.n: n, s.k_mm: k})
    assert sp.expand(convention - 2 * m * n * k) == 0
    assert sp.simplify((convention - exact) / convention - 1 / (2 * k)) == 0


def test_per_token_sum_equals_library():
    L, d, H, K, d_h, d_ff, V = s.L, s.d, s.H, s.K, s.d_h, s.d_ff, s.V
    per_layer = mm(d, H * d_h) + 2 * mm(d, K * d_h) + mm(H * d_h, d) + 2 * mm(d, d_ff) + mm(d_ff, d)
    f = L * per_layer + mm(d, V)
    assert sp.expand(f - s.flops_per_token()) == 0
    for name in ("llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-70b", "mistral-7b"):
        m = im.get_model(name)
        assert int(f.subs(s.values(m))) == im.flops_per_token(m), name


def test_the_three_figures():
    # 2 x 70e9 (the article), 2P, and 2 x the weights a token multiplies by
    assert 2 * im.SCENARIOS["article-2023"]["params"] == 140e9
    assert 2 * LLAMA.params == 137_953_296_384
    # the library leaves out the input embedding (V d = 262,144,000) and the norm scales
    # ((2L + 1) d = 1,318,912): 2 x 263,462,912 = 526,925,824 fewer FLOPs
    assert im.flops_per_token(LLAMA) == 137_426_370_560
    assert 2 * LLAMA.params - im.flops_per_token(LLAMA) == 2 * (32000 * 8192 + 161 * 8192)


def test_attention_per_token_and_causal_prefill():
    N, i = s.N, sp.Symbol("i", positive=True, integer=True)
    attn = s.L * s.H * (mm(s.d_h, N) + mm(N, s.d_h))
    assert sp.simplify(attn - s.attention_flops_per_token()) == 0
    prefill = sp.summation(attn.subs(N, i), (i, 1, N))
    assert sp.simplify(prefill - s.prefill_attention_flops()) == 0
    assert sp.expand(prefill - 2 * s.L * s.H * s.d_h * N * (N + 1)) == 0
    # Llama-2-70B: 4 x 80 x 64 x 128 = 2,621,440 FLOPs per token of context
    assert im.attention_flops_per_token(LLAMA, 1) == 2_621_440
    assert im.prefill_attention_flops(LLAMA, 4096) == 1_310_720 * 4096 * 4097
    assert int(prefill.subs(s.values(LLAMA) | {N: 4096})) == im.prefill_attention_flops(LLAMA, 4096)


def test_share_context_solves_the_equation():
    share = sp.Symbol("s", positive=True)
    n_share = sp.solve(sp.Eq(s.attention_flops_per_token(), share * s.flops_per_token()), s.N)[0]
    value = float(n_share.subs(s.values(LLAMA) | {share: sp.Rational(1, 10)}))
    assert value == pytest.approx(im.attention_share_context(LLAMA, 0.1), rel=1e-12)
    assert im.attention_share_context(LLAMA, 0.1) == pytest.approx(5242.4, rel=1e-12)
    assert im.attention_share_context(LLAMA, 0.1) > LLAMA.max_context
    # at the full 4096-token context the scores are 7.8% of f
    share_at_context = im.attention_flops_per_token(LLAMA, 4096) / im.flops_per_token(LLAMA)
    assert share_at_context == pytest.approx(0.0781, abs=1e-4)


def test_article_width_halves_the_attention_estimate():
    d_article = im.article_claim("d_model").value
    assert d_article == 4096
    assert LLAMA.n_heads * LLAMA.head_dim == LLAMA.d_model == 2 * d_article
    assert im.exercises.expected("ch02-kaplan-term") == 4.0


def test_gqa_changes_projections_not_scores():
    mha = dataclasses.replace(LLAMA, n_kv_heads=LLAMA.n_heads)
    extra = 2 * 2 * LLAMA.n_layers * LLAMA.d_model * (64 - 8) * LLAMA.head_dim
    assert im.flops_per_token(mha) - im.flops_per_token(LLAMA) == extra
    assert np.array_equal(
        im.attention_flops_per_token(mha, [1, 4096]), im.attention_flops_per_token(LLAMA, [1, 4096])
    )


def test_prompt_that_costs_twice_2pn():
    """The hard exercise's answer: a causal prefill of Llama-3.1-8B costs 4PN FLOPs between
    65,275 and 65,276 tokens, about half its 131,072-token context."""
    m = im.get_model("llama-3.1-8b")
    n = im.exercises.expected("ch02-twice-2p")
    assert n == pytest.approx(65_275.0625, rel=1e-12)
    lo, hi = int(n), int(n) + 1
    assert im.prefill_flops(m, lo) < 4 * m.params * lo
    assert im.prefill_flops(m, hi) > 4 * m.params * hi
    assert 0.49 < n / m.max_context < 0.5
