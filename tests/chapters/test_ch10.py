"""Chapter 10, theory against measurement: the appendix loader, the plain roofline's error on
the article's runs, the fits, the refined model's held-out error, the errata; then today's
servers as the page shows them (the evidence by group, the fitted shares under their
ceilings, the held-out errors read from data/serving-model-residuals.csv beside the round
numbers, the two misses it explains, the intervals' coverage) and the exercises' answers."""

import pathlib

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as ims
from inference_math import calibration as cb
from inference_math.evidence import calibration_fit as cf
from inference_math import APPENDIX_COLUMNS
from inference_math.core.datafiles import data_path, read_csv
from inference_math.evidence import cross_validation as cv
from inference_math.evidence import public
from inference_math.evidence import server_fit as sf
from inference_math.hardware import efficiency as eff
from inference_math.serving import intervals
from inference_math.serving.batching import admitted

ROOT = pathlib.Path(__file__).resolve().parents[2]
REFINED = ("prefill_overhead", "kv_efficiency")
W = 137_953_296_384  # Llama-2-70B's bf16 weight bytes
KV = 327_680  # its bf16 KV bytes per token
BW2 = 2 * 2039e9  # two A100-80GB SXM, peak bytes/s


@pytest.fixture(scope="module")
def runs():
    return im.load_appendix()


# ----- the data -----------------------------------------------------------------------------


