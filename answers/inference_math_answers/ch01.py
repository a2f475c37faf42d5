"""Chapter 1, Counting parameters and weights."""

import dataclasses
import math

from inference_math import DEFAULT_USABLE_MEMORY, GPUS, MODELS, param_breakdown, weight_bytes
from inference_math.book.exercises import exercise


@exercise(
    "ch01-rule-of-thumb",
    title="How wrong is 12Ld²?",
    practises="what the rule of thumb leaves out: GQA, a gated FFN, embeddings",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=0.02,
    unit="fraction of the parameters",
)
def _rule_of_thumb_shortfall() -> float:
    m = MODELS["llama-2-70b"]
    return 1 - 12 * m.n_layers * m.d_model**2 / m.params


@exercise(
    "ch01-gpus-gpt3",
    title="GPUs for GPT-3 175B",
    practises="memory per GPU, usable fraction, rounding up",
    kind="extend",
    difficulty=2,
    minutes=10,
    rel_tol=1e-12,
    unit="GPUs",
)
def _gpus_for_gpt3() -> float:
    usable = GPUS["a100-80gb-sxm"].memory_bytes * DEFAULT_USABLE_MEMORY
    return math.ceil(weight_bytes("gpt-3-175b", "bf16") / usable)


@exercise(
    "ch01-int4-gb",
    title="Llama-3-70B in int4",
    practises="weight bytes per dtype; GB versus GiB",
    kind="compute",
    difficulty=1,
    minutes=5,
    rel_tol=0.005,
    unit="GB",
)
def _int4_gb() -> float:
    return weight_bytes("llama-3-70b", "int4") / 1e9


@exercise(
    "ch01-mha-params",
    title="Llama-2-70B without grouped-query attention",
    practises="substituting a changed architecture into the sympy count",
    kind="derive",
    difficulty=1,
    minutes=10,
    rel_tol=1e-12,
    unit="parameters",
)
def _mha_params() -> float:
    return dataclasses.replace(MODELS["llama-2-70b"], n_kv_heads=64).params


@exercise(
    "ch01-embed-share",
    title="Llama-3.1-8B's embeddings on a napkin",
    practises="estimating where the parameters are with round numbers: 2Vd against P",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.1,
    unit="fraction of the parameters",
)
def _embed_share() -> float:
    m = MODELS["llama-3.1-8b"]
    parts = param_breakdown(m)
    return (parts["embedding"] + parts["lm_head"]) / m.params


@exercise(
    "ch01-mixtral-experts",
    title="How many experts fit on two A100s?",
    practises="extending the sympy count to a mixture of experts; bytes against usable memory",
    kind="derive",
    difficulty=3,
    minutes=25,
    rel_tol=1e-9,
    unit="experts",
)
def _mixtral_experts() -> float:
    m = MODELS["mixtral-8x7b"]
    usable = GPUS["a100-80gb-sxm"].memory_bytes * DEFAULT_USABLE_MEMORY
    room = math.ceil(weight_bytes("llama-2-70b", "bf16") / usable) * usable  # 2 GPUs
    experts = 1
    while weight_bytes(dataclasses.replace(m, n_experts=experts + 1), "bf16") <= room:
        experts += 1
    return float(experts)
