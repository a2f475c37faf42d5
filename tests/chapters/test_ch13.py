"""Chapter 13, Pitfalls: the chapter's sympy results against the library, each pitfall's wrong
and right numbers by hand, and what the built page must show."""

import dataclasses
import warnings

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

DOC = "chapters/13-pitfalls"
ARTICLE = im.deployment(scenario="article-2023")
LLAMA = im.get_model("llama-2-70b")
A100 = im.get_gpu("a100-80gb-sxm")
KV = 327_680
f = sp.Symbol("f", positive=True)


def bandwidth_factor():
    """The chapter's derivation: roofline decode time over the FLOPs-only time, at context 0,
    where the weights' read wins."""
    t_flops = s.B * f / (s.G * s.F * s.MFU)
    t_read = s.weight_bytes() / (s.G * s.beta * s.MBU)
    return sp.simplify(t_read / t_flops)


def test_bandwidth_factor_is_compute_bound_batch_over_batch():
    t_roofline = s.decode_step_time(flops_per_tok=f).subs(s.N, 0)
    t_flops = s.B * f / (s.G * s.F * s.MFU)
    t_read = s.weight_bytes() / (s.G * s.beta * s.MBU)
    assert sp.simplify(t_roofline - sp.Max(t_read, t_flops)) == 0
    assert sp.simplify(bandwidth_factor() - s.compute_bound_batch_no_kv(flops_per_tok=f) / s.B) == 0


@pytest.mark.parametrize(
    "dep",
    [
        ARTICLE,
        im.deployment("llama-2-70b", "a100-80gb-sxm", 2, step_model="article"),
        im.deployment("llama-2-70b", "h100-sxm", 4, mfu=0.5, mbu=0.8, step_model="article"),
        im.deployment("llama-3-70b", "h200-sxm", 2, dtype="fp8", step_model="article"),
    ],
    ids=["article", "book-a100", "h100", "h200-fp8"],
)
def test_bandwidth_factor_equals_library(dep):
    fn = sp.lambdify(
        s.B,
        bandwidth_factor().subs(
            {
                f: dep.flops_per_token,
                s.G: float(dep.gpus),
                s.F: im.matmul_rate(dep.gpu, dep.dtype),
                s.beta: dep.gpu.bandwidth_bytes_per_s,
                s.MFU: float(dep.mfu),
                s.MBU: float(dep.mbu),
                s.P: dep.params,
                s.b_w: im.bytes_per_param(dep.dtype),
            }
        ),
    )
    batches = np.array([1, 3, 17, 100, 1000, 10_000])
    flops_only = batches * dep.flops_per_token / dep.achieved_flops
    assert np.allclose(
        im.decode_step_time(dep, batches, 0) / flops_only, np.maximum(1, fn(batches)), rtol=1e-12
    )


def test_kv_heads_overstatement_is_h_over_k():
    ratio = sp.simplify(s.kv_bytes_per_token().subs(s.K, s.H) / s.kv_bytes_per_token())
    assert ratio == s.H / s.K
    mha = dataclasses.replace(LLAMA, n_kv_heads=LLAMA.n_heads)
    assert im.kv_bytes_per_token(mha) == 8 * KV == 2_621_440


def test_gib_amplification_equals_library_capacities():
    """(G M u - W) / (G M' u - W) - 1 = (M / M' - 1) G M' u / (G M' u - W), checked against the
    library's KV capacities for the binary and the decimal reading of "80 GB"."""
    decimal = dataclasses.replace(A100, memory_bytes=80e9)
    for gpus in (2, 8):
        right = float((im.deployment(LLAMA, A100, gpus)).kv_capacity_tokens)
        wrong = float((im.deployment(LLAMA, decimal, gpus)).kv_capacity_tokens)
        usable = gpus * 80e9 * 0.9
        amplification = usable / (usable - 2 * LLAMA.params)
        assert right / wrong - 1 == pytest.approx((2**30 / 1e9 - 1) * amplification, rel=1e-3)
    assert im.exercises.expected("ch13-gib-amplification") == pytest.approx(
        144e9 / (144e9 - 137_953_296_384), rel=1e-12
    )


