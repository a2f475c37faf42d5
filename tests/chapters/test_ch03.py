"""Chapter 3, Weights and the KV cache: the chapter's sympy derivations against the library,
exact byte counts for Llama-2-70B on two A100-80GB, and the numbers the page must show."""

import dataclasses

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

LLAMA = im.get_model("llama-2-70b")
A100 = im.get_gpu("a100-80gb-sxm")


def test_kv_bytes_per_token_derivation():
    kv = 2 * s.L * s.K * s.d_h * s.b_kv
    assert sp.simplify(kv - s.kv_bytes_per_token()) == 0
    sub = {s.L: 80, s.K: 8, s.d_h: 128, s.b_kv: 2}
    assert int(kv.subs(sub)) == im.kv_bytes_per_token(LLAMA, "bf16") == 327_680
    assert 327_680 == 320 * 1024  # 320 KiB, about 328 KB


def test_mha_and_mqa_with_dataclasses_replace():
    mha = dataclasses.replace(LLAMA, n_kv_heads=LLAMA.n_heads)
    mqa = dataclasses.replace(LLAMA, n_kv_heads=1)
    assert im.kv_bytes_per_token(mha) == 2_621_440 == 8 * 327_680  # 2.5 MiB
    assert im.kv_bytes_per_token(mqa) == 40_960  # 40 KiB
    # multi-head weights no longer fit two A100-80GB at 90% usable
    assert im.weight_bytes(mha) > 2 * A100.memory_bytes * im.DEFAULT_USABLE_MEMORY
    assert (im.deployment(mha, A100, 2)).kv_capacity_tokens == 0


def test_capacity_and_batch_derivation_match_library():
    kv = s.kv_bytes_per_token()
    free = s.G * s.M * s.u - s.P * s.b_w
    assert sp.simplify(free / kv - s.kv_capacity_tokens()) == 0
    b_max = sp.floor(sp.solve(sp.Eq(s.B * s.N * kv, free), s.B)[0])
    dep = im.deployment(LLAMA, A100, 2)
    values = {
        s.G: 2,
        s.M: int(A100.memory_bytes),
        s.u: sp.Rational(9, 10),
        s.P: LLAMA.params,
        s.b_w: 2,
        s.L: 80,
        s.K: 8,
        s.d_h: 128,
        s.b_kv: 2,
    }
    for n in (512, 2048, 4096):
        assert int(b_max.subs(values | {s.N: n})) == im.max_batch(dep, n)


def test_tokens_that_fit_on_two_a100s():
    # the article: 160e9 - 140e9 = 20e9 bytes; 20e9 // 327,680 = 61,035
    assert (im.deployment(scenario="article-2023")).kv_capacity_tokens == 61_035
    # 80 GiB each, exact weights, no reserve: (171,798,691,840 - 137,953,296,384) // 327,680
    binary = im.deployment(LLAMA, A100, 2, usable_memory=1.0)
    assert binary.kv_capacity_tokens == 103_287
    # the library's default, 90% usable: 16,665,526,272 // 327,680 = 50,859
    default = im.deployment(LLAMA, A100, 2)
    assert default.kv_capacity_tokens == 50_859
    assert list(im.max_batch(default, [512, 2048, 4096])) == [99, 24, 12]
    assert im.max_batch(im.deployment(scenario="article-2023"), 4096) == 14


def test_decode_bytes_read():
    article = im.deployment(scenario="article-2023")
    exact = im.deployment(LLAMA, A100, 2, step_model="article")
    assert im.decode_bytes_read(article, 1, 0) == 140e9
    assert im.decode_bytes_read(exact, 1, 0) == 137_953_296_384
    assert im.decode_bytes_read(exact, 8, 4096) == 137_953_296_384 + 8 * 4096 * 327_680
    # it is the memory term of a decode step: at batch 1 the step is memory-bound
    step = im.decode_step_time(exact, 1, 4096)
    assert step * exact.achieved_bandwidth == pytest.approx(
        im.decode_bytes_read(exact, 1, 4096), rel=1e-12
    )
    assert im.decode_bytes_read(exact, [1, 2], [0, 10]).shape == (2,)


