"""The numpy Llama (inference_math.lab) against the library's formulas: correctness and exact
counts, never speed (timings depend on the machine; benchmarks/cpu_roofline.py reports them)."""

import dataclasses
import re

import numpy as np
import pytest

import inference_math as im
from inference_math import lab

TINY = lab.lab_config("tiny")


@pytest.fixture(scope="module")
def tiny():
    return lab.Llama.random(TINY, seed=0)


def tokens(batch, n, seed=1, vocab=TINY.vocab_size):
    return np.random.default_rng(seed).integers(0, vocab, size=(batch, n))


# ----- parameters --------------------------------------------------------------------------


def test_tiny_parameter_count_by_hand(tiny):
    # embedding and LM head 2 x 256 x 64; per layer Q and O 64 x 64 each, K and V 32 x 64
    # each, gate/up/down 3 x 64 x 176, two norms of 64; two layers; a final norm of 64.
    by_hand = 2 * 256 * 64 + 2 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 64 * 176 + 2 * 64) + 64
    assert by_hand == 125_248
    assert tiny.n_params == TINY.params == by_hand
    assert tiny.nbytes == im.weight_bytes(TINY, "fp32") == 4 * 125_248


@pytest.mark.parametrize("kv_heads", [1, 2, 4])  # multi-query, grouped, multi-head
@pytest.mark.parametrize("tied", [False, True])
def test_parameter_count_equals_library(kv_heads, tied):
    cfg = dataclasses.replace(TINY, n_kv_heads=kv_heads, tied_embeddings=tied)
    model = lab.Llama.random(cfg)
    assert model.n_params == cfg.params == cfg.params
    assert (model.lm_head is model.embedding) == tied


def test_default_config_reads_at_least_200_mb_per_decode_step():
    cfg = lab.lab_config("default")
    assert cfg.params == 155_730_944
    assert im.weight_bytes_read(cfg, "fp32", 1) == 4 * 155_730_944  # the library's count
    # even without the embedding table, which a step reads only B rows of
    assert 4 * (cfg.params - cfg.vocab_size * cfg.d_model) >= 200e6


def test_same_seed_same_weights_other_seed_other_weights(tiny):
    again = lab.Llama.random(TINY, seed=0)
    other = lab.Llama.random(TINY, seed=1)
    assert np.array_equal(again.layers[1].w_down, tiny.layers[1].w_down)
    assert not np.array_equal(other.layers[1].w_down, tiny.layers[1].w_down)
    assert tiny.layers[0].wq.dtype == np.float32
    assert abs(float(np.std(tiny.layers[0].w_gate)) - 0.02) < 0.001


# ----- the KV cache ------------------------------------------------------------------------


@pytest.mark.parametrize("batch,n", [(1, 1), (1, 7), (3, 11)])
def test_cache_bytes_equal_library_formula(tiny, batch, n):
    cache = tiny.new_cache(batch, n)
    tiny.prefill(tokens(batch, n), cache)
    per_token = im.kv_bytes_per_token(TINY, "fp32")
    assert per_token == 2 * 2 * 2 * 16 * 4 == 512  # K and V, 2 layers, 2 KV heads, d_h 16
    assert cache.length == n
    assert cache.nbytes == per_token * batch * n
    assert cache.allocated_nbytes == cache.nbytes  # allocated for exactly n tokens here


def test_cache_counts_held_tokens_not_capacity(tiny):
    cache = tiny.new_cache(2, 100)
    tiny.prefill(tokens(2, 5), cache)
    tiny.decode_step(np.array([3, 4]), cache)
    assert cache.nbytes == 2 * 6 * 512
    assert cache.allocated_nbytes == 2 * 100 * 512


def test_fp16_cache_is_half_the_bytes():
    model = lab.Llama.random(TINY, dtype="fp16")
    cache = model.new_cache(2, 4)
    model.prefill(tokens(2, 4), cache)
    assert cache.nbytes == im.kv_bytes_per_token(TINY, "fp16") * 2 * 4 == 2 * 4 * 256
    assert model.nbytes == im.weight_bytes(TINY, "fp16")


def test_cache_first_shares_memory(tiny):
    cache = lab.fill_cache(tiny, 4, 5)
    two = cache.first(2)
    assert two.batch == 2 and two.length == 5 and np.shares_memory(two.k, cache.k)
    with pytest.raises(ValueError, match="batch must be between 1 and 4"):
        cache.first(5)


def test_cache_overflow_is_an_error(tiny):
    cache = tiny.new_cache(1, 3)
    with pytest.raises(ValueError, match="holds 3 tokens"):
        tiny.prefill(tokens(1, 4), cache)


# ----- incremental decoding equals recomputing ---------------------------------------------


@pytest.mark.parametrize("prompt", [1, 4, 10])
def test_cached_decoding_matches_full_recompute(tiny, prompt):
    batch, total = 3, 12
    seq = tokens(batch, total)
    full = tiny.forward(seq)  # no cache: the whole sequence at once
    cache = tiny.new_cache(batch, total)
    steps = [tiny.prefill(seq[:, :prompt], cache)]
    for j in range(prompt, total):
        steps.append(tiny.decode_step(seq[:, j], cache)[:, None])
    incremental = np.concatenate(steps, axis=1)
    assert incremental.shape == full.shape == (batch, total, TINY.vocab_size)
    np.testing.assert_allclose(incremental, full, rtol=1e-4, atol=1e-5)


