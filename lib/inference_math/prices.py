"""API prices by the token and GPU rental quotes, each with its date and source.

Prices change; a comparison is only fair between prices of the same date. The book always
names the snapshot it compares against.
"""

from __future__ import annotations

from dataclasses import dataclass

from .checks import lookup


@dataclass(frozen=True)
class ApiPrice:
    """An API's price per 1K input and output tokens on a date, with its source (chapter 8)."""

    name: str
    usd_per_1k_input: float
    usd_per_1k_output: float
    context: int  # tokens
    date: str  # when this price took effect
    source: str


_OPENAI = "OpenAI pricing page and model announcements, as archived"
# fmt: off
API_PRICES: dict[str, ApiPrice] = {p.name: p for p in [
    ApiPrice("gpt-3.5-turbo-0301", 0.002, 0.002, 4096, "2023-03-01", _OPENAI),
    ApiPrice("gpt-3.5-turbo-0613", 0.0015, 0.002, 4096, "2023-06-13",
             _OPENAI + "; the price Sanger (2023) compares against"),
    ApiPrice("gpt-3.5-turbo-16k-0613", 0.003, 0.004, 16384, "2023-06-13", _OPENAI),
    ApiPrice("gpt-3.5-turbo-1106", 0.001, 0.002, 16385, "2023-11-06", _OPENAI),
    ApiPrice("gpt-3.5-turbo-0125", 0.0005, 0.0015, 16385, "2024-01-25", _OPENAI),
    ApiPrice("gpt-4o-mini", 0.00015, 0.0006, 128000, "2024-07-18", _OPENAI),
]}
# fmt: on

# The snapshot the source article compares against.
ARTICLE_API = "gpt-3.5-turbo-0613"


def get_api_price(name_or_price) -> ApiPrice:
    """A catalog API price by name (close matches suggested), or an ``ApiPrice`` as is
    (chapter 8)."""
    if isinstance(name_or_price, ApiPrice):
        return name_or_price
    return lookup("API model", name_or_price, API_PRICES)


@dataclass(frozen=True)
class GpuHourQuote:
    """A GPU-hour rental price from one provider on one date (chapter 8)."""

    gpu: str
    usd_per_gpu_hour: float
    provider: str
    date: str
    source: str


# Further dated quotes beside each GPU's default price (gpus.GPUS[...].usd_per_hour), for
# chapters that show how rental prices moved.
# fmt: off
GPU_HOUR_QUOTES: list[GpuHourQuote] = [
    GpuHourQuote("a100-80gb-sxm", 2.21, "CoreWeave", "2023-07",
                 "CoreWeave list price (Sanger 2023)"),
    GpuHourQuote("a100-80gb-sxm", 40.97 / 8, "AWS p4de.24xlarge", "2023-07",
                 "AWS on-demand, $40.97/hour for 8 GPUs"),
    GpuHourQuote("h100-sxm", 98.32 / 8, "AWS p5.48xlarge", "2023-07",
                 "AWS on-demand, $98.32/hour for 8 GPUs"),
    GpuHourQuote("a100-80gb-sxm", 3.43, "AWS p4de", "2025-06", "AWS price cut of June 2025"),
    GpuHourQuote("h100-sxm", 6.88, "AWS p5", "2025-06", "AWS price cut of June 2025"),
    GpuHourQuote("a100-80gb-sxm", 2.79, "Lambda", "2026-11", "Lambda on-demand"),
    GpuHourQuote("h100-sxm", 3.99, "Lambda", "2026-11", "Lambda on-demand"),
    GpuHourQuote("b200", 6.69, "Lambda", "2026-11", "Lambda on-demand"),
]
# fmt: on


@dataclass(frozen=True)
class ApiLatency:
    """How fast an API model answered, as someone observed it: a dated measurement of a
    service under its own load, not a property of the model. Chapters compare a
    self-hosted deployment's latency with it. Chapter 9 uses it."""

    name: str  # the API model (a key of API_PRICES)
    tokens_per_s: float  # completion tokens per second seen by one request
    ttft_s: float  # seconds to the first token
    ttft_prompt_tokens: int  # the prompt length at which ttft_s was observed
    date: str
    source: str


# fmt: off
API_LATENCY: dict[str, ApiLatency] = {o.name: o for o in [
    # Sanger (2023): gpt-3.5-turbo "about 70 tokens/s" and 0.4 s to the first token of a
    # 3.6K-token prompt, observed in July 2023, when gpt-3.5-turbo pointed to the 0613 snapshot.
    ApiLatency(ARTICLE_API, 70.0, 0.4, 3600, "2023-07",
               "Sanger, 'Why GPT-3.5 is (mostly) cheaper than Llama 2', Cursor blog, "
               "2023-07-20: observed, about 70 tokens/s and 0.4 s for a 3.6K-token prompt"),
]}
# fmt: on


def get_api_latency(name_or_latency) -> ApiLatency:
    """A dated latency observation of an API by name, or an ``ApiLatency`` as is (chapter 9)."""
    if isinstance(name_or_latency, ApiLatency):
        return name_or_latency
    return lookup("API latency observation", name_or_latency, API_LATENCY)
