"""Market data of 2024-2026 (issue 12): API prices with cached input, discounts as data,
hosted open-weight prices, and GPU-hours from one provider on one day. Every entry has a date
and a source, and a price read from a third party says so."""

from __future__ import annotations

import pytest

import inference_math as im

# per 1K tokens: input, output, cached input (the notes give them per 1M)
OPENAI_SMALL = {
    "gpt-4o-mini": (0.15, 0.60, 0.075),
    "gpt-4.1-mini": (0.40, 1.60, 0.10),
    "gpt-4.1-nano": (0.10, 0.40, 0.025),
    "gpt-5-mini": (0.25, 2.00, 0.025),
    "gpt-5-nano": (0.05, 0.40, 0.005),
}


@pytest.mark.parametrize("name", OPENAI_SMALL)
def test_openai_small_models_per_1k_tokens(name):
    p = im.get_api_price(name)
    per_1m = (p.usd_per_1k_input * 1000, p.usd_per_1k_output * 1000,
              p.usd_per_1k_cached_input * 1000)  # fmt: skip
    assert per_1m == pytest.approx(OPENAI_SMALL[name], rel=1e-12)
    assert p.date >= "2024-07-18" and p.source


def test_cached_input_discounts_are_the_prices_ratios():
    family = {"gpt-4o-mini": "gpt-4o", "gpt-4.1-mini": "gpt-4.1", "gpt-4.1-nano": "gpt-4.1",
              "gpt-5-mini": "gpt-5", "gpt-5-nano": "gpt-5"}  # fmt: skip
    for name, fam in family.items():
        p = im.get_api_price(name)
        off = im.API_DISCOUNTS[f"openai-cached-input-{fam}"].fraction_off
        assert 1 - p.usd_per_1k_cached_input / p.usd_per_1k_input == pytest.approx(off)


def test_batch_api_halves_openai_prices():
    batch = im.API_DISCOUNTS["openai-batch"]
    assert batch.fraction_off == 0.5 and "50%" in batch.source
    for d in im.API_DISCOUNTS.values():
        assert d.date and d.source and 0 < d.fraction_off < 1


def test_hosted_llama_70b_from_several_providers_each_flagged_third_party():
    hosted = [p for n, p in im.API_PRICES.items() if "llama-3.3-70b" in n]
    assert len({p.name.split("/")[0] for p in hosted}) >= 2
    groq = im.get_api_price("groq/llama-3.3-70b-versatile")
    assert (groq.usd_per_1k_input, groq.usd_per_1k_output) == (0.00059, 0.00079)
    assert im.get_api_price("together/llama-3.3-70b-instruct-turbo").usd_per_1k_output == 0.00088
    for p in hosted:
        assert p.date and "third party" in p.source.lower(), p.name


def test_deepseek_v3_own_api_price():
    p = im.get_api_price("deepseek-chat")
    assert (p.usd_per_1k_input, p.usd_per_1k_cached_input, p.usd_per_1k_output) == (
        0.00027,
        0.00007,
        0.0011,
    )
    assert p.date == "2025-02-08" and "api-docs.deepseek.com" in p.source


def test_one_provider_one_day_for_four_gpus():
    quotes = {q.gpu: q for q in im.GPU_HOUR_QUOTES if q.provider == "Hyperstack"}
    assert {g: q.usd_per_gpu_hour for g, q in quotes.items()} == {
        "a100-80gb-sxm": 1.60,
        "h100-sxm": 3.20,
        "h200-sxm": 3.99,
        "b200": 6.00,
    }
    assert {q.date for q in quotes.values()} == {"2026-08-26"}
    assert all("third party" in q.source for q in quotes.values())


def test_every_quote_names_a_catalog_gpu_with_a_date_and_source():
    for q in im.GPU_HOUR_QUOTES:
        assert q.gpu in im.GPUS and q.date and q.source and q.usd_per_gpu_hour > 0
    # the chapters glue the defaults: the new quotes leave them as they were
    defaults = {g: im.GPUS[g].usd_per_hour for g in ("a100-80gb-sxm", "h100-sxm", "h200-sxm")}
    assert defaults == {"a100-80gb-sxm": 2.21, "h100-sxm": 3.99, "h200-sxm": 4.54}