def test_chunked_prefill_matches_one_prefill(tiny):
    # the causal mask with an offset: a second chunk of prompt attends to the first
    seq = tokens(2, 9)
    full = tiny.forward(seq)
    cache = tiny.new_cache(2, 9)
    parts = [tiny.prefill(seq[:, :4], cache), tiny.prefill(seq[:, 4:], cache)]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), full, rtol=1e-4, atol=1e-5)


def test_sequences_in_a_batch_do_not_mix(tiny):
    seq = tokens(3, 6)
    together = tiny.forward(seq)
    alone = tiny.forward(seq[1:2])
    np.testing.assert_allclose(together[1:2], alone, rtol=1e-4, atol=1e-5)


def test_generate_is_greedy_and_deterministic(tiny):
    prompt = tokens(2, 3)
    out = tiny.generate(prompt, 4)
    assert out.shape == (2, 4)
    assert np.array_equal(out, tiny.generate(prompt, 4))
    first = tiny.forward(prompt)[:, -1].argmax(-1)
    assert np.array_equal(out[:, 0], first)


# ----- FLOPs: the instrumented count equals the library's formulas ---------------------------


@pytest.mark.parametrize("batch,n", [(1, 1), (1, 16), (3, 11)])
def test_prefill_flops_equal_library(tiny, batch, n):
    counter = lab.FlopCounter()
    tiny.prefill(tokens(batch, n), tiny.new_cache(batch, n), counter)
    assert counter.total == batch * im.prefill_flops(TINY, n)
    assert counter.by_name["attention"] == batch * im.prefill_attention_flops(TINY, n)
    assert counter.by_name["lm_head"] == 2 * batch * n * TINY.vocab_size * TINY.d_model


def test_prefill_flops_by_hand(tiny):
    # 3 prompts of 11 tokens: 2 x 108,544 matmul weights per token, plus causal attention
    # 2 L H d_h N (N + 1) = 2 x 2 x 4 x 16 x 11 x 12
    counter = lab.FlopCounter()
    tiny.prefill(tokens(3, 11), tiny.new_cache(3, 11), counter)
    assert TINY.matmul_params == 108_544
    assert counter.total == 3 * (11 * 2 * 108_544 + 2 * 2 * 4 * 16 * 11 * 12) == 7_265_280


@pytest.mark.parametrize("batch,context", [(1, 1), (1, 12), (4, 30)])
def test_decode_step_flops_equal_library(tiny, batch, context):
    cache = tiny.new_cache(batch, context)
    if context > 1:
        tiny.prefill(tokens(batch, context - 1), cache)
    counter = lab.FlopCounter()
    tiny.decode_step(np.arange(batch), cache, counter)
    assert cache.length == context
    expected = batch * (im.flops_per_token(TINY) + im.attention_flops_per_token(TINY, context))
    assert counter.total == expected
    assert counter.by_name["attention"] == batch * 4 * 2 * 4 * 16 * context


def test_flops_hold_for_multi_head_and_multi_query():
    for kv in (1, 4):
        cfg = dataclasses.replace(TINY, n_kv_heads=kv)
        model = lab.Llama.random(cfg)
        counter = lab.FlopCounter()
        model.prefill(tokens(2, 5), model.new_cache(2, 5), counter)
        assert counter.total == 2 * im.prefill_flops(cfg, 5)


# ----- the pieces ----------------------------------------------------------------------------


def test_rms_norm_gives_unit_root_mean_square():
    x = np.random.default_rng(0).standard_normal((3, 64)).astype(np.float32) * 7
    y = lab.rms_norm(x, np.ones(64, dtype=np.float32))
    np.testing.assert_allclose(np.sqrt(np.mean(y**2, axis=-1)), 1.0, rtol=1e-4)


def test_rope_scores_depend_only_on_relative_position():
    rng = np.random.default_rng(0)
    q = rng.standard_normal((1, 1, 1, 16))
    k = rng.standard_normal((1, 1, 1, 16))
    cos, sin = lab.rope_tables(40, 16, np.float64)

    def score(m, n):
        qm = lab.apply_rope(q, cos[m : m + 1], sin[m : m + 1])
        kn = lab.apply_rope(k, cos[n : n + 1], sin[n : n + 1])
        return float((qm * kn).sum())

    assert score(5, 2) == pytest.approx(score(33, 30), rel=1e-9)
    assert score(0, 0) == pytest.approx(float((q * k).sum()), rel=1e-12)  # position 0: no turn


# ----- bad input -----------------------------------------------------------------------------


def test_rejects_what_is_not_a_dense_llama():
    with pytest.raises(ValueError, match="gated_ffn=False"):
        lab.Llama.random("gpt-3-175b")
    with pytest.raises(ValueError, match="n_experts=8"):
        lab.Llama.random("mixtral-8x7b")


