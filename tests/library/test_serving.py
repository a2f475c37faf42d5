"""The serving model, and the source article's figures reproduced from its assumptions."""

import warnings

import numpy as np
import pytest

import inference_math as im

ARTICLE = "article-2023"


def est(**kw):
    return {
        k: np.asarray(v).item() if np.ndim(v) == 0 else v
        for k, v in im.estimate(im.deployment(scenario=ARTICLE), **kw).items()
    }


def test_article_prompt_cost_and_rate():
    r = est(batch=1, prompt=2048, completion=1)
    tokens_per_s = 2048 / r["ttft_s"]
    assert tokens_per_s == pytest.approx(2857, rel=1e-3)  # "2.86K tokens/s"
    # The article prints $0.00042, having rounded $4.42/hour to $0.0012/s; the unrounded
    # figure is $0.000430.
    assert r["usd_per_1k_prompt"] == pytest.approx(0.00042, rel=0.03)
    assert r["usd_per_1k_prompt"] == pytest.approx(4.42 / 3600 / 2857.142857 * 1000, rel=1e-6)


def test_article_prompt_latencies():
    r = im.estimate(
        im.deployment(scenario=ARTICLE), batch=1, prompt=np.array([512, 1536]), completion=1
    )
    assert r["ttft_s"][0] == pytest.approx(0.1792)  # article: "about 170 ms"
    assert r["ttft_s"][1] == pytest.approx(0.5376)  # article: "about 530 ms"


def test_article_decode_batch_1():
    r = est(batch=1, prompt=0, completion=1)
    assert r["tokens_per_s_per_sequence"] == pytest.approx(18.6, abs=0.05)
    assert r["usd_per_1k_completion"] == pytest.approx(0.066, rel=0.01)
    assert r["decode_bound"] == "memory"


def test_article_decode_batch_8_and_32():
    r8 = est(batch=8, prompt=0, completion=1)
    r32 = est(batch=32, prompt=0, completion=1)
    assert r8["usd_per_1k_completion"] == pytest.approx(0.00825, rel=0.01)  # "about $0.0083"
    assert r32["usd_per_1k_completion"] == pytest.approx(0.00206, rel=0.01)


def test_article_ttft_batch_64_on_8_gpus():
    r = im.estimate(
        im.deployment(scenario=ARTICLE, gpus=8),
        batch=64,
        prompt=np.array([512, 3596]),
        completion=1,
    )
    assert r["ttft_s"][0] == pytest.approx(2.8672)  # "almost 3 s": 64 x 512 x 140e9 / 1.6e15
    assert r["ttft_s"][1] == pytest.approx(20.1, abs=0.05)
    two = est(batch=64, prompt=512, completion=1)
    assert two["ttft_s"] == pytest.approx(4 * 2.8672)  # on 2 GPUs it would be 11.5 s


def test_article_kv_memory():
    r = est(batch=1, prompt=4095, completion=1)
    assert r["kv_bytes_per_token"] * 4096 == pytest.approx(1.342e9, rel=1e-3)  # "about 1.3 GB"
    assert r["weight_bytes"] == 140e9
    assert r["kv_capacity_tokens"] == (160e9 - 140e9) // 327_680


def test_explicit_options_override_scenario():
    r = im.estimate(
        im.deployment(scenario=ARTICLE, gpus=8, usd_per_gpu_hour=1.0),
        batch=1,
        prompt=512,
        completion=1,
    )
    assert float(r["ttft_s"]) == pytest.approx(0.1792 / 4)
    assert float(r["usd_per_1k_prompt"]) == pytest.approx(0.1792 / 4 * 8 / 3600 / 0.512)


def test_default_deployment_numbers():
    r = im.estimate(
        im.deployment("llama-2-70b", "a100-80gb-sxm", 2), batch=16, prompt=512, completion=512
    )
    assert float(r["params"]) == 68_976_648_192
    assert float(r["weight_bytes"]) == 137_953_296_384
    assert float(r["kv_bytes_per_token"]) == 327_680
    cap = (2 * 80 * 2**30 * 0.9 - 137_953_296_384) // 327_680
    assert float(r["kv_capacity_tokens"]) == cap
    assert bool(r["fits"])
    assert set(r) == set(im.ESTIMATE_KEYS)


def test_prompt_zero_and_completion_zero():
    r = im.estimate(
        im.deployment("llama-2-70b", "a100-80gb-sxm", 2), batch=4, prompt=0, completion=100
    )
    assert np.isnan(r["usd_per_1k_prompt"])
    assert float(r["ttft_s"]) > 0
    r = im.estimate(
        im.deployment("llama-2-70b", "a100-80gb-sxm", 2), batch=4, prompt=100, completion=0
    )
    assert np.isnan(r["usd_per_1k_completion"])
    assert np.isnan(r["tokens_per_s_per_sequence"]) and np.isnan(r["decode_step_s"])
    assert float(r["completion_s"]) == 0