def test_pitfall_numbers_by_hand():
    # memory bandwidth: 140e9 FLOPs at 2 x 200 TFLOP/s against 140e9 bytes at 2 x 1.3 TB/s
    per_s = 4.42 / 3600
    assert 140e9 / (2 * 200e12) * per_s * 1000 == pytest.approx(0.00042972, rel=1e-4)
    assert float(im.usd_per_1k_completion(ARTICLE, 1)) == pytest.approx(
        (140e9 + KV) / 2.6e12 * per_s * 1000, rel=1e-12
    )
    assert float(im.compute_bound_batch(ARTICLE, 0)) == pytest.approx(
        (140e9 / 2.6e12) / (140e9 / 4e14), rel=1e-12
    )
    # GiB read as GB: (2 x 80e9 x 0.9 - W) / KV tokens
    assert (
        float(
            (
                im.deployment(LLAMA, dataclasses.replace(A100, memory_bytes=80e9), 2)
            ).kv_capacity_tokens
        )
        == (144e9 - 137_953_296_384) // KV
    )
    assert float((im.deployment(LLAMA, A100, 2)).kv_capacity_tokens) == 50_859
    # sparse: twice the FLOP/s halves a compute-bound price
    assert im.SPARSE_2_4_SPEEDUP == 2
    # the growing cache flips the verdict at the article's break-even batch
    api = im.get_api_price(im.ARTICLE_API)
    assert float(im.break_even_batch(ARTICLE, api.usd_per_1k_output)) == 34
    assert float(im.usd_per_1k_completion(ARTICLE, 34, 3600, 496)) > api.usd_per_1k_output
    assert float(im.break_even_batch(ARTICLE, api.usd_per_1k_output, 3600, 496)) == 48
    # time to first token of 48 prompts of 3,600 tokens on 8 GPUs at 200 TFLOP/s each
    assert float(
        im.prefill_time(im.deployment(scenario="article-2023", gpus=8), 3600, 48)
    ) == pytest.approx(48 * 3600 * 140e9 / 1.6e15, rel=1e-12)


def test_context_warning_is_raised_and_catchable():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        im.estimate(im.deployment(scenario="article-2023"), batch=2, prompt=7584, completion=512)
    assert [w.category for w in caught] == [im.ContextLengthWarning]
    assert "8,096" in str(caught[0].message) and "4,096" in str(caught[0].message)


# ----- the data behind the pitfalls added in issue 12 ---------------------------------------


def test_token_counts_as_measured():
    counts = im.load_token_counts()
    by = {(c.text.rsplit("/", 1)[-1], c.tokenizer): c for c in counts}
    assert {k: c.tokens for k, c in by.items()} == {
        ("GPL-3", "llama-2"): 8707,
        ("GPL-3", "llama-3"): 7455,
        ("GPL-3", "cl100k_base"): 7455,
        ("GPL-3", "o200k_base"): 7446,
        ("Apache-2.0", "llama-2"): 2716,
        ("Apache-2.0", "llama-3"): 2270,
        ("Apache-2.0", "cl100k_base"): 2270,
        ("Apache-2.0", "o200k_base"): 2262,
    }
    gpl = by["GPL-3", "llama-2"]
    assert (gpl.words, gpl.chars) == (5644, 35149)
    assert gpl.tokens_per_word == 8707 / 5644 and gpl.chars_per_token == 35149 / 8707
    assert gpl.sha256.startswith("3972dc97")
    header = im.token_counts_path().read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# source: tools/tokenizer_counts.mjs")


