"""Chapter 11, Llama-2-70B or GPT-3.5? It depends on the workload."""

from ..exercises import register
from ..prices import ARTICLE_API
from ..serving import compute_bound_prompt, deployment
from ..workloads import WORKLOADS, Workload, price_workload

ARTICLE = dict(scenario="article-2023")

# The exercise's workload: a short request and a reply as long, with chat's targets.
EMAIL = Workload("email drafting", 300, 300, 1.0, 10.0,
                 "a few lines of instructions in, a drafted email out; chat's targets",
                 "exercise ch11-email (illustrative)", "2023-07")


def _email_ratio() -> float:
    return price_workload(EMAIL, ARTICLE_API, gpus=8, **ARTICLE).ratio


def _chat_break_even_utilisation() -> float:
    # cost scales with 1 / u, so u* = (cost at full utilisation) / (API cost)
    return price_workload(WORKLOADS["chat"], ARTICLE_API, gpus=8, **ARTICLE).ratio


def _rerank_compute_bound_prompt() -> float:
    return float(compute_bound_prompt(deployment(gpus=2, **ARTICLE)))


def _classification_vs_0125() -> float:
    return price_workload(WORKLOADS["classification"], "gpt-3.5-turbo-0125", gpus=2,
                          **ARTICLE).ratio


register("ch11-email", 11, "Price an email assistant",
         "defining a workload; the cheapest batch under latency targets", "compute", 1, 10,
         _email_ratio, 0.01, "x (Llama / GPT-3.5)")
register("ch11-break-even-utilisation", 11, "The utilisation where chat breaks even",
         "cost per token scales with 1 / utilisation; solving for the break-even", "derive", 2,
         15, _chat_break_even_utilisation, 0.01, "")
register("ch11-rerank-batch", 11, "Why reranking does not batch",
         "compute-bound prefill: the per-token price is the same at every batch and GPU count",
         "explain", 2, 15, _rerank_compute_bound_prompt, 0.01, "tokens")
register("ch11-classification-0125", 11, "Classification against the 2024 price",
         "dated prices: comparing snapshots of the same date", "extend", 2, 15,
         _classification_vs_0125, 0.01, "x (Llama / GPT-3.5)")
