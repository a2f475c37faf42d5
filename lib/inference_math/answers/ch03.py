"""Chapter 3, Weights and the KV cache."""

import dataclasses

from ..article import article_claim
from ..exercises import register
from ..formulas import kv_bytes_per_token
from ..gpus import GPUS
from ..memory import max_batch, min_gpus
from ..models import MODELS
from ..serving import deployment, kv_capacity_tokens

_A100 = GPUS["a100-80gb-sxm"]


def _int8_tokens() -> float:
    return float(kv_capacity_tokens(deployment("llama-2-70b", _A100, 2, kv_dtype="int8")))


def _eight_gpu_batch() -> float:
    return float(max_batch(deployment("llama-2-70b", _A100, 8), 4096))


def _kb_shortfall() -> float:
    return 1 - article_claim("kv_bytes_per_token").value / kv_bytes_per_token("llama-2-70b")


def _llama3_sequences() -> float:
    m = MODELS["llama-3-70b"]
    return float(max_batch(deployment(m, _A100, 2), m.max_context))


def _mha_sequences() -> float:
    m = MODELS["llama-2-70b"]
    mha = dataclasses.replace(m, n_kv_heads=m.n_heads)
    gpus = int(min_gpus(mha, _A100, tokens=4096))
    return float(max_batch(deployment(mha, _A100, gpus), 4096))


register("ch03-kv-int8", 3, "An 8-bit KV cache", "kv_dtype apart from the weight dtype",
         "compute", 1, 5, _int8_tokens, 0.001, "tokens")
register("ch03-max-batch-8gpu", 3, "Largest batch on eight A100s",
         "substituting into the symbolic batch limit", "derive", 2, 10, _eight_gpu_batch, 1e-9,
         "sequences")
register("ch03-kb-vs-kib", 3, "320 KB or 320 KiB?", "decimal against binary prefixes",
         "explain", 1, 10, _kb_shortfall, 0.002, "")
register("ch03-llama3-70b", 3, "Llama-3-70B's cache on two A100s",
         "a larger vocabulary and context against a fixed memory", "extend", 2, 10,
         _llama3_sequences, 1e-9, "sequences")
register("ch03-mha-gpus", 3, "Multi-head Llama-2-70B: GPUs and batch",
         "the cache, not the weights, setting the GPU count", "extend", 3, 15, _mha_sequences,
         1e-9, "sequences")
