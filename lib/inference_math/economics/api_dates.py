"""When each API price of the catalog was in force (chapter 12).

``prices.API_PRICES`` gives each price with the date it took effect. A comparison with GPUs
rented on another date is fair only if the price was still in force then. This module holds
what the sources say about that, price by price (``PRICE_CHECKS``): a later date on which a
source shows the same price still charged, and the first date on which it is known to have
changed (or the model behind the name to have been replaced). ``in_force_on`` reads them for a
date: "in force", "superseded" or "unknown" (a date between the last sighting and the first
known change, or after the last sighting with no change known).

This is about the catalog's prices (``prices.API_PRICES``), one per model. An alias's prices
period by period, with the model each period served (deepseek-chat's five), are
``api_history.API_PRICE_HISTORY``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.checks import lookup
from .prices import get_api_price

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
               "to $0.56/$1.68 per 1M on 2025-09-05 (api_history.API_PRICE_HISTORY)"),
]}
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
