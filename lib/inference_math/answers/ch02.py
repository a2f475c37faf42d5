"""Chapter 2, FLOPs per token."""

import dataclasses

from ..article import article_claim
from ..exercises import register
from ..formulas import attention_flops_per_token, attention_share_context, flops_per_token, \
    prefill_flops
from ..models import MODELS


def _mha_gflops() -> float:
    m = MODELS["llama-2-70b"]
    return flops_per_token(dataclasses.replace(m, n_kv_heads=m.n_heads)) / 1e9


def _kaplan_factor() -> float:
    m = MODELS["llama-2-70b"]
    kaplan = 2 * m.n_layers * m.max_context * article_claim("d_model").value
    return float(attention_flops_per_token(m, m.max_context) / kaplan)


register("ch02-prefill-1536", 2, "FLOPs of a 1536-token prompt",
         "f per token plus the causal attention sum", "compute", 1, 5,
         lambda: float(prefill_flops("llama-2-70b", 1536)) / 1e12, 0.005, "TFLOP")
register("ch02-mha-flops", 2, "FLOPs per token without grouped-query attention",
         "which products K changes, and which it does not", "compute", 1, 10,
         _mha_gflops, 0.002, "GFLOP")
register("ch02-attention-equals-matmul", 2, "When attention equals the matrix products",
         "solving the attention count for the context with sympy", "derive", 2, 10,
         lambda: attention_share_context("llama-2-70b", 1.0), 0.002, "tokens")
register("ch02-kaplan-term", 2, "Kaplan's attention term with the article's width",
         "two factors of two: the model width and counting both attention products",
         "explain", 2, 15, _kaplan_factor, 1e-9, "")
register("ch02-mistral-share", 2, "Attention's share for Mistral-7B",
         "the threshold context scales with the width; long contexts are attention-bound",
         "extend", 2, 10, lambda: attention_share_context("mistral-7b", 0.1), 0.005, "tokens")
