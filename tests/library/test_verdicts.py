"""Verdicts with their ranges (economics/verdicts.py, price_tiers.py, api_history.py; chapters
11 and 12): GPU prices by tier, dated and sourced; API prices by the period they were in
force; and the cost ratio over every case, its share, its range and the assumption that
decides it."""

from __future__ import annotations

import numpy as np
import pytest

import inference_math as im
from inference_math.book import answer
from inference_math.economics import verdicts
from inference_math.economics.price_tiers import CONFIDENCE
from inference_math.serving.intervals import interval_factors

ARTICLE = dict(scenario="article-2023", gpus=2)
TODAY = dict(model="llama-2-70b", gpu="a100-80gb-sxm", gpus=2)


# ----- GPU prices by tier ------------------------------------------------------------------


def test_h100_prices_of_autumn_2026_by_tier():
    found = im.gpu_prices("h100-sxm", "2026-09-20", since="2024-01")
    assert [(p.tier, p.provider, round(p.usd_per_gpu_hour, 3)) for p in found] == [
        ("owned", "Latent Space (break-even)", 1.65),
        ("reserved", "SemiAnalysis (market)", 2.35),
        ("reserved", "Hyperstack", 2.72),
        ("owned", "Latent Space (with a market return)", 2.85),
        ("on-demand", "Crusoe", 3.90),
        ("on-demand", "Lambda", 3.99),
        ("on-demand", "CoreWeave", 6.155),
    ]
    on_demand = {p.date for p in found if p.tier == "on-demand"}
    assert on_demand == {"2026-09-20"}  # several providers, one date
    assert all(p.source and p.confidence in CONFIDENCE for p in found)


def test_a_tier_without_a_source_is_absent_not_filled_in():
    b200 = im.gpu_prices("b200", "2026-09-20", since="2024-01")
    assert {p.tier for p in b200} == {"on-demand", "reserved"}  # no owned B200 price found
    with pytest.raises(ValueError, match="no owned price of b200"):
        im.gpu_prices("b200", tiers=("owned",))
    # 2023: on demand only, the article's CoreWeave price and AWS's p4de
    a100 = im.gpu_prices("a100-80gb-sxm", "2023-07", until="2023-07")
    assert [round(p.usd_per_gpu_hour, 4) for p in a100] == [2.21, 5.1212]


def test_owned_cost_from_its_inputs_is_under_the_published_break_even():
    usd = im.owned_usd_per_gpu_hour()
    # 50,000 / (5 x 8760) + 0.925 kW x $0.10 + 0.925 kW x $200 / 730 h
    assert usd == pytest.approx(1.14155 + 0.0925 + 0.25342, rel=1e-4)
    published = next(p for p in im.GPU_PRICE_TIERS if p.provider == "Latent Space (break-even)")
    assert 0.85 < usd / published.usd_per_gpu_hour < 1  # no capital cost, staff or spares
    assert im.owned_usd_per_gpu_hour(utilisation=0.5) == pytest.approx(2 * usd)


# ----- API prices by period ----------------------------------------------------------------


def test_deepseek_chat_served_other_models_at_other_prices():
    feb = im.api_price_on("deepseek-chat", "2025-03-01")
    assert (feb.serves, feb.usd_per_1k_input, feb.usd_per_1k_output) == (
        "DeepSeek-V3",
        0.00027,
        0.0011,
    )
    sep = im.api_price_on("deepseek-chat", "2025-09-10")
    assert sep.serves.startswith("DeepSeek-V3.1") and sep.usd_per_1k_input == 0.00056
    autumn = im.api_price_on("deepseek-chat", "2026-09-20")  # the GPU prices' day
    assert autumn.serves == "DeepSeek-V4-Flash" and autumn.usd_per_1k_output == 0.00132
    with pytest.raises(ValueError, match="first took effect on 2025-02-09"):
        im.api_price_on("deepseek-chat", "2024-12-01")
    # the catalog's deepseek-chat is the first period's price, 590 days before the GPUs'
    catalog = im.get_api_price("deepseek-chat")
    assert (catalog.usd_per_1k_input, catalog.usd_per_1k_output) == (
        feb.usd_per_1k_input,
        feb.usd_per_1k_output,
    )
    assert im.date_gap(catalog.date, "2026-08-26") == 564


def test_periods_agree_with_the_catalog_snapshots():
    for snapshot, day in (("gpt-3.5-turbo-0613", "2023-07-20"), ("gpt-3.5-turbo-0125", "2026-09")):
        period = im.api_price_on("gpt-3.5-turbo", day)
        catalog = im.get_api_price(snapshot)
        assert period.serves == snapshot
        assert (period.usd_per_1k_input, period.usd_per_1k_output) == (
            catalog.usd_per_1k_input,
            catalog.usd_per_1k_output,
        )
    mini = im.api_price_on("gpt-4o-mini", "2026-09-20")
    assert mini.price().usd_per_1k_output == im.get_api_price("gpt-4o-mini").usd_per_1k_output
    for alias in ("gpt-3.5-turbo", "deepseek-chat"):  # periods follow each other, no gap
        periods = im.api_periods(alias)
        assert all(a.end == b.start for a, b in zip(periods, periods[1:]))
        assert periods[-1].end is None


