"""Published measurements of real servers and the per-op model fitted to them (chapter 10):
the data set read as printed, a row's prediction equal to ``estimate``'s, the committed
constants equal to a refit and under their measured ceilings, the held-out errors that the
prediction intervals come from, and the intervals themselves."""

from __future__ import annotations

import csv
import pathlib
import re

import numpy as np
import pytest

import inference_math as im
from inference_math.evidence import cross_validation as cv
from inference_math.evidence import public
from inference_math.evidence import server_fit as sf
from inference_math.hardware import efficiency as eff
from inference_math.serving import engines, intervals

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROWS = public.load_public_measurements()
SOURCES = public.load_sources()
SCORED = public.scored(ROWS)


@pytest.fixture(scope="module")
def design():
    return sf.Design(ROWS)


def committed(design) -> sf.Constants:
    """The constants the library holds, in the fit's form."""
    fixed = {name: (e.step_overhead_s, e.prefill_overhead_per_layer_s, e.request_overhead_s)
             for name, e in engines.ENGINES.items()}  # fmt: skip
    return sf.Constants(
        weights_mbu=dict(eff.WEIGHTS_MBU), products_mfu=dict(eff.PRODUCTS_MFU),
        kv_mbu=dict(eff.KV_MBU), attention_mfu=dict(eff.ATTENTION_MFU),
        expert_mbu=dict(eff.EXPERT_MBU), engines=fixed, tp_exponent=eff.TP_MFU_EXPONENT,
    )  # fmt: skip


def test_the_evidence_is_what_the_issue_asks_for():
    assert len(ROWS) == 5135 and len(SOURCES) == 34
    assert len(SCORED) >= 400 and len({r.source for r in SCORED}) >= 15
    assert len({r.group for r in SCORED}) == 13
    assert {r.gpus for r in SCORED} >= {1, 2, 4, 8}
    assert {im.get_gpu(r.gpu).generation for r in SCORED} >= {"ampere", "hopper", "blackwell"}
    assert {eff.weight_format(r.dtype) for r in SCORED} >= {"16", "8", "int4", "fp4"}
    assert max(r.batch for r in SCORED) >= 256 and min(r.batch for r in SCORED if r.batch) == 1
    assert any(im.get_model(r.model).is_moe for r in SCORED)
    assert {s.date[:4] for s in SOURCES.values()} >= {"2023", "2024", "2025", "2026"}


def test_every_publication_is_pinned_and_cited():
    bib = (ROOT / "references.bib").read_text()
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, re.M))
    for s in SOURCES.values():
        assert s.url.startswith("https://"), s.source_id
        assert s.source_id.replace("-", "_").replace(".", "_") in keys, s.source_id


def test_a_row_is_read_as_printed():
    (row,) = [r for r in ROWS if r.source == "inferencex-dsr1-2026-06" and r.gpu == "b200"
              and r.gpus == 4 and r.batch == 32 and r.metric == "ttft_s"
              and r.dtype == "fp8" and r.prompt > 7000]  # fmt: skip
    assert row.value == 0.799003222520696 and row.engine == "sglang"
    # InferenceX's random lengths range from 0.8 to 1 of the nominal: a mean of 0.9
    assert row.prompt == pytest.approx(0.9 * 8192) and row.completion == pytest.approx(0.9 * 1024)


def test_a_server_s_stated_memory_settings_reach_its_deployment():
    # InferenceX's launch script gives SGLang on four B200s an fp8 cache and 0.95 of memory;
    # with them all 32 clients are admitted, with the library's defaults 11 of them
    (row,) = [r for r in SCORED if r.group == "inferencex" and r.gpu == "b200"
              and r.gpus == 4 and r.dtype == "fp8" and r.metric == "ttft_s"
              and r.engine == "sglang"]  # fmt: skip
    assert (row.kv_dtype, row.usable_memory) == ("fp8", 0.95)
    dep = sf.deployment_for(row)
    assert (dep.kv_dtype, dep.usable_memory) == ("fp8", 0.95)
    load = dict(batch=row.batch, prompt=row.prompt, completion=row.completion)
    assert float(im.continuous_batch(dep, **load)["admitted"]) == 32
    default = im.deployment("deepseek-v3", "b200", 4, "fp8", engine="sglang")
    assert float(im.continuous_batch(default, **load)["admitted"]) == 11
    # a row that states nothing keeps the library's default
    assert sum(r.usable_memory is None for r in ROWS) > 0.9 * len(ROWS)
    assert sf.deployment_for(SCORED[0]).usable_memory == 0.9


