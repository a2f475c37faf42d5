"""API prices by the token and GPU rental quotes, each with its date and source.

Prices change; a comparison is only fair between prices of the same date. The book always
names the snapshot it compares against.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.checks import lookup


@dataclass(frozen=True)
class ApiPrice:
    """An API's price per 1K input and output tokens on a date, with its source (chapter 8)."""

    name: str
    usd_per_1k_input: float
    usd_per_1k_output: float
    context: int | None  # tokens; None: not recorded (a price of a period, api_history)
    date: str  # when this price took effect
    source: str
    # input tokens the provider has cached (a repeated prompt prefix); None: no such price
    usd_per_1k_cached_input: float | None = None


_OPENAI = "OpenAI pricing page and model announcements, as archived"
_OPENAI_PAGE = (
    "OpenAI's model page for the {snap} snapshot (developers.openai.com, stored copy, 2026)"
)
_LLAMA_CONTEXT = "; context: the model's own 131,072 tokens, not checked against the provider"
# Hosted open-weight models: no provider's own price page could be retrieved for Llama-3.x-70B,
# so each of these is a third party's record, as its source says.
# fmt: off
API_PRICES: dict[str, ApiPrice] = {p.name: p for p in [
    ApiPrice("gpt-3.5-turbo-0301", 0.002, 0.002, 4096, "2023-03-01", _OPENAI),
    ApiPrice("gpt-3.5-turbo-0613", 0.0015, 0.002, 4096, "2023-06-13",
             _OPENAI + "; the price Sanger (2023) compares against"),
    ApiPrice("gpt-3.5-turbo-16k-0613", 0.003, 0.004, 16384, "2023-06-13", _OPENAI),
    ApiPrice("gpt-3.5-turbo-1106", 0.001, 0.002, 16385, "2023-11-06", _OPENAI),
    ApiPrice("gpt-3.5-turbo-0125", 0.0005, 0.0015, 16385, "2024-01-25", _OPENAI),
    ApiPrice("gpt-4o-mini", 0.00015, 0.0006, 128000, "2024-07-18",
             _OPENAI + "; cached input $0.075 per 1M from 2024-10-01 (openai.com/index/"
             "api-prompt-caching, table for gpt-4o-mini-2024-07-18)", 0.000075),
    ApiPrice("gpt-4.1-mini", 0.0004, 0.0016, 1047576, "2025-04-14",
             "Third parties: LiteLLM's price map as of 2025-04-14 ($0.40/$1.60 per 1M) and "
             "explore.oreate.ai, April 2026 (cached $0.10); OpenAI's own page not retrieved",
             0.0001),
    ApiPrice("gpt-4.1-nano", 0.0001, 0.0004, 1047576, "2025-04-14",
             _OPENAI_PAGE.format(snap="gpt-4.1-nano-2025-04-14") + "; launch price confirmed by "
             "Simon Willison, 2025-04-14 (third party)", 0.000025),
    ApiPrice("gpt-5-mini", 0.00025, 0.002, 400000, "2025-08-07",
             _OPENAI_PAGE.format(snap="gpt-5-mini-2025-08-07"), 0.000025),
    ApiPrice("gpt-5-nano", 0.00005, 0.0004, 400000, "2025-08-07",
             _OPENAI_PAGE.format(snap="gpt-5-nano-2025-08-07"), 0.000005),
    ApiPrice("groq/llama-3.3-70b-versatile", 0.00059, 0.00079, 131072, "2026-07",
             "Third party: a price table in public code, 'Groq (as of 2026-07)'; the same "
             "$0.59/$0.79 per 1M for llama3-70b-8192 in Mirascope's 2024 table; "
             "groq.com/pricing not retrieved" + _LLAMA_CONTEXT),
    ApiPrice("together/llama-3.3-70b-instruct-turbo", 0.00088, 0.00088, 131072, "2026-05",
             "Third party: api-evangelist/together-ai plans file, generated 2026-05-08, and a "
             "price table in public code; Together's own page not retrieved (weak)"
             + _LLAMA_CONTEXT),
    ApiPrice("vercel/llama-3.3-70b", 0.00072, 0.00072, 128000, "2026",
             "Vercel AI Gateway's model page (vercel.com/ai-gateway/models/llama-3.3-70b, "
             "stored 2026, month not shown); the same $0.72/$0.72 at docs.tera.gw (third party)"),
    ApiPrice("deepseek-chat", 0.00027, 0.0011, 65536, "2025-02-08",
             "DeepSeek's API docs (api-docs.deepseek.com/quick_start/pricing-details-usd): "
             "deepseek-chat is DeepSeek-V3, 64K context (read as 65,536), $0.27 per 1M "
             "input on a cache miss, $0.07 on a hit, $1.10 output; in effect after the "
             "discount that ended 2025-02-08 16:00 UTC (footnote in a mirror of the docs, "
             "third party)", 0.00007),
]}
# fmt: on


@dataclass(frozen=True)
class ApiDiscount:
    """A provider's discount on its API prices as data: the share taken off ``applies_to``
    (chapter 12)."""

    name: str
    provider: str
    fraction_off: float
    applies_to: str
    date: str  # when it was observed or took effect
    source: str


# fmt: off
API_DISCOUNTS: dict[str, ApiDiscount] = {d.name: d for d in [
    ApiDiscount("openai-batch", "OpenAI", 0.5,
                "input and output tokens sent through the Batch API (answers within 24 hours)",
                "2026", "help.openai.com/en/articles/9197833-batch-api-faq, observed in 2026: "
                "'offered at 50% cost discount vs. the synchronous APIs'"),
    ApiDiscount("openai-cached-input-gpt-4o", "OpenAI", 0.5,
                "cached input tokens of GPT-4o and GPT-4o mini (prompts of 1,024 tokens or more)",
                "2024-10-01", "openai.com/index/api-prompt-caching: 'a 50% discount'"),
    ApiDiscount("openai-cached-input-gpt-4.1", "OpenAI", 0.75,
                "cached input tokens of the GPT-4.1 family", "2025-04-14",
                "derived from gpt-4.1-nano's prices on OpenAI's page ($0.025 against $0.10)"),
    ApiDiscount("openai-cached-input-gpt-5", "OpenAI", 0.9,
                "cached input tokens of the GPT-5 family", "2025-08-07",
                "derived from gpt-5-nano's and gpt-5-mini's prices on OpenAI's pages"),
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


_HYPERSTACK = (
    "Hyperstack on-demand (hyperstack.cloud/gpu-pricing), as transcribed verbatim from the "
    "page on 2026-08-26 by a third party (api-evangelist/nexgen-cloud plans file)"
)
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
    # One provider on one day for all four: rates that can be compared with each other
    *[GpuHourQuote(gpu, price, "Hyperstack", "2026-08-26", _HYPERSTACK) for gpu, price in (
        ("a100-80gb-sxm", 1.60), ("h100-sxm", 3.20), ("h200-sxm", 3.99), ("b200", 6.00))],
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