def test_min_gpus():
    assert im.min_gpus("llama-2-70b", A100, tokens=4096) == 2
    assert im.min_gpus("llama-2-7b", A100, tokens=4096) == 1
    # GPT-3 175B: 349.2 GB of weights need 5 A100-80GB at 90%; its 96 heads split over 6,
    # and over 8 as a power of two
    assert im.min_gpus("gpt-3-175b", A100, tokens=2048, power_of_two=False) == 6
    assert im.min_gpus("gpt-3-175b", A100, tokens=2048) == 8
    assert list(im.min_gpus("llama-2-70b", A100, tokens=[0, 10**6])) == [2, 8]
    # Llama 4 Scout's 40 heads split over 1, 2, 4, 8 or 40 GPUs: its full context needs more
    # than eight A100s, so no power of two serves it by tensor parallelism alone
    scout = im.get_model("llama-4-scout")
    assert im.min_gpus(scout, A100, tokens=scout.max_context) == float("inf")
    assert im.min_gpus(scout, A100, tokens=scout.max_context, power_of_two=False) == 40


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: im.max_batch(im.deployment(LLAMA, A100, 2), 0), "tokens_per_sequence"),
        (lambda: im.min_gpus(LLAMA, A100, tokens=-1), "tokens"),
        (lambda: im.min_gpus(LLAMA, A100, usable_memory=1.5), "usable_memory"),
        (lambda: im.min_gpus(LLAMA, A100, kv_dtype="int3"), "dtype"),
        (lambda: im.decode_bytes_read(im.deployment(LLAMA, A100, 2), 0, 10), "batch"),
        (lambda: im.article_claim("d_modle"), "d_model"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_article_claims_against_the_computation():
    kv = im.kv_bytes_per_token(LLAMA)
    assert 1 - im.article_claim("kv_bytes_per_token").value / kv == pytest.approx(0.0234375)
    assert im.article_claim("kv_bytes_per_token_mb").value / kv == pytest.approx(976.5625)
    # about 1.3 GB per 4096-token sequence: right (1.34 GB)
    assert 4096 * kv == 1_342_177_280
    # its own 20-25 GB over 1.3 GB allow 15 to 19 sequences, not 8; 8192-token ones allow 7
    assert np.floor(20e9 / 1.3e9) == 15 and np.floor(25e9 / 1.3e9) == 19
    assert im.max_batch(im.deployment(scenario="article-2023"), 8192) == 7


def test_window_derivation_matches_library():
    """Section 'Shrinking the cache': a layer with a window W caches min(N, W) tokens."""
    W, L_W = sp.symbols("W L_W", positive=True, integer=True)
    kv = 2 * s.L * s.K * s.d_h * s.b_kv
    kv_seq = kv / s.L * ((s.L - L_W) * s.N + L_W * sp.Min(s.N, W))
    for name, sliding in (("mistral-7b", 32), ("gemma-2-9b", 21), ("gemma-2-27b", 23)):
        m = im.get_model(name)
        values = s.values(m, b_kv=2) | {W: 4096, L_W: sliding}
        for n in (1, 4096, 4097, 8192, m.max_context):
            assert int(kv_seq.subs(values | {s.N: n})) == im.kv_bytes_per_sequence(m, n)
    mistral = im.get_model("mistral-7b")
    assert 4 * im.kv_bytes_per_sequence(mistral, 32768) == 2_147_483_648
    # on one H100 SXM, sequences of 8,192 tokens (the section's table)
    h100 = im.get_gpu("h100-sxm")
    assert im.max_batch(im.deployment(mistral, h100, 1), 8192) == 117
    assert im.max_batch(im.deployment("llama-3.1-8b", h100, 1), 8192) == 57
    fp8 = im.deployment("llama-3.1-8b", h100, 1, kv_dtype="fp8")
    assert im.max_batch(fp8, 8192) == 114


def test_latent_attention_derivation_matches_library():
    r_kv, d_R, d_v = sp.symbols("r_kv d_R d_v", positive=True, integer=True)
    kv_mla = s.L * (r_kv + d_R) * s.b_kv
    kv_mha = s.L * s.H * (s.d_h + d_v) * s.b_kv
    ds = im.get_model("deepseek-v3")
    values = s.values(ds, b_kv=2) | {r_kv: 512, d_R: 64, d_v: 128}
    assert int(kv_mla.subs(values)) == im.kv_bytes_per_token(ds) == 61 * 576 * 2 == 70_272
    assert int(kv_mha.subs(values)) == 61 * 128 * (192 + 128) * 2 == 4_997_120
    # its weights fit neither two A100-80GB nor one H100 SXM, even in int4
    assert im.weight_bytes(ds, "int4") > 2 * A100.memory_bytes * im.DEFAULT_USABLE_MEMORY
    # tensor parallelism splits its 128 heads over powers of two only; 671 GB of fp8
    # weights need more than 8 H100s (8 x 80 GiB x 0.9 = 618 GB), so 16; each of them holds
    # the whole latent of the sequence, 16 x 8192 x 70,272 B
    assert im.min_gpus(ds, "h100-sxm", dtype="fp8", tokens=8192, power_of_two=False) == 16
    assert im.min_gpus(ds, A100, dtype="bf16", tokens=8192, power_of_two=False) == 32
    assert im.tensor_splits(ds, 128) == (1, 2, 4, 8, 16, 32, 64, 128)
    assert im.deployment(ds, "h100-sxm", 16, "fp8").kv_replication == 16


def test_multi_query_on_two_gpus_keeps_a_copy_on_each():
    """Section 'Multi-head and multi-query attention': one KV head, two GPUs."""
    mqa = dataclasses.replace(LLAMA, n_kv_heads=1)
    dep = im.deployment(mqa, A100, 2)
    assert dep.kv_replication == 2
    one_copy = (2 * A100.memory_bytes * 0.9 - im.weight_bytes(mqa)) // 40_960
    assert one_copy == 464_217 and dep.kv_capacity_tokens == one_copy // 2 == 232_108


def test_the_catalog_s_gpu_counts():
    """Section 'The catalog': Llama 4's 40 heads allow no power of two above 8."""
    for name in ("llama-4-scout", "llama-4-maverick"):
        m = im.get_model(name)
        assert im.min_gpus(m, A100, tokens=m.max_context) == float("inf")
        assert im.min_gpus(m, A100, tokens=m.max_context, power_of_two=False) == 40
    with pytest.raises(ValueError, match="allowed: 1, 2, 4, 8, 40"):
        im.deployment("llama-4-scout", A100, 16)


def test_models_of_2026_stored_as_shipped():
    """Section 'The models served in 2026': counts, MXFP4 and fp8-block bytes."""
    for name in ("gpt-oss-120b", "llama-4-scout", "gemma-3-27b", "kimi-k2", "qwen3-30b-a3b"):
        m = im.get_model(name)
        assert m.params == m.published_params
    oss = im.get_model("gpt-oss-120b")
    assert oss.params == 116_829_156_672
    # OpenAI's 5.13B active leaves out the embedding (201,088 x 2,880)
    assert oss.active_params - 201_088 * 2_880 == 5_132_849_472
    # experts' matrices in MXFP4 (4.25 bits), the rest in bf16
    p_x = 36 * 128 * 3 * 2880 * 2880
    stored = p_x * 4.25 / 8 + (oss.params - p_x) * 2
    nbytes, dtype, note = im.deployment_weights(oss)
    assert (nbytes, dtype) == (stored, "mxfp4") and "MXFP4" in note
    assert stored == 65_248_815_744 and stored / 2**30 == pytest.approx(60.77, abs=0.01)
    # one H100 SXM (80 GiB, 90% usable) holds it, with 12.06 GB for the cache
    h100 = im.get_gpu("h100-sxm")
    free = h100.memory_bytes * 0.9 - stored
    assert free // im.kv_bytes_per_token(oss) == 163_582
    assert im.min_gpus(oss, h100, tokens=oss.max_context) == 4  # in bf16
    kimi_bytes, dtype, _ = im.deployment_weights("kimi-k2")
    assert dtype == "fp8" and kimi_bytes / 1_026_408_209_408 - 1 == pytest.approx(0.0027, abs=1e-4)


def test_caches_that_stop_growing():
    """gpt-oss: 18 of 36 layers slide over 128; Gemma 3: 52 of 62 over 1024; Llama 4: 36 of
    48 in chunks of 8192 (4,096 B per layer and token)."""
    n = 131_072
    scout = im.kv_bytes_per_sequence("llama-4-scout", n)
    assert scout == 4096 * (12 * n + 36 * 8192) == 7_650_410_496
    oss = im.kv_bytes_per_sequence("gpt-oss-120b", n)
    assert oss == 2048 * (18 * n + 18 * 128)
    gemma = im.kv_bytes_per_sequence("gemma-3-27b", n)
    assert gemma == 8192 * (10 * n + 52 * 1024)


def test_copies_under_tensor_parallelism():
    """Section 'Tensor parallelism with few key/value heads, or a latent'."""
    h100, h200 = im.get_gpu("h100-sxm"), im.get_gpu("h200-sxm")
    four = im.deployment("qwen3-30b-a3b", h100, 4)
    eight = im.deployment("qwen3-30b-a3b", h100, 8)
    assert (four.kv_replication, eight.kv_replication) == (1, 2)
    kv = im.kv_bytes_per_token("qwen3-30b-a3b")  # 48 layers x 4 heads x 128 x 2 x 2 B
    assert kv == 98_304
    assert eight.kv_capacity_tokens == (8 * h100.memory_bytes * 0.9 - 61_064_245_248) // (2 * kv)
    assert (four.kv_capacity_tokens, eight.kv_capacity_tokens) == (2_524_550, 2_835_139)
    with pytest.raises(ValueError, match="32 query heads and 4 KV heads"):
        im.deployment("qwen3-30b-a3b", h100, 3)
    # DeepSeek-V3 in fp8 on eight H200s: the latent whole on each GPU, or data-parallel
    tp = im.deployment("deepseek-v3", h200, 8, "fp8")
    dp = im.deployment("deepseek-v3", h200, 8, "fp8", attention_parallelism="data")
    assert tp.kv_capacity_tokens == 745_382 and dp.kv_capacity_tokens == 4_257_924
    assert (tp.usable_bytes - tp.weight_bytes) // 70_272 == 5_963_062  # if it divided
    assert dp.weight_bytes == pytest.approx(790.85e9, rel=1e-5)
    kimi = im.deployment("kimi-k2", h200, 8, "fp8", attention_parallelism="data")
    assert kimi.weight_bytes > kimi.usable_bytes and kimi.kv_capacity_tokens == 0


def test_service_sized_by_bandwidth_not_memory():
    """The hard exercise: 32 sequences of 32,768 tokens of Llama-3.1-8B fit on 2 H100 SXM,
    but a 20 ms step at peak bandwidth needs 3, so 4; one H100 reads its usable memory in
    about 23 ms (M u / beta)."""
    m, h100 = im.get_model("llama-3.1-8b"), im.get_gpu("h100-sxm")
    assert im.max_batch(im.deployment(m, h100, 2), 32_768) >= 32
    four = im.deployment(m, h100, 4)
    two = im.deployment(m, h100, 2)
    assert im.decode_bytes_read(two, 32, 32_768) / (2 * h100.bandwidth_bytes_per_s) > 0.02
    assert im.decode_bytes_read(four, 32, 32_768) / (4 * h100.bandwidth_bytes_per_s) < 0.02
    assert im.exercises.expected("ch03-two-constraints") == 4
    t_star = h100.memory_bytes * im.DEFAULT_USABLE_MEMORY / h100.bandwidth_bytes_per_s
    assert t_star == pytest.approx(0.023077, rel=1e-4)
