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
TODAY = {  # (model, gpu): the fewest GPUs, a power of two, that hold it on one node
    ("llama-3.3-70b", "h100-sxm"): 1,
    ("llama-3.3-70b", "h200-sxm"): 1,
    ("llama-3.3-70b", "b200"): 1,
    ("deepseek-v3", "h200-sxm"): 8,
    ("deepseek-v3", "b200"): 4,
}


def _deploy(model, gpu):
    price = HYPERSTACK[gpu].usd_per_gpu_hour
    return dict(model=model, gpu=gpu, gpus=TODAY[model, gpu], usd_per_gpu_hour=price, **FP8)


def _chat(model, gpu, **batching):
    return im.price_workload(
        CHAT, **(batching or {"batching": "continuous"}), **_deploy(model, gpu)
    )


def test_today_gpu_prices_are_one_provider_on_one_day():
    assert {q.date for q in HYPERSTACK.values()} == {"2026-08-26"}
    assert {g: q.usd_per_gpu_hour for g, q in HYPERSTACK.items() if g != "a100-80gb-sxm"} == {
        "h100-sxm": 3.20,
        "h200-sxm": 3.99,
        "b200": 6.00,
    }


def test_deepseek_v3_in_fp8_does_not_fit_on_one_h100_node():
    ds = im.get_model("deepseek-v3")
    assert im.weight_bytes(ds, "fp8") == 671_026_404_352  # one byte per parameter
    assert ds.active_params == 37_552_282_624
    # MLA caches kv_lora_rank + qk_rope_head_dim = 576 numbers per layer: 61 x 576 x 2 bytes
    assert im.kv_bytes_per_token(ds, "bf16") == 61 * 576 * 2 == 70_272
    assert im.kv_bytes_per_token(ds, "fp8") == 35_136
    assert im.kv_bytes_per_token("llama-3.3-70b", "fp8") == 2 * 80 * 8 * 128 == 163_840
    # eight H100s: 8 x 80 GiB x 0.9 usable, less than the weights alone
    assert 8 * 80 * 2**30 * 0.9 == pytest.approx(618_475_290_624)
    tokens = CHAT.prompt + CHAT.completion
    need = 671_026_404_352 + tokens * 35_136
    for gpu, exact, rounded in [("h100-sxm", 9, 16), ("h200-sxm", 5, 8), ("b200", 4, 4)]:
        usable = im.get_gpu(gpu).memory_bytes * 0.9
        assert math.ceil(need / usable) == exact
        assert im.min_gpus(ds, gpu, **FP8, tokens=tokens, power_of_two=False) == exact
        assert im.min_gpus(ds, gpu, **FP8, tokens=tokens) == rounded
    for gpu in ("h100-sxm", "h200-sxm", "b200"):
        assert im.min_gpus("llama-3.3-70b", gpu, **FP8, tokens=tokens) == 1


def test_fp8_on_blackwell_falls_back_to_the_round_efficiencies():
    fit = im.efficiency
    assert not any(gen == "blackwell" for gen, _ in [*fit.MFU, *fit.MBU])
    assert im.server_efficiency("b200", "fp8") == (0.6, 0.6)
    assert im.server_efficiency("h100-sxm", "fp8") == (0.5305, 0.8972)
    assert im.server_efficiency("h200-sxm", "fp8") == (0.5305, 0.8972)


def test_chat_batches_under_the_targets():
    # Llama-3.3-70B on one H100: memory. (0.9 x 80 GiB - 70,553,706,496) / 163,840 = 41,233
    # tokens of cache; a request holds 1,020 + 128 of them, so 35 fit
    assert (80 * 2**30 * 0.9 - 70_553_706_496) // 163_840 == 41_233
    assert 41_233 // (CHAT.prompt + CHAT.completion - 1) == 35
    batches = {k: _chat(*k).batch for k in TODAY}
    assert batches == {
        ("llama-3.3-70b", "h100-sxm"): 35,
        ("llama-3.3-70b", "h200-sxm"): 70,
        ("llama-3.3-70b", "b200"): 143,
        ("deepseek-v3", "h200-sxm"): 207,
        ("deepseek-v3", "b200"): 134,
    }
    for k, b in batches.items():
        p = _chat(*k)
        assert p.ttft_s <= CHAT.ttft_target_s and p.tokens_per_s_per_sequence >= 10
        kw = dict(prompt=CHAT.prompt, completion=CHAT.completion, batching="continuous")
        assert im.max_feasible_batch(**kw, **_deploy(*k)) >= b
        targets = dict(ttft_target_s=1.0, tokens_per_s_target=10.0)
        assert im.max_feasible_batch(**targets, **kw, **_deploy(*k)) == b


