"""The book's answer to the article's question, as three verdicts with their ranges (the
landing page and chapter 1 state it; chapters 11 and 12 derive it).

The article asked whether GPT-3.5 is cheaper than Llama-2-70B served on rented A100s. The
answer depends on the terms, so it is given three times, each for chat (chapter 11's
workload: the median conversation of Azure's traces, with a first token within a second):

- ``"article-2023"``: the article's terms: its deployment of two A100s at its step model and
  static batching, July 2023 GPU prices, gpt-3.5-turbo's price in force that month;
- ``"today"``: the same GPUs, prices and API, served as today's servers serve (continuous
  batching, chunked prefill, the per-op model fitted to published measurements);
- ``"2026"``: Llama-3.3-70B in fp8 on one B200 at the prices chapter 12 ranges over (on
  demand: the catalog's quote and three providers' of September 2026; reserved), against
  gpt-4o-mini's price in force that day.

Each ranges over the tokenizers' ratio and the utilisation the first-token target allows (at
the mean and at the 99th percentile), over the GPU prices of its date and, where the model
has one, over its prediction interval (``economics.verdicts``).
"""

from __future__ import annotations

import functools

from ..core import units
from ..economics.api_history import api_price_on
from ..economics.price_tiers import gpu_prices
from ..economics.prices import GPU_HOUR_QUOTES
from ..hardware.gpus import get_gpu
from ..economics.workloads import price_workload
from ..economics.verdicts import AXIS_TITLES, Verdict, cost_verdict, tokenizer_ratios
from .page import glue

WORKLOAD = "chat"
# The dates each verdict prices at: the article's month, and the 2026 snapshot's day.
ARTICLE_DATE = "2023-07"
MARKET_DATE = "2026-09-20"
# Reserved and owned prices older than this are not set against the 2026 market.
MARKET_SINCE = "2024-01"
ANSWERS = ("article-2023", "today", "2026")


@functools.lru_cache(maxsize=1)
def answers() -> dict[str, Verdict]:
    """The three verdicts, by ``ANSWERS`` key (computed once per process; a few seconds)."""
    a100 = gpu_prices("a100-80gb-sxm", ARTICLE_DATE, until=ARTICLE_DATE)
    gpt35 = api_price_on("gpt-3.5-turbo", ARTICLE_DATE)
    llama2 = tokenizer_ratios("llama-2", "cl100k_base")
    # on demand: the catalog's own quote (Hyperstack's) beside three providers' on the day,
    # the prices chapter 12's table and its ranges use
    name = get_gpu("b200").name
    catalog = next(q.date for q in GPU_HOUR_QUOTES if q.gpu == name and q.provider == "Hyperstack")
    b200 = gpu_prices("b200", (catalog, MARKET_DATE), since=MARKET_SINCE, until=MARKET_DATE)
    mini = api_price_on("gpt-4o-mini", MARKET_DATE)
    llama3 = tokenizer_ratios("llama-3", "o200k_base")
    article = dict(scenario="article-2023", gpus=2)
    today = dict(model="llama-2-70b", gpu="a100-80gb-sxm", gpus=2)
    market = dict(model="llama-3.3-70b", gpu="b200", gpus=1, dtype="fp8", kv_dtype="fp8")
    return {
        "article-2023": cost_verdict(
            WORKLOAD, gpt35, deployment=article, prices=a100, tokens=llama2,
            batching=("static",), interval=None,
            question="chat on the article's two A100s (its model and batching), 2023 prices",
        ),
        "today": cost_verdict(
            WORKLOAD, gpt35, deployment=today, prices=a100, tokens=llama2,
            batching=("continuous",),
            question="chat on two A100s served as today's servers serve it, 2023 prices",
        ),
        "2026": cost_verdict(
            WORKLOAD, mini, deployment=market, prices=b200, tokens=llama3,
            batching=("continuous",),
            question="chat, Llama-3.3-70B on one B200 against gpt-4o-mini, September 2026",
        ),
    }  # fmt: skip


def winner(v: Verdict, api: str) -> str:
    """Who is cheaper in most cases: 'self-hosting' or the API's name; 'neither' at a tie."""
    share = v.cheaper_share
    return "self-hosting" if share > 0.5 else api if share < 0.5 else "neither"


def clause(v: Verdict) -> dict[str, str]:
    """The parts of a verdict the pages glue: ``span`` ('0.35× to 1.9×'), ``base``
    (the central case), ``word``, ``count`` and ``cases`` ('most', '34', '48'), ``share``
    (cheaper in, as a percentage), ``deciding`` (the assumption, in words) and ``how``
    ('turns it' where the assumption's range flips the verdict, else 'moves it most')."""
    return {
        "span": v.span(),
        "base": units.fmt_ratio(v.base, 2),
        "word": v.word,
        "count": units.fmt_int(v.cheaper_count),
        "cases": units.fmt_int(v.cases),
        "share": units.fmt_percent(v.cheaper_share),
        "deciding": AXIS_TITLES.get(v.deciding, "nothing"),
        "how": "turns it" if v.decided_by_flip else "moves it most",
        "decides": (
            f"the verdict turning on {AXIS_TITLES[v.deciding]}"
            if v.decided_by_flip
            else f"{AXIS_TITLES.get(v.deciding, 'nothing')} moving it most"
        ),
    }


def glue_answers(prefix: str = "ans") -> dict[str, Verdict]:
    """Glue the three verdicts' parts for a page's prose, as '<prefix>-<answer>-<part>'
    ('ans-2026-span'): ``span``, ``central``, ``count`` ('none' for 0), ``cases``,
    ``decides``, ``low`` and ``high``; and '<prefix>-article-full', the article's own figure
    (its terms with the GPUs always full and the tokens counted alike). Returns the
    verdicts. The landing page and chapter 1
    use it."""
    found = answers()
    # the article's own figure: its terms, GPUs always full, tokens counted alike
    gpt35 = api_price_on("gpt-3.5-turbo", ARTICLE_DATE).price()
    full = price_workload(WORKLOAD, gpt35, scenario="article-2023", gpus=2).ratio
    glue(f"{prefix}-article-full", full, "ratio")
    for key, v in found.items():
        c = clause(v)
        name = f"{prefix}-{key}"
        glue(f"{name}-span", c["span"])
        glue(f"{name}-decides", c["decides"])
        glue(f"{name}-central", v.base, "ratio")
        glue(f"{name}-low", v.low, "ratio")
        glue(f"{name}-high", v.high, "ratio")
        glue(f"{name}-count", v.cheaper_count, lambda n: units.fmt_int(n) if n else "none")
        glue(f"{name}-cases", v.cases, "int")
    return found
