"""Two ways a server batches requests, timed and priced from its step times (chapters 9, 11).

**Static batching** (the source article's): ``batch`` requests start together; their prompts
are prefilled in one pass, the first token of every request waits for all of them, then the
batch decodes together until the last token. A completion of C tokens is timed as C decode
steps (the article's appendix times it so).

**Continuous batching** (every serving engine since 2023): ``batch`` requests are in flight
in steady state; when one finishes, the next is admitted at once (the batch fits, or the
workload is reported as not fitting). A request waits for its own prefill, not for the whole
batch's. Without chunked prefill, each prefill runs as a pass of its own and stalls the
requests that are decoding; a request's inter-token latency (ITL) grows by the prefills of
the other ``batch - 1`` requests that land during its decoding. With ``chunked_prefill``,
prompts are split into chunks that ride in the decode steps, filling their spare compute up
to the roofline; the steps grow longer instead of stopping.

The steady state follows from Little's law, ``batch = X T`` (X requests per second, T seconds
a request spends in the system), and chapter 9 derives it in sympy. Two modelling choices are
stated where they are made: the wait for other requests' prefills is that of the
approximate mean-value analysis of a closed loop (Schweitzer's), and a chunked prompt is
prefilled first come, first served with the step's whole spare budget.
"""

from __future__ import annotations

import numpy as np

from .deployment import Deployment
from ..model.windows import prefill_attended_tokens
from .steps import (
    allreduce_time,
    decode_step_time,
    mean_decode_step_time,
    prefill_time,
    weight_products_time,
)

BATCHING = ("static", "continuous")
# Fixed-point iterations for the continuous steady state; the wait and the chunk budget
# change the request time by well under one part in a million after these many.
_ITERATIONS = 60


def static_batch(dep: Deployment, batch, prompt, completion) -> dict:
    """Times and GPU-seconds of a static batch (chapter 9): ``ttft_s`` (the batch's prefill,
    or one decode step with no prompt), ``decode_step_s`` (the mean step; NaN with no
    completion), ``itl_s`` (the same), ``completion_s`` (C steps), ``output_tokens_per_s``
    (the deployment's, batch after batch), and per request the deployment-seconds charged to
    its prompt (``prompt_gpu_s``) and its completion (``completion_gpu_s``)."""
    b, n, c = (np.asarray(x, dtype=float) for x in (batch, prompt, completion))
    ttft = np.where(n > 0, prefill_time(dep, n, b), decode_step_time(dep, b, 1))
    step = mean_decode_step_time(dep, b, n, c)  # NaN exactly where c == 0
    completion_s = np.where(c > 0, c * np.where(c > 0, step, 0.0), 0.0)
    return {
        "ttft_s": ttft,
        "decode_step_s": step,
        "itl_s": step,
        "completion_s": completion_s,
        "output_tokens_per_s": b * c / (ttft + completion_s),
        "prompt_gpu_s": ttft / b,
        "completion_gpu_s": completion_s / b,
    }


def continuous_batch(dep: Deployment, batch, prompt, completion, chunked_prefill=False) -> dict:
    """Steady-state times and GPU-seconds of continuous batching with ``batch`` requests in
    flight (chapter 9); the same keys as ``static_batch``. ``itl_s`` is the mean time between
    two tokens of one request, stalls included; ``decode_step_s`` the mean decode step
    itself. With no prompt a request's first token is one decode step away, and nothing
    stalls, so at batch 1 this equals ``static_batch``."""
    b, n, c = (np.asarray(x, dtype=float) for x in (batch, prompt, completion))
    b, n, c = np.broadcast_arrays(b, n, c)
    step = mean_decode_step_time(dep, b, n, c)
    decode = np.where(c > 0, step, decode_step_time(dep, b, n + 1))
    first = decode_step_time(dep, b, 1)  # the first token when there is no prompt
    if not chunked_prefill:
        # Each request takes its prefill p on the whole deployment and shares C decode steps
        # with the others: the deployment serves X = B / (B p + C d) requests a second. The
        # other requests' prefills occupy it a share phi of the time; a request waits for
        # them before its own prefill and is stalled by them while it decodes, so its first
        # token and each later one take 1 / (1 - phi) longer (approximate mean-value
        # analysis of a closed loop of B requests; chapter 9 derives it).
        # With no prompt there is nothing to prefill: the first token is a decode step that
        # all B share, like the others, and nothing stalls.
        prefill = np.where(n > 0, prefill_time(dep, n, 1), 0.0)
        cycle = np.where(n > 0, b * prefill + c * decode, first + c * decode)
        rate = b / cycle
        stretch = np.where(n > 0, cycle / (prefill + c * decode), 1.0)  # 1 / (1 - phi)
        ttft = np.where(n > 0, prefill * stretch, first)
        itl = decode * stretch
        prompt_gpu = np.where(n > 0, prefill, 0.0)
    else:
        # A step that also carries p prompt tokens: the products and all-reduces see b + p
        # tokens, and the chunk's own attention (a chunk of an N-token prompt attends to
        # (N + 1) / 2 tokens on average, or fewer under a sliding window) adds its FLOPs.
        products, comm = weight_products_time(dep, b), allreduce_time(dep, b)
        if dep.model.has_windows:
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = np.where(n > 0, prefill_attended_tokens(dep.model, n) / n, 0.0)
        else:
            mean = (n + 1) / 2
        attention = dep.attention_flops_per_context_token * mean / dep.achieved_flops

        def mixed_step(p):
            extra = weight_products_time(dep, b + p) - products
            return decode + extra + allreduce_time(dep, b + p) - comm + p * attention

        dense = dep.weight_bytes_read(b) / dep.achieved_bandwidth
        spare = np.maximum(dense * dep.achieved_flops / dep.flops_per_token - b, 1.0)
        step_s = decode
        rate = b / (np.where(n > 0, prefill_time(dep, n, 1), first) + c * decode)
        for _ in range(_ITERATIONS):
            demand = rate * n * step_s  # prompt tokens per step, in steady state
            step_s = mixed_step(demand)
            budget = np.maximum(spare, demand)
            ttft = np.where(n > 0, np.ceil(n / budget) * step_s, first)
            rate, previous = b / (ttft + c * step_s), rate
            if np.all(np.abs(rate - previous) <= 1e-12 * rate):
                break
        itl = step_s
        prompt_gpu = np.maximum(1 / rate - c * decode / b, 0.0)
    completion_s = c * itl
    gpu_per_request = 1 / rate
    return {
        "ttft_s": ttft,
        "decode_step_s": np.where(c > 0, step, np.nan),
        "itl_s": np.where(c > 0, itl, np.nan),
        "completion_s": np.where(c > 0, completion_s, 0.0),
        "output_tokens_per_s": rate * c,
        "prompt_gpu_s": np.minimum(prompt_gpu, gpu_per_request),
        "completion_gpu_s": gpu_per_request - np.minimum(prompt_gpu, gpu_per_request),
    }
