"""Chapter 2, FLOPs per token."""

import dataclasses

from inference_math import (
    GPUS,
    MODELS,
    article_claim,
    attention_flops_per_token,
    attention_share_context,
    flops_per_token,
    matmul_rate,
    prefill_flops,
)
from inference_math.book.exercises import exercise


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
    unit="x",
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


@exercise(
    "ch02-prefill-napkin",
    title="A prompt's arithmetic on a napkin",
    practises="about 2P FLOPs per token over the peak rate; what the rule of thumb misses",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.2,
    unit="ms",
)
def _prefill_napkin_ms() -> float:
    flops = prefill_flops("llama-3.1-8b", 4096)
    return float(flops / matmul_rate(GPUS["h100-sxm"], "bf16")) * 1e3


@exercise(
    "ch02-twice-2p",
    title="When a prompt costs twice 2PN",
    practises="combining f, the causal attention sum and chapter 1's P in one sympy solve",
    kind="derive",
    difficulty=3,
    minutes=25,
    rel_tol=1e-6,
    unit="tokens",
)
def _twice_2p() -> float:
    m = MODELS["llama-3.1-8b"]
    per_context_token = float(attention_flops_per_token(m, 1))  # 4 L H d_h
    return 2 * (4 * m.params - float(flops_per_token(m))) / per_context_token - 1
