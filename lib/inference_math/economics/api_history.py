"""What an API alias charged, period by period, and which model it served (chapters 11-13).

An API price is a price on a date: ``deepseek-chat`` cost $0.27 per million input tokens
from February 2025, $0.56 from September 2025, $0.28 from the end of that month, and by then
it no longer served DeepSeek-V3. A verdict that sets an API price against GPU prices must use
the price in force on the GPUs' date, or show that it does not. ``api_price_on`` finds the
price in force on a day; ``date_gap`` says how far apart two dated prices are.

Each period holds the price of a cache miss (``usd_per_1k_input``), of a cached input where
the provider bills one, and of an output token, per 1,000 tokens, with the date the price
took effect and the date the next one did. Off-peak discounts are kept as notes, not as
prices: a verdict compares list prices in the hours people use a service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..core import checks
from .prices import ApiPrice


@dataclass(frozen=True)
class ApiPeriod:
    """An API alias's price over a period (chapter 12): in force from ``start`` (inclusive)
    to ``end`` (exclusive; None: still in force when last read, on ``read``)."""

    alias: str
    serves: str  # the model behind the alias in this period
    start: str  # ISO day
    end: str | None
    usd_per_1k_input: float  # a cache miss
    usd_per_1k_output: float
    usd_per_1k_cached_input: float | None
    source: str
    confidence: str  # as price_tiers.CONFIDENCE
    read: str = ""  # the day the price was last seen in force, where known
    note: str = ""

    @property
    def name(self) -> str:
        """'deepseek-chat (2025-02-09)': the alias and the day this price took effect."""
        return f"{self.alias} ({self.start})"

    def price(self) -> ApiPrice:
        """This period's price as an ``ApiPrice`` (for ``api_usd_per_request``), named
        '<alias> (<start>)'."""
        return ApiPrice(
            self.name, self.usd_per_1k_input, self.usd_per_1k_output,
            None, self.start, self.source, self.usd_per_1k_cached_input,
        )  # fmt: skip


_OPENAI_INTRO = "OpenAI, 'Introducing ChatGPT and Whisper APIs' (2023-03-01): $0.002 per 1K tokens"
_OPENAI_0613 = (
    "OpenAI, 'Function calling and other API updates' (2023-06-13): input price cut by 25%"
)
_OPENAI_DEVDAY = "OpenAI, 'New models and developer products announced at DevDay' (2023-11-06)"
_OPENAI_0125 = (
    "OpenAI, 'New embedding models and API updates' (2024-01-25): input -50%, output -25%; "
    "OpenAI's pricing page still listed $0.50 and $1.50 per 1M on 2026-09-27"
)
_GPT4O_MINI = (
    "OpenAI, 'GPT-4o mini: advancing cost-efficient intelligence' (2024-07-18); OpenAI's "
    "pricing page listed the same $0.15 and $0.60 per 1M (cached input $0.075) on 2026-09-27"
)
_DS_DOCS = "DeepSeek API docs, api-docs.deepseek.com/quick_start/pricing"
_DS_0929 = (
    "DeepSeek's announcement of 2025-09-29 (api-docs.deepseek.com/news/news250929), prices as "
    "relayed by two third parties (benchlm.ai, 2026-04-13; Roo-Code's price table, 2025-12-09)"
)
_DS_V4 = (
    "third parties: an opencode issue (anomalyco/opencode #29008) and a provider survey of "
    "2026-07-03; DeepSeek's own page for the period was not retrieved"
)
_DS_PEAK = (
    "third parties: APIYI's notice of DeepSeek's price rise of August 2026 "
    "(docs.apiyi.com/en/news/deepseek-price-increase-2026-08) and a public price wiki, checked "
    "2026-10-27"
)
# fmt: off
API_PRICE_HISTORY: tuple[ApiPeriod, ...] = (
    ApiPeriod("gpt-3.5-turbo", "gpt-3.5-turbo-0301", "2023-03-01", "2023-06-13",
              0.002, 0.002, None, _OPENAI_INTRO, "primary"),
    ApiPeriod("gpt-3.5-turbo", "gpt-3.5-turbo-0613", "2023-06-13", "2023-11-06",
              0.0015, 0.002, None, _OPENAI_0613, "primary",
              note="the price Sanger (2023) compares against"),
    ApiPeriod("gpt-3.5-turbo", "gpt-3.5-turbo-1106", "2023-11-06", "2024-01-25",
              0.001, 0.002, None, _OPENAI_DEVDAY, "primary"),
    ApiPeriod("gpt-3.5-turbo", "gpt-3.5-turbo-0125", "2024-01-25", None,
              0.0005, 0.0015, None, _OPENAI_0125, "primary", read="2026-09-27",
              note="the new price took effect when the 0125 model shipped, the week after"),
    ApiPeriod("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "2024-07-18", None,
              0.00015, 0.0006, 0.000075, _GPT4O_MINI, "primary", read="2026-09-27",
              note="cached input from 2024-10-01"),
    ApiPeriod("deepseek-chat", "DeepSeek-V3", "2025-02-09", "2025-09-05",
              0.00027, 0.0011, 0.00007, _DS_DOCS + "-details-usd", "primary",
              note="Beijing time; from late February 2025 half price from 16:30 to 00:30 UTC"),
    ApiPeriod("deepseek-chat", "DeepSeek-V3.1 (non-thinking)", "2025-09-05", "2025-09-29",
              0.00056, 0.00168, 0.00007, _DS_DOCS + " (the table in force from 2025-09-05 "
              "16:00 UTC, night discount cancelled)", "primary"),
    ApiPeriod("deepseek-chat", "DeepSeek-V3.2-Exp, then DeepSeek-V3.2 (from 2025-12-01)",
              "2025-09-29", "2026-04-24", 0.00028, 0.00042, 0.000028, _DS_0929, "relayed"),
    ApiPeriod("deepseek-chat", "DeepSeek-V4-Flash (the alias deprecated)", "2026-04-24",
              "2026-08-16", 0.00014, 0.00028, 0.0000028, _DS_V4, "secondary"),
    ApiPeriod("deepseek-chat", "DeepSeek-V4-Flash", "2026-08-16", None,
              0.00044, 0.00132, 0.000014, _DS_PEAK, "secondary", read="2026-10-27",
              note="peak hours (01:00-04:00 and 06:00-10:00 UTC on weekdays); off-peak half"),
)
# fmt: on
API_ALIASES = tuple(dict.fromkeys(p.alias for p in API_PRICE_HISTORY))


def _day(name: str, value: str) -> dt.date:
    text = value if len(value) != 7 else value + "-15"  # a month: its middle
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be an ISO date (2026-09-20) or month (2026-09), got {value!r}"
        ) from None


def api_periods(alias) -> list[ApiPeriod]:
    """Every period of ``alias`` ("deepseek-chat", "gpt-3.5-turbo", "gpt-4o-mini"), oldest
    first. Chapter 12 uses it."""
    name = checks.canonical("API alias", alias, {a: a for a in API_ALIASES})
    return [p for p in API_PRICE_HISTORY if p.alias == name]


def api_price_on(alias, date: str) -> ApiPeriod:
    """The period of ``alias`` in force on ``date`` (an ISO day, or a month, read as its
    15th); a ValueError before the first period. Chapters 11 and 12 use it."""
    day = _day("date", date)
    periods = api_periods(alias)
    for p in periods:
        if _day("start", p.start) <= day and (p.end is None or day < _day("end", p.end)):
            return p
    raise ValueError(
        f"no price of {periods[0].alias} in force on {date}: the first took effect on "
        f"{periods[0].start}"
    )


def date_gap(date_a: str, date_b: str) -> int:
    """Days from ``date_a`` to ``date_b`` (ISO days or months, a month read as its 15th):
    how far apart a GPU price and an API price were set. Chapter 12 uses it."""
    return (_day("date_b", date_b) - _day("date_a", date_a)).days
