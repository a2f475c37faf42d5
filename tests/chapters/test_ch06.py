"""Chapter 6: decode step time, the compute-bound batch, the memory wall, time to first token.

The sympy derivations of the chapter (inference_math.symbolic) against the library, the
article's figures recomputed by hand, and the numbers the built page must show."""

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

LLAMA = im.get_model("llama-2-70b")
KV = 327_680  # 2 x 80 layers x 8 KV heads x 128 x 2 bytes


CATALOG = [
    im.deployment(LLAMA, gpu, g, step_model="article")
    for gpu in ("a100-80gb-sxm", "h100-sxm", "h200-sxm")
    for g in (2, 8)
]


@pytest.mark.parametrize("dep", CATALOG, ids=lambda d: d.label)
def test_symbolic_decode_step_equals_library(dep):
    fn = sp.lambdify((s.B, s.N), s.decode_step_time().subs(s.values(dep=dep)), "numpy")
    b, n = np.meshgrid([1, 8, 64, 512, 2048], [0, 1, 512, 2048, 4096])
    assert np.allclose(fn(b, n), im.decode_step_time(dep, b, n), rtol=1e-12)


@pytest.mark.parametrize("dep", CATALOG, ids=lambda d: d.label)
def test_symbolic_compute_bound_batch_with_kv_equals_library(dep):
    expr = s.compute_bound_batch().subs(s.values(dep=dep))
    wall = float(im.memory_bound_context(dep))
    for n in [0, 1, 256, 512, 1024, int(wall) - 1]:
        assert np.isclose(
            float(expr.subs(s.N, n)), float(im.compute_bound_batch(dep, n)), rtol=1e-10
        ), n
    # at the wall the decode step is equally long in both terms at every batch
    assert np.isclose(float(s.memory_bound_context().subs(s.values(dep=dep))), wall, rtol=1e-12)
    assert np.all(np.isinf(im.compute_bound_batch(dep, [np.ceil(wall), 4096, 100_000])))


def test_compute_bound_batch_no_kv_is_ops_per_byte_times_mfu_over_mbu():
    expr = sp.simplify(s.compute_bound_batch_no_kv(2 * s.P))
    assert sp.simplify(expr - s.F * s.MFU * s.b_w / (2 * s.beta * s.MBU)) == 0
    article = im.deployment(scenario="article-2023")
    # 156 (312 / 2) x (200/312) / (1.3/2) = 200 / 1.3
    assert np.isclose(float(im.compute_bound_batch(article, 0)), 200 / 1.3, rtol=1e-12)


def test_article_batch_one_decode():
    article = im.deployment(scenario="article-2023")
    step = float(im.decode_step_time(article, 1, 0))
    assert np.isclose(step, 140e9 / 2.6e12, rtol=1e-12)  # 140 GB at 2 x 1.3 TB/s
    assert f"{1 / step:.1f}" == "18.6"
    usd = step * 4.42 / 3600 * 1000
    assert f"{usd:.3f}" == "0.066"  # the article's $0.066
    eight = im.deployment(scenario="article-2023", gpus=8)
    assert np.isclose(1 / float(im.decode_step_time(eight, 1, 0)), 4 / step, rtol=1e-12)


def test_memory_bound_context_by_hand():
    article = im.deployment(scenario="article-2023")
    assert im.kv_bytes_per_token(LLAMA) == KV
    # attention FLOPs left out: N = 2P / (KV x 200e12 / 1.3e12)
    assert np.isclose(
        float(im.memory_bound_context(article)), 140e9 * 1.3e12 / (KV * 200e12), rtol=1e-12
    )
    dep = im.deployment(LLAMA, "a100-80gb-sxm", 2, step_model="article")
    a = 4 * 80 * 64 * 128
    by_hand = im.flops_per_token(LLAMA) / (KV * 312e12 / 2.039e12 - a)  # MFU = MBU
    assert np.isclose(float(im.memory_bound_context(dep)), by_hand, rtol=1e-12)
    assert 2890 < by_hand < 2895
    # faster arithmetic for the same bandwidth: the wall comes sooner (H100 before A100)
    h100 = im.deployment(LLAMA, "h100-sxm", 2, step_model="article")
    assert float(im.memory_bound_context(h100)) < by_hand


def test_memory_bound_context_broadcasts_over_gpus_and_efficiency():
    dep = im.deployment(LLAMA, "a100-80gb-sxm", np.array([2, 8]), mfu=np.array([[0.4], [0.6]]))
    wall = im.memory_bound_context(dep)
    assert wall.shape == (2, 2)
    assert np.allclose(wall[:, 0], wall[:, 1])  # the GPU count cancels
    assert wall[0, 0] > wall[1, 0]  # lower MFU: compute is slower, wall further