def test_appendix_file_carries_its_source():
    lines = (ROOT / "data" / "article-appendix.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# source: Aman Sanger")
    assert "Cursor blog, 20 July 2023" in lines[0] and lines[0].endswith("Appendix.")
    assert "article-appendix.csv" in (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert im.appendix_path() == ROOT / "data" / "article-appendix.csv"


def test_loader_reads_28_rows_with_the_right_columns(runs):
    assert list(runs) == list(APPENDIX_COLUMNS)
    assert all(len(v) == 28 for v in runs.values())
    for name in ("batch", "prompt_tokens", "completion_tokens"):
        assert runs[name].dtype.kind == "i"
    assert runs["ttft_s"].dtype == float


def test_loader_values_spot_checked(runs):
    # first row, as printed
    assert (runs["batch"][0], runs["prompt_tokens"][0], runs["completion_tokens"][0]) == (
        1,
        128,
        242,
    )
    assert runs["ttft_s"][0] == 0.084 and runs["completion_s"][0] == 12.636
    assert runs["decode_mem_util"][0] == 0.894 and runs["usd_per_1k_completion"][0] == 0.06412
    # the value the article prints as "3015"
    k = np.flatnonzero((runs["batch"] == 8) & (runs["prompt_tokens"] == 1024))
    assert k.size == 1 and runs["ttft_s"][k[0]] == 3.015
    assert runs["prompt_tflops_per_gpu"][k[0]] == 190.223
    # last row: a 7584-token prompt, beyond Llama-2's context
    assert (runs["batch"][-1], runs["prompt_tokens"][-1], runs["completion_tokens"][-1]) == (
        2,
        7584,
        512,
    )
    assert runs["ttft_s"][-1] == 6.296 and runs["completion_s"][-1] == 43.482
    # 24 completions of 512 tokens, two of 242, one of 304, one of 166
    assert runs["completion_tokens"].sum() == 24 * 512 + 2 * 242 + 304 + 166


def test_derived_columns_follow_the_fact_sheet(runs):
    b, n, c = runs["batch"], runs["prompt_tokens"], runs["completion_tokens"]
    assert np.allclose(c / runs["completion_s"], runs["tokens_per_s_per_sequence"], rtol=2e-3)
    # TTFTs are printed to the millisecond, 0.6% of the shortest
    assert np.allclose(
        b * n * 140e9 / runs["ttft_s"] / 2 / 1e12, runs["prompt_tflops_per_gpu"], rtol=6e-3
    )
    assert np.allclose(
        runs["ttft_s"] * 4.42 / 3600 / (b * n / 1000), runs["usd_per_1k_prompt"], rtol=0.03
    )


def test_loader_rejects_bad_files(tmp_path):
    with pytest.raises(ValueError, match="no appendix file at .*missing.csv"):
        im.load_appendix(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("# source: x\nbatch,prompt_tokens\n1,128\n")
    with pytest.raises(ValueError, match="missing column"):
        im.load_appendix(bad)
    header = ",".join(APPENDIX_COLUMNS)
    bad.write_text(header + "\n" + ",".join(["1.5"] + ["1"] * (len(APPENDIX_COLUMNS) - 1)) + "\n")
    with pytest.raises(ValueError, match="1 runs; the article's appendix has 28"):
        im.load_appendix(bad)


def test_configurations_group_repeats(runs):
    g = cf.configurations(runs)
    assert g.max() + 1 == 20
    assert g[0] == g[3] and g[12] == g[13] == g[14]  # batch-1 128/242 twice; batch 16 thrice


# ----- the plain roofline --------------------------------------------------------------------


def test_plain_predictions_are_the_library_roofline(runs):
    b, n, c = runs["batch"], runs["prompt_tokens"], runs["completion_tokens"]
    p = cb.predict(cb.plain_roofline(), b, n, c)
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 2, mfu=0.6, mbu=0.6, step_model="article")
    assert np.allclose(p["ttft_s"], im.prefill_time(dep, n, b), rtol=1e-12)
    assert np.allclose(p["completion_s"], c * im.mean_decode_step_time(dep, b, n, c), rtol=1e-12)
    # and what im.estimate says, which warns for the runs beyond the context
    with pytest.warns(im.ContextLengthWarning):
        e = im.estimate(
            im.deployment("llama-2-70b", "a100-80gb-sxm", 2, step_model="article"),
            batch=b,
            prompt=n,
            completion=c,
        )
    assert np.allclose(p["completion_s"], e["completion_s"], rtol=1e-12)
    # by hand: the first run's prefill is one read of the weights; its decode reads the
    # weights and the KV cache at the mean context 128 + 243/2
    assert p["ttft_s"][0] == pytest.approx(W / (BW2 * 0.6))
    assert p["completion_s"][0] == pytest.approx(242 * (W + 249.5 * KV) / (BW2 * 0.6))


def test_plain_roofline_error_at_defaults(runs):
    mae = cb.mean_abs_error(cb.plain_roofline(), runs)
    assert mae["ttft"] == pytest.approx(0.08469, abs=1e-5)  # "about 8.5%"
    assert mae["completion"] == pytest.approx(0.09109, abs=1e-5)  # "about 9%"
    assert im.units.fmt_percent(mae["ttft"]) == "8.5%"
    assert im.units.fmt_percent(mae["completion"]) == "9.1%"


# ----- fits ----------------------------------------------------------------------------------


def _sse(cal, runs):
    e = cb.relative_errors(cal, runs)
    return float((e["ttft"] ** 2).sum() + (e["completion"] ** 2).sum())


def test_library_constants_equal_a_fresh_fit(runs):
    for stored, terms in ((im.ARTICLE_ROOFLINE_FIT, ()), (im.ARTICLE_REFINED, REFINED)):
        fresh = cf.fit(runs, terms=terms)
        assert fresh.terms == stored.terms == terms
        for field in ("mfu", "mbu", "prefill_overhead_s", "kv_mbu", "step_overhead_s"):
            a, b = getattr(stored, field), getattr(fresh, field)
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-5), field
        assert "28 runs" in stored.data and "4096-token context" in stored.data
        assert "least squares on relative error" in stored.method
        assert stored.date == "2026-11-26"


