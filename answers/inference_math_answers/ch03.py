"""Chapter 3, Weights and the KV cache."""

import dataclasses

from inference_math import (
    GPUS,
    MODELS,
    article_claim,
    decode_bytes_read,
    deployment,
    kv_bytes_per_token,
    max_batch,
    min_gpus,
)
from inference_math.book.exercises import exercise

_A100 = GPUS["a100-80gb-sxm"]
_H100 = GPUS["h100-sxm"]


@exercise(
    "ch03-kv-int8",
    title="An 8-bit KV cache",
    practises="kv_dtype apart from the weight dtype",
    kind="compute",
    difficulty=1,
    minutes=5,
    rel_tol=0.001,
    unit="tokens",
)
def _int8_tokens() -> float:
    return float((deployment("llama-2-70b", _A100, 2, kv_dtype="int8")).kv_capacity_tokens)


@exercise(
    "ch03-max-batch-8gpu",
    title="Largest batch on eight A100s",
    practises="substituting into the symbolic batch limit",
    kind="derive",
    difficulty=2,
    minutes=10,
    rel_tol=1e-9,
    unit="sequences",
)
def _eight_gpu_batch() -> float:
    return float(max_batch(deployment("llama-2-70b", _A100, 8), 4096))


@exercise(
    "ch03-kb-vs-kib",
    title="320 KB or 320 KiB?",
    practises="decimal against binary prefixes",
    kind="explain",
    difficulty=1,
    minutes=10,
    rel_tol=0.002,
    unit="fraction of the true bytes",
)
def _kb_shortfall() -> float:
    return 1 - article_claim("kv_bytes_per_token").value / kv_bytes_per_token("llama-2-70b")


@exercise(
    "ch03-llama3-70b",
    title="Llama-3-70B's cache on two A100s",
    practises="a larger vocabulary and context against a fixed memory",
    kind="extend",
    difficulty=2,
    minutes=10,
    rel_tol=1e-9,
    unit="sequences",
)
def _llama3_sequences() -> float:
    m = MODELS["llama-3-70b"]
    return float(max_batch(deployment(m, _A100, 2), m.max_context))


@exercise(
    "ch03-mha-gpus",
    title="Multi-head Llama-2-70B: GPUs and batch",
    practises="the weights setting the GPU count, the cache the batch",
    kind="extend",
    difficulty=3,
    minutes=15,
    rel_tol=1e-9,
    unit="sequences",
)
def _mha_sequences() -> float:
    m = MODELS["llama-2-70b"]
    mha = dataclasses.replace(m, n_kv_heads=m.n_heads)
    gpus = int(min_gpus(mha, _A100, tokens=4096))
    return float(max_batch(deployment(mha, _A100, gpus), 4096))


@exercise(
    "ch03-step-napkin",
    title="A decode step on a napkin",
    practises="bytes read per step over bandwidth, in round numbers; the cache against the weights",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.2,
    unit="ms",
)
def _step_napkin_ms() -> float:
    dep = deployment("llama-3.1-8b", _H100, 1)
    return float(decode_bytes_read(dep, 32, 8192) / _H100.bandwidth_bytes_per_s) * 1e3


@exercise(
    "ch03-two-constraints",
    title="Memory or bandwidth: GPUs for a long-context service",
    practises="sizing for two constraints at once; the step time below which bandwidth decides",
    kind="derive",
    difficulty=3,
    minutes=25,
    rel_tol=1e-9,
    unit="GPUs",
)
def _two_constraints_gpus() -> float:
    batch, tokens, step = 32, 32_768, 1 / 50  # the service: sequences, tokens, seconds
    gpus = 1
    while True:
        dep = deployment("llama-3.1-8b", _H100, gpus)
        fits = max_batch(dep, tokens) >= batch
        read = decode_bytes_read(dep, batch, tokens) / (gpus * _H100.bandwidth_bytes_per_s)
        if fits and read <= step:
            return float(gpus)
        gpus *= 2