def test_tokens_ratio():
    assert im.tokens_ratio("llama-2", "cl100k_base", "GPL-3") == 8707 / 7455
    assert im.tokens_ratio("LLAMA-2", "cl100k_base", "/usr/share/common-licenses/GPL-3") == (
        8707 / 7455
    )
    every = im.tokens_ratio("llama-2", "cl100k_base")
    assert list(every.values()) == [8707 / 7455, 2716 / 2270]
    assert im.tokens_ratio("cl100k_base", "cl100k_base", "Apache-2.0") == 1.0
    with pytest.raises(ValueError, match="unknown tokenizer 'llama-4'"):
        im.tokens_ratio("llama-4", "cl100k_base")
    with pytest.raises(ValueError, match="unknown text 'MIT'"):
        im.tokens_ratio("llama-2", "cl100k_base", "MIT")
    published = im.PUBLISHED_CHARS_PER_TOKEN
    assert (published["llama-2"].chars_per_token, published["llama-3"].chars_per_token) == (
        3.17,
        3.94,
    )


@pytest.mark.parametrize(
    "text,message",
    [
        ("text,words\nx,1\n", "missing column(s) text_sha256"),
        ("{h}\nt,s,10,2,llama-2,p,0\n", "column tokens: '0' must be above 0"),
        ("{h}\nt,s,10,2,llama-2,p,3\nt,s,10,2,llama-2,p,3\n", "repeats line"),
        ("{h}\nt,s,10,2,llama-2,p,3\nt,s,11,2,cl100k_base,p,3\n", "another hash, length"),
        ("{h}\nt,s,10,2,llama-2,p,x\n", "'x' is not a number"),
        ("# only a comment\n{h}\n", "no token counts"),
    ],
)
def test_load_token_counts_refuses(text, message, tmp_path):
    header = "text,text_sha256,chars,words,tokenizer,package,tokens"
    path = tmp_path / "counts.csv"
    path.write_text(text.format(h=header), encoding="utf-8")
    with pytest.raises(ValueError) as err:
        im.load_token_counts(path)
    assert message in str(err.value)


def test_quant_recovery_as_published():
    expected = {
        "meta-llama-3.1-8b-instruct-quantized.w4a16": (67.57, 69.32, "int4", "llama-3.1-8b"),
        "meta-llama-3.1-8b-instruct-fp8": (73.44, 73.79, "fp8", "llama-3.1-8b"),
        "meta-llama-3.1-70b-instruct-quantized.w4a16": (78.54, 78.67, "int4", "llama-3.1-70b"),
        "meta-llama-3.1-70b-instruct-fp8": (84.29, 84.40, "fp8", "llama-3.1-70b"),
    }
    assert {k: (r.score, r.baseline, r.dtype, r.model) for k, r in im.QUANT_RECOVERY.items()} == (
        expected
    )
    for r in im.QUANT_RECOVERY.values():
        assert r.source and r.date.startswith("2024-07") and r.model in im.MODELS
        assert r.dtype in im.BYTES_PER_PARAM
    int4_8b = im.get_quant_recovery("Meta-Llama-3.1-8B-Instruct-quantized.w4a16")
    assert int4_8b.recovery == 67.57 / 69.32 and round(int4_8b.recovery, 3) == 0.975
    assert im.get_quant_recovery(int4_8b) is int4_8b
    with pytest.raises(ValueError, match="unknown quantized checkpoint"):
        im.get_quant_recovery("llama-int2")


