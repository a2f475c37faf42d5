"""Serving a model on GPUs: how long prefill and decode take, what fits, what a token costs.

The model is the roofline. A step takes as long as the larger of its compute (FLOPs over the
achieved FLOP/s, peak x MFU) and its memory traffic (bytes over the achieved bandwidth,
peak x MBU). Every function takes numpy arrays and broadcasts them, so a sweep over a
million configurations is one call.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import checks
from .formulas import (bytes_per_param, dtype_name, flops_per_token, kv_bytes_per_token,
                       kv_dtype_name, weight_bytes_read)
from .gpus import GPU, GPUS, get_gpu
from .models import Model, get_model, total_params
from .units import GB, SECONDS_PER_HOUR, TERA


class ContextLengthWarning(UserWarning):
    """A prompt plus completion longer than the model was trained for: computed anyway."""


# A single source for the defaults the book uses when it says "typical".
DEFAULT_MFU = 0.6
DEFAULT_MBU = 0.6
# vLLM's default gpu_memory_utilization: the rest is kept for activations, the CUDA context
# and fragmentation.
DEFAULT_USABLE_MEMORY = 0.9


@dataclass(frozen=True)
class Deployment:
    """A model served on ``gpus`` identical GPUs with tensor parallelism, weights and KV cache
    split evenly, communication ignored (as the source article does)."""
    model: Model
    gpu: GPU
    gpus: Any = 1
    dtype: str = "bf16"
    kv_dtype: str = "bf16"
    mfu: Any = DEFAULT_MFU
    mbu: Any = DEFAULT_MBU
    usd_per_gpu_hour: Any = None
    usable_memory: Any = DEFAULT_USABLE_MEMORY
    params: float | None = None   # a round count used instead of the architecture's (70e9)
    attention: bool = True        # count attention-score FLOPs (the article does not)
    name: str = ""


def _article_gpu() -> GPU:
    # Sanger (2023) reads the A100 80GB as 80e9 bytes (160 GB for two) and "2 TB/s".
    return dataclasses.replace(GPUS["a100-80gb-sxm"], name="a100-80gb-sxm (article-2023)",
                               memory_label="80 GB read as 80e9 bytes",
                               memory_bytes=80 * GB, bandwidth_bytes_per_s=2000 * GB)


SCENARIOS: dict[str, dict] = {
    "article-2023": dict(
        model="llama-2-70b", gpu=_article_gpu(), gpus=2, dtype="bf16", kv_dtype="bf16",
        mfu=200 * TERA / (312 * TERA),  # "about 200 TFLOP/s" of 312 in prefill
        mbu=1.3 / 2.0,                  # "1.3 TB/s" of "2 TB/s" in decode
        usd_per_gpu_hour=2.21, usable_memory=1.0, params=70e9, attention=False,
        name="article-2023"),
}
SCENARIO_SOURCE = ("Sanger, 'Why GPT-3.5 is (mostly) cheaper than Llama 2', Cursor blog, "
                   "2023-07-20")


def deployment(model=None, gpu=None, gpus=None, dtype=None, kv_dtype=None, mfu=None,
               mbu=None, usd_per_gpu_hour=None, usable_memory=None, params=None,
               attention=None, scenario: str | None = None) -> Deployment:
    """A checked ``Deployment``. With ``scenario``, its values fill whatever is not given;
    anything given explicitly wins."""
    given = dict(model=model, gpu=gpu, gpus=gpus, dtype=dtype, kv_dtype=kv_dtype, mfu=mfu,
                 mbu=mbu, usd_per_gpu_hour=usd_per_gpu_hour, usable_memory=usable_memory,
                 params=params, attention=attention)
    base = dict(checks.lookup("scenario", scenario, SCENARIOS)) if scenario is not None else {}
    if model is not None and base and get_model(model) != get_model(base["model"]):
        # A scenario's rounded parameter count belongs to its own model, not to another.
        base.pop("params", None)
    merged = {**base, **{k: v for k, v in given.items() if v is not None}}
    if "model" not in merged:
        raise ValueError("model is required (a catalog name, a Model, or a config.json path)")
    if "gpu" not in merged:
        raise ValueError(f"gpu is required; allowed: {', '.join(sorted(GPUS))}")
    m = get_model(merged["model"])
    g = get_gpu(merged["gpu"])
    dt = dtype_name(merged.get("dtype", "bf16"))
    # Quantizing weights does not quantize the cache: that is a separate choice (kv_dtype).
    kv_given = merged.get("kv_dtype")
    kv_dt = kv_dtype_name(kv_given) if kv_given is not None else \
        (dt if dt in ("fp32", "fp16") else "bf16")
    matmul_rate(g, dt)  # fails early for a dtype this GPU cannot multiply in
    price = merged.get("usd_per_gpu_hour")
    p = merged.get("params")
    if p is not None:
        p = float(checks.positive("params", p))
    return Deployment(
        model=m, gpu=g,
        gpus=checks.count("gpus", merged.get("gpus", 1)),
        dtype=dt, kv_dtype=kv_dt,
        mfu=checks.fraction("mfu", merged.get("mfu", DEFAULT_MFU)),
        mbu=checks.fraction("mbu", merged.get("mbu", DEFAULT_MBU)),
        usd_per_gpu_hour=checks.nonnegative(
            "usd_per_gpu_hour", g.usd_per_hour if price is None else price),
        usable_memory=checks.fraction("usable_memory",
                                      merged.get("usable_memory", DEFAULT_USABLE_MEMORY)),
        params=p, attention=checks.flag("attention", merged.get("attention", True)),
        name=merged.get("name", "") if scenario else "")


def matmul_rate(gpu, dtype: str = "bf16") -> float:
    """Peak dense FLOP/s for matrix products with weights stored as ``dtype``.

    bf16, fp16 and int4 (weight-only: dequantized to bf16 before the product) run at the bf16
    rate; fp32 at the TF32 tensor rate, half the bf16 rate on every GPU in the catalog;
    fp8 and int8 at the GPU's 8-bit rate, where it has one.
    """
    g = get_gpu(gpu)
    rates = {"fp32": g.bf16_flops / 2, "bf16": g.bf16_flops, "fp16": g.bf16_flops,
             "int4": g.bf16_flops, "fp8": g.fp8_flops, "int8": g.int8_ops}
    name = dtype_name(dtype)
    if rates[name] is None:
        has = [d for d, r in rates.items() if r is not None]
        raise ValueError(f"{g.name} has no published dense {name} tensor rate; allowed dtypes "
                         f"there: {', '.join(has)}")
    return rates[name]


def ops_per_byte(gpu, dtype: str = "bf16") -> float:
    """The ridge point: peak FLOP/s over peak bandwidth (FLOPs a byte must carry for a
    product to be compute-bound). A100 80GB SXM in bf16: 312e12 / 2.039e12 = 153."""
    g = get_gpu(gpu)
    return matmul_rate(g, dtype) / g.bandwidth_bytes_per_s


# ----- quantities of a deployment ------------------------------------------------------------

def param_count(dep: Deployment) -> float:
    return float(total_params(dep.model) if dep.params is None else dep.params)


def dep_weight_bytes(dep: Deployment) -> float:
    return param_count(dep) * bytes_per_param(dep.dtype)


def dep_flops_per_token(dep: Deployment) -> float:
    return 2.0 * dep.params if dep.params is not None else flops_per_token(dep.model)


def _attention_coefficient(dep: Deployment) -> float:
    m = dep.model
    return 4.0 * m.n_layers * m.n_heads * m.head_dim if dep.attention else 0.0


def achieved_flops(dep: Deployment):
    """FLOP/s the deployment sustains: GPUs x peak x MFU."""
    return dep.gpus * matmul_rate(dep.gpu, dep.dtype) * dep.mfu


def achieved_bandwidth(dep: Deployment):
    """Bytes/s the deployment sustains: GPUs x peak bandwidth x MBU."""
    return dep.gpus * dep.gpu.bandwidth_bytes_per_s * dep.mbu


def usd_per_second(dep: Deployment):
    return dep.gpus * dep.usd_per_gpu_hour / SECONDS_PER_HOUR


def kv_capacity_tokens(dep: Deployment):
    """Tokens of KV cache that fit beside the weights: (G x memory x usable - weights) / KV
    bytes per token, floored, and zero when the weights alone do not fit."""
    free = dep.gpus * dep.gpu.memory_bytes * dep.usable_memory - dep_weight_bytes(dep)
    return np.floor(np.maximum(free, 0.0) / kv_bytes_per_token(dep.model, dep.kv_dtype))


def prefill_time(dep: Deployment, prompt, batch=1):
    """Seconds to process ``batch`` prompts of ``prompt`` tokens: their FLOPs at the achieved
    FLOP/s, but never less than reading the weights once at the achieved bandwidth."""
    n = np.asarray(prompt, dtype=float)
    b = np.asarray(batch, dtype=float)
    flops = b * n * (dep_flops_per_token(dep) + _attention_coefficient(dep) * (n + 1) / 2)
    weights = weight_bytes_read(dep.model, dep.dtype, b * n, dep.params)
    return np.maximum(flops / achieved_flops(dep), weights / achieved_bandwidth(dep))


def decode_step_time(dep: Deployment, batch, context):
    """Seconds for one decode step of ``batch`` sequences that each attend to ``context``
    tokens: read the weights and every sequence's KV cache, or do the FLOPs, whichever is
    slower."""
    b = np.asarray(batch, dtype=float)
    c = np.asarray(context, dtype=float)
    memory = (weight_bytes_read(dep.model, dep.dtype, b, dep.params)
              + b * c * kv_bytes_per_token(dep.model, dep.kv_dtype))
    compute = b * (dep_flops_per_token(dep) + _attention_coefficient(dep) * c)
    return np.maximum(memory / achieved_bandwidth(dep), compute / achieved_flops(dep))


def _sum_linear(c0, c1, lo, hi):
    """sum over j = lo..hi of (c0 + c1 j); zero when the range is empty."""
    n = np.maximum(hi - lo + 1, 0)
    return n * c0 + c1 * n * (lo + hi) / 2


def _mean_of_max_linear(a0, a1, b0, b1, n):
    """Mean over j = 1..n of max(a0 + a1 j, b0 + b1 j), exactly, without a loop over j."""
    g0, g1 = a0 - b0, a1 - b1  # a wins where g0 + g1 j >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        root = -g0 / g1
    lo = np.where(g1 > 0, np.clip(np.ceil(root), 1, n + 1), 1.0)
    hi = np.where(g1 < 0, np.clip(np.floor(root), 0, n), n)
    hi = np.where((g1 == 0) & (g0 < 0), 0.0, hi)
    total = (_sum_linear(a0, a1, lo, hi) + _sum_linear(b0, b1, 1, lo - 1)
             + _sum_linear(b0, b1, hi + 1, n))
    return total / n


def mean_decode_step_time(dep: Deployment, batch, prompt, completion):
    """Mean decode step over a completion of ``completion`` tokens after ``prompt`` tokens:
    step j attends to prompt + j tokens. NaN when there is no completion."""
    b = np.asarray(batch, dtype=float)
    n = np.asarray(prompt, dtype=float)
    c = np.asarray(completion, dtype=float)
    kv = kv_bytes_per_token(dep.model, dep.kv_dtype)
    read = achieved_bandwidth(dep)
    rate = achieved_flops(dep)
    a_coef = _attention_coefficient(dep)
    weights = weight_bytes_read(dep.model, dep.dtype, b, dep.params)
    mean = _mean_of_max_linear((weights + b * kv * n) / read, b * kv / read,
                               b * (dep_flops_per_token(dep) + a_coef * n) / rate,
                               b * a_coef / rate, np.maximum(c, 1))
    return np.where(c > 0, mean, np.nan)


def compute_bound_batch(dep: Deployment, context=0):
    """Batch at which a decode step at ``context`` turns compute-bound: where B x FLOPs per
    token / FLOP/s equals (weights + B x context x KV bytes) / bandwidth. Infinite when the KV
    reads alone outrun the compute (long contexts), so the step never turns compute-bound.
    For a dense model with context 0 this is ops:byte x (MFU/MBU) x (bytes per param x P /
    2 x matmul params)."""
    c = np.asarray(context, dtype=float)
    per_seq_compute = (dep_flops_per_token(dep) + _attention_coefficient(dep) * c) \
        / achieved_flops(dep)
    per_seq_memory = c * kv_bytes_per_token(dep.model, dep.kv_dtype) / achieved_bandwidth(dep)
    fixed = dep_weight_bytes(dep) / achieved_bandwidth(dep)
    margin = per_seq_compute - per_seq_memory
    with np.errstate(divide="ignore"):
        return np.where(margin > 0, fixed / np.where(margin > 0, margin, 1.0), np.inf)


def memory_bound_context(dep: Deployment):
    """Context at and beyond which a decode step stays memory-bound at every batch size.

    Batching amortises the weight reads, not the KV reads: each sequence adds ``context`` x
    KV bytes to read and f + 4 L H d_h x ``context`` FLOPs to do. Once its reads take as long
    as its FLOPs, (f / FLOP/s) / (KV bytes / bandwidth - 4 L H d_h / FLOP/s), no batch turns
    compute-bound and ``compute_bound_batch`` is infinite. Infinite when the attention FLOPs
    per cached token outrun its bytes (never for a bf16 cache on the catalog's GPUs). For
    Llama-2-70B in the article's scenario: 140e9 x 1.3e12 / (327,680 x 200e12) = 2,777 tokens.
    """
    per_token_read = kv_bytes_per_token(dep.model, dep.kv_dtype) / achieved_bandwidth(dep)
    per_token_compute = _attention_coefficient(dep) / achieved_flops(dep)
    margin = per_token_read - per_token_compute
    base = dep_flops_per_token(dep) / achieved_flops(dep)
    with np.errstate(divide="ignore"):
        return np.where(margin > 0, base / np.where(margin > 0, margin, 1.0), np.inf)


def compute_bound_prompt(dep: Deployment):
    """Prompt length (batch 1, attention scores ignored) above which prefill is
    compute-bound: weights / bandwidth = N x FLOPs per token / FLOP/s."""
    return (dep_weight_bytes(dep) / achieved_bandwidth(dep)) \
        * achieved_flops(dep) / dep_flops_per_token(dep)


def aggregate_tokens_per_s(batch, decode_step_s):
    """Completion tokens per second summed over the batch."""
    return np.asarray(batch, dtype=float) / np.asarray(decode_step_s, dtype=float)


# ----- one entry point -----------------------------------------------------------------------

ESTIMATE_KEYS = ("params", "weight_bytes", "kv_bytes_per_token", "flops_per_token",
                 "kv_capacity_tokens", "fits", "ttft_s", "decode_step_s", "completion_s",
                 "tokens_per_s_per_sequence", "usd_per_1k_prompt", "usd_per_1k_completion",
                 "decode_bound")


def estimate(model=None, gpu=None, gpus=None, dtype=None, kv_dtype=None, batch=1, prompt=512,
             completion=512, mfu=None, mbu=None, usd_per_gpu_hour=None, *, scenario=None,
             usable_memory=None, params=None, attention=None) -> dict[str, np.ndarray]:
    """Everything the book computes for one workload on one deployment.

    ``batch`` sequences, each ``prompt`` tokens in and ``completion`` tokens out. Any numeric
    argument may be a numpy array; they broadcast against each other. Returns a dict of arrays
    with exactly the keys ``ESTIMATE_KEYS``. As in the source article's appendix, the prefill
    yields the first token and a completion of C tokens is timed as C decode steps. With no
    prompt the time to first token is one decode step; a rate with nothing to divide by (USD
    per 1K prompt tokens with no prompt) is NaN.
    """
    dep = deployment(model, gpu, gpus, dtype, kv_dtype, mfu, mbu, usd_per_gpu_hour,
                     usable_memory, params, attention, scenario)
    b = checks.count("batch", batch)
    n = checks.count("prompt", prompt, minimum=0)
    c = checks.count("completion", completion, minimum=0)
    if np.any((n == 0) & (c == 0)):
        raise ValueError("prompt and completion are both 0: there is no work to estimate")
    total_tokens = n + c
    if np.any(total_tokens > dep.model.max_context):
        warnings.warn(ContextLengthWarning(
            f"prompt + completion up to {int(np.max(total_tokens)):,} tokens exceeds "
            f"{dep.model.name}'s context of {dep.model.max_context:,}; computed anyway"),
            stacklevel=2)

    shape = np.broadcast_shapes(b.shape, n.shape, c.shape, np.shape(dep.gpus),
                                np.shape(dep.mfu), np.shape(dep.mbu),
                                np.shape(dep.usd_per_gpu_hour), np.shape(dep.usable_memory))
    weights = dep_weight_bytes(dep)
    capacity = kv_capacity_tokens(dep)
    fits = (weights <= dep.gpus * dep.gpu.memory_bytes * dep.usable_memory) \
        & (b * total_tokens <= capacity)

    # Overflow from absurd inputs is caught below as a non-finite result, not warned about.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ttft = np.where(n > 0, prefill_time(dep, n, b), decode_step_time(dep, b, 1))
        step = mean_decode_step_time(dep, b, n, c)   # NaN exactly where c == 0
        completion_s = np.where(c > 0, c * np.where(c > 0, step, 0.0), 0.0)
        per_s = usd_per_second(dep)
        usd_prompt = np.where(n > 0, ttft * per_s / (b * n / 1000), np.nan)
        usd_completion = np.where(c > 0, completion_s * per_s / (b * c / 1000), np.nan)
        tokens_per_s = 1.0 / step

        mean_context = n + (np.maximum(c, 1) + 1) / 2
        memory_time = (weight_bytes_read(dep.model, dep.dtype, b, dep.params)
                       + b * mean_context * kv_bytes_per_token(dep.model, dep.kv_dtype)) \
            / achieved_bandwidth(dep)
        compute_time = b * (dep_flops_per_token(dep)
                            + _attention_coefficient(dep) * mean_context) / achieved_flops(dep)
    bound = np.where(compute_time > memory_time, "compute", "memory")
    checks.finite_results(
        {"ttft_s": ttft, "decode_step_s": step, "completion_s": completion_s,
         "usd_per_1k_prompt": usd_prompt, "usd_per_1k_completion": usd_completion,
         "memory_time": memory_time, "compute_time": compute_time},
        allowed_nan={"decode_step_s": c == 0, "usd_per_1k_prompt": n == 0,
                     "usd_per_1k_completion": c == 0})

    out = {
        "params": param_count(dep),
        "weight_bytes": weights,
        "kv_bytes_per_token": kv_bytes_per_token(dep.model, dep.kv_dtype),
        "flops_per_token": dep_flops_per_token(dep),
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
    None when it fits. Scalars only (the command line's message)."""
    gpus = float(np.max(dep.gpus))
    usable = gpus * dep.gpu.memory_bytes * float(np.max(dep.usable_memory))
    weights = dep_weight_bytes(dep)
    where = f"{gpus:g} x {dep.gpu.name}"
    if weights > usable:
        return (f"weights need {weights / GB:,.2f} GB but {where} hold only "
                f"{usable / GB:,.2f} GB usable")
    tokens = float(np.max(np.asarray(batch) * (np.asarray(prompt) + np.asarray(completion))))
    kv_needed = tokens * kv_bytes_per_token(dep.model, dep.kv_dtype)
    if kv_needed > usable - weights:
        return (f"KV cache for {tokens:,.0f} tokens needs {kv_needed / GB:,.2f} GB but "
                f"{where} hold only {(usable - weights) / GB:,.2f} GB beside "
                f"{weights / GB:,.2f} GB of weights")
    return None


def describe(dep: Deployment) -> str:
    g = np.asarray(dep.gpus)
    gpus = f"{int(g)}" if g.ndim == 0 else "G"
    return f"{dep.model.name} on {gpus} x {dep.gpu.name} ({dep.dtype})"