def test_fitted_roofline_is_the_least_squares_minimum(runs):
    fit = im.ARTICLE_ROOFLINE_FIT
    assert (fit.mfu, fit.mbu) == pytest.approx((0.5719, 0.5626), abs=1e-4)
    grid = np.linspace(0.45, 0.75, 61)
    dep = im.deployment(
        "llama-2-70b",
        "a100-80gb-sxm",
        2,
        mfu=grid[:, None, None],
        mbu=grid[None, :, None],
        step_model="article",
    )
    b, n, c = runs["batch"], runs["prompt_tokens"], runs["completion_tokens"]
    t = im.prefill_time(dep, n, b)
    s = c * im.mean_decode_step_time(dep, b, n, c)
    sse = ((t / runs["ttft_s"] - 1) ** 2 + (s / runs["completion_s"] - 1) ** 2).sum(axis=-1)
    assert _sse(fit, runs) <= sse.min() + 1e-9


def test_refined_fit_is_a_local_minimum(runs):
    best = _sse(im.ARTICLE_REFINED, runs)
    for field in ("mfu", "mbu", "prefill_overhead_s", "kv_mbu"):
        for f in (0.99, 1.01):
            v = getattr(im.ARTICLE_REFINED, field) * f
            if field in ("mfu", "mbu") and v > 1:
                continue
            moved = cb.Calibration(**{**im.ARTICLE_REFINED.__dict__, field: v})
            assert _sse(moved, runs) > best, (field, f)


def test_refined_constants_have_their_physical_reading():
    r = im.ARTICLE_REFINED
    assert r.prefill_overhead_s == pytest.approx(0.0268, abs=2e-4)  # tens of milliseconds
    assert r.kv_mbu == pytest.approx(0.0786, abs=2e-4)  # far below peak
    assert 0.55 < r.mfu < 0.65 and 0.55 < r.mbu < 0.65


def test_fast_path_equals_predict(runs):
    # the fit's precomputed design and the public predict agree, in both roofline branches
    big = {k: np.array(v) for k, v in runs.items()}
    big["batch"] = big["batch"] * 64  # large batches: decode turns compute-bound
    for data in (runs, big):
        for cal in (
            im.ARTICLE_REFINED,
            cb.plain_roofline(0.5, 0.7),
            cb.Calibration("x", 0.6, 0.6, 0.01, 0.2, 0.002, True),
        ):
            terms = ("prefill_overhead", "kv_efficiency", "step_overhead")
            theta = np.array(
                [
                    1 / cal.mfu,
                    1 / cal.mbu,
                    cal.prefill_overhead_s,
                    1 / (cal.kv_mbu or cal.mbu),
                    cal.step_overhead_s,
                ]
            )
            d = cf._Design(data, np.arange(28), cal)
            t, s = d.predict(theta, terms)
            p = cb.predict(cal, data["batch"], data["prompt_tokens"], data["completion_tokens"])
            assert np.allclose(t, p["ttft_s"], rtol=1e-12)
            assert np.allclose(s, p["completion_s"], rtol=1e-12)


def test_kv_efficiency_equal_to_mbu_is_the_plain_roofline(runs):
    b, n, c = runs["batch"], runs["prompt_tokens"], runs["completion_tokens"]
    a = cb.predict(cb.Calibration("x", 0.55, 0.65, kv_mbu=0.65), b, n, c)
    p = cb.predict(cb.plain_roofline(0.55, 0.65), b, n, c)
    assert np.allclose(a["completion_s"], p["completion_s"], rtol=1e-12)


# ----- held-out error: the goal ----------------------------------------------------------------


def test_refined_model_meets_the_held_out_goal(runs):
    plain = cb.mean_abs_error(cb.plain_roofline(), runs)
    for scheme in ("leave-one-configuration-out", "random"):
        refined = cf.held_out_errors(REFINED, runs, scheme=scheme)
        fitted_plain = cf.held_out_errors((), runs, scheme=scheme)
        for t in cb.TARGETS:
            assert refined[t] <= cb.HELD_OUT_GOAL[t], (scheme, t, refined[t])
            assert refined[t] < plain[t] and refined[t] < fitted_plain[t]
    assert cb.HELD_OUT_GOAL == {"ttft": 0.08, "completion": 0.06}
    loo = cf.held_out_errors(REFINED, runs)
    assert loo["ttft"] == pytest.approx(0.0434, abs=5e-4)
    assert loo["completion"] == pytest.approx(0.0516, abs=5e-4)


