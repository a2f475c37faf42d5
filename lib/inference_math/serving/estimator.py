"""One entry point: everything the book computes for a workload on a deployment.

``estimate`` joins the step times (``steps``), the deployment's memory (``deployment``) and
its price into one dict of arrays; the command line prints it. ``fit_problem`` says in one
line why a workload does not fit.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..core import checks
from ..core.units import GB
from .batching import BATCHING, continuous_batch, static_batch
from .deployment import Deployment
from .intervals import INTERVAL_KINDS, interval_factors
from .steps import decode_terms
from .workload import get_workload


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
    "itl_s",
    "completion_s",
    "tokens_per_s_per_sequence",
    "output_tokens_per_s",
    "usd_per_1k_prompt",
    "usd_per_1k_completion",
    "decode_bound",
    "admitted",
    "queue_s",
)
# With ``interval=``: a low and a high bound for each of these (``serving.intervals``).
INTERVAL_KEYS = tuple(f"{k}_{end}" for k in INTERVAL_KINDS for end in ("low", "high"))


# What ``estimate`` asks besides the deployment: (name, kind, help). The command line builds
# its workload options from this table; a test checks it matches the signature.
WORKLOAD_OPTIONS = (
    ("workload", "name", "a catalog workload (chat, ...): its prompt and completion"),
    ("batch", "count", "sequences per batch, or requests in flight (default 1)"),
    ("prompt", "count", "prompt tokens (default 512, or the workload's)"),
    ("completion", "count", "completion tokens (default 512, or the workload's)"),
    ("batching", "name", "static (the article's: a batch starts and ends together) or "
     "continuous (--batch requests in flight)"),
    ("chunked_prefill", "flag", "with continuous batching: prompts ride in the steps up to the "
     "engine's token budget (the default where the engine chunks)"),
    ("interval", "level", "add a low and a high bound (0.8: 80% of held-out published "
     "measurements fell inside) to times, throughput and prices"),
)  # fmt: skip


def chunks_by_default(dep: Deployment, batching) -> bool:
    """Whether a server of ``dep`` chunks prefill when not told (``chunked_prefill=None``):
    under continuous batching with per-op steps, where the engine has a token budget per
    step, as today's engines do; never for static batches or the article's step model."""
    mode = checks.canonical("batching", batching, {m: m for m in BATCHING})
    return (
        mode == "continuous"
        and dep.step_model == "per-op"
        and bool(np.all(np.isfinite(dep.table.budget)))
    )


def estimate(
    deployment: Deployment,
    workload=None,
    *,
    batch=1,
    prompt=None,
    completion=None,
    batching="static",
    chunked_prefill=None,
    engine=None,
    attention_parallelism=None,
    interval=None,
) -> dict[str, np.ndarray]:
    """Everything the book computes for a workload on a deployment (chapters 5 to 11).

    ``deployment`` is a ``Deployment`` (``im.deployment(...)`` builds one). The workload is
    a catalog ``Workload`` or its name ("chat"), whose prompt and completion are used, or
    else ``prompt`` and ``completion`` tokens (default 512 each; arrays to sweep them).
    ``batch`` sequences are served together: with ``batching="continuous"``, ``batch`` is the
    number of clients that each keep a request in flight (``batching.continuous_batch``):
    ``admitted`` of them are served at once, what the cache and the engine hold, and the
    rest wait ``queue_s`` for a slot (part of ``ttft_s``); prefill is chunked with the
    engine's token budget unless ``chunked_prefill`` is False (the article's step model does
    not chunk). ``"static"`` is the article's batch (``batching.static_batch``); ``fits``
    says whether the whole batch fits in memory (for continuous batching, whether one
    request does). ``engine`` and ``attention_parallelism``, when given, replace the
    deployment's. Any numeric argument may be a numpy array; they broadcast against each
    other and the deployment's arrays. Returns a dict of arrays with exactly the keys
    ``ESTIMATE_KEYS``: ``itl_s`` is the mean time between two output tokens of one request,
    ``output_tokens_per_s`` the deployment's aggregate rate. Tokens are priced from the
    deployment-seconds each request takes. As in the source article's appendix, a
    completion of C tokens is timed as C decode steps after the prefill. A rate with nothing
    to divide by (USD per 1K prompt tokens with no prompt) is NaN. ``interval`` (a level
    such as 0.8) adds ``INTERVAL_KEYS``: ``<key>_low`` and ``<key>_high`` for the times,
    the throughput and the prices, spanning that share of the errors the per-op model made
    on published measurements it was not fitted on (``serving.intervals``; chapter 10).
    """
    if not isinstance(deployment, Deployment):
        raise ValueError(
            "estimate takes a Deployment (build one with im.deployment(model, gpu, gpus, "
            f"...)), got {checks.printable(repr(deployment))[:60]}"
        )
    dep = deployment
    if engine is not None or attention_parallelism is not None:
        dep = dep.with_choices(
            engine=dep.engine if engine is None else engine,
            attention_parallelism=(
                dep.attention_parallelism
                if attention_parallelism is None
                else attention_parallelism
            ),
        )
    if workload is not None:
        if prompt is not None or completion is not None:
            raise ValueError(
                "give a workload or prompt and completion, not both: the workload's prompt "
                "and completion would be replaced"
            )
        w = get_workload(workload)
        prompt, completion = w.prompt, w.completion
    prompt = 512 if prompt is None else prompt
    completion = 512 if completion is None else completion
    mode = checks.canonical("batching", batching, {m: m for m in BATCHING})
    if chunked_prefill is None:  # today's engines chunk by default; the article did not
        chunked_prefill = chunks_by_default(dep, mode)
    chunked = checks.flag("chunked_prefill", chunked_prefill)
    if chunked and mode == "static":
        raise ValueError(
            "chunked_prefill needs batching='continuous'; a static batch prefills "
            "all its prompts together"
        )
    if chunked and dep.step_model == "article":
        raise ValueError(
            "chunked_prefill needs step_model='per-op': the article's one max() "
            "over a step has no separate products to fill with prompt chunks"
        )
    b = checks.batch("batch", batch)
    n = checks.tokens("prompt", prompt)
    c = checks.tokens("completion", completion)
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
    # a sequence of N tokens fills attended(N) tokens of capacity: N, unless windows cap it
    held = b if mode == "static" else 1.0
    fits = (weights <= dep.usable_bytes) & (held * dep.attended(total_tokens) <= capacity)

    # Overflow from absurd inputs is caught below as a non-finite result, not warned about.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if mode == "static":
            r = static_batch(dep, b, n, c)
        else:
            r = continuous_batch(dep, b, n, c, chunked_prefill=chunked)
        per_s = dep.usd_per_second
        usd_prompt = np.where(n > 0, r["prompt_gpu_s"] * per_s / (n / 1000), np.nan)
        usd_completion = np.where(c > 0, r["completion_gpu_s"] * per_s / (c / 1000), np.nan)
        tokens_per_s = 1.0 / r["itl_s"]

        mean_context = dep.attended(n + (np.maximum(c, 1) + 1) / 2)
        reads, kv_reads, products, attention = decode_terms(dep, b, mean_context)
        memory_time, compute_time = reads + kv_reads, products + attention
    bound = np.where(compute_time > memory_time, "compute", "memory")
    checks.finite_results(
        {
            "ttft_s": r["ttft_s"],
            "decode_step_s": r["decode_step_s"],
            "itl_s": r["itl_s"],
            "completion_s": r["completion_s"],
            "output_tokens_per_s": r["output_tokens_per_s"],
            "usd_per_1k_prompt": usd_prompt,
            "usd_per_1k_completion": usd_completion,
            "memory_time": memory_time,
            "compute_time": compute_time,
        },
        allowed_nan={
            "decode_step_s": c == 0,
            "itl_s": c == 0,
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
        "ttft_s": r["ttft_s"],
        "decode_step_s": r["decode_step_s"],
        "itl_s": r["itl_s"],
        "completion_s": r["completion_s"],
        "tokens_per_s_per_sequence": tokens_per_s,
        "output_tokens_per_s": r["output_tokens_per_s"],
        "usd_per_1k_prompt": usd_prompt,
        "usd_per_1k_completion": usd_completion,
        "decode_bound": bound,
        "admitted": r["admitted"],
        "queue_s": r["queue_s"],
    }
    if interval is not None:
        if dep.step_model != "per-op":
            raise ValueError(
                "interval needs step_model='per-op': the intervals come from that model's "
                "errors on published measurements"
            )
        level = checks.number("interval", interval)
        if level.ndim or not 0 < level < 1:
            raise ValueError(
                f"interval must be one level between 0 and 1 (0.8 for 80%), got {interval!r}"
            )
        level = float(level)
        for key in INTERVAL_KINDS:
            low, high = interval_factors(key, dep.model, dep.gpu, dep.dtype, level)
            out[f"{key}_low"], out[f"{key}_high"] = out[key] * low, out[key] * high
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
    what = f"{tokens:,.0f} tokens"
    if dep.model.has_windows:  # sliding-window layers cache their window at most
        b = np.asarray(batch, dtype=float)
        per_sequence = dep.kv_bytes_per_sequence(np.asarray(prompt) + np.asarray(completion))
        kv_needed = float(np.max(b * per_sequence))
        cap = max(w for w in dep.model.layer_windows if w is not None)  # a window or a chunk
        what += f" (windowed layers cache {cap:,} at most)"
    if kv_needed > usable - weights:
        return (
            f"KV cache for {what} needs {kv_needed / GB:,.2f} GB but "
            f"{where} hold only {(usable - weights) / GB:,.2f} GB beside "
            f"{weights / GB:,.2f} GB of weights"
        )
    return None
