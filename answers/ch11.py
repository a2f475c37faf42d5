"""Chapter 11, Llama-2-70B or GPT-3.5? It depends on the workload."""

from inference_math import (
    ARTICLE_API,
    WORKLOADS,
    Workload,
    compute_bound_prompt,
    deployment,
    price_workload,
)
from inference_math.exercises import exercise

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
    unit="",
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