def test_held_out_errors_are_deterministic(runs):
    a = cf.held_out_errors(REFINED, runs, scheme="random", repeats=20)
    b = cf.held_out_errors(REFINED, runs, scheme="random", repeats=20)
    assert a == b
    c = cf.held_out_errors(REFINED, runs, scheme="random", repeats=20, seed=1)
    assert c != a


def test_bad_inputs_raise_value_errors(runs):
    with pytest.raises(ValueError, match="calibration term"):
        cf.fit(runs, terms=("per_token_overhead",))
    with pytest.raises(ValueError, match="calibration target"):
        cf.fit(runs, targets=("latency",))
    with pytest.raises(ValueError, match="unknown scheme"):
        cf.held_out_errors((), runs, scheme="k-fold")
    with pytest.raises(ValueError, match="non-empty"):
        cf.fit(runs, rows=[])
    with pytest.raises(ValueError, match="mfu"):
        cb.plain_roofline(mfu=1.5)
    with pytest.raises(ValueError, match="test_fraction"):
        cf.held_out_errors((), runs, scheme="random", test_fraction=1.0)


# ----- the chapter's derivation equals the library ---------------------------------------------


def test_chapter_derivation_equals_the_library(runs):
    B, N, C, G, beta = ims.B, ims.N, ims.C, ims.G, ims.beta
    t_pf, MBU_kv = sp.symbols("t_pf MBU_kv", positive=True)
    j = sp.symbols("j", positive=True, integer=True)
    step_j = ims.weight_bytes() / (G * beta * ims.MBU) + B * (N + j) * ims.kv_bytes_per_token() / (
        G * beta * MBU_kv
    )
    total = sp.summation(sp.expand(step_j), (j, 1, C))
    tidy = C * (
        ims.weight_bytes() / (G * beta * ims.MBU)
        + B * (N + (C + 1) / 2) * ims.kv_bytes_per_token() / (G * beta * MBU_kv)
    )
    assert sp.expand(total - tidy) == 0
    lib = ims.refined_model()
    assert sp.expand(tidy - lib["completion"]) == 0
    assert lib["ttft"] == t_pf + ims.prefill_time()

    r = im.ARTICLE_REFINED
    values = ims.values(dep=r.deployment()) | {t_pf: r.prefill_overhead_s, MBU_kv: r.kv_mbu}
    f_t = sp.lambdify((B, N), lib["ttft"].subs(values), "numpy")
    f_c = sp.lambdify((B, N, C), tidy.subs(values), "numpy")
    b, n, c = (runs[k] * 1.0 for k in ("batch", "prompt_tokens", "completion_tokens"))
    p = cb.predict(r, runs["batch"], runs["prompt_tokens"], runs["completion_tokens"])
    assert np.allclose(f_t(b, n), p["ttft_s"], rtol=1e-12)
    assert np.allclose(f_c(b, n, c), p["completion_s"], rtol=1e-12)


# ----- errata ------------------------------------------------------------------------------------


def test_errata_values():
    e = {x.key: x for x in im.article_errata()}
    assert e["hidden-size"].correct_value == 8192 and e["hidden-size"].article_value == 4096
    assert e["mha-heads"].correct_value == 64
    assert "2.62 MB" in e["mha-heads"].correct  # 2 x 80 x 64 x 128 x 2 bytes
    assert e["kv-mb"].correct_value == KV and "320 KiB" in e["kv-mb"].correct
    assert e["memory-8"].correct_value == 640e9
    assert e["weights"].correct_value == W and "137.95 GB" in e["weights"].correct
    assert e["mem-util"].article_value == pytest.approx(1.5e12, rel=1e-3)
    assert e["mem-util"].correct_value == 2039e9
    assert e["prompt-price"].correct_value == pytest.approx(4.42 / 3600 / (400e12 / 140e9) * 1000)
    assert e["prompt-price"].article_value == 0.00042
    assert e["prefill-512"].correct_value == pytest.approx(0.1792)
    assert e["gpt-4"].correct_value == pytest.approx(
        140e9 / 2.6e12 * 4.42 / 3600 / 64 * 1000, rel=1e-3
    )
    assert (
        "2 appendix runs start beyond it, and 3 more end 11 tokens past it" in e["context"].correct
    )


