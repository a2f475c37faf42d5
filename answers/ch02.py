"""Chapter 2, FLOPs per token."""

import dataclasses

from inference_math import (
    MODELS,
    article_claim,
    attention_flops_per_token,
    attention_share_context,
    flops_per_token,
    prefill_flops,
)
from inference_math.exercises import exercise


@exercise(
    "ch02-mha-flops",
    title="FLOPs per token without grouped-query attention",
    practises="which products K changes, and which it does not",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.002,
    unit="GFLOP",
)
def _mha_gflops() -> float:
    m = MODELS["llama-2-70b"]
    return flops_per_token(dataclasses.replace(m, n_kv_heads=m.n_heads)) / 1e9


@exercise(
    "ch02-kaplan-term",
    title="Kaplan's attention term with the article's width",
    practises="two factors of two: the model width and counting both attention products",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=1e-9,
    unit="",
)
def _kaplan_factor() -> float:
    m = MODELS["llama-2-70b"]
    kaplan = 2 * m.n_layers * m.max_context * article_claim("d_model").value
    return float(attention_flops_per_token(m, m.max_context) / kaplan)


@exercise(
    "ch02-prefill-1536",
    title="FLOPs of a 1536-token prompt",
    practises="f per token plus the causal attention sum",
    kind="compute",
    difficulty=1,
    minutes=5,
    rel_tol=0.005,
    unit="TFLOP",
)
def _prefill_1536() -> float:
    return float(prefill_flops("llama-2-70b", 1536)) / 1e12


@exercise(
    "ch02-attention-equals-matmul",
    title="When attention equals the matrix products",
    practises="solving the attention count for the context with sympy",
    kind="derive",
    difficulty=2,
    minutes=10,
    rel_tol=0.002,
    unit="tokens",
)
def _attention_equals_matmul() -> float:
    return attention_share_context("llama-2-70b", 1.0)


@exercise(
    "ch02-mistral-share",
    title="Attention's share for Mistral-7B",
    practises="the threshold context scales with the width; long contexts are attention-bound",
    kind="extend",
    difficulty=2,
    minutes=10,
    rel_tol=0.005,
    unit="tokens",
)
def _mistral_share() -> float:
    return attention_share_context("mistral-7b", 0.1)
