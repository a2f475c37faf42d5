"""inference_math.economics.breakeven (prompt and completion cost on a deployment, the
break-even batch) and the dated API latency observations in inference_math.economics.prices.
Hand-checkable values from the source article's assumptions: 140e9 bytes and FLOPs per
token, 2 x A100 at 200 TFLOP/s and 1.3 TB/s each, $4.42 per hour for the pair."""

import math

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

ARTICLE = im.deployment(scenario="article-2023")
PER_S = 4.42 / 3600  # USD per second for two GPUs
KV = 327_680  # bytes per cached token, Llama-2-70B in bf16
READ = 2 * 1.3e12  # achieved bytes/s, two GPUs
RATE = 2 * 200e12  # achieved FLOP/s, two GPUs
GPT35_OUT = 0.002


def test_prompt_cost_is_flops_at_the_price_of_a_second():
    # 140e9 FLOPs per token at 400e12 FLOP/s: 2857.14 tokens/s; $0.000430 per 1K
    assert float(im.usd_per_1k_prompt(ARTICLE, 2048)) == pytest.approx(
        PER_S * 140e9 / RATE * 1000, rel=1e-12
    )
    assert float(im.usd_per_1k_prompt(ARTICLE, 2048)) == pytest.approx(0.00042972, rel=1e-4)


def test_short_prompt_pays_for_the_weight_read():
    # one token, batch 1: a read of 140e9 bytes at 2.6e12 B/s, all for one token
    assert float(im.usd_per_1k_prompt(ARTICLE, 1)) == pytest.approx(
        140e9 / READ * PER_S * 1000, rel=1e-12
    )
    # batch 8 of 8 tokens shares it among 64 tokens, still memory-bound
    assert float(im.usd_per_1k_prompt(ARTICLE, 8, 8)) == pytest.approx(
        140e9 / READ * PER_S * 1000 / 64, rel=1e-12
    )


def test_prompt_and_completion_cost_equal_estimate():
    for dep in [ARTICLE, im.deployment("llama-2-70b", "h100-sxm", 2)]:
        b, n, c = np.meshgrid([1, 7, 64], [1, 100, 3000], [1, 96], indexing="ij")
        r = im.estimate(dep, batch=b, prompt=n, completion=c)
        assert np.allclose(im.usd_per_1k_prompt(dep, n, b), r["usd_per_1k_prompt"], rtol=1e-12)
        assert np.allclose(
            im.usd_per_1k_completion(dep, b, n, c), r["usd_per_1k_completion"], rtol=1e-12
        )


def test_completion_cost_batch_one_is_the_articles_066():
    # one step attends to one cached token: (140e9 + 327,680) bytes at 2.6e12 B/s
    expected = (140e9 + KV) / READ * PER_S * 1000
    assert float(im.usd_per_1k_completion(ARTICLE, 1)) == pytest.approx(expected, rel=1e-12)
    assert round(expected, 3) == 0.066


def test_break_even_batch_against_gpt35():
    assert float(im.break_even_batch(ARTICLE, GPT35_OUT)) == 34
    assert float(im.usd_per_1k_completion(ARTICLE, 33)) > GPT35_OUT
    assert float(im.usd_per_1k_completion(ARTICLE, 34)) <= GPT35_OUT
    # gpt-3.5-turbo-0125's $0.0015: 0.0661 / 0.0015 = 44.07, so 45
    assert float(im.break_even_batch(ARTICLE, 0.0015)) == 45


def test_break_even_batch_matches_a_linear_scan():
    batches = np.arange(1, 3001)
    for prompt, completion in [(0, 1), (256, 256), (2048, 2048), (1000, 37)]:
        costs = im.usd_per_1k_completion(ARTICLE, batches, prompt, completion)
        for price in [0.05, 0.01, 0.002, 0.001, 0.0007]:
            found = float(im.break_even_batch(ARTICLE, price, prompt, completion))
            ok = batches[costs <= price]
            if ok.size:
                assert found == ok[0], (prompt, completion, price)
            else:
                assert found > batches[-1]


def test_break_even_batch_is_inf_below_the_floor():
    # The compute floor equals the prompt price, $0.000430: a cheaper API cannot be matched.
    assert math.isinf(float(im.break_even_batch(ARTICLE, 0.0004)))
    assert math.isinf(float(im.break_even_batch(ARTICLE, 0.0)))
    # At 4096 tokens of context the cache read floor is 4096 x 327,680 / 2.6e12 s per token.
    kv_floor = 4096 * KV / READ * PER_S * 1000  # $0.000634
    assert float(im.completion_cost_floor(ARTICLE, 4095, 1)) == pytest.approx(kv_floor, rel=1e-12)
    assert math.isinf(float(im.break_even_batch(ARTICLE, kv_floor * 0.999, 4095, 1)))
    assert math.isfinite(float(im.break_even_batch(ARTICLE, kv_floor * 1.01, 4095, 1)))


