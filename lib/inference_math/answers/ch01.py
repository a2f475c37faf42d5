"""Chapter 1, Counting parameters and weights."""

import dataclasses
import math

from ..exercises import register
from ..formulas import model_weight_bytes
from ..gpus import GPUS
from ..models import MODELS
from ..serving import DEFAULT_USABLE_MEMORY


def _rule_of_thumb_shortfall() -> float:
    m = MODELS["llama-2-70b"]
    return 1 - 12 * m.n_layers * m.d_model**2 / m.params


def _gpus_for_gpt3() -> float:
    usable = GPUS["a100-80gb-sxm"].memory_bytes * DEFAULT_USABLE_MEMORY
    return math.ceil(model_weight_bytes("gpt-3-175b", "bf16") / usable)


register("ch01-int4-gb", 1, "Llama-3-70B in int4", "weight bytes per dtype; GB versus GiB",
         "compute", 1, 5, lambda: model_weight_bytes("llama-3-70b", "int4") / 1e9, 0.005, "GB")
register("ch01-mha-params", 1, "Llama-2-70B without grouped-query attention",
         "substituting a changed architecture into the sympy count", "derive", 1, 10,
         lambda: dataclasses.replace(MODELS["llama-2-70b"], n_kv_heads=64).params, 1e-12,
         "parameters")
register("ch01-rule-of-thumb", 1, "How wrong is 12Ld²?",
         "what the rule of thumb leaves out: GQA, a gated FFN, embeddings", "explain", 2, 15,
         _rule_of_thumb_shortfall, 0.02, "")
register("ch01-gpus-gpt3", 1, "GPUs for GPT-3 175B", "memory per GPU, usable fraction, rounding up",
         "extend", 2, 10, _gpus_for_gpt3, 1e-12, "GPUs")