def test_a_stated_memory_share_above_one_is_refused(tmp_path):
    path = ROOT / "data" / public.PUBLIC_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    (i,) = [k for k, line in enumerate(lines) if ",0.95,10,b200," in line and ",ttft_s," in line]
    lines[i] = lines[i].replace(",0.95,10,b200,", ",1.5,10,b200,")
    bad = tmp_path / public.PUBLIC_FILE
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"line {i + 1}, column usable_memory: '1.5' is above 1"):
        public.load_public_measurements(bad)


def test_an_offline_run_s_elapsed_time_is_read_as_its_rate_not_a_latency():
    # dstack printed each offline run's elapsed time and requests a second: the first is
    # not one request's latency, so the rows hold the second, and W / rate is the first
    runs = [r for r in ROWS if r.group == "dstack-benchmarks" and r.served_as == "offline"
            and r.metric == "requests_per_s"]  # fmt: skip
    assert len(runs) == 137
    for r in runs:
        elapsed = float(re.search(r"printed elapsed_time ([0-9.]+) s", r.notes).group(1))
        assert r.batch / r.value == pytest.approx(elapsed, rel=1e-4), r.notes  # as rounded
    (first,) = [r for r in runs if r.gpu == "h100-sxm" and r.batch == 4 and r.prompt > 30000]
    assert first.value == 0.016940271  # 4 requests of 32,784 + 2,048 tokens in 236.1 s


def test_rows_the_library_cannot_model_say_why():
    reasons = {r.why_not_modelled for r in ROWS} - {None}
    assert "model falcon-180b is not in the catalog" in reasons
    assert "an open-loop request rate or a dataset of varied lengths" in reasons
    assert "number format fp6 is not one the library models" in reasons


@pytest.mark.parametrize("served_as", ["static", "continuous"])
def test_a_row_s_prediction_is_estimate_s(design, served_as):
    c = committed(design)
    i = next(i for i, r in enumerate(design.rows) if r.served_as == served_as
             and r.metric == "ttft_s" and r.harness == "server")  # fmt: skip
    row = design.rows[i]
    dep = sf.deployment_for(row)
    r = im.estimate(dep, batch=row.batch, prompt=row.prompt, completion=max(row.completion, 1),
                    batching=served_as)  # fmt: skip
    assert float(design.predict(c, [i])[0]) == pytest.approx(float(r["ttft_s"]), rel=1e-9)


@pytest.mark.slow  # a refit on every row
def test_the_committed_constants_are_a_refit_and_under_their_ceilings(design):
    # two steps of the search from the committed constants move none of them: they are
    # where a fit on every row stops (up to the four digits they are written with)
    held = committed(design)
    refit = sf.fit(design, iterations=2, start=held)
    for kind in ("weights_mbu", "products_mfu", "kv_mbu", "attention_mfu"):
        assert getattr(refit, kind).keys() == getattr(held, kind).keys(), kind
        for key, value in getattr(refit, kind).items():
            assert getattr(held, kind)[key] == pytest.approx(value, rel=2e-3), (kind, key)
    for name, fixed in refit.engines.items():
        assert held.engines[name] == pytest.approx(fixed, rel=5e-3, abs=1e-6), name
    assert eff.TP_MFU_EXPONENT == pytest.approx(refit.tp_exponent, rel=5e-3)
    for kind, table in (("weights_mbu", eff.WEIGHTS_MBU), ("kv_mbu", eff.KV_MBU)):
        for key, value in table.items():
            gen = key[0] if isinstance(key, tuple) else key
            assert 0 < value <= eff.STREAM_CEILING[gen].share, (kind, key)
    for (gen, bits), value in eff.PRODUCTS_MFU.items():
        assert 0 < value <= eff.MATMUL_CEILING[(gen, bits)].share, (gen, bits)
    for gen, value in eff.ATTENTION_MFU.items():
        assert 0 < value <= eff.MATMUL_CEILING[(gen, 16)].share, gen


def test_the_fit_recovers_constants_it_made_the_data_with(design):
    # a small slice (the Qwen tables and gpt-fast's runs: one token at a time) made by
    # known shares, the fixed costs at their priors (the slice cannot tell them from the
    # bandwidth: both add to every step)
    rows = [r for r in ROWS if r.group in ("qwen-docs", "gpt-fast")]
    small = sf.Design(rows)
    truth = sf.replace(sf.priors(small), weights_mbu={k: 0.7 for k in small.keys["weights_mbu"]})
    small.value = small.predict(truth)
    start = sf.priors(small)
    got = sf.fit(small)
    # the priors pull a share toward them (on purpose: a slice this small should not move a
    # share far on its own), so the fit moves toward the truth, not all the way
    assert np.mean(np.abs(small.errors(got))) < np.mean(np.abs(small.errors(start)))
    for key in small.keys["weights_mbu"]:
        assert abs(got.weights_mbu[key] - 0.7) < abs(start.weights_mbu[key] - 0.7), key