def test_rejects_dtypes_numpy_cannot_hold():
    with pytest.raises(ValueError, match="fp32, fp16"):
        lab.Llama.random(TINY, dtype="bf16")
    with pytest.raises(ValueError, match="unknown dtype"):
        lab.Llama.random(TINY, dtype="fp64")


def test_rejects_positions_past_the_context(tiny):
    cache = tiny.new_cache(1, 200)
    with pytest.raises(ValueError, match="context of 128"):
        tiny.prefill(tokens(1, 129), cache)


def test_lab_size_and_threads_from_the_environment(monkeypatch):
    monkeypatch.setenv("WTC_LAB_SIZE", "large")
    assert lab.lab_config().name == "lab-492m"
    monkeypatch.delenv("WTC_LAB_SIZE")
    assert lab.lab_config().name == "lab-156m"
    with pytest.raises(ValueError, match="allowed: tiny, default, large"):
        lab.lab_config("huge")
    monkeypatch.setenv("WTC_LAB_THREADS", "3")
    assert lab.lab_threads() == 3
    monkeypatch.setenv("WTC_LAB_THREADS", "all")
    assert lab.lab_threads() >= 1
    monkeypatch.setenv("WTC_LAB_THREADS", "many")
    with pytest.raises(ValueError, match="WTC_LAB_THREADS"):
        lab.lab_threads()
    with pytest.raises(ValueError, match="positive integer"):
        lab.set_blas_threads(0)


# ----- this CPU as the library's GPU --------------------------------------------------------


def test_measured_gpu_holds_the_measured_ceilings():
    gpu = lab.measured_gpu(flops=1e11, bandwidth=1e10)
    assert im.matmul_rate(gpu, "fp32") == 1e11
    assert im.ops_per_byte(gpu, "fp32") == 10.0
    # a GPU measured in bf16 (benchmarks/gpu_roofline.py): the rate is the bf16 rate itself
    h100 = lab.measured_gpu(flops=7.5e14, bandwidth=3e12, dtype="bf16", name="NVIDIA H100")
    assert im.matmul_rate(h100, "bf16") == 7.5e14
    assert im.ops_per_byte(h100, "bf16") == 250.0
    with pytest.raises(ValueError, match="fp32, bf16, fp16 products, got 'int8'"):
        lab.measured_gpu(flops=1e11, bandwidth=1e10, dtype="int8")


def test_measured_deployment_predicts_by_hand():
    dep = lab.measured_deployment(TINY, flops=1e11, bandwidth=1e10)
    # batch 1 at context 64: read 4 x 125,248 weight bytes and 64 x 512 cache bytes at
    # 1e10 B/s (53.3 us), or do 2 x 108,544 + 4 x 2 x 4 x 16 x 64 FLOPs at 1e11 (2.5 us)
    memory = (4 * 125_248 + 64 * 512) / 1e10
    assert float(im.decode_step_time(dep, 1, 64)) == pytest.approx(memory, rel=1e-12)
    # a prompt of 4,096 tokens is compute-bound
    flops = 4096 * 2 * 108_544 + 2 * 2 * 4 * 16 * 4096 * 4097
    assert float(im.prefill_time(dep, 4096)) == pytest.approx(flops / 1e11, rel=1e-12)


def test_blas_info_names_the_library():
    info = lab.blas_info()
    assert set(info) >= {"blas", "threads", "numpy", "cpus"}
    assert info["numpy"] == np.__version__
    before = lab.set_blas_threads(1)
    if before is not None:  # numpy's own OpenBLAS: the count is read back
        assert lab.blas_info()["threads"] == 1
        lab.set_blas_threads(before)


def test_ceiling_measurements_are_positive_medians():
    # small probes, so the test is quick; the values are not checked against any speed
    bw = lab.measure_bandwidth(nbytes=2**22, repeats=3)
    fl = lab.measure_matmul_flops(n=64, repeats=3)
    for m, unit in ((bw, "bytes/s"), (fl, "FLOP/s")):
        assert m.unit == unit and len(m.samples) == 3 and m.value == sorted(m.samples)[1]
        assert m.value > 0 and m.spread >= 1


def test_check_roofline_needs_a_sweep_for_a_new_config():
    model = lab.Llama.random(dataclasses.replace(TINY, name="mine"))
    with pytest.raises(ValueError, match="no sweep for 'mine'"):
        lab.check_roofline(model=model)


def test_check_roofline_reports_every_point_and_the_medians():
    # structure only, on the tiny model with small probes; no timing is asserted
    run = lab.check_roofline("tiny", threads=1, probe_bytes=2**22, probe_n=64)
    assert run.decode_s.shape == run.decode_predicted_s.shape == (3,)
    assert run.prefill_s.shape == (2,)
    assert np.all(run.decode_s > 0) and np.all(np.isfinite(run.prefill_ratio))
    assert 2 <= run.rounds <= 3
    assert set(run.skinny_read) == set(lab.SKINNY_BATCHES)
    lines = run.lines()
    assert len(lines) == 3 + 2 + 1
    assert re.fullmatch(r"median predicted/measured: decode \d+\.\d+, prefill \d+\.\d+", lines[-1])
