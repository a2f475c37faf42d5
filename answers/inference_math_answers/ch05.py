"""Chapter 5, Prompt processing is compute-bound and cheap."""

import math

from inference_math import (
    compute_bound_prompt,
    deployment,
    estimate,
    prefill_attention_flops,
    prefill_time,
)
from inference_math.book.exercises import exercise


@exercise(
    "ch05-h100-ttft",
    title="Prefill on two H100s",
    practises="prefill time at a given MFU; checking the compute-bound regime",
    kind="compute",
    difficulty=1,
    minutes=5,
    rel_tol=0.005,
    unit="s",
)
def _h100_ttft() -> float:
    return float(prefill_time(deployment("llama-2-70b", "h100-sxm", 2, step_model="article"), 1536))


@exercise(
    "ch05-batched-crossover",
    title="The crossover with a batch of prompts",
    practises="solving compute = memory with B prompts per step",
    kind="derive",
    difficulty=2,
    minutes=10,
    rel_tol=0.005,
    unit="tokens",
)
def _batched_crossover(batch: int = 8) -> float:
    """The weights are read once per step, so B prompts share the crossover: N* / B."""
    return float(compute_bound_prompt(deployment(scenario="article-2023"))) / batch


@exercise(
    "ch05-short-prompt-mfu",
    title="What a short prompt leaves idle",
    practises="achieved FLOP/s in the memory-bound regime",
    kind="explain",
    difficulty=2,
    minutes=10,
    rel_tol=0.005,
    unit="fraction of peak FLOP/s",
)
def _short_prompt_mfu(prompt: int = 32) -> float:
    dep = deployment(scenario="article-2023")
    seconds = float(prefill_time(dep, prompt))
    return prompt * dep.flops_per_token / seconds / (float(dep.gpus) * dep.gpu.bf16_flops)


@exercise(
    "ch05-h100-cost",
    title="Prompt tokens on H100s",
    practises="cost per 1K prompt tokens from prefill time and a GPU-hour price",
    kind="extend",
    difficulty=2,
    minutes=10,
    rel_tol=0.005,
    unit="USD per 1K tokens",
)
def _h100_prompt_cost() -> float:
    return float(
        estimate(
            deployment("llama-2-70b", "h100-sxm", 2, step_model="article"),
            prompt=1536,
            completion=0,
        )["usd_per_1k_prompt"]
    )


@exercise(
    "ch05-long-prompt-napkin",
    title="A full-context prompt on two H100s, by hand",
    practises="napkin math: prefill time = 2 x parameters x prompt tokens / achieved FLOP/s",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.2,
    unit="s",
)
def _long_prompt_napkin(prompt: int = 4096) -> float:
    """Batch-1 prefill of a ``prompt``-token prompt of Llama-2-70B on two H100-SXM GPUs at
    the default MFU and MBU (the article's step model, as in the chapter)."""
    dep = deployment("llama-2-70b", "h100-sxm", 2, step_model="article")
    return float(prefill_time(dep, prompt))


@exercise(
    "ch05-ttft-budget",
    title="The longest prompt within a time-to-first-token budget",
    practises="solving the compute branch of the prefill time, attention scores included, for "
    "the prompt length (a quadratic, with sympy); checking the regime, the context and the "
    "GPUs a full-context prompt would need",
    kind="derive",
    difficulty=3,
    minutes=30,
    rel_tol=0.005,
    unit="tokens",
)
def _ttft_budget(budget_s: float = 1.0) -> float:
    """The prompt length whose batch-1 prefill on two A100-80GB GPUs (default MFU, the
    article's step model) takes ``budget_s``: the positive root of
    a N^2 + (f + a) N = budget x G F MFU, where a N (N + 1) is the prompt's attention FLOPs."""
    dep = deployment("llama-2-70b", "a100-80gb-sxm", 2, step_model="article")
    a = float(prefill_attention_flops("llama-2-70b", 1)) / 2  # 2 L H d_h
    linear = dep.flops_per_token + a
    flops = budget_s * float(dep.achieved_flops)
    return (-linear + math.sqrt(linear**2 + 4 * a * flops)) / (2 * a)