def test_floor_is_compute_at_short_context_and_costs_fall_towards_it():
    compute_floor = 140e9 / RATE * PER_S * 1000
    assert float(im.completion_cost_floor(ARTICLE)) == pytest.approx(compute_floor, rel=1e-12)
    # up to the largest batch the library prices (core.checks.MAX_BATCH)
    b = np.unique(np.geomspace(1, 2**20, 200).round())
    for n, c in [(0, 1), (2048, 2048)]:
        cost = im.usd_per_1k_completion(ARTICLE, b, n, c)
        assert np.all(np.diff(cost) <= 1e-18)  # never rises with the batch
        floor = float(im.completion_cost_floor(ARTICLE, n, c))
        assert np.all(cost >= floor * (1 - 1e-12))
        assert cost[-1] == pytest.approx(floor, rel=1e-3)


def test_break_even_batch_equals_the_symbolic_formula_when_memory_bound():
    expr = s.break_even_batch_memory_bound()
    sub = s.values(dep=ARTICLE)  # the article's 70e9 parameters, 2 TB/s, MBU 0.65
    for price in [0.01, 0.002, 0.0015]:
        for context in [1, 512, 2048]:
            b_star = float(expr.subs(sub | {s.p_API: price, s.N: context}))
            assert math.ceil(b_star) == float(im.break_even_batch(ARTICLE, price, context - 1, 1))


def test_break_even_batch_broadcasts_and_does_not_depend_on_gpus():
    out = im.break_even_batch(ARTICLE, [0.002, 0.0015, 0.0004], [[0], [2048]], [[1], [2048]])
    assert out.shape == (2, 3)
    assert out[0, 0] == 34 and math.isinf(out[0, 2])
    eight = im.deployment(scenario="article-2023", gpus=[2, 4, 8])
    assert np.array_equal(im.break_even_batch(eight, GPT35_OUT, 3600, 496), [48.0, 48.0, 48.0])
    # MFU 0.1 raises the compute floor to $0.00276, above the API: no batch breaks even
    low = im.deployment(scenario="article-2023", mfu=[0.1, 0.5])
    assert np.isinf(im.break_even_batch(low, GPT35_OUT))[0]
    assert float(im.break_even_batch(low, GPT35_OUT)[1]) == 34


def test_break_even_batch_int8_and_free_gpus():
    int8 = im.deployment(scenario="article-2023", dtype="int8")  # 70e9 bytes a step
    assert float(im.break_even_batch(int8, GPT35_OUT)) == 17  # 0.0331 / 0.002 = 16.5
    free = im.deployment(scenario="article-2023", usd_per_gpu_hour=0)
    assert float(im.break_even_batch(free, GPT35_OUT)) == 1


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: im.break_even_batch(ARTICLE, -0.002), "api_usd_per_1k must not be negative"),
        (lambda: im.break_even_batch(ARTICLE, 0.002, 0, 0), "completion must be positive"),
        (lambda: im.break_even_batch(ARTICLE, 0.002, -1, 1), "prompt must be at least 0"),
        (lambda: im.usd_per_1k_prompt(ARTICLE, 0), "prompt must be positive"),
        (lambda: im.usd_per_1k_completion(ARTICLE, 2.5), "batch must be a whole number"),
        (lambda: im.completion_cost_floor(ARTICLE, 0, 0), "completion must be positive"),
    ],
)
def test_bad_input_names_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_api_latency_observation_is_dated_and_sourced():
    seen = im.get_api_latency(im.ARTICLE_API)
    assert (seen.tokens_per_s, seen.ttft_s, seen.ttft_prompt_tokens) == (70.0, 0.4, 3600)
    assert seen.date == "2023-07" and "Sanger" in seen.source
    assert seen.name in im.API_PRICES
    with pytest.raises(ValueError, match="unknown API latency observation"):
        im.get_api_latency("gpt-5")


def test_symbolic_prompt_cost_cancels_gpus_and_equals_library():
    expr = s.usd_per_1k_prompt_compute_bound(2 * s.P)
    assert sp.diff(expr, s.G) == 0
    for gpu, price in [("a100-80gb-sxm", 2.21), ("h100-sxm", 3.99), ("h200-sxm", 4.54)]:
        dep = im.deployment(scenario="article-2023", gpu=gpu, usd_per_gpu_hour=price)
        value = float(
            expr.subs({s.P: 70e9, s.c_h: price, s.F: im.matmul_rate(gpu), s.MFU: 200 / 312})
        )
        assert float(im.usd_per_1k_prompt(dep, 2048)) == pytest.approx(value, rel=1e-12)
