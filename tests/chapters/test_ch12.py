"""Chapter 12, How closed models get cheaper: the derivations against the library, the
speculative-decoding module against hand-checked values, and the numbers the page shows."""

import math

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as ims

ARTICLE = im.SCENARIOS["article-2023"]


# ----- derivations (sympy) against the library ----------------------------------------------


def test_experts_touched_from_the_probability_an_expert_is_missed():
    E, k, B = ims.E, ims.k, ims.B
    missed_by_one = sp.combsimp(sp.binomial(E - 1, k) / sp.binomial(E, k))
    assert sp.simplify(missed_by_one - (1 - k / E)) == 0
    touched = E * (1 - missed_by_one**B)
    assert sp.simplify(touched - ims.expected_experts_touched()) == 0
    f = sp.lambdify((E, k, B), touched, "numpy")
    batches = np.arange(1, 300)
    for e, kk in [(8, 2), (64, 8), (16, 1)]:
        assert np.allclose(f(e, kk, batches), im.expected_experts_touched(e, kk, batches))


def test_expected_tokens_from_the_distribution_of_accepted_tokens():
    a, g = ims.alpha, ims.gamma
    i = sp.symbols("i", nonnegative=True, integer=True)
    pmf = a**i * (1 - a)
    assert sp.simplify(sp.summation(pmf, (i, 0, g - 1)) + a**g) == 1
    mean = sp.simplify(sp.summation((i + 1) * pmf, (i, 0, g - 1)) + (g + 1) * a**g)
    closed = next(expr for expr, cond in mean.args if cond == True)  # noqa: E712
    assert sp.simplify(closed - ims.speculative_tokens_per_step()) == 0
    f = sp.lambdify((a, g), closed, "numpy")
    alphas, gammas = np.meshgrid(np.linspace(0, 0.99, 34), np.arange(1, 17))
    assert np.allclose(f(alphas, gammas), im.expected_tokens_per_step(alphas, gammas))
    speedup = sp.lambdify((a, g, ims.c), ims.speculative_speedup(), "numpy")
    assert np.isclose(speedup(0.8, 4, 0.05), im.speculative_speedup(0.8, 4, 0.05))


# ----- the speculative module: hand-checked values --------------------------------------------


def test_expected_tokens_hand_values():
    # (1 - 0.8^5) / 0.2 = (1 - 0.32768) / 0.2
    assert im.expected_tokens_per_step(0.8, 4) == pytest.approx(3.3616, rel=1e-12)
    assert im.expected_tokens_per_step(0.5, 1) == pytest.approx(1.5, rel=1e-12)
    assert im.expected_tokens_per_step(0.0, 7) == pytest.approx(1.0)
    # near alpha = 1 it approaches gamma + 1
    assert im.expected_tokens_per_step(1 - 1e-9, 4) == pytest.approx(5.0, rel=1e-6)
    out = im.expected_tokens_per_step(np.array([0.5, 0.8]), np.array([[1], [4]]))
    assert out.shape == (2, 2)
    assert out[1, 1] == pytest.approx(3.3616)


def test_speedup_and_its_optimum_hand_values():
    assert im.speculative_speedup(0.8, 4, 0.05) == pytest.approx(3.3616 / 1.2, rel=1e-12)
    # a verification step that costs two plain steps halves the gain
    assert im.speculative_speedup(0.8, 4, 0.0, verify_cost=2.0) == pytest.approx(1.6808)
    # speed-ups for gamma = 7, 8, 9 at alpha 0.8, c 0.05: 3.0823, 3.0921, 3.0780 -> 8
    assert int(im.optimal_draft_tokens(0.8, 0.05)) == 8
    assert im.speculative_speedup(0.8, 8, 0.05) == pytest.approx(3.09208, rel=1e-5)
    assert int(im.optimal_draft_tokens(0.0, 0.05)) == 1
    grid = im.optimal_draft_tokens(np.array([0.6, 0.9]), np.array([[0.01], [0.2]]))
    assert grid.shape == (2, 2)
    assert grid[0, 1] > grid[0, 0] and grid[0, 1] > grid[1, 1]  # better or cheaper: longer