def test_a_chat_request_splits_into_prompt_and_completion_prices():
    # continuous batching: a request pays its prefill t_p and C / B of the decode steps
    for k in TODAY:
        p = _chat(*k)
        dep = im.deployment(**_deploy(*k))
        steps = CHAT.completion - 1
        t_p = float(im.prefill_time(dep, CHAT.prompt, 1))
        t_d = float(im.mean_decode_step_time(dep, p.batch, CHAT.prompt, steps))
        usd = dep.usd_per_second * (t_p + steps * t_d / p.batch)
        assert p.usd_per_request == pytest.approx(usd, rel=1e-9)
        e = im.estimate(
            dep, batch=p.batch, prompt=CHAT.prompt, completion=steps, batching="continuous"
        )
        split = (CHAT.prompt * e["usd_per_1k_prompt"] + steps * e["usd_per_1k_completion"]) / 1000
        assert float(split) == pytest.approx(usd, rel=1e-9)


def test_today_verdicts():
    def api(name, cached=False):
        a = im.get_api_price(name)
        p_in = a.usd_per_1k_cached_input if cached else a.usd_per_1k_input
        return (CHAT.prompt * p_in + CHAT.completion * a.usd_per_1k_output) / 1000

    # gpt-4o-mini: (1,020 x $0.00015 + 129 x $0.0006) / 1000
    assert api("gpt-4o-mini") == pytest.approx(0.0002304)
    assert float(im.api_usd_per_request("gpt-4o-mini", 1020, 129)) == pytest.approx(0.0002304)
    b200 = _chat("llama-3.3-70b", "b200").usd_per_request
    assert b200 == pytest.approx(0.00015258, rel=1e-4)
    assert b200 / api("gpt-4o-mini") == pytest.approx(0.662, abs=0.001)
    assert b200 / api("groq/llama-3.3-70b-versatile") == pytest.approx(0.217, abs=0.001)
    # gpt-5-nano is cheaper than every deployment; hosted Llama dearer than every Llama
    for k in TODAY:
        cost = _chat(*k).usd_per_request
        assert cost > api("gpt-5-nano")
        if k[0] == "llama-3.3-70b":
            hosted = ["groq/llama-3.3-70b-versatile", "together/llama-3.3-70b-instruct-turbo"]
            for name in [*hosted, "vercel/llama-3.3-70b", "gpt-4.1-mini"]:
                assert im.usd_at_utilisation(cost, 0.5) < api(name)
    # with chunked prefill DeepSeek-V3 on four B200s undercuts every API price
    chunked = _chat("deepseek-v3", "b200", batching="continuous", chunked_prefill=True)
    names = ["gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5-mini", "gpt-5-nano"]
    assert all(chunked.usd_per_request < api(n) for n in [*names, "deepseek-chat"])
    assert _chat("deepseek-v3", "b200").usd_per_request > api("deepseek-chat")
    # cached input at its cheapest takes gpt-4.1-nano back from Llama-3.3-70B on one B200
    assert b200 < api("gpt-4.1-nano") and b200 > api("gpt-4.1-nano", cached=True)


def test_deepseek_v3_reads_nearly_all_experts_at_chat_batches():
    ds = im.get_model("deepseek-v3")
    # 256 routed experts, 8 per token: 256 (1 - (31/32)^134) touched at batch 134
    assert float(im.expected_experts_touched(256, 8, 134)) == pytest.approx(
        256 * (1 - (31 / 32) ** 134)
    )
    share = float(im.weight_bytes_read(ds, "fp8", 134) / im.weight_bytes(ds, "fp8"))
    assert share == pytest.approx(0.98616, abs=1e-5)
    one_prompt = float(im.weight_bytes_read(ds, "fp8", CHAT.prompt) / im.weight_bytes(ds, "fp8"))
    assert one_prompt == pytest.approx(1.0, abs=1e-9)