@pytest.mark.slow  # a refit on every row
def test_the_residuals_file_is_the_held_out_fit(design):
    with open(ROOT / "data" / intervals.RESIDUALS_FILE) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert len(rows) == len(design.rows)
    assert [r["source"] for r in rows] == [r.source for r in design.rows]
    # one group, refitted without it: its rows' errors as the file holds them
    group = "qwen-docs"
    held = np.flatnonzero(design.group == group)
    c = sf.fit(design, np.flatnonzero(design.group != group))
    errors = cv.time_errors(design, design.errors(c, held), held)
    stored = np.array([float(rows[i]["log_error"]) for i in held])
    assert np.allclose(errors, stored, atol=2e-6)


def test_intervals_are_wider_where_the_evidence_is_thin():
    def width(gpu, dtype, key="itl_s", model="llama-3.1-70b"):
        low, high = intervals.interval_factors(key, model, gpu, dtype, 0.8)
        return high / low

    # many sources measured dense models on A100s in 16 bits; few measured an Ada GPU in 16
    # bits or a Hopper with int4 weights: their intervals take the whole kind's spread
    assert width("l4", "bf16") == width("h100-pcie", "int4") > 1.5 * width("a100-80gb-sxm", "bf16")
    # a mixture of experts pools its own errors: DeepSeek's first tokens on Hopper in fp8 were
    # far slower than predicted, and a dense model's interval does not inherit them
    dense = width("h100-sxm", "fp8", "ttft_s", "llama-3.3-70b")
    moe = width("h200-sxm", "fp8", "ttft_s", "deepseek-v3")
    assert dense == pytest.approx(1.801, rel=1e-3) and moe > 100 * dense
    low, _ = intervals.interval_factors("ttft_s", "deepseek-v3", "h200-sxm", "fp8", 0.8)
    assert low > 1  # above the prediction: its pool's errors, each group weighing the same,
    # are too fast nine times in ten
    # a wider level spans more
    lo8, hi8 = intervals.interval_factors("ttft_s", "llama-3.3-70b", "h100-sxm", "fp8", 0.8)
    lo5, hi5 = intervals.interval_factors("ttft_s", "llama-3.3-70b", "h100-sxm", "fp8", 0.5)
    assert lo8 <= lo5 and hi5 <= hi8


def test_estimate_s_interval_brackets_its_prediction():
    dep = im.deployment("llama-3.3-70b", "h100-sxm", 2, "fp8", engine="vllm")
    r = im.estimate(dep, batch=16, prompt=1000, completion=1000, batching="continuous",
                    interval=0.8)  # fmt: skip
    for key in intervals.INTERVAL_KINDS:
        assert float(r[f"{key}_low"]) < float(r[key]) < float(r[f"{key}_high"]), key
        factors = intervals.interval_factors(key, "llama-3.3-70b", "h100-sxm", "fp8", 0.8)
        assert float(r[f"{key}_low"]) == pytest.approx(float(r[key]) * factors[0], rel=1e-12)
    plain = im.estimate(dep, batch=16, prompt=1000, completion=1000, batching="continuous")
    assert set(plain) == set(im.ESTIMATE_KEYS)
    with pytest.raises(ValueError, match="interval must be one level between 0 and 1"):
        im.estimate(dep, interval=80)
    article = im.deployment(scenario="article-2023")
    with pytest.raises(ValueError, match="interval needs step_model='per-op'"):
        im.estimate(article, interval=0.8)


def test_the_group_weighted_quantile_counts_each_group_once():
    errors = np.array([0.0] * 100 + [1.0, 1.0])
    groups = np.array(["big"] * 100 + ["small"] * 2)
    # two groups: the big one's 100 rows weigh as much as the small one's 2
    assert intervals.weighted_quantiles(errors, groups, [0.25])[0] == pytest.approx(0.0)
    assert intervals.weighted_quantiles(errors, groups, [0.75])[0] == pytest.approx(1.0)
    assert np.quantile(errors, 0.75) == 0.0  # by rows, the small group would vanish