def test_new_pitfalls_by_hand():
    """The key values of the pitfalls added in issue 12, recomputed from the library."""
    api = im.get_api_price(im.ARTICLE_API)
    chat = im.price_workload("chat", gpus=2, batching="continuous", scenario="article-2023")
    w = chat.workload
    cost = im.self_hosted_cost(
        w.prompt, w.completion, chat.batch, batching="continuous", gpus=2,
        scenario="article-2023",
    )  # fmt: skip
    # the minimum bill: two A100s at $2.21 an hour for thirty days, whatever the traffic
    assert 2 * 2.21 * 24 * 30 == pytest.approx(3182.4, rel=1e-12)
    peak_per_day = 86400 / float(cost["gpu_seconds"])
    wrong = 10_000 * 30 * chat.usd_per_request
    assert 3182.4 / wrong == pytest.approx(peak_per_day / 10_000, rel=1e-9)  # 1 / utilisation
    assert wrong < 10_000 * 30 * chat.api_usd_per_request < 3182.4
    # the tail: Little's law, then Erlang's tail at 95% busy
    service = chat.ttft_s + (w.completion - 1) / chat.tokens_per_s_per_sequence
    assert service == pytest.approx(chat.batch * float(cost["gpu_seconds"]), rel=1e-12)
    mu = 1 / service
    lam = 0.95 * chat.batch * mu
    c = im.erlang_c(chat.batch, lam / mu)
    wait = np.log(c / 0.01) / (chat.batch * mu - lam)
    assert im.wait_quantile(chat.batch, lam, mu, 0.99) == pytest.approx(wait, rel=1e-12)
    assert chat.ttft_s + wait > 60 * w.ttft_target_s  # far beyond the target
    rho = im.max_utilisation(chat.batch, mu, w.ttft_target_s - chat.ttft_s, 0.99)
    assert chat.ratio < 1 < chat.ratio / rho  # the target at the p99 costs the verdict
    # tokens: the conversion is exactly the ratio of counts, and flips the verdict
    b_even = float(im.break_even_batch(ARTICLE, api.usd_per_1k_output))
    own = float(im.usd_per_1k_completion(ARTICLE, b_even)) / api.usd_per_1k_output
    assert b_even == 34 and own < 1 < own * 8707 / 7455
    assert float(im.break_even_batch(ARTICLE, api.usd_per_1k_output * 7455 / 8707)) == 39
    # the Batch API halves every token's price: the ratio doubles exactly
    h200 = next(q for q in im.GPU_HOUR_QUOTES if q.provider == "Hyperstack" and q.gpu == "h200-sxm")
    assert int(im.min_gpus("llama-3.3-70b", "h200-sxm")) == 2 and h200.usd_per_gpu_hour == 3.99
    mini = im.get_api_price("gpt-5-mini")
    half = dataclasses.replace(
        mini,
        usd_per_1k_input=mini.usd_per_1k_input / 2,
        usd_per_1k_output=mini.usd_per_1k_output / 2,
    )
    kw = dict(model="llama-3.3-70b", gpu="h200-sxm", gpus=2, usd_per_gpu_hour=3.99,
              batching="continuous")  # fmt: skip
    at_list = im.price_workload("offline batch job", api=mini, **kw)
    batch = im.price_workload("offline batch job", api=half, **kw)
    assert batch.ratio == pytest.approx(2 * at_list.ratio, rel=1e-12)
    assert at_list.ratio < 1 < batch.ratio
    # quantization: int4 fails a 99% bar for Llama-3.1-8B, fp8 passes, and costs more
    by = {(r.model, r.dtype): r.recovery for r in im.QUANT_RECOVERY.values()}
    assert by["llama-3.1-8b", "int4"] < 0.99 <= by["llama-3.1-8b", "fp8"]
    price = {}
    for dtype in ("int4", "fp8"):
        dep = im.deployment("llama-3.1-8b", "h100-sxm", 1, dtype, usd_per_gpu_hour=3.2)
        price[dtype] = float(im.usd_per_1k_completion(dep, 1, w.prompt, w.completion))
    assert price["int4"] < price["fp8"] < 2 * price["int4"]


def test_tensor_parallelism_does_not_scale_perfectly():
    """Section 'Assuming tensor parallelism scales perfectly': one Llama-2-70B sequence at
    512 tokens of context on 2 and 8 A100s; most of the gap is the fixed cost of a step."""
    two = im.deployment("llama-2-70b", "a100-80gb-sxm", 2)
    eight = im.deployment("llama-2-70b", "a100-80gb-sxm", 8)
    step2, step8 = (float(im.decode_step_time(d, 1, 512)) for d in (two, eight))
    assert 4 / step2 == pytest.approx(74.36, abs=0.01) and 1 / step8 == pytest.approx(
        62.03, abs=0.01
    )
    gap = step8 - step2 / 4
    fixed = 0.002204 * 3 / 4  # paid whole on eight, a quarter of it expected
    comm = float(im.allreduce_time(eight, 1)) - float(im.allreduce_time(two, 1)) / 4
    assert gap == pytest.approx(fixed + comm, rel=0.01) and fixed / gap == pytest.approx(
        0.619, abs=1e-3
    )