def test_exercise_answers_by_hand(runs):
    step = 12.636 / 242
    assert im.exercises.expected("ch10-first-run-mbu") == pytest.approx(
        (W + 249.5 * KV) / step / BW2
    )
    # closed form u* = sum q / sum q^2 for the completion times alone
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 2, mfu=1.0, mbu=1.0, step_model="article")
    b, n, c = runs["batch"], runs["prompt_tokens"], runs["completion_tokens"]
    q = c * im.mean_decode_step_time(dep, b, n, c) / runs["completion_s"]
    assert im.exercises.expected("ch10-closed-form-mbu") == pytest.approx(
        (q**2).sum() / q.sum(), rel=1e-6
    )


# ----- the page ------------------------------------------------------------------------------


# (What the built page must show is in tests/build/test_pages.py; here, the library's values
# behind today's-servers sections, which the page glues.)


@pytest.fixture(scope="module")
def published():
    return public.load_public_measurements()


@pytest.fixture(scope="module")
def design(published):
    return sf.Design(published)


@pytest.fixture(scope="module")
def held(design):
    """Every row's held-out log error as printed, from the committed residuals file."""
    _, rows = read_csv(data_path(intervals.RESIDUALS_FILE), "residuals", ("log_error",))
    assert [r["source"] for r in rows] == [r.source for r in design.rows]
    return cv.time_errors(design, np.array([float(r["log_error"]) for r in rows]))


@pytest.fixture(scope="module")
def round_errors(design):
    return design.errors(cv.plain(design))


def test_the_evidence_by_group(published, design):
    assert len(published) == 5135 and len(public.load_sources()) == 34
    assert len({r.group for r in published}) == 17
    assert len(design.rows) == 4885 and len(set(design.group)) == 13
    assert len({r.source for r in design.rows}) == 29
    trt = sum(g == "trtllm-perf-docs" for g in design.group)
    assert trt == 3101 and f"{trt / 4885:.0%}" == "63%"
    kinds = {k: int((design.kind == k).sum()) for k in cv.SCORED}
    assert kinds == {"ttft": 274, "itl": 476, "throughput": 3562, "e2e": 573}
    why = [r.why_not_modelled for r in published if r.why_not_modelled]
    assert len(why) == 250
    assert why.count("model mixtral-8x22b is not in the catalog") == 108
    assert why.count("an open-loop request rate or a dataset of varied lengths") == 44


def test_the_step_with_four_shares_is_the_library_s():
    MBU_w, MFU_p, MFU_a, MBU_kv = sp.symbols("MBU_w MFU_p MFU_a MBU_kv", positive=True)
    xi = sp.Symbol("xi", nonnegative=True)
    weights, kv, products, attention = ims.decode_terms(ims.f)
    step = (
        ims.t_0
        + sp.Max(weights.subs(ims.MBU, MBU_w), products.subs(ims.MFU, MFU_p * ims.G**-xi))
        + sp.Max(kv.subs(ims.MBU, MBU_kv), attention.subs(ims.MFU, MFU_a))
        + ims.allreduce_time()
    )
    same = {MBU_w: ims.MBU, MBU_kv: ims.MBU, MFU_p: ims.MFU, MFU_a: ims.MFU, xi: 0}
    assert step.subs(same) == ims.per_op_decode_step()
    for gpus in (2, 8):  # NCCL's ring, as the formula has it
        dep = im.deployment("llama-3.1-70b", "h100-sxm", gpus, "bf16", engine="gpt-fast")
        t = dep.table
        shares = {MBU_w: t.weights_mbu, MBU_kv: t.kv_mbu, MFU_p: t.products_mfu,
                  MFU_a: t.attention_mfu, xi: t.tp_mfu_exponent}  # fmt: skip
        shares = {k: float(v) for k, v in shares.items()}
        fn = sp.lambdify((ims.B, ims.N), step.subs(ims.values(dep=dep) | shares), "numpy")
        for b, n in [(1, 0), (8, 4096), (256, 512)]:
            assert float(fn(b, n)) == pytest.approx(float(im.decode_step_time(dep, b, n)))


