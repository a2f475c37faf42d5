"""Chapter 12, How closed models get cheaper."""

import math

from inference_math import (
    API_PRICES,
    GPU_HOUR_QUOTES,
    MODELS,
    SCENARIOS,
    WORKLOADS,
    decode_step_time,
    deployment,
    estimate,
    optimal_draft_tokens,
    price_workload,
    speculative_time_per_token,
    usd_per_1k_completion,
)
from inference_math.book.exercises import exercise

# The chapter's worked example: prompts and completions of 512 tokens on the article's setup;
# a Llama-2-7B draft at an assumed acceptance rate, 1,024 tokens of context; the dated
# comparison at batch 64 with 1,024 prompt and 256 completion tokens.
_Q_PROMPT = _Q_COMPLETION = 512
_ALPHA, _CONTEXT = 0.8, 1024
_T_BATCH, _T_PROMPT, _T_COMPLETION = 64, 1024, 256


@exercise(
    "ch12-int4-one-gpu",
    title="int4 Llama-2-70B on one A100",
    practises="memory-bound cost per token does not depend on the number of GPUs",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.01,
    unit="USD per 1K completion tokens",
)
def _int4_one_gpu() -> float:
    a = SCENARIOS["article-2023"]
    e = estimate(
        deployment(
            "llama-2-70b",
            "a100-80gb-sxm",
            1,
            "int4",
            step_model="article",
            mfu=a["mfu"],
            mbu=a["mbu"],
            usd_per_gpu_hour=a["usd_per_gpu_hour"],
        ),
        batch=1,
        prompt=_Q_PROMPT,
        completion=_Q_COMPLETION,
    )
    return float(e["usd_per_1k_completion"])


@exercise(
    "ch12-experts-99",
    title="When does a batch touch every expert?",
    practises="solving the expected-experts formula for the batch with sympy",
    kind="derive",
    difficulty=2,
    minutes=15,
    rel_tol=0.005,
    unit="sequences",
)
def _experts_99() -> float:
    m = MODELS["mixtral-8x7b"]
    return math.log(1 - 0.99) / math.log(1 - m.experts_per_token / m.n_experts)


@exercise(
    "ch12-spec-batch",
    title="Speculative decoding at batch 32",
    practises="why speculation needs idle compute: the verification step at large batch",
    kind="explain",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="×",
)
def _spec_batch_32() -> float:
    a = SCENARIOS["article-2023"]
    target = deployment(scenario="article-2023")
    draft = deployment(
        "llama-2-7b",
        a["gpu"],
        a["gpus"],
        mfu=a["mfu"],
        mbu=a["mbu"],
        usd_per_gpu_hour=a["usd_per_gpu_hour"],
        usable_memory=a["usable_memory"],
        attention=a["attention"],
        step_model="article",
    )
    c1 = float(decode_step_time(draft, 1, _CONTEXT) / decode_step_time(target, 1, _CONTEXT))
    gamma = int(optimal_draft_tokens(_ALPHA, c1))
    return float(
        decode_step_time(target, 32, _CONTEXT)
        / speculative_time_per_token(target, draft, 32, _CONTEXT, _ALPHA, gamma)
    )


@exercise(
    "ch12-mixtral-today",
    title="Mixtral-8x7B in the dated comparison",
    practises="pricing a mixture of experts in fp8 against an API, as a dated scenario",
    kind="extend",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="of gpt-4o-mini's output price",
)
def _mixtral_today() -> float:
    e = estimate(
        deployment("mixtral-8x7b", "h100-sxm", 1, "fp8", step_model="article"),
        batch=_T_BATCH,
        prompt=_T_PROMPT,
        completion=_T_COMPLETION,
    )
    return float(e["usd_per_1k_completion"]) / API_PRICES["gpt-4o-mini"].usd_per_1k_output


@exercise(
    "ch12-int4-scales",
    title="int4 with group scales and zeros",
    practises="what bytes_per_param('int4') leaves out",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.005,
    unit="GB",
)
def _int4_with_scales_gb() -> float:
    bits = 4 + (16 + 4) / 128  # a 16-bit scale and a 4-bit zero point per group of 128
    return MODELS["llama-2-70b"].params * bits / 8 / 1e9


def _hyperstack(gpu: str) -> float:
    """The GPU-hour price of the chapter's comparison for today: Hyperstack's, one day."""
    return next(
        q.usd_per_gpu_hour for q in GPU_HOUR_QUOTES if q.provider == "Hyperstack" and q.gpu == gpu
    )


@exercise(
    "ch12-b200-batch-one",
    title="A batch-1 token on a B200",
    practises="napkin math: weight bytes over bandwidth, times the price of a second",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.2,
    unit="USD per 1K completion tokens",
)
def _b200_batch_one() -> float:
    chat = WORKLOADS["chat"]
    dep = deployment(
        "llama-3.3-70b", "b200", 1, "fp8", kv_dtype="fp8", usd_per_gpu_hour=_hyperstack("b200")
    )
    return float(usd_per_1k_completion(dep, 1, chat.prompt, chat.completion))


@exercise(
    "ch12-int4-h100-chat",
    title="int4 weights for chat on one H100",
    practises="quantization, continuous batching and latency targets together: a flipped verdict",
    kind="explain",
    difficulty=3,
    minutes=30,
    rel_tol=0.005,
    unit="of gpt-4o-mini's price",
)
def _int4_h100_chat() -> float:
    """Llama-3.3-70B with weight-only int4 and an fp8 cache on one H100 at Hyperstack's price,
    per-op steps, continuous batching with chunked prefill (today's server), chat at its
    cheapest batch within the targets: cost per request over gpt-4o-mini's."""
    p = price_workload(
        WORKLOADS["chat"],
        "gpt-4o-mini",
        batching="continuous",
        chunked_prefill=True,
        model="llama-3.3-70b",
        gpu="h100-sxm",
        gpus=1,
        dtype="int4",
        kv_dtype="fp8",
        usd_per_gpu_hour=_hyperstack("h100-sxm"),
    )
    return p.ratio