def test_not_fitting_is_a_result_not_an_error():
    r = im.estimate(
        im.deployment("llama-2-70b", "a100-80gb-sxm", 1), batch=1, prompt=512, completion=512
    )
    assert not bool(r["fits"])
    assert float(r["kv_capacity_tokens"]) == 0
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 1)
    msg = im.fit_problem(dep, 1, 512, 512)
    assert "137.95 GB" in msg and "77.31 GB" in msg
    r = im.estimate(
        im.deployment("llama-2-70b", "a100-80gb-sxm", 2), batch=64, prompt=4096, completion=0
    )
    assert not bool(r["fits"])
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 2)
    assert "KV cache for 262,144 tokens" in im.fit_problem(dep, 64, 4096, 0)


def test_context_warning():
    with pytest.warns(im.ContextLengthWarning, match="4,096"):
        im.estimate(im.deployment("llama-2-70b", "a100-80gb-sxm", 2), prompt=7584, completion=512)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        im.estimate(im.deployment("llama-2-70b", "a100-80gb-sxm", 2), prompt=3584, completion=512)


def brute_force_mean_step(dep, batch, prompt, completion):
    steps = [float(im.decode_step_time(dep, batch, prompt + j)) for j in range(1, completion + 1)]
    return sum(steps) / len(steps)


@pytest.mark.parametrize(
    "batch,prompt,completion",
    [(1, 0, 1), (1, 512, 512), (64, 3000, 700), (400, 10, 300), (256, 0, 2000)],
)
def test_mean_decode_step_equals_loop(batch, prompt, completion):
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 8)
    got = float(im.mean_decode_step_time(dep, batch, prompt, completion))
    assert got == pytest.approx(brute_force_mean_step(dep, batch, prompt, completion), rel=1e-12)


def test_compute_bound_batch():
    dep = im.deployment(scenario=ARTICLE)
    b = float(im.compute_bound_batch(dep, 0))
    # weights / bandwidth = B x FLOPs / FLOP/s -> B = 140e9 x 400e12 / (2.6e12 x 140e9)
    assert b == pytest.approx(400 / 2.6)
    step_below = im.decode_step_time(dep, np.floor(b), 0)
    mem = 140e9 / (2 * 1.3e12)
    assert float(step_below) == pytest.approx(mem)
    # at a long context the KV reads outgrow the compute: never compute-bound
    assert np.isinf(
        im.compute_bound_batch(im.deployment("llama-2-70b", "a100-80gb-sxm", 2), 100_000)
    )


def test_compute_bound_prompt():
    dep = im.deployment(scenario=ARTICLE)
    assert float(im.compute_bound_prompt(dep)) == pytest.approx(400 / 2.6)


def test_moe_decode_is_cheaper_than_its_size_at_batch_one():
    # the article's step model: bytes and FLOPs only, no fixed costs to blur the ratio
    mix = im.deployment("mixtral-8x7b", "a100-80gb-sxm", 2, step_model="article")
    dense = im.deployment("llama-2-70b", "a100-80gb-sxm", 2, step_model="article")
    assert float(im.decode_step_time(mix, 1, 1)) < 0.3 * float(im.decode_step_time(dense, 1, 1))


def test_broadcasting_grid():
    b = np.array([1, 8, 64])[:, None]
    n = np.array([128, 512, 2048, 3840])[None, :]
    r = im.estimate(
        im.deployment("llama-2-70b", "a100-80gb-sxm", 8), batch=b, prompt=n, completion=256
    )
    for k in im.ESTIMATE_KEYS:
        assert r[k].shape == (3, 4), k
    one = im.estimate(
        im.deployment("llama-2-70b", "a100-80gb-sxm", 8), batch=8, prompt=2048, completion=256
    )
    for k in im.ESTIMATE_KEYS:
        a, s = r[k][1, 2], one[k]
        assert (a == s) if k in ("decode_bound", "fits") else np.isclose(a, s, equal_nan=True)


def test_scenario_keeps_catalog_untouched():
    im.deployment(scenario=ARTICLE)
    assert im.get_gpu("a100-80gb-sxm").bandwidth_bytes_per_s == 2.039e12


def test_scenario_with_another_model_drops_the_rounded_count():
    dep = im.deployment(scenario=ARTICLE, model="mixtral-8x7b")
    assert dep.params_override is None and dep.model.name == "mixtral-8x7b"
    assert dep.params == 46_702_792_704
    assert float(dep.mfu) == pytest.approx(200 / 312)  # the rest of the scenario stays
    assert im.deployment(scenario=ARTICLE, model="llama-2-70b").params == 70e9
    assert im.deployment(scenario=ARTICLE, model="mixtral-8x7b", params=4e10).params == 4e10
