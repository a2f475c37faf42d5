"""Engines as the library models them (chapter 10): their documented defaults, chunked
prefill with a token budget, whether a step mixes prompts with decoding, admission, and
the command line's and ``estimate``'s ``engine=``."""

from __future__ import annotations

import numpy as np
import pytest

import inference_math as im
from inference_math.serving.batching import continuous_batch
from inference_math.serving.engines import ENGINES, get_engine


def test_the_documented_budgets_by_gpu():
    vllm, sglang, trt = ENGINES["vllm"], ENGINES["sglang"], ENGINES["tensorrt-llm"]
    # vLLM's server: 8,192 tokens a step on GPUs of 70 GiB and more, but not the A100
    assert vllm.budget(im.get_gpu("h100-sxm")) == 8192
    assert vllm.budget(im.get_gpu("a100-80gb-sxm")) == 2048
    assert vllm.budget(im.get_gpu("l4")) == 2048
    # SGLang's chunk by memory: 2,048 under 35 GB, 8,192 under 160 GB, 16,384 above
    assert sglang.budget(im.get_gpu("l4")) == 2048
    assert sglang.budget(im.get_gpu("h100-sxm")) == 8192
    assert sglang.budget(im.get_gpu("b200")) == 16384
    assert trt.budget(im.get_gpu("h100-sxm")) == 8192 and trt.admit_whole
    assert not sglang.mixes_prefill and vllm.mixes_prefill
    assert ENGINES["gpt-fast"].budget(im.get_gpu("h100-sxm")) is None


def test_unknown_engines_are_refused_with_a_suggestion():
    with pytest.raises(ValueError, match="unknown engine 'vllm2'; did you mean 'vllm'"):
        get_engine("vllm2")
    with pytest.raises(ValueError, match="unknown engine"):
        im.deployment("llama-2-7b", "h100-sxm", 1, engine="tgi-2")
    dep = im.deployment("llama-2-7b", "h100-sxm", 1)
    with pytest.raises(ValueError, match="unknown engine"):
        im.estimate(dep, engine="tensorrt")


def test_estimate_s_engine_replaces_the_deployment_s_and_its_fixed_costs():
    dep = im.deployment("llama-3.1-8b", "h100-sxm", 1)
    a = im.estimate(dep, batch=8, prompt=500, completion=200, batching="continuous",
                    engine="sglang")  # fmt: skip
    b = im.estimate(im.deployment("llama-3.1-8b", "h100-sxm", 1, engine="sglang"), batch=8,
                    prompt=500, completion=200, batching="continuous")  # fmt: skip
    for key in ("ttft_s", "itl_s", "output_tokens_per_s"):
        assert float(a[key]) == float(b[key])
    sglang = im.deployment("llama-3.1-8b", "h100-sxm", 1, engine="sglang")
    assert sglang.overhead_s == ENGINES["sglang"].step_overhead_s


def test_an_8k_prompt_s_chunks_stall_decoding():
    # vLLM on four A100s: 2,048 tokens a step, so an 8,192-token prompt takes five steps
    # (the decoding requests' tokens ride in each too), and every one is long
    dep = im.deployment("llama-3.1-70b", "a100-80gb-sxm", 4, engine="vllm")
    short = im.estimate(dep, batch=32, prompt=500, completion=256, batching="continuous")
    long = im.estimate(dep, batch=32, prompt=8192, completion=256, batching="continuous")
    plain = float(im.mean_decode_step_time(dep, 32, 8192, 256))
    assert float(long["itl_s"]) > 2 * plain  # the chunk steps stall every decoding request
    assert float(long["itl_s"]) > float(short["itl_s"])
    # one 2,048-token step alone takes longer than a plain decode step of the 32
    one_chunk = float(im.prefill_time(dep, 2048, 1))
    assert one_chunk > plain
    assert float(long["ttft_s"]) > 4 * one_chunk  # at least the prompt's own chunks
    # SGLang runs prompts as passes of their own: decoding yields nothing in them
    sglang = im.deployment("llama-3.1-70b", "a100-80gb-sxm", 4, engine="sglang")
    r = continuous_batch(sglang, 32, 8192.0, 256.0)
    assert float(r["itl_s"]) > float(im.mean_decode_step_time(sglang, 32, 8192, 256))


def test_whole_prompts_remain_available():
    dep = im.deployment("llama-3.1-70b", "h100-sxm", 4, engine="vllm")
    chunked = im.estimate(dep, batch=16, prompt=4000, completion=256, batching="continuous")
    whole = im.estimate(dep, batch=16, prompt=4000, completion=256, batching="continuous",
                        chunked_prefill=False)  # fmt: skip
    assert float(whole["ttft_s"]) != float(chunked["ttft_s"])
    # gpt-fast has no scheduler budget: continuous batching there prefills whole prompts
    fast = im.deployment("llama-3.1-8b", "h100-sxm", 1, engine="gpt-fast")
    default = im.estimate(fast, batch=1, prompt=100, completion=100, batching="continuous")
    explicit = im.estimate(fast, batch=1, prompt=100, completion=100, batching="continuous",
                           chunked_prefill=False)  # fmt: skip
    assert float(default["ttft_s"]) == float(explicit["ttft_s"])


def test_the_steady_state_settles():
    # the rate is found by bisection: more halvings move it by less than a part in 10^7
    import inference_math.serving.batching as batching

    dep = im.deployment("llama-3.1-70b", "a100-80gb-sxm", 4, engine="vllm")
    args = (dep, np.array([32.0, 64.0, 256.0]), np.array([8192.0, 1000.0, 200.0]), 256.0)
    first = continuous_batch(*args)
    saved = batching._ITERATIONS
    try:
        batching._ITERATIONS = saved + 10
        again = continuous_batch(*args)
    finally:
        batching._ITERATIONS = saved
    for key in ("ttft_s", "itl_s", "output_tokens_per_s"):
        assert np.allclose(first[key], again[key], rtol=1e-7), key


def test_a_latent_cache_is_copied_to_every_gpu_under_tensor_parallelism():
    tensor = im.deployment("deepseek-v3", "h200-sxm", 8, "fp8")
    data = im.deployment("deepseek-v3", "h200-sxm", 8, "fp8", attention_parallelism="data")
    assert tensor.kv_replication == 8 and data.kv_replication == 1
    # fewer KV heads than GPUs: each GPU holds a copy of the head it serves
    qwen = im.deployment("qwen2.5-7b", "h100-sxm", 4)
    assert qwen.kv_replication == 1
    llama = im.deployment("llama-3.1-8b", "h100-sxm", 8)
    assert llama.kv_replication == 1
    mistral = im.deployment("llama-3.1-70b", "h100-sxm", 16)
    assert mistral.kv_replication == 2
    with pytest.raises(ValueError, match="allowed: 1, 2, 4, 28 GPUs"):
        im.deployment("qwen2.5-7b", "h100-sxm", 8)
    assert im.tensor_splits(im.get_model("qwen2.5-7b"), 8) == (1, 2, 4)
