"""One entry point: everything the book computes for a workload on a deployment.

``estimate`` joins the step times (``steps``), the deployment's memory (``deployment``) and
its price into one dict of arrays; the command line prints it. ``fit_problem`` says in one
line why a workload does not fit.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import checks
from .deployment import Deployment, deployment
from .steps import decode_step_time, mean_decode_step_time, prefill_time
from .units import GB


class ContextLengthWarning(UserWarning):
    """A prompt plus completion longer than the model was trained for: computed anyway.
    Chapter 13 uses it."""


ESTIMATE_KEYS = (
    "params",
    "weight_bytes",
    "kv_bytes_per_token",
    "flops_per_token",
    "kv_capacity_tokens",
    "fits",
    "ttft_s",
    "decode_step_s",
    "completion_s",
    "tokens_per_s_per_sequence",
    "usd_per_1k_prompt",
    "usd_per_1k_completion",
    "decode_bound",
)


def estimate(
    model=None,
    gpu=None,
    gpus=None,
    dtype=None,
    kv_dtype=None,
    batch=1,
    prompt=512,
    completion=512,
    mfu=None,
    mbu=None,
    usd_per_gpu_hour=None,
    *,
    scenario=None,
    usable_memory=None,
    params=None,
    attention=None,
) -> dict[str, np.ndarray]:
    """Everything the book computes for one workload on one deployment (chapters 5 to 9).

    ``batch`` sequences, each ``prompt`` tokens in and ``completion`` tokens out. Any numeric
    argument may be a numpy array; they broadcast against each other. Returns a dict of arrays
    with exactly the keys ``ESTIMATE_KEYS``. As in the source article's appendix, the prefill
    yields the first token and a completion of C tokens is timed as C decode steps. With no
    prompt the time to first token is one decode step; a rate with nothing to divide by (USD
    per 1K prompt tokens with no prompt) is NaN.
    """
    dep = deployment(
        model,
        gpu,
        gpus,
        dtype,
        kv_dtype,
        mfu,
        mbu,
        usd_per_gpu_hour,
        usable_memory,
        params,
        attention,
        scenario,
    )
    b = checks.count("batch", batch)
    n = checks.count("prompt", prompt, minimum=0)
    c = checks.count("completion", completion, minimum=0)
    if np.any((n == 0) & (c == 0)):
        raise ValueError("prompt and completion are both 0: there is no work to estimate")
    total_tokens = n + c
    if np.any(total_tokens > dep.model.max_context):
        warnings.warn(
            ContextLengthWarning(
                f"prompt + completion up to {int(np.max(total_tokens)):,} tokens exceeds "
                f"{dep.model.name}'s context of {dep.model.max_context:,}; computed anyway"
            ),
            stacklevel=2,
        )

    shape = np.broadcast_shapes(
        b.shape,
        n.shape,
        c.shape,
        np.shape(dep.gpus),
        np.shape(dep.mfu),
        np.shape(dep.mbu),
        np.shape(dep.usd_per_gpu_hour),
        np.shape(dep.usable_memory),
    )
    weights = dep.weight_bytes
    capacity = dep.kv_capacity_tokens
    fits = (weights <= dep.usable_bytes) & (b * total_tokens <= capacity)

    # Overflow from absurd inputs is caught below as a non-finite result, not warned about.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ttft = np.where(n > 0, prefill_time(dep, n, b), decode_step_time(dep, b, 1))
        step = mean_decode_step_time(dep, b, n, c)  # NaN exactly where c == 0
        completion_s = np.where(c > 0, c * np.where(c > 0, step, 0.0), 0.0)
        per_s = dep.usd_per_second
        usd_prompt = np.where(n > 0, ttft * per_s / (b * n / 1000), np.nan)
        usd_completion = np.where(c > 0, completion_s * per_s / (b * c / 1000), np.nan)
        tokens_per_s = 1.0 / step

        mean_context = n + (np.maximum(c, 1) + 1) / 2
        memory_time = (
            dep.weight_bytes_read(b) + b * mean_context * dep.kv_bytes_per_token
        ) / dep.achieved_bandwidth
        compute_time = (
            b
            * (dep.flops_per_token + dep.attention_flops_per_context_token * mean_context)
            / dep.achieved_flops
        )
    bound = np.where(compute_time > memory_time, "compute", "memory")
    checks.finite_results(
        {
            "ttft_s": ttft,
            "decode_step_s": step,
            "completion_s": completion_s,
            "usd_per_1k_prompt": usd_prompt,
            "usd_per_1k_completion": usd_completion,
            "memory_time": memory_time,
            "compute_time": compute_time,
        },
        allowed_nan={
            "decode_step_s": c == 0,
            "usd_per_1k_prompt": n == 0,
            "usd_per_1k_completion": c == 0,
        },
    )

    out = {
        "params": dep.params,
        "weight_bytes": weights,
        "kv_bytes_per_token": dep.kv_bytes_per_token,
        "flops_per_token": dep.flops_per_token,
        "kv_capacity_tokens": capacity,
        "fits": fits,
        "ttft_s": ttft,
        "decode_step_s": step,
        "completion_s": completion_s,
        "tokens_per_s_per_sequence": tokens_per_s,
        "usd_per_1k_prompt": usd_prompt,
        "usd_per_1k_completion": usd_completion,
        "decode_bound": bound,
    }
    return {k: np.broadcast_to(np.asarray(v), shape) for k, v in out.items()}


def fit_problem(dep: Deployment, batch, prompt, completion) -> str | None:
    """One line saying why a workload does not fit, with the bytes needed and available, or
    None when it fits (chapter 3). Scalars only (the command line's message)."""
    gpus = float(np.max(dep.gpus))
    usable = float(np.max(dep.usable_bytes))
    weights = dep.weight_bytes
    where = f"{gpus:g} x {dep.gpu.name}"
    if weights > usable:
        return (
            f"weights need {weights / GB:,.2f} GB but {where} hold only "
            f"{usable / GB:,.2f} GB usable"
        )
    tokens = float(np.max(np.asarray(batch) * (np.asarray(prompt) + np.asarray(completion))))
    kv_needed = tokens * dep.kv_bytes_per_token
    if kv_needed > usable - weights:
        return (
            f"KV cache for {tokens:,.0f} tokens needs {kv_needed / GB:,.2f} GB but "
            f"{where} hold only {(usable - weights) / GB:,.2f} GB beside "
            f"{weights / GB:,.2f} GB of weights"
        )
    return None