# ----- the verdict -------------------------------------------------------------------------


def test_one_case_is_price_workload():
    v = im.cost_verdict(
        "chat", im.ARTICLE_API, deployment=ARTICLE, batching=("static",), interval=None,
        utilisation=(1.0,),
    )  # fmt: skip
    assert v.cases == 1 and v.word == "none" and v.deciding == "none"
    assert v.base == pytest.approx(im.price_workload("chat", **ARTICLE).ratio, rel=1e-12)
    assert v.base == pytest.approx(2.6236, rel=1e-4)  # chapter 11: GPT-3.5 2.6x cheaper


def test_utilisation_is_what_the_first_token_target_allows():
    v = im.cost_verdict(
        "chat", im.ARTICLE_API, deployment=ARTICLE, batching=("continuous",), interval=None,
    )  # fmt: skip
    p = im.price_workload("chat", batching="continuous", **ARTICLE)
    # the first token comes with the prefill: one decode step fewer than the completion
    e = im.estimate(
        im.deployment(**ARTICLE), batch=p.batch, prompt=1020, completion=128,
        batching="continuous",
    )  # fmt: skip
    service = float(e["ttft_s"] - e["queue_s"] + e["completion_s"])
    budget = 1.0 - float(e["ttft_s"] - e["queue_s"])
    p99 = im.max_utilisation(float(e["admitted"]), 1 / service, budget, 0.99)
    mean = im.max_utilisation(float(e["admitted"]), 1 / service, budget, "mean")
    assert v.utilisations[0, 0, 0, :, 0] == pytest.approx([p99, mean], rel=1e-12)
    assert mean > p99  # the tail leaves less room for the queue
    assert v.ratios[0, 0, 0, 0, 0] == pytest.approx(p.ratio / p99, rel=1e-12)
    assert (p99, mean) == pytest.approx((0.5305, 0.7137), abs=1e-4)


def test_the_queue_chooses_the_batch_as_much_as_the_cost():
    """Reranking on two A100s (the article's terms): one prompt at a time is as cheap per
    request as any batch, but a single slot queues badly; two prompts prefilled together take
    0.35 s of the 0.5 s target and give the queue two slots, which the 99th percentile
    prefers."""
    v = im.cost_verdict(
        "reranking", im.ARTICLE_API, deployment=ARTICLE, batching=("static",), interval=None
    )
    assert im.price_workload("reranking", **ARTICLE).batch == 1
    assert v.batches[0, 0, 0, :, 0].tolist() == [2, 1]  # p99, mean
    u = im.max_utilisation(2, 1 / 0.35, 0.5 - 0.35, 0.99)
    assert v.utilisations[0, 0, 0, 0, 0] == pytest.approx(u, rel=1e-9)
    p = im.price_workload("reranking", batches=[2], **ARTICLE)
    assert v.ratios[0, 0, 0, 0, 0] == pytest.approx(p.ratio / u, rel=1e-9)
    alone = im.max_utilisation(1, 1 / 0.175, 0.5 - 0.175, 0.99)  # one slot
    assert p.ratio / u < im.price_workload("reranking", **ARTICLE).ratio / alone


def test_the_mean_wait_bound_of_one_slot_is_the_textbook_one():
    # M/M/1: mean wait rho / (mu (1 - rho)); with mu = 1 and a 1 s budget, rho = 1/2
    assert im.max_utilisation(1, 1.0, 1.0, "mean") == pytest.approx(0.5, abs=1e-9)


def test_tokens_scale_the_self_hosted_request_and_not_the_apis():
    same = im.cost_verdict(
        "chat", im.ARTICLE_API, deployment=ARTICLE, batching=("static",), interval=None,
        utilisation=(1.0,), tokens={"more": 1.2},
    )  # fmt: skip
    longer = im.Workload("chat x 1.2", 1224, 155, 1.0, 12.0, "test", "test", "2026")
    p = im.price_workload(longer, **ARTICLE)
    api = float(im.api_usd_per_request(im.ARTICLE_API, 1020, 129))
    assert same.base == pytest.approx(p.usd_per_request / api, rel=1e-12)


def test_the_interval_is_the_throughputs_on_the_request():
    v = im.cost_verdict("chat", im.ARTICLE_API, deployment=TODAY, utilisation=(1.0,))
    lo, hi = interval_factors("usd_per_1k_completion", "llama-2-70b", "a100-80gb-sxm", "bf16", 0.8)
    assert v.ratios[:, 0, 0, 0, 0] == pytest.approx([lo * v.base, v.base, hi * v.base])