def test_every_fitted_share_is_under_its_ceiling(design):
    shipped = {"weights_mbu": eff.WEIGHTS_MBU, "products_mfu": eff.PRODUCTS_MFU,
               "kv_mbu": eff.KV_MBU, "attention_mfu": eff.ATTENTION_MFU}  # fmt: skip
    ratios = {}
    for p in sf.parameters(design):
        if p.kind in shipped:
            ratios[p.kind, p.key] = shipped[p.kind][p.key] / p.ceiling
    assert len(ratios) == 40 and max(ratios.values()) <= 1
    closest = max(ratios, key=ratios.get)
    assert closest == ("weights_mbu", ("hopper", "16"))
    assert ratios[closest] == pytest.approx(0.7464 / 0.95)
    assert min(ratios, key=ratios.get) == ("attention_mfu", "cdna3")


def test_the_held_out_errors_beside_the_round_numbers(design, held, round_errors):
    rows = cv.mean_abs_error(design, held)
    groups = cv.mean_abs_error(design, held, balanced=True)
    plain_rows = cv.mean_abs_error(design, round_errors)
    plain_groups = cv.mean_abs_error(design, round_errors, balanced=True)
    expect = {
        "ttft": (0.5248, 0.3519, 0.6046, 0.3510),
        "itl": (0.2796, 0.2986, 0.3462, 0.2868),
        "throughput": (0.2519, 0.2635, 0.2611, 0.2827),
        "e2e": (0.2690, 0.2394, 0.3033, 0.3097),
    }
    for k, values in expect.items():
        got = (rows[k], groups[k], plain_rows[k], plain_groups[k])
        assert got == pytest.approx(values, abs=5e-4), k
        assert rows[k] > 0.15  # the goal is not met on any metric
    # the benchmark's printed headline (benchmarks/public_measurements.py)
    assert [round(100 * rows[k]) for k in ("ttft", "itl", "throughput")] == [52, 28, 25]


def test_the_cases_worse_than_the_round_numbers(design, held, round_errors):
    fit, plain = np.abs(cv.relative(design, held)), np.abs(cv.relative(design, round_errors))
    worse = []
    for g in sorted(set(design.group)):
        for k in cv.SCORED:
            m = (design.group == g) & (design.kind == k)
            if m.any() and fit[m].mean() > plain[m].mean():
                worse.append((g, k, int(m.sum())))
    assert worse == [
        ("lmdeploy-docs", "ttft", 12),
        ("neuralmagic-model-cards", "e2e", 144),
        ("nvidia-nim", "ttft", 9),
        ("nvidia-nim", "itl", 9),
        ("nvidia-nim", "throughput", 9),
        ("trtllm-perf-docs", "ttft", 26),
        ("trtllm-perf-docs", "throughput", 3075),
        ("vllm-blog", "ttft", 2),
        ("vllm-blog", "itl", 6),
        ("vllm-blog", "throughput", 2),
    ]


def test_dstack_s_deepseek_servers_held_fewer_requests(published):
    def value(engine, completion, metric):
        (r,) = [r for r in published if r.source == "dstack-r1-h200-mi300x-2025"
                and r.gpu == "h200-sxm" and r.engine == engine and r.batch == 128
                and r.completion == completion and r.metric == metric]  # fmt: skip
        return r.value

    # Little's law: output tokens/s x seconds per token = requests decoding at once
    decoding = value("tensorrt-llm", 6400, "output_tokens_per_s") * value(
        "tensorrt-llm", 6400, "itl_s")  # fmt: skip
    assert decoding == pytest.approx(469.794 * 0.0815, rel=0.01)  # about 38 of 128
    assert value("tensorrt-llm", 6400, "ttft_s") == pytest.approx(1046.939123)
    r = next(r for r in published if r.source == "dstack-r1-h200-mi300x-2025"
             and r.engine == "tensorrt-llm" and r.batch == 128 and r.completion == 6400
             and r.metric == "ttft_s")  # fmt: skip
    assert float(admitted(sf.deployment_for(r), 128, r.prompt, r.completion)) == 128