def test_flops_factor_hand_value():
    # (4 x 0.05 + 4 + 1) / 3.3616
    assert im.speculative_flops_factor(0.8, 4, 0.05) == pytest.approx(5.2 / 3.3616)
    assert im.speculative_flops_factor(0.0, 1, 0.0) == pytest.approx(2.0)  # every guess wasted


def test_verify_step_with_no_draft_is_a_decode_step():
    dep = im.deployment(scenario="article-2023")
    b = np.array([1, 8, 64, 256])
    assert np.allclose(im.verify_step_time(dep, b, 1024, 0), im.decode_step_time(dep, b, 1024))
    # batch 1: memory-bound, 5 tokens cost what 1 does: (140e9 + 1024 x 327,680) / 2.6e12 s
    one = (70e9 * 2 + 1024 * 327_680) / (2 * 2000e9 * 0.65)
    assert float(im.verify_step_time(dep, 1, 1024, 4)) == pytest.approx(one)
    # batch 64 with 4 draft tokens: 320 tokens x 140e9 FLOPs at 2 x 200e12 FLOP/s
    assert float(im.verify_step_time(dep, 64, 0, 4)) == pytest.approx(320 * 140e9 / 400e12)


def test_speculative_time_per_token_at_batch_1_matches_the_formula():
    target = im.deployment(scenario="article-2023")
    draft = im.deployment(
        "llama-2-7b",
        ARTICLE["gpu"],
        2,
        mfu=ARTICLE["mfu"],
        mbu=ARTICLE["mbu"],
        usable_memory=1.0,
        attention=False,
        step_model="article",
    )
    ctx = 1024
    c = float(im.decode_step_time(draft, 1, ctx) / im.decode_step_time(target, 1, ctx))
    # Llama-2-7B reads 13.48 GB + its 512 KiB-per-token cache; Llama-2-70B 140 GB + 320 KiB
    assert c == pytest.approx((13_476_839_424 + 1024 * 524_288) / (140e9 + 1024 * 327_680))
    s = float(
        im.decode_step_time(target, 1, ctx)
        / im.speculative_time_per_token(target, draft, 1, ctx, 0.8, 6)
    )
    assert s == pytest.approx(float(im.speculative_speedup(0.8, 6, c)), rel=1e-9)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: im.expected_tokens_per_step(1.0, 4),
            "alpha (the acceptance rate) must be in [0, 1), got 1",
        ),
        (lambda: im.expected_tokens_per_step(-0.1, 4), "must be in [0, 1), got -0.1"),
        (lambda: im.expected_tokens_per_step(float("nan"), 4), "alpha must be finite"),
        (lambda: im.expected_tokens_per_step(0.5, 0), "gamma must be positive, got 0"),
        (lambda: im.expected_tokens_per_step(0.5, 2.5), "gamma must be a whole number, got 2.5"),
        (lambda: im.expected_tokens_per_step("0.5", 2), "alpha must be a number"),
        (lambda: im.speculative_speedup(0.5, 2, -0.1), "draft_cost must not be negative"),
        (
            lambda: im.speculative_speedup(0.5, 2, 0.1, verify_cost=0),
            "verify_cost must be positive",
        ),
        (lambda: im.optimal_draft_tokens(0.5, 0.1, max_gamma=0), "gamma must be positive"),
        (lambda: im.speculative_flops_factor(0.5, 2, -1), "draft_flops_ratio must not be negative"),
        (
            lambda: im.verify_step_time(im.deployment(scenario="article-2023"), 1, 10, -1),
            "gamma must be at least 0, got -1",
        ),
    ],
)
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(
        ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        call()


# ----- the chapter's numbers from the library -----------------------------------------------


def test_quantization_batch_1_caveat():
    bf16 = im.estimate(im.deployment(scenario="article-2023"), batch=1, prompt=512, completion=512)
    int4 = im.estimate(
        im.deployment(scenario="article-2023", dtype="int4"), batch=1, prompt=512, completion=512
    )
    b1 = float(bf16["usd_per_1k_completion"])
    # 140 GB / 2.6 TB/s = 53.8 ms a token at $4.42 an hour: $0.066 per 1K, plus a little KV
    assert 140e9 / 2.6e12 * 4.42 / 3600 * 1000 == pytest.approx(0.0661, abs=5e-5)
    assert b1 == pytest.approx(0.0662, abs=5e-4)
    assert round(b1 / 4, 3) == 0.017 and round(b1 / 3, 3) == 0.022
    assert float(int4["usd_per_1k_completion"]) == pytest.approx(b1 / 4, rel=0.01)
    # int4 is weight-only: prefill runs at the bf16 rate; int8 at the A100's int8 rate
    int8 = im.estimate(
        im.deployment(scenario="article-2023", dtype="int8"), batch=1, prompt=512, completion=1
    )
    assert float(int4["usd_per_1k_prompt"]) == pytest.approx(float(bf16["usd_per_1k_prompt"]))
    assert float(int8["usd_per_1k_prompt"]) == pytest.approx(float(bf16["usd_per_1k_prompt"]) / 2)
    dep = im.deployment(scenario="article-2023", dtype="int4")
    # a quarter of the bytes at the bf16 rate: (35e9 B / 2.6e12 B/s) / (140e9 / 400e12 FLOP/s)
    assert float(im.compute_bound_batch(dep)) == pytest.approx((35e9 / 2.6e12) / (140e9 / 400e12))


def test_mixtral_bytes_read():
    m = im.get_model("mixtral-8x7b")
    assert m.params == 46_702_792_704
    assert m.active_params == 12_879_925_248
    # batch 1 reads exactly the active weights; a large batch every weight
    assert float(im.weight_bytes_read(m, "bf16", 1)) == 2 * 12_879_925_248
    assert float(im.weight_bytes_read(m, "bf16", 10_000)) == pytest.approx(2 * 46_702_792_704)
    # 8 (1 - 0.75^2) = 3.5 experts for two tokens
    assert float(im.expected_experts_touched(8, 2, 2)) == pytest.approx(3.5)
    assert math.ceil(math.log(0.01) / math.log(0.75)) == 17


def test_exercise_answers_by_hand():
    assert im.exercises.expected("ch12-experts-99") == pytest.approx(16.0078, rel=1e-4)
    # 68,976,648,192 x (4 + 20/128) / 8 bytes
    assert im.exercises.expected("ch12-int4-scales") == pytest.approx(35.8355, rel=1e-5)


# ----- the page -------------------------------------------------------------------------------


# ----- the comparison redone for today (Llama-3.3-70B and DeepSeek-V3 in fp8) ------------------

CHAT = im.get_workload("chat")
HYPERSTACK = {q.gpu: q for q in im.GPU_HOUR_QUOTES if q.provider == "Hyperstack"}
FP8 = dict(dtype="fp8", kv_dtype="fp8")
# (model, gpu): the GPUs and the attention split engines use, on one node
TODAY = {
    ("llama-3.3-70b", "h100-sxm"): (1, "tensor"),
    ("llama-3.3-70b", "h200-sxm"): (1, "tensor"),
    ("llama-3.3-70b", "b200"): (1, "tensor"),
    ("deepseek-v3", "h200-sxm"): (8, "data"),
    ("deepseek-v3", "b200"): (8, "data"),
}
CHUNKED = dict(batching="continuous", chunked_prefill=True)  # today's server
WHOLE = dict(batching="continuous", chunked_prefill=False)  # whole-prompt prefill


def _deploy(model, gpu, **change):
    n, how = TODAY[model, gpu]
    price = HYPERSTACK[gpu].usd_per_gpu_hour
    kw = dict(model=model, gpu=gpu, gpus=n, usd_per_gpu_hour=price, attention_parallelism=how)
    return {**kw, **FP8, **change}


def _chat(model, gpu, mode=CHUNKED, **change):
    return im.price_workload(CHAT, **mode, **_deploy(model, gpu, **change))


def _api(name, cached=False):
    a = im.get_api_price(name)
    p_in = a.usd_per_1k_cached_input if cached else a.usd_per_1k_input
    return (CHAT.prompt * p_in + CHAT.completion * a.usd_per_1k_output) / 1000


def test_today_gpu_prices_are_one_provider_on_one_day():
    assert {q.date for q in HYPERSTACK.values()} == {"2026-08-26"}
    assert {g: q.usd_per_gpu_hour for g, q in HYPERSTACK.items() if g != "a100-80gb-sxm"} == {
        "h100-sxm": 3.20,
        "h200-sxm": 3.99,
        "b200": 6.00,
    }


def test_nvlink_one_direction_is_half_the_two_way_total():
    a100 = im.get_gpu("a100-80gb-sxm")
    assert a100.interconnect_bytes_per_s == 600e9 and a100.tp_link_bytes_per_s == 300e9
    # a 1,536-token prompt's Llama-2-70B cache, 327,680 bytes a token, one way over 300 GB/s
    assert 1536 * 327_680 / a100.tp_link_bytes_per_s == pytest.approx(1.6777e-3, rel=1e-4)


def test_deepseek_v3_split_as_engines_split_it():
    ds = im.get_model("deepseek-v3")
    assert im.weight_bytes(ds, "fp8") == 671_026_404_352  # one byte per parameter
    assert ds.active_params == 37_552_282_624
    # MLA caches kv_lora_rank + qk_rope_head_dim = 576 numbers per layer: 61 x 576 x 2 bytes
    assert im.kv_bytes_per_token(ds, "bf16") == 61 * 576 * 2 == 70_272
    assert im.kv_bytes_per_token(ds, "fp8") == 35_136
    assert im.kv_bytes_per_token("llama-3.3-70b", "fp8") == 2 * 80 * 8 * 128 == 163_840
    # eight H100s: 8 x 80 GiB x 0.9 usable, less than the weights alone, split either way
    assert 8 * 80 * 2**30 * 0.9 == pytest.approx(618_475_290_624)
    tokens = CHAT.prompt + CHAT.completion
    # tensor parallelism: every GPU holds the whole latent cache (G copies)
    for gpu, gpus in [("h100-sxm", 16), ("h200-sxm", 8), ("b200", 4)]:
        usable = im.get_gpu(gpu).memory_bytes * 0.9
        assert 671_026_404_352 + tokens * 35_136 * gpus <= gpus * usable
        assert 671_026_404_352 + tokens * 35_136 * gpus / 2 > gpus / 2 * usable
        assert im.min_gpus(ds, gpu, **FP8, tokens=tokens) == gpus
    # 58 mixture layers x 256 experts x 3 x 7,168 x 2,048 bytes; the rest, 17.1 GB, per GPU
    experts = 58 * 256 * 3 * 7168 * 2048
    assert experts == 653_908_770_816
    dense = 671_026_404_352 - experts
    h200 = 8 * im.get_gpu("h200-sxm").memory_bytes * 0.9
    tp = im.deployment(ds, "h200-sxm", 8, **FP8)
    dp = im.deployment(ds, "h200-sxm", 8, **FP8, attention_parallelism="data")
    assert tp.kv_capacity_tokens == (h200 - 671_026_404_352) // (8 * 35_136) == 1_490_765
    assert dp.weight_bytes == 8 * dense + experts == 790_849_839_104
    assert dp.kv_capacity_tokens == (h200 - 8 * dense - experts) // 35_136 == 8_515_848
    # data-parallel attention does not fit four B200s (each its own 17.1 GB copy): eight
    b4 = im.deployment(ds, "b200", 4, **FP8, attention_parallelism="data")
    assert b4.kv_capacity_tokens == 0 and 4 * dense + experts > 4 * 0.9 * 193_273_528_320
    for m, g in TODAY:
        assert im.deployment(**_deploy(m, g)).kv_capacity_tokens >= tokens


def test_fp8_shares_are_fitted_under_their_ceilings():
    fit = im.efficiency
    hopper, blackwell = im.server_efficiency("h100-sxm", "fp8"), im.server_efficiency("b200", "fp8")
    assert im.server_efficiency("h200-sxm", "fp8") == hopper
    assert (hopper.products_mfu, hopper.weights_mbu) == (0.5238, 0.6968)
    assert (blackwell.products_mfu, blackwell.weights_mbu) == (0.5308, 0.6956)
    for g, e in (("h100-sxm", hopper), ("b200", blackwell)):
        assert e.weights_mbu <= fit.ceiling("weights_mbu", g, "fp8")
        assert e.products_mfu <= fit.ceiling("products_mfu", g, "fp8")


def test_chat_loads_under_the_targets():
    # Llama-3.3-70B on one H100: the cache. (0.9 x 80 GiB - 70,553,706,496) / 163,840 = 41,233
    # tokens; a request holds its prompt and half its 128 decode steps' tokens, 1,084.5
    assert (80 * 2**30 * 0.9 - 70_553_706_496) // 163_840 == 41_233
    assert 41_233 // (CHAT.prompt + (CHAT.completion - 1 + 1) / 2) == 38
    loads = {k: _chat(*k).batch for k in TODAY}
    assert loads == {
        ("llama-3.3-70b", "h100-sxm"): 38,
        ("llama-3.3-70b", "h200-sxm"): 74,
        ("llama-3.3-70b", "b200"): 185,
        ("deepseek-v3", "h200-sxm"): 520,
        ("deepseek-v3", "b200"): 668,
    }
    for k, b in loads.items():
        p = _chat(*k)
        assert p.ttft_s <= CHAT.ttft_target_s and p.tokens_per_s_per_sequence >= 10
        dep = im.deployment(**_deploy(*k))
        work = dict(prompt=CHAT.prompt, completion=CHAT.completion - 1, **CHUNKED)
        e = im.estimate(dep, batch=np.array([b, b + 1]), **work)
        cheaper = e["output_tokens_per_s"][1] > e["output_tokens_per_s"][0]
        ok = (e["ttft_s"][1] <= 1.0) & (e["tokens_per_s_per_sequence"][1] >= 10)
        assert not (cheaper and ok)  # one more request is no cheaper within the targets


def test_a_chat_request_splits_into_prompt_and_completion_prices():
    steps = CHAT.completion - 1
    for k in TODAY:
        dep = im.deployment(**_deploy(*k))
        # chunked: a request costs 1 / X of the deployment; a completion token t_d / B
        p = _chat(*k)
        e = im.estimate(dep, batch=p.batch, prompt=CHAT.prompt, completion=steps, **CHUNKED)
        rate = float(e["output_tokens_per_s"]) / steps
        assert p.usd_per_request == pytest.approx(dep.usd_per_second / rate, rel=1e-9)
        t_d = float(e["decode_step_s"])
        completion = dep.usd_per_second * t_d / p.batch * 1000
        assert float(e["usd_per_1k_completion"]) == pytest.approx(completion, rel=1e-9)
        split = (CHAT.prompt * e["usd_per_1k_prompt"] + steps * e["usd_per_1k_completion"]) / 1000
        assert float(split) == pytest.approx(p.usd_per_request, rel=1e-9)
        # whole prompts: X = B / (B t_p + C t_d + t_r), t_r the engine's request overhead
        w = _chat(*k, mode=WHOLE)
        t_p = float(im.prefill_time(dep, CHAT.prompt, 1))
        t_d = float(im.mean_decode_step_time(dep, w.batch, CHAT.prompt, steps))
        usd = dep.usd_per_second * (t_p + (steps * t_d + dep.request_overhead_s) / w.batch)
        assert w.usd_per_request == pytest.approx(usd, rel=1e-9)


def test_the_prefill_fixed_cost_is_not_small():
    # the generic engine: 0.1175 ms a layer x 80 layers = 9.40 ms, plus 2.20 ms a pass,
    # against a 1,020-token prefill of Llama-3.3-70B in fp8 on one B200
    dep = im.deployment("llama-3.3-70b", "b200", 1, **FP8)
    assert dep.prefill_overhead_s == pytest.approx(80 * 0.0001175)
    share = (dep.prefill_overhead_s + dep.overhead_s) / float(im.prefill_time(dep, 1020, 1))
    assert share == pytest.approx(0.160, abs=0.002)


def test_today_verdicts():
    # gpt-4o-mini: (1,020 x $0.00015 + 129 x $0.0006) / 1000
    assert _api("gpt-4o-mini") == pytest.approx(0.0002304)
    assert float(im.api_usd_per_request("gpt-4o-mini", 1020, 129)) == pytest.approx(0.0002304)
    b200 = _chat("llama-3.3-70b", "b200").usd_per_request
    assert b200 == pytest.approx(1.168756e-4, rel=1e-4)
    assert b200 / _api("gpt-4o-mini") == pytest.approx(0.507, abs=0.001)
    assert b200 / _api("together/llama-3.3-70b-instruct-turbo") == pytest.approx(0.116, abs=0.001)
    hosted = ["groq/llama-3.3-70b-versatile", "together/llama-3.3-70b-instruct-turbo"]
    for k in TODAY:
        cost = _chat(*k).usd_per_request
        if k[0] == "llama-3.3-70b":
            assert cost > _api("gpt-5-nano")  # gpt-5-nano is cheaper than Llama anywhere
            for name in [*hosted, "vercel/llama-3.3-70b", "gpt-4.1-mini"]:
                assert cost < _api(name)
    # DeepSeek-V3 on eight B200s with data-parallel attention: 29% of deepseek-chat's price of
    # 2025-02, 117% of gpt-5-nano's; prefilled whole, or under tensor parallelism on four
    # B200s (the latent cache whole on each), it costs more than deepseek-chat's and gpt-4o-mini's
    ds = _chat("deepseek-v3", "b200").usd_per_request
    assert ds == pytest.approx(1.20151e-4, rel=1e-3)
    assert ds / _api("deepseek-chat") == pytest.approx(0.288, abs=0.001)
    assert ds / _api("gpt-5-nano") == pytest.approx(1.171, abs=0.001)
    assert _chat("deepseek-v3", "b200", mode=WHOLE).usd_per_request > _api("deepseek-chat")
    tensor4 = _chat("deepseek-v3", "b200", gpus=4, attention_parallelism="tensor")
    assert tensor4.usd_per_request / ds == pytest.approx(2.49, abs=0.01)
    assert tensor4.usd_per_request > _api("gpt-4o-mini")
    # cached input at its cheapest takes gpt-4.1-nano back from Llama-3.3-70B on one B200
    assert b200 < _api("gpt-4.1-nano") and b200 > _api("gpt-4.1-nano", cached=True)


def test_api_prices_in_force_on_the_gpus_date():
    from inference_math.economics import api_dates

    day = "2026-08-26"
    for name in ["gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5-mini", "gpt-5-nano"]:
        assert api_dates.in_force_on(name, day) == "in force"
    assert api_dates.in_force_on("deepseek-chat", day) == "superseded"
    assert api_dates.in_force_on("deepseek-chat", "2025-05-01") == "unknown"
    assert api_dates.in_force_on("gpt-5-nano", "2025-01-01") == "not yet"
    assert api_dates.in_force_on("vercel/llama-3.3-70b", day) == "unknown"
    # deepseek-chat's prices period by period (api_history): on the GPUs' date, another model
    assert im.api_price_on("deepseek-chat", day).start == "2026-08-16"
    assert im.api_price_on("deepseek-chat", day).serves == "DeepSeek-V4-Flash"
    assert im.api_price_on("deepseek-chat", "2025-09-28").start == "2025-09-05"
    # the first period is the catalog's price for DeepSeek-V3
    first, catalog = im.api_periods("deepseek-chat")[0], im.get_api_price("deepseek-chat")
    assert (first.usd_per_1k_input, first.usd_per_1k_output) == (
        catalog.usd_per_1k_input,
        catalog.usd_per_1k_output,
    )
    with pytest.raises(ValueError, match="date must be an ISO date"):
        api_dates.in_force_on("gpt-5-nano", 20260826)
    with pytest.raises(ValueError, match="API price check"):
        api_dates.price_check("gpt-3.5-turbo-0613")


def test_deepseek_v3_reads_nearly_all_experts_at_chat_loads():
    ds = im.get_model("deepseek-v3")
    # 256 routed experts, 8 per token: 256 (1 - (31/32)^134) touched at batch 134
    assert float(im.expected_experts_touched(256, 8, 134)) == pytest.approx(
        256 * (1 - (31 / 32) ** 134)
    )
    share = float(im.weight_bytes_read(ds, "fp8", 134) / im.weight_bytes(ds, "fp8"))
    assert share == pytest.approx(0.98616, abs=1e-5)
    one_prompt = float(im.weight_bytes_read(ds, "fp8", CHAT.prompt) / im.weight_bytes(ds, "fp8"))
    assert one_prompt == pytest.approx(1.0, abs=1e-9)
    # with data-parallel attention each of the eight GPUs reads its own copy of the rest
    dp = im.deployment(**_deploy("deepseek-v3", "b200"))
    dense = 671_026_404_352 - 653_908_770_816
    # one token reads its 8 experts in each of 58 layers
    assert float(dp.weight_bytes_read(1)) == 8 * dense + 8 * 44_040_192 * 58 == 157_375_717_376


# ----- the frontier -----------------------------------------------------------------------------


def _fluid(dep, batch, n, c):
    """The chapter's frontier formula: t0 + max(W / beta_w, B f / F) + B e k / beta_kv + B (N / C)
    f / F; returns (tokens/s per user, tokens/s per GPU)."""
    t = dep.table
    e_bar = n + (c + 1) / 2
    step = (
        t.overhead_s
        + np.maximum(
            t.weight_bytes / t.achieved_bandwidth, batch * t.flops_per_token / t.achieved_flops
        )
        + batch * e_bar * t.kv_read_bytes_per_token / t.kv_bandwidth
        + batch * n / c * t.flops_per_token / t.achieved_flops
    )
    return 1 / step, batch / (dep.gpus * step)


@pytest.mark.parametrize("gpu", ["h100-sxm", "h200-sxm", "b200"])
@pytest.mark.parametrize("n, c", [(1024, 1024), (1024, 8192), (8192, 1024)])
def test_the_frontier_formula_follows_the_library_on_one_gpu(gpu, n, c):
    dep = im.deployment("llama-3.3-70b", gpu, 1, **FP8)
    clients = np.unique(np.geomspace(1, 2048, 56).astype(int))
    e = im.estimate(dep, batch=clients, prompt=n, completion=c, batching="continuous")
    u, x = _fluid(dep, e["admitted"], n, c)
    assert np.allclose(u, e["tokens_per_s_per_sequence"], rtol=0.1)
    assert np.allclose(x, e["output_tokens_per_s"], rtol=0.1)
    # the wall: what the cache holds, each request its prompt and half its reply
    wall = min(dep.kv_capacity_tokens // (n + (c + 1) / 2), 1024)
    assert e["admitted"].max() == wall
    assert e["queue_s"][-1] > 0 and e["queue_s"][0] == 0


def test_the_frontier_knee_and_ceiling_by_hand():
    dep = im.deployment("llama-3.3-70b", "h200-sxm", 1, **FP8)
    t = dep.table
    # knee: W / beta_w = B f / F
    knee = t.weight_bytes / t.achieved_bandwidth / (t.flops_per_token / t.achieved_flops)
    assert knee == pytest.approx(float(im.compute_bound_batch(dep)))
    assert knee == pytest.approx(157.3, abs=0.5)
    # ceiling: 1 / (f / F (1 + N / C) + e k / beta_kv) per GPU, approached from below
    n = c = 1024
    ceiling = 1 / (t.flops_per_token / t.achieved_flops * 2
                   + (n + (c + 1) / 2) * t.kv_read_bytes_per_token / t.kv_bandwidth)  # fmt: skip
    _, x = _fluid(dep, np.array([1e3, 1e5]), n, c)
    assert x[0] < x[1] < ceiling and x[1] == pytest.approx(ceiling, rel=1e-3)


def test_the_nim_frontier_against_the_model():
    from inference_math.evidence.public import load_public_measurements, scored
    from inference_math.evidence.server_fit import deployment_for

    rows = [r for r in scored(load_public_measurements())
            if r.source == "nim-llama33-70b-2025" and r.prompt == 5000]  # fmt: skip
    assert {r.batch for r in rows} == {1, 5, 25, 50, 100, 150, 200, 250}
    dep = deployment_for(rows[0])
    assert (dep.gpus, dep.engine, dep.kv_dtype) == (2, "tensorrt-llm", "fp8")
    for r in rows:
        if r.metric != "output_tokens_per_s":
            continue
        e = im.estimate(dep, batch=r.batch, prompt=5000, completion=500, batching="continuous")
        # the model is the slower, by at most a sixth
        assert 0.83 < float(e["output_tokens_per_s"]) / r.value < 1