def test_chat_verdicts_of_the_answer():
    found = answer.answers()
    article, today, market = found["article-2023"], found["today"], found["2026"]
    # the article's terms: GPT-3.5 cheaper in every case; the price moves it most
    assert (article.word, article.cases, article.deciding) == ("none", 8, "price")
    assert (article.low, article.base, article.high) == pytest.approx(
        (22.78, 41.25, 97.79), rel=1e-3
    )
    # today's server on the same GPUs (constants refitted in 4bbc4a4): GPT-3.5 cheaper in
    # every case of 24; the cheapest case, at the low end of the serving model's error,
    # comes within 3% of it
    assert (today.cheaper_count, today.cases, today.deciding) == (0, 24, "price")
    assert (today.low, today.base, today.high) == pytest.approx((1.025, 2.138, 6.747), rel=1e-3)
    # 2026: most cases go to self-hosting; the serving model's error turns it
    assert (market.word, market.cheaper_count, market.cases) == ("most", 36, 48)
    assert market.deciding == "interval" and market.decided_by_flip
    assert (market.low, market.base, market.high) == pytest.approx(
        (0.3483, 0.6493, 1.605), rel=1e-3
    )


def test_the_deciding_assumption_is_the_one_that_flips_it():
    axes = tuple(
        verdicts.Axis(name, tuple(map(str, vals)), vals, 0)
        for name, vals in zip(verdicts.AXES, [(0,), (1, 2), (1, 2), (1, 2), (0,)])
    )
    ratios = np.full((1, 2, 2, 2, 1), 0.9)  # the central case: cheaper self-hosted
    ratios[0, 1, 0, 0, 0] = 0.95  # the price moves it a little
    ratios[0, 0, 1, 0, 0] = 1.1  # the tokens flip it
    ratios[0, 0, 0, 1, 0] = 0.3  # utilisation moves it most, without a flip
    v = verdicts.Verdict("synthetic", axes, ratios, np.ones_like(ratios), np.ones_like(ratios))
    assert v.base == 0.9 and v.word == "most" and v.cheaper_count == 7
    assert v.deciding == "tokens" and v.decided_by_flip  # a flip outranks a wider swing
    ratios[0, 0, 1, 0, 0] = 0.95  # nothing flips it: the widest swing, utilisation's
    assert v.deciding == "utilisation" and not v.decided_by_flip
    ratios[0, 1, 0, 0, 0] = 3.0  # the price flips it
    assert v.deciding == "price" and v.swing("price") == (0.9, 3.0)


def test_a_workload_no_batch_can_serve_is_never_cheaper():
    v = im.cost_verdict("code completion", im.ARTICLE_API, deployment=ARTICLE, interval=None)
    assert np.all(np.isinf(v.ratios)) and v.word == "none"
    assert v.span() == "no batch meets the targets"


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(utilisation=("p95",)), "unknown utilisation statistic 'p95'"),
        (dict(utilisation=(1.5,)), "utilisation"),
        (dict(prices=[]), "prices must hold at least one price"),
        (dict(batching=("dynamic",)), "unknown batching 'dynamic'"),
        (dict(interval=0.8), "interval needs step_model='per-op'"),
    ],
)
def test_bad_input_is_refused_by_name(kw, message):
    with pytest.raises(ValueError, match=message):
        im.cost_verdict("chat", im.ARTICLE_API, deployment=ARTICLE, **{"interval": None, **kw})


def test_a_verdict_against_another_api_and_over_fewer_values():
    v = im.cost_verdict(
        "chat", im.ARTICLE_API, deployment=ARTICLE, batching=("static",), interval=None,
        tokens={"same": 1.0, "more": 1.2}, utilisation=(1.0,),
    )  # fmt: skip
    cut = im.get_api_price("gpt-3.5-turbo-0125")  # January 2024: input a third, output 3/4
    later = v.against(cut)
    bill = float(im.api_usd_per_request(cut, 1020, 129))
    assert later.api_usd == bill and later.question.endswith("against gpt-3.5-turbo-0125")
    assert later.ratios == pytest.approx(v.ratios * v.api_usd / bill, rel=1e-12)
    same = later.only("tokens", [0])
    assert same.cases == 1 and same.base == pytest.approx(later.ratios[0, 0, 0, 0, 0])
    assert same.base == pytest.approx(
        im.price_workload("chat", "gpt-3.5-turbo-0125", **ARTICLE).ratio, rel=1e-12
    )
    # the chapter's own price as the central case, one of the prices given
    prices = im.gpu_prices("b200", ("2026-08-26", "2026-09-20"), since="2024-01")
    assert [p.provider for p in prices] == ["Hyperstack", "Hyperstack", "Lambda", "CoreWeave"]
    assert [p.tier for p in prices[:2]] == ["reserved", "on-demand"]


def test_the_tornado_has_a_bar_per_assumption_that_varies():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from inference_math.book.tornado import tornado

    v = answer.answers()["2026"]  # continuous batching only: no batching bar
    fig = tornado(v, "gpt-4o-mini", "title")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [verdicts.AXIS_TITLES[a] for a in ("interval", "price", "tokens",
                                                        "utilisation")]  # fmt: skip
    for patch, name in zip(ax.patches, ("interval", "price", "tokens", "utilisation")):
        lo, hi = v.swing(name)
        assert patch.get_x() == pytest.approx(lo) and patch.get_width() == pytest.approx(hi - lo)
    left, right = ax.get_xlim()
    assert left < min(v.swing("interval")[0], 1) and right > v.swing("interval")[1]
    plt.close(fig)