def test_the_b200_row_s_stated_settings_admit_every_client(published, design, held):
    (r,) = [r for r in design.rows if r.group == "inferencex" and r.engine == "sglang"
            and r.gpu == "b200" and r.gpus == 4 and r.dtype == "fp8" and r.batch == 32
            and r.metric == "ttft_s"]  # fmt: skip
    k = design.rows.index(r)
    # the launch script's settings: an fp8 cache, 0.95 of memory, a poll every 10 steps
    assert r.value == pytest.approx(0.799, abs=1e-3)
    assert (sf.kv_format(r), r.usable_memory, r.recv_interval) == ("fp8", 0.95, 10)
    assert np.exp(held[k]) == pytest.approx(0.4277, rel=1e-3)  # 0.34 s predicted, held out
    held_tokens = r.prompt + (r.completion + 1) / 2
    for kv, usable, slots in (("bf16", 0.9, 11), ("fp8", 0.9, 22), ("fp8", 0.95, 57)):
        dep = im.deployment("deepseek-v3", "b200", 4, "fp8", kv_dtype=kv, engine="sglang",
                            usable_memory=usable)  # fmt: skip
        assert np.floor(dep.kv_capacity_tokens / held_tokens) == slots, (kv, usable)
        assert dep.kv_replication == 4  # the latent cache, whole on every GPU
    free = (dep.usable_bytes - dep.weight_bytes) / 4
    assert free == pytest.approx(15.85e9, rel=1e-3)


def test_the_intervals_coverage_and_width(design, held):
    coverage = cv.coverage(design, held, 0.8)
    width = cv.interval_width(design, held, 0.8)
    assert coverage == pytest.approx(
        {"ttft": 0.6752, "itl": 0.8319, "throughput": 0.7754, "e2e": 0.6684}, abs=5e-4
    )
    assert width == pytest.approx(
        {"ttft": 12.19, "itl": 3.076, "throughput": 2.968, "e2e": 2.227}, rel=1e-3
    )


def test_the_chapter_s_two_intervals():
    load = dict(batch=16, prompt=1000, completion=500, batching="continuous", interval=0.8)
    a100 = im.estimate(im.deployment("llama-2-70b", "a100-80gb-sxm", 2), **load)
    h100 = im.estimate(im.deployment("llama-3.3-70b", "h100-sxm", 2, "fp8", engine="vllm"),
                       **load)  # fmt: skip
    assert (float(a100["ttft_s_low"]), float(a100["ttft_s_high"])) == pytest.approx(
        (0.3356, 0.6717), abs=5e-4
    )
    assert float(h100["ttft_s_high"] / h100["ttft_s_low"]) == pytest.approx(1.801, rel=1e-3)
    assert float(a100["queue_s"]) == float(h100["queue_s"]) == 0


def test_round_numbers_exercise_by_hand(published, design, held):
    qwen = sf.Design([r for r in published if r.group == "qwen-docs"])
    rate = qwen.predict(cv.plain(qwen))
    answer = np.mean(np.abs(qwen.value / rate - 1))  # printed over predicted rate
    assert im.exercises.expected("ch10-round-numbers") == pytest.approx(answer, rel=1e-9)
    assert answer == pytest.approx(0.2932, abs=5e-4)
    fitted = np.mean(np.abs(np.expm1(cv.time_errors(design, held)[design.group == "qwen-docs"])))
    assert fitted == pytest.approx(0.2277, abs=5e-4)
