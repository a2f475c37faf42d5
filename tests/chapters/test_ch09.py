"""Chapter 9, Completion tokens are dear: the sympy cost and break-even batch against the
library, the chapter's numbers by hand, and what the built page must show."""

import math

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

ARTICLE = im.deployment(scenario="article-2023")
ARTICLE8 = im.deployment(scenario="article-2023", gpus=8)
GPT35_OUT = im.get_api_price(im.ARTICLE_API).usd_per_1k_output
DOC = "chapters/09-completion-tokens-dear"
KV = 327_680


def chapter_cost():
    step = (s.P * s.b_w + s.B * s.N * s.kv_bytes_per_token()) / (s.G * s.beta * s.MBU)
    return sp.cancel(step * s.G * s.c_h / 3600 / (s.B / 1000))


def test_derivation_equals_symbolic_module():
    per_1k = chapter_cost()
    assert sp.cancel(per_1k - s.usd_per_1k_completion_memory_bound()) == 0
    assert sp.diff(per_1k, s.G) == 0
    b_even = sp.solve(sp.Eq(per_1k, s.p_API), s.B)[0]
    assert sp.cancel(b_even - s.break_even_batch_memory_bound()) == 0


@pytest.mark.parametrize("gpus", [2, 8])
def test_derivation_equals_library(gpus):
    dep = im.deployment(scenario="article-2023", gpus=gpus)
    fn = sp.lambdify((s.B, s.N), chapter_cost().subs(s.values(dep=dep)))
    b, n = np.meshgrid([1, 8, 34, 100], [1, 512, 2048, 4096])
    assert np.allclose(fn(b, n), im.usd_per_1k_completion(dep, b, n - 1, 1), rtol=1e-12)


def test_article_numbers():
    b1 = float(im.usd_per_1k_completion(ARTICLE, 1))
    assert b1 == pytest.approx((140e9 + KV) / 2.6e12 * 4.42 / 3600 * 1000, rel=1e-12)
    assert im.units.fmt_usd(b1, 2) == "$0.066"
    assert 1 / float(im.mean_decode_step_time(ARTICLE, 1, 0, 1)) == pytest.approx(18.57, abs=0.01)
    # the article's printed batch-8 and batch-32 figures: its rounded $0.066 over the batch
    assert im.units.fmt_usd(0.066 / 8, 3) == "$0.00825"
    assert im.units.fmt_usd(0.066 / 32, 3) == "$0.00206"
    assert float(im.break_even_batch(ARTICLE, GPT35_OUT)) == 34
    assert float(im.usd_per_1k_completion(ARTICLE, 33)) == pytest.approx(0.0020035, rel=1e-4)


def test_fit_table():
    lengths = np.array([512, 1024, 4096])
    even = im.break_even_batch(ARTICLE, GPT35_OUT, lengths // 2, lengths // 2)
    assert even.tolist() == [35, 36, 44]
    assert np.array_equal(
        even, im.break_even_batch(ARTICLE8, GPT35_OUT, lengths // 2, lengths // 2)
    )
    # (160e9 - 140e9) / 327,680 = 61,035 tokens; (640e9 - 140e9) / 327,680 = 1,525,878
    assert float(ARTICLE.kv_capacity_tokens) == 61_035
    assert float(ARTICLE8.kv_capacity_tokens) == 1_525_878
    assert im.max_batch(ARTICLE, lengths).tolist() == [119, 59, 14]
    assert im.max_batch(ARTICLE8, lengths).tolist() == [2980, 1490, 372]


def test_latency_at_the_break_even_batch():
    seen = im.get_api_latency(im.ARTICLE_API)
    n, c = seen.ttft_prompt_tokens, 4096 - seen.ttft_prompt_tokens
    b = float(im.break_even_batch(ARTICLE, GPT35_OUT, n, c))
    assert b == 48
    # the whole batch's prompts prefilled at once, compute-bound: 48 x 3600 x 140e9 FLOPs
    assert float(im.prefill_time(ARTICLE8, n, b)) == pytest.approx(48 * 3600 * 140e9 / 1.6e15)
    assert float(im.prefill_time(ARTICLE, n, b)) == pytest.approx(48 * 3600 * 140e9 / 4e14)
    # mean context over the completion: 3600 + (496 + 1) / 2 tokens read per sequence per step
    step8 = (140e9 + 48 * (3600 + 248.5) * KV) / (8 * 1.3e12)
    assert 1 / float(im.mean_decode_step_time(ARTICLE8, b, n, c)) == pytest.approx(1 / step8)
    assert b > float(im.max_batch(ARTICLE, 4096)) and b <= float(im.max_batch(ARTICLE8, 4096))


def test_exercise_answers():
    assert im.exercises.expected("ch09-eight-gpus") == 372
    assert im.exercises.expected("ch09-int8") == 17
    assert im.exercises.expected("ch09-kv-floor") == pytest.approx(
        4096 * KV / 2.6e12 * 4.42 / 3600 * 1000, rel=1e-12
    )
    floor = sp.limit(chapter_cost(), s.B, sp.oo)
    assert float(floor.subs(s.values(dep=ARTICLE) | {s.N: 4096})) == pytest.approx(
        im.exercises.expected("ch09-kv-floor"), rel=1e-12
    )
    full = (140e9 + 14 * (2048 + 1024.5) * KV) / 2.6e12 * 4.42 / 3600 * 1000 / 14
    assert im.exercises.expected("ch09-full-batch") == pytest.approx(full, rel=1e-12)
    assert not math.isinf(im.exercises.expected("ch09-full-batch"))


def test_today_s_server_chunks_prefill_under_continuous_batching():
    """Section 'Continuous batching': at the break-even batch (48) of 3,600 + 496 tokens on
    eight A100s, the per-op model chunks prompts by default (2,048 tokens a step on A100s)."""
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 8)
    assert dep.table.budget == 2048
    kw = dict(batch=48, prompt=3600, completion=496, batching="continuous")
    chunked = im.estimate(dep, **kw)
    whole = im.estimate(dep, chunked_prefill=False, **kw)
    assert float(chunked["ttft_s"]) == pytest.approx(0.6161, rel=1e-3)
    assert float(whole["ttft_s"]) == pytest.approx(1.6219, rel=1e-3)
    assert float(chunked["admitted"]) == 48 and float(chunked["queue_s"]) == 0
    # the static batch's first token includes the request's own handling, 26.5 ms
    static = im.estimate(dep, batch=48, prompt=3600, completion=496)
    assert dep.request_overhead_s == 0.02652
    assert float(static["ttft_s"]) == pytest.approx(25.380, rel=1e-3)
    # the price per completion token does not depend on the batching
    assert float(static["usd_per_1k_completion"]) == pytest.approx(
        float(chunked["usd_per_1k_completion"]), rel=1e-9
    )
