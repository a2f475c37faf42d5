"""When each API price of the catalog was in force, and DeepSeek's prices over time (chapter 12).

``prices.API_PRICES`` gives each price with the date it took effect. A comparison with GPUs
rented on another date is fair only if the price was still in force then. This module holds
what the sources say about that, price by price (``PRICE_CHECKS``): a later date on which a
source shows the same price still charged, and the first date on which it is known to have
changed (or the model behind the name to have been replaced). ``in_force_on`` reads them for a
date: "in force", "superseded" or "unknown" (a date between the last sighting and the first
known change, or after the last sighting with no change known).

DeepSeek's first-party prices changed five times between February 2025 and August 2026, and
the name ``deepseek-chat`` served three models before it was retired; ``DEEPSEEK_PRICES``
lists each price set with the model it bought (sources ranked as primary, relayed or
secondary in each entry).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.checks import lookup
from .prices import ApiPrice, get_api_price

_OPENAI_2026_09 = (
    "A price table in public code pinned to OpenAI's pricing page "
    "(developers.openai.com/api/docs/pricing), every price read from the page on 2026-09-27 "
    "(third party; the repository is not named by the index that holds it)"
)


@dataclass(frozen=True)
class PriceCheck:
    """What is known about how long a catalog API price stayed in force (chapter 12).

    ``seen_on``: a later date on which a source shows the same price still charged (None: no
    later sighting than the date it took effect); ``changed_on``: the first date on which it
    is known to have changed or the model behind the name to have changed (None: no change
    known); ``change`` says what changed."""

    api: str
    seen_on: str | None
    seen_source: str
    changed_on: str | None = None
    change: str = ""


# fmt: off
PRICE_CHECKS: dict[str, PriceCheck] = {c.api: c for c in [
    PriceCheck("gpt-4o-mini", "2026-09-27", _OPENAI_2026_09 + ": $0.15/$0.60 per 1M"),
    PriceCheck("gpt-4.1-mini", "2026-09-27", _OPENAI_2026_09 + ": $0.40/$1.60 per 1M"),
    PriceCheck("gpt-4.1-nano", "2026-09-27", _OPENAI_2026_09 + ": $0.10/$0.40 per 1M"),
    PriceCheck("gpt-5-mini", "2026-09-27", _OPENAI_2026_09 + ": $0.25/$2.00 per 1M"),
    PriceCheck("gpt-5-nano", "2026-09-27", _OPENAI_2026_09 + ": $0.05/$0.40 per 1M"),
    PriceCheck("groq/llama-3.3-70b-versatile", None,
               "only the third party's 'as of 2026-07'", "2026-09-27",
               "no longer listed on console.groq.com/docs/models when the same table was read "
               "(listed there as retired or unpublished)"),
    PriceCheck("together/llama-3.3-70b-instruct-turbo", None,
               "only the plans file generated 2026-05-08", "2026-09-27",
               "$1.04/$1.04 per 1M on together.ai/pricing when the same table was read "
               "(the date of the change between 2026-05-08 and then is not known)"),
    PriceCheck("vercel/llama-3.3-70b", None, "the stored page shows no month"),
    PriceCheck("deepseek-chat", None, "", "2025-08-21",
               "deepseek-chat began to serve DeepSeek-V3.1 on 2025-08-21, and its price rose "
               "to $0.56/$1.68 per 1M on 2025-09-05 (DEEPSEEK_PRICES)"),
]}
# fmt: on

_DS_DOCS = "DeepSeek API docs, api-docs.deepseek.com/quick_start/pricing"
_DS_DOCS_USD = _DS_DOCS + "-details-usd"
# Each price set of DeepSeek's cheapest chat model, with the model it bought: prices per 1K
# tokens (input on a cache miss, output; cached input on a hit).
# fmt: off
DEEPSEEK_PRICES: tuple[ApiPrice, ...] = (
    ApiPrice("deepseek-chat (DeepSeek-V3)", 0.00027, 0.0011, 65536, "2025-02-09",
             _DS_DOCS_USD + " (primary): $0.27 per 1M input on a cache miss, $0.07 on a hit, "
             "$1.10 output, from the end of the launch discount on 2025-02-08", 0.00007),
    ApiPrice("deepseek-chat (DeepSeek-V3.1)", 0.00056, 0.00168, 131072, "2025-09-05",
             _DS_DOCS + " (primary, the page with both tables): $0.56 miss, $0.07 hit, $1.68 "
             "output from 2025-09-05 16:00 UTC; V3.1 released 2025-08-21", 0.00007),
    ApiPrice("deepseek-chat (DeepSeek-V3.2-Exp)", 0.00028, 0.00042, 131072, "2025-09-29",
             "DeepSeek news of 2025-09-29 (api-docs.deepseek.com/news/news250929, relayed): "
             "a cut of more than half, $0.28 miss, $0.028 hit, $0.42 output", 0.000028),
    ApiPrice("deepseek-v4-flash", 0.00014, 0.00028, 131072, "2026-04-24",
             "secondary (a GitHub issue of opencode, #29008, and a 2026-07-03 research note): "
             "the deepseek-chat alias deprecated at DeepSeek-V4's release; V4-Flash $0.14 miss, "
             "$0.0028 hit, $0.28 output", 0.0000028),
    ApiPrice("deepseek-v4-flash (peak hours)", 0.00044, 0.00132, 131072, "2026-08-16",
             "secondary (docs.apiyi.com news on DeepSeek's price increase of August 2026): "
             "from 2026-08-16 16:00 UTC peak and off-peak tiers, off-peak half the peak; peak "
             "$0.44 miss, $0.014 hit, $1.32 output", 0.000014),
)
# fmt: on


def price_check(api) -> PriceCheck:
    """What is known about how long ``api``'s catalog price stayed in force (chapter 12)."""
    name = get_api_price(api).name
    return lookup("API price check", name, PRICE_CHECKS)


def in_force_on(api, date: str) -> str:
    """Whether ``api``'s catalog price was in force on ``date`` (ISO, "2026-08-26"):
    "in force" (it had taken effect and a source shows it still charged on that date or
    later), "superseded" (a change is known on or before that date), "not yet" (it took
    effect later) or "unknown" (neither). Dates compare as text, so a month ("2026-07")
    counts as its first day. Chapter 12 uses it."""
    p = get_api_price(api)
    check = price_check(p)
    if not isinstance(date, str) or len(date) < 4:
        raise ValueError(f"date must be an ISO date such as '2026-08-26', got {date!r}")
    if p.date > date:
        return "not yet"
    if check.changed_on is not None and check.changed_on <= date:
        return "superseded"
    if check.seen_on is not None and check.seen_on >= date:
        return "in force"
    return "unknown"


def deepseek_price_on(date: str) -> ApiPrice:
    """The price of DeepSeek's cheapest chat model in force on ``date`` (ISO), from
    ``DEEPSEEK_PRICES`` (chapter 12). Before the first entry there is none: ValueError."""
    if not isinstance(date, str) or len(date) < 4:
        raise ValueError(f"date must be an ISO date such as '2026-08-26', got {date!r}")
    earlier = [p for p in DEEPSEEK_PRICES if p.date <= date]
    if not earlier:
        raise ValueError(
            f"no DeepSeek price is recorded before {DEEPSEEK_PRICES[0].date}; got {date!r}"
        )
    return earlier[-1]