def test_time_to_first_token_of_a_batch():
    two = im.deployment(scenario="article-2023")
    eight = im.deployment(scenario="article-2023", gpus=8)
    assert np.isclose(
        float(im.prefill_time(eight, 512, 64)), 64 * 512 * 140e9 / 1.6e15, rtol=1e-12
    )  # 2.8672 s
    assert np.isclose(float(im.prefill_time(two, 512, 64)), 11.4688, rtol=1e-12)
    assert np.isclose(float(im.prefill_time(eight, 3596, 64)), 20.1376, rtol=1e-12)
    # 64 caches of 3596 tokens do not fit beside the weights on two GPUs (160 GB - 140 GB)
    assert 64 * 3596 > float(two.kv_capacity_tokens) == np.floor(20e9 / KV)


def test_largest_batches_that_fit():
    cap2 = float((im.deployment(LLAMA, "a100-80gb-sxm", 2)).kv_capacity_tokens)
    cap8 = float((im.deployment(LLAMA, "a100-80gb-sxm", 8)).kv_capacity_tokens)
    assert cap2 == np.floor((2 * 80 * 2**30 * 0.9 - 137_953_296_384) / KV) == 50_859
    assert cap8 == 1_466_436
    assert [int(cap2 // n) for n in (512, 4096)] == [99, 12]
    assert [int(cap8 // n) for n in (512, 4096)] == [2864, 358]


def test_exercise_answers_by_hand():
    # eight GPUs read the 140e9 bytes four times as fast as two, at 1.3 TB/s each
    assert np.isclose(im.exercises.expected("ch06-eight-gpu-batch1"), 4 * 2.6e12 / 140e9)


def test_all_reduce_by_the_engine_s_fastest_algorithm():
    """Section 'The step as a server runs it': one all-reduce of Llama-2-70B's activations
    (8,192 x 2 bytes a token) on A100s, NVLink 300 GB/s one way: one shot (8 us + (G - 1)
    messages), two shots (16 us + 2 (G - 1) / G), NCCL's ring (20 us + 2 (G - 1) / G at 0.8)
    above 8 MiB."""
    one_token = 8192 * 2
    for g, tokens, expected in [
        (2, 1, 8e-6 + 1 * one_token / 300e9),  # one shot
        (8, 1, 8e-6 + 7 * one_token / 300e9),  # one shot
        (8, 64, 16e-6 + 2 * 7 / 8 * 64 * one_token / 300e9),  # two shots
        (2, 1024, 20e-6 + 2 * 1 / 2 * 1024 * one_token / 240e9),  # 16 MiB: the ring
        (8, 1024, 20e-6 + 2 * 7 / 8 * 1024 * one_token / 240e9),
    ]:
        dep = im.deployment(LLAMA, "a100-80gb-sxm", g)
        got = float(im.allreduce_time(dep, tokens)) / 160  # 2 all-reduces x 80 layers
        assert got == pytest.approx(expected, rel=1e-12), (g, tokens)
    # the symbolic formula is NCCL's ring: the library's step for one share each and gpt-fast
    dep = im.deployment(LLAMA, "a100-80gb-sxm", 2, mfu=0.6433, mbu=0.6736, engine="gpt-fast")
    fn = sp.lambdify((s.B, s.N), s.per_op_decode_step().subs(s.values(dep=dep)), "numpy")
    assert float(fn(8, 512)) == pytest.approx(float(im.decode_step_time(dep, 8, 512)))


def test_per_op_scaling_from_two_to_eight_a100s():
    two = im.deployment(LLAMA, "a100-80gb-sxm", 2)
    eight = im.deployment(LLAMA, "a100-80gb-sxm", 8)
    assert (two.mfu, two.mbu, two.kv_mbu, two.attention_mfu) == (0.6433, 0.6736, 0.504, 0.4358)
    assert two.overhead_s == 0.002204  # the generic engine's fitted fixed cost
    step2, step8 = (float(im.decode_step_time(d, 1, 512)) for d in (two, eight))
    assert step2 / step8 == pytest.approx(3.337, abs=1e-3)  # not 4
    assert float(im.allreduce_time(eight, 1)) / step8 == pytest.approx(0.0831, abs=1e-3)
    # the profile of chapter 7: attention took 3.7 times reading its cache at 2.87 TB/s
    profile, run = im.load_gpu_profile(), im.load_gpu_run()
    cache_s = profile.batch * profile.context * im.kv_bytes_per_token(run.model) / run.bandwidth
    assert profile.seconds["compiled"]["attention"] / cache_s == pytest.approx(3.677, abs=1e-3)


def test_the_tpot_exercise_by_brute_force():
    # 50 ms steps at 1,024 tokens of context: none on 2 A100s, 144 sequences on 4, 252 on 8
    for g, largest in [(4, 144), (8, 252)]:
        dep = im.deployment(LLAMA, "a100-80gb-sxm", g)
        assert im.decode_step_time(dep, largest, 1024) <= 0.05
        assert im.decode_step_time(dep, largest + 1, 1024) > 0.05
    assert im.decode_step_time(im.deployment(LLAMA, "a100-80gb-sxm", 2), 1, 1024) > 0.05
    assert im.exercises.expected("ch06-tpot-budget") == pytest.approx(0.00084968, rel=1e-4)
