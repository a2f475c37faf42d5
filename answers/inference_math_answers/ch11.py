"""Chapter 11, Llama-2-70B or GPT-3.5? It depends on the workload."""

from inference_math import (
    API_PRICES,
    ARTICLE_API,
    BURSTY_UTILISATION,
    WORKLOADS,
    Workload,
    compute_bound_prompt,
    deployment,
    estimate,
    price_workload,
    self_hosted_cost,
)
from inference_math.book.exercises import exercise

ARTICLE = dict(scenario="article-2023")

# The exercise's workload: a short request and a reply as long, with chat's targets.
EMAIL = Workload(
    "email drafting",
    300,
    300,
    1.0,
    10.0,
    "a few lines of instructions in, a drafted email out; chat's targets",
    "exercise ch11-email (illustrative)",
    "2023-07",
)


@exercise(
    "ch11-email",
    title="Price an email assistant",
    practises="defining a workload; the cheapest batch under latency targets",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.01,
    unit="x (Llama / GPT-3.5)",
)
def _email_ratio() -> float:
    return price_workload(EMAIL, ARTICLE_API, gpus=8, **ARTICLE).ratio


@exercise(
    "ch11-break-even-utilisation",
    title="The utilisation where chat breaks even",
    practises="cost per token scales with 1 / utilisation; solving for the break-even",
    kind="derive",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="fraction (utilisation)",
)
def _chat_break_even_utilisation() -> float:
    # cost scales with 1 / u, so u* = (cost at full utilisation) / (API cost)
    return price_workload(WORKLOADS["chat"], ARTICLE_API, gpus=8, **ARTICLE).ratio


@exercise(
    "ch11-rerank-batch",
    title="Why reranking does not batch",
    practises="compute-bound prefill: the per-token price is the same at every batch and GPU count",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="tokens",
)
def _rerank_compute_bound_prompt() -> float:
    return float(compute_bound_prompt(deployment(gpus=2, **ARTICLE)))


@exercise(
    "ch11-classification-0125",
    title="Classification against the 2024 price",
    practises="dated prices: comparing snapshots of the same date",
    kind="extend",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="x (Llama / GPT-3.5)",
)
def _classification_vs_0125() -> float:
    return price_workload(
        WORKLOADS["classification"], "gpt-3.5-turbo-0125", gpus=2, **ARTICLE
    ).ratio


@exercise(
    "ch11-daily-break-even",
    title="Traffic that pays for two A100s",
    practises="napkin math: a day's rent over the API's price of one request",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.2,
    unit="requests a day",
)
def _email_daily_break_even() -> float:
    # the break-even utilisation (the cost ratio) times the requests a day the two GPUs carry
    # at the peak, batched continuously at the cheapest batch within chat's targets
    kw = dict(gpus=2, batching="continuous", **ARTICLE)
    p = price_workload(EMAIL, ARTICLE_API, **kw)
    r = self_hosted_cost(EMAIL.prompt, EMAIL.completion, p.batch, **kw)
    return p.ratio * 24 * 3600 / float(r["gpu_seconds"])


@exercise(
    "ch11-reply-break-even-today",
    title="The longest reply that pays, batched today",
    practises="re-deriving the break-even completion for continuous batching and bursty traffic",
    kind="derive",
    difficulty=3,
    minutes=30,
    rel_tol=0.005,
    unit="tokens",
)
def _chat_reply_break_even_half() -> float:
    # (N s_in + (C - 1) s_out) / rho = N p_in + C p_out, solved for C, with the prices of a
    # prompt and a completion token at chat's batch under continuous batching, rho = 1/2
    chat = WORKLOADS["chat"]
    two = deployment(gpus=2, **ARTICLE)
    p = price_workload(chat, ARTICLE_API, gpus=2, batching="continuous", **ARTICLE)
    e = estimate(
        two,
        batch=p.batch,
        prompt=chat.prompt,
        completion=chat.completion - 1,
        batching="continuous",
    )
    s_in = float(e["usd_per_1k_prompt"]) / 1000
    s_out = float(e["usd_per_1k_completion"]) / 1000
    api = API_PRICES[ARTICLE_API]
    p_in, p_out = api.usd_per_1k_input / 1000, api.usd_per_1k_output / 1000
    rho = BURSTY_UTILISATION
    n = chat.prompt
    return (n * (p_in - s_in / rho) + s_out / rho) / (s_out / rho - p_out)
