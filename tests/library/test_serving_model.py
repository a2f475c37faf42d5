"""The server as it runs today: per-op steps, tensor-parallel all-reduces, continuous
batching. Exact values by hand, and the properties the model must keep."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import inference_math as im
from inference_math.serving.batching import continuous_batch, offline_batch, static_batch
from inference_math.serving.steps import allreduce_time, weight_products_time

LLAMA = im.get_model("llama-2-70b")
KV = 327_680
W = 137_953_296_384  # Llama-2-70B's bf16 weight bytes


def per_op(gpus=2, gpu="a100-80gb-sxm", **kw):
    # vLLM's scheduler, with round constants and no request overhead
    settings = dict(mfu=0.5, mbu=0.8, overhead_s=1e-3, prefill_overhead_s=5e-3,
                    allreduce_latency_s=20e-6, engine="vllm", request_overhead_s=0.0)  # fmt: skip
    return im.deployment(LLAMA, gpu, gpus, **(settings | kw))


def test_per_op_is_the_default_for_catalog_deployments_and_article_for_the_scenario():
    assert im.deployment(LLAMA, "h100-sxm", 2).step_model == "per-op"
    article = im.deployment(scenario="article-2023")
    assert article.step_model == "article"
    assert article.overhead_s == article.prefill_overhead_s == article.allreduce_latency_s == 0


def test_allreduce_time_by_hand():
    dep = per_op(engine="gpt-fast")
    # NCCL's ring (gpt-fast): two all-reduces per layer, each 20 us plus 2 (G - 1) / G of
    # tokens x d x 2 bytes over one direction of NVLink 3 (300 GB/s) at 0.8 of it
    one = 20e-6 + 2 * (1 / 2) * 8192 * 2 / (0.8 * 300e9)
    assert float(allreduce_time(dep, 1)) == pytest.approx(2 * 80 * one, rel=1e-12)
    assert float(allreduce_time(per_op(gpus=1), 1)) == 0.0
    eight = 20e-6 + 2 * (7 / 8) * 64 * 8192 * 2 / (0.8 * 300e9)
    ring8 = per_op(gpus=8, engine="gpt-fast")
    assert float(allreduce_time(ring8, 64)) == pytest.approx(2 * 80 * eight, rel=1e-12)


def test_an_engine_s_own_all_reduce_kernels_by_hand():
    # vLLM on 8 A100s: one token's 16 KiB goes one-shot (8 us, every GPU reads the 7 others)
    dep = per_op(gpus=8, engine="vllm")
    one_shot = 8e-6 + 7 * 8192 * 2 / 300e9
    assert float(allreduce_time(dep, 1)) == pytest.approx(2 * 80 * one_shot, rel=1e-12)
    # 64 tokens, 1 MiB: two shots (reduce-scatter, all-gather) beat one shot and the ring
    data = 64 * 8192 * 2
    two_shot = 2 * 8e-6 + 2 * 7 / 8 * data / 300e9
    assert two_shot < 8e-6 + 7 * data / 300e9 and two_shot < 20e-6 + 2 * 7 / 8 * data / 240e9
    assert float(allreduce_time(dep, 64)) == pytest.approx(2 * 80 * two_shot, rel=1e-12)
    # 4,096 tokens, 64 MiB: past the custom kernels' 8 MiB, NCCL's ring
    ring = 20e-6 + 2 * 7 / 8 * 4096 * 8192 * 2 / (0.8 * 300e9)
    assert float(allreduce_time(dep, 4096)) == pytest.approx(2 * 80 * ring, rel=1e-12)


def test_per_op_decode_step_by_hand():
    dep = per_op()
    read = W / (2 * 2.039e12 * 0.8)
    attention = 1 * 1000 * KV / (2 * 2.039e12 * 0.8)  # the cache's reads beat its FLOPs here
    comm = float(allreduce_time(dep, 1))
    step = float(im.decode_step_time(dep, 1, 1000))
    assert step == pytest.approx(1e-3 + read + attention + comm, rel=1e-12)
    # the article's model hides the cache reads inside one max with the weights
    article = im.deployment(LLAMA, "a100-80gb-sxm", 2, mfu=0.5, mbu=0.8, step_model="article")
    assert float(im.decode_step_time(article, 1, 1000)) == pytest.approx(read + attention)


def test_per_op_prefill_by_hand():
    dep = per_op()
    n = 2048
    flops = n * im.flops_per_token(LLAMA) / (2 * 312e12 * 0.5)
    attention = n * 4 * 80 * 64 * 128 * (n + 1) / 2 / (2 * 312e12 * 0.5)
    expected = 1e-3 + 5e-3 + max(flops, W / (2 * 2.039e12 * 0.8)) + attention
    expected += float(allreduce_time(dep, n))
    assert float(im.prefill_time(dep, n)) == pytest.approx(expected, rel=1e-12)


def test_mean_decode_step_is_the_mean_of_the_steps():
    dep = per_op()
    steps = [float(im.decode_step_time(dep, 8, 300 + j)) for j in range(1, 101)]
    assert float(im.mean_decode_step_time(dep, 8, 300, 100)) == pytest.approx(np.mean(steps))


def test_continuous_batching_by_little_s_law():
    dep = per_op(gpus=8)
    r = continuous_batch(dep, 32, 1020, 129, chunked_prefill=False)
    t_request = r["ttft_s"] + r["completion_s"]
    # batch = X T: the deployment finishes batch / T requests a second, each of C tokens
    assert r["output_tokens_per_s"] * t_request / 129 == pytest.approx(32)
    # every deployment-second is charged to some request's prompt or completion
    per_request = 32 / (r["output_tokens_per_s"] / 129) / 32
    assert r["prompt_gpu_s"] + r["completion_gpu_s"] == pytest.approx(per_request)
    # each of the other 31 requests' prefills stalls this one's decoding once per cycle
    prefill = float(im.prefill_time(dep, 1020))
    stall = prefill * 31 / 32
    step = float(im.mean_decode_step_time(dep, 32, 1020, 129))
    itl = step * t_request / (t_request - 32 * stall)
    assert r["itl_s"] == pytest.approx(itl, rel=1e-9)


@pytest.mark.parametrize("step_model", ["article", "per-op"])
def test_continuous_equals_static_at_batch_1_with_no_prompt(step_model):
    dep = im.deployment(LLAMA, "h100-sxm", 2, step_model=step_model)
    a = static_batch(dep, 1, 0, 256)
    b = continuous_batch(dep, 1, 0, 256)
    for key in ("ttft_s", "itl_s", "decode_step_s", "completion_s", "output_tokens_per_s"):
        assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-12), key


def test_chunked_prefill_fills_the_decode_steps():
    dep = per_op(gpus=8, engine="vllm")
    plain = continuous_batch(dep, 16, 1020, 129, chunked_prefill=False)
    chunked = continuous_batch(dep, 16, 1020, 129, chunked_prefill=True)
    assert chunked["itl_s"] < plain["itl_s"]  # no pass stops for a prefill
    assert chunked["output_tokens_per_s"] > plain["output_tokens_per_s"]


models = st.sampled_from(["llama-2-7b", "llama-2-70b", "llama-3.1-8b", "mixtral-8x7b"])
gpus_ = st.sampled_from(["a100-80gb-sxm", "h100-sxm", "h200-sxm", "b200", "l4"])


@pytest.mark.slow  # a property search over continuous batching's solver
@given(models, gpus_, st.sampled_from([1, 2, 4, 8]), st.integers(1, 256), st.integers(0, 4096),
       st.integers(1, 1024), st.booleans())  # fmt: skip
def test_itl_never_below_the_static_decode_step(model, gpu, g, batch, prompt, completion, chunk):
    dep = im.deployment(model, gpu, g)
    # where the batch fits: beyond it fewer are admitted, and each step is shorter
    assume(float(dep.kv_capacity_tokens) >= batch * (prompt + completion))
    # whole prompts: every admitted request decodes in every step, and prefills only stall
    # them; chunked: a step may carry fewer decoders (some wait for their first token), but
    # never fewer than one
    floor = static_batch(dep, 1 if chunk else batch, prompt, completion)["decode_step_s"]
    cont = continuous_batch(dep, batch, prompt, completion, chunked_prefill=chunk)
    assert cont["itl_s"] >= floor * (1 - 1e-12)
    assert cont["ttft_s"] > 0 and np.isfinite(cont["output_tokens_per_s"])


@given(models, gpus_, st.integers(1, 64), st.integers(1, 4096))
def test_more_gpus_never_raise_a_latency_s_compute_part(model, gpu, batch, prompt):
    compute = []
    for g in (1, 2, 4, 8):
        dep = im.deployment(model, gpu, g)
        tokens = batch * prompt
        products = tokens * dep.flops_per_token / dep.achieved_flops
        total = float(im.prefill_time(dep, prompt, batch))
        overhead = dep.overhead_s + dep.prefill_overhead_s + float(allreduce_time(dep, tokens))
        compute.append((products, total - overhead))
    for (p1, t1), (p2, t2) in zip(compute, compute[1:]):
        assert p2 <= p1 and t2 <= t1 * (1 + 1e-12)


def test_weight_products_take_the_slower_of_reading_and_computing():
    dep = per_op()
    assert float(weight_products_time(dep, 1)) == pytest.approx(W / (2 * 2.039e12 * 0.8))
    many = 100_000
    flops = many * im.flops_per_token(LLAMA) / (2 * 312e12 * 0.5)
    assert float(weight_products_time(dep, many)) == pytest.approx(flops)


def test_estimate_reports_both_modes():
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 2)
    static = im.estimate(dep, batch=8, prompt=1020, completion=129)
    cont = im.estimate(dep, batch=8, prompt=1020, completion=129, batching="continuous")
    assert set(static) == set(cont) == set(im.ESTIMATE_KEYS)
    assert float(static["itl_s"]) == float(static["decode_step_s"])
    assert float(cont["ttft_s"]) < float(static["ttft_s"])  # waits for its own prefill only
    chat = im.estimate(dep, "chat", batch=8, batching="continuous")  # the same as a workload
    assert float(chat["itl_s"]) == float(cont["itl_s"])


def test_the_article_scenario_keeps_its_figures():
    r = im.estimate(
        im.deployment(scenario="article-2023", gpus=8), batch=64, prompt=512, completion=1
    )
    assert float(r["ttft_s"]) == pytest.approx(64 * 512 * 140e9 / 1.6e15)


@pytest.mark.parametrize("kwargs,message", [
    (dict(batching="dynamic"), "unknown batching 'dynamic'"),
    (dict(chunked_prefill=True), "chunked_prefill needs batching='continuous'"),
    (dict(chunked_prefill="yes", batching="continuous"), "chunked_prefill must be True or False"),
])  # fmt: skip
def test_bad_serving_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        im.estimate(im.deployment("llama-2-70b", "a100-80gb-sxm", 2), **kwargs)


def test_bad_deployment_choices_are_refused():
    with pytest.raises(ValueError, match="unknown step_model 'roofline'"):
        im.deployment("llama-2-70b", "a100-80gb-sxm", 2, step_model="roofline")
    article = im.deployment("llama-2-70b", "a100-80gb-sxm", 2, step_model="article")
    with pytest.raises(ValueError, match="chunked_prefill needs step_model='per-op'"):
        im.estimate(article, chunked_prefill=True, batching="continuous")
    with pytest.raises(ValueError, match="deployment has no choice 'gpu_count'"):
        im.deployment("llama-2-70b", "a100-80gb-sxm", gpu_count=2)


def test_estimate_takes_a_deployment_and_a_workload():
    with pytest.raises(ValueError, match="estimate takes a Deployment"):
        im.estimate("llama-2-70b")
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 2)
    with pytest.raises(ValueError, match="give a workload or prompt and completion, not both"):
        im.estimate(dep, "chat", prompt=100)
    with pytest.raises(ValueError, match="unknown workload 'chatting'"):
        im.estimate(dep, "chatting")
    with pytest.raises(TypeError):
        im.estimate(dep, gpus=4)  # a deployment's choice is not estimate's


def test_a_continuous_batch_beyond_the_cache_is_admitted_in_part_and_the_rest_wait():
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 2)
    r = im.estimate(dep, batch=64, prompt=4000, completion=96, batching="continuous")
    # each request holds its prompt and half its completion, 4,048.5 tokens on average
    slots = np.floor(float(dep.kv_capacity_tokens) / 4048.5)
    assert float(r["admitted"]) == slots < 64
    # Little's law on the closed loop: the 64 - A others wait (64 - A) / X for a slot
    service = float(r["ttft_s"] - r["queue_s"] + r["completion_s"])
    assert float(r["queue_s"]) == pytest.approx((64 - slots) * service / slots, rel=1e-12)
    assert bool(r["fits"])  # one request fits: continuous batching serves them all in turn
    static = im.estimate(dep, batch=64, prompt=4000, completion=96)
    assert not bool(static["fits"])  # a static batch of 64 needs every cache at once


def test_an_offline_run_that_fits_is_a_static_batch_prefilled_in_order():
    dep = per_op(gpus=8, request_overhead_s=0.03)
    w, n, c = 16, 2000, 200
    r, s = offline_batch(dep, w, n, c), static_batch(dep, w, n, c)
    assert set(s) < set(r) and set(r) - set(s) == {"elapsed_s"}
    assert float(r["admitted"]) == w and float(r["queue_s"]) == 0
    prefill = float(s["ttft_s"]) - 0.03  # all 16 prompts
    # the k-th prompt's first token after k/16 of the prefill: (16 + 1) / 32 of it on average
    assert float(r["ttft_s"]) == pytest.approx(0.03 + prefill * 17 / 32, rel=1e-12)
    # the run ends when the static batch would; each request, on average, then too
    assert float(r["elapsed_s"]) == pytest.approx(float(s["ttft_s"] + s["completion_s"]))
    e2e = r["ttft_s"] + r["completion_s"]
    assert float(e2e) == pytest.approx(float(r["elapsed_s"]), rel=1e-12)
    assert float(r["output_tokens_per_s"]) == pytest.approx(float(s["output_tokens_per_s"]))
    # one request alone is a static batch of one
    one, alone = offline_batch(dep, 1, n, c), static_batch(dep, 1, n, c)
    assert float(one["ttft_s"]) == pytest.approx(float(alone["ttft_s"]), rel=1e-12)
    assert float(one["itl_s"]) == pytest.approx(float(alone["itl_s"]), rel=1e-12)


def test_an_offline_run_beyond_the_cache_runs_full_until_the_backlog_is_gone():
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 2)
    w, n, c = 200, 4000, 96
    r = offline_batch(dep, w, n, c)
    a = float(r["admitted"])
    assert a < w
    full = continuous_batch(dep, a, n, c)  # a clients: the server full
    rate = float(full["output_tokens_per_s"]) / c
    assert float(r["elapsed_s"]) == pytest.approx(w / rate, rel=1e-12)
    # the j-th request waits (j - A) / X for a slot
    wait = sum(max(j - a, 0) for j in range(1, w + 1)) / w / rate
    assert float(r["queue_s"]) == pytest.approx(wait, rel=1e-12)
    assert float(r["ttft_s"]) == pytest.approx(float(full["ttft_s"]) + wait, rel=1e-12)
    # with no completion the rate is still the full server's requests a second
    prompts_only = offline_batch(dep, w, n, 0)
    served = continuous_batch(dep, float(prompts_only["admitted"]), n, 0)
    per_s = float(prompts_only["admitted"]) / float(served["ttft_s"])
    assert float(prompts_only["elapsed_s"]) == pytest.approx(w / per_s, rel=1e-12)


def test_a_scheduler_that_polls_every_n_steps_delays_each_first_token_n_minus_1_halves():
    dep = per_op(gpus=8, gpu="h100-sxm")
    every = continuous_batch(dep, 32, 1000, 500)
    polled = continuous_batch(dep, 32, 1000, 500, recv_interval=31)
    step = float(every["decode_step_s"])
    assert float(polled["ttft_s"] - every["ttft_s"]) == pytest.approx(15 * step, rel=1e-9)
    # the same clients keep fewer requests decoding: Little's law on the longer service
    service = every["ttft_s"] + every["completion_s"]
    assert float(polled["output_tokens_per_s"]) < float(every["output_tokens_per_s"])
    assert float(polled["output_tokens_per_s"] * (polled["ttft_s"] + polled["completion_s"])
                 ) == pytest.approx(float(every["output_tokens_per_s"] * service))  # fmt: skip


def test_the_symbolic_per_op_step_equals_the_library():
    import sympy as sp

    import inference_math.symbolic as s

    for g in (2, 8):  # on one GPU there is no all-reduce, and the library adds none
        # the formula's shares: one MFU and one MBU for every term; NCCL's ring (gpt-fast)
        dep = im.deployment(LLAMA, "h100-sxm", g, mfu=0.55, mbu=0.7, engine="gpt-fast")
        step = s.per_op_decode_step().subs(s.values(dep=dep))
        fn = sp.lambdify((s.B, s.N), step, "numpy")
        for b, n in [(1, 0), (1, 4096), (64, 512), (512, 16)]:
            assert float(fn(b, n)) == pytest.approx(float(im.decode_step_time(dep, b, n)))


def test_the_symbolic_steady_state_equals_the_library():
    import inference_math.symbolic as s

    dep = per_op(gpus=8)
    b, n, c = 24, 1500, 200
    t_p = float(im.prefill_time(dep, n))
    t_d = float(im.mean_decode_step_time(dep, b, n, c))
    sub = {s.B: b, s.C: c, s.t_p: t_p, s.t_d: t_d}
    r = continuous_batch(dep, b, n, c, chunked_prefill=False)
    assert float(s.continuous_rate().subs(sub)) * c == pytest.approx(r["output_tokens_per_s"])
    stretch = float(s.continuous_stretch().subs(sub))
    assert t_p * stretch == pytest.approx(r["ttft_s"]) and t_d * stretch == pytest.approx(
        r["itl_s"]
    )
