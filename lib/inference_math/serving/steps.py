"""How long a forward pass takes: prefill (chapter 5) and decode steps (chapter 6).

Two step models, chosen by ``Deployment.step_model``:

- "article", the roofline as the source article and the primer use it: a step takes as long
  as the larger of all its compute (FLOPs over the achieved FLOP/s, peak x MFU) and all its
  memory traffic (bytes over the achieved bandwidth, peak x MBU);
- "per-op", a step as today's servers run it (chapter 6): the weight products take the larger
  of their weight reads and their FLOPs; attention over the cache runs as its own kernels,
  the larger of its cache reads and its FLOPs, after them; every pass pays a fixed overhead;
  and on G > 1 GPUs, two all-reduces per layer.

Every function takes numpy arrays and broadcasts them, so a sweep over a million
configurations is one call.
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from ..model.windows import context_for_attended_tokens
from .deployment import Deployment


# Activations cross the GPUs in 16-bit, whatever the weights' format.
ACTIVATION_BYTES = 2


def allreduce_time(dep: Deployment, tokens):
    """Seconds of communication in one forward pass over ``tokens`` tokens (chapter 6): under
    tensor parallelism two all-reduces per layer, each of tokens x d activations, by the
    fastest algorithm the engine has for that size (a one-shot or two-shot kernel for small
    messages, NCCL's ring, 2 (G - 1) / G of the data over the link, above); under
    data-parallel attention an all-to-all to and from the experts in each mixture layer
    (``DeploymentTable.communication_time``). Zero on one GPU."""
    return dep.table.communication_time(tokens)


def decode_terms(dep: Deployment, batch, attended, kv_bandwidth=None):
    """Seconds of the four parts of a forward pass over ``batch`` tokens that each read
    ``attended`` tokens of cache (chapter 6): reading the weights (once for the whole batch),
    reading the cache, the weight products' FLOPs and the attention FLOPs, as a tuple
    ``(weights, kv, products, attention)``. The article's step model takes the larger of
    weights + kv and products + attention; the per-op model adds the larger of weights and
    products to the larger of kv and attention. The cache and attention terms grow linearly
    with ``attended``. ``kv_bandwidth`` reads the cache at another rate than the deployment's
    (chapter 10's refined model). Every decode-step function of the library is built on
    these four terms, and ``symbolic.decode_terms`` writes them in sympy."""
    t = dep.table
    b = checks.plain("batch", batch)
    e = checks.plain("attended", attended)
    kv_rate = t.kv_bandwidth if kv_bandwidth is None else kv_bandwidth
    return (
        t.weights_read_time(b),
        b * e * t.kv_read_bytes_per_token / kv_rate,
        b * t.flops_per_token / t.achieved_flops,
        b * e * t.attention_flops_per_context_token / t.attention_flops_rate,
    )


def weight_products_time(dep: Deployment, tokens):
    """Seconds of the weight products of a pass over ``tokens`` tokens (chapter 6): the
    larger of reading the weights once and doing 2 x matmul parameters FLOPs per token."""
    weights, _, products, _ = decode_terms(dep, tokens, 0.0)
    return np.maximum(weights, products)


def pass_time(dep: Deployment, tokens, cache_read_tokens, attended_flops_tokens, written=0.0):
    """Seconds of one forward pass of the per-op model over ``tokens`` tokens that read
    ``cache_read_tokens`` tokens of cache in all, attend to ``attended_flops_tokens`` in all
    and write ``written`` new tokens' keys and values (chapter 6): the fixed overhead, the
    weight products, attention (its cache traffic or its FLOPs, the slower) and the
    communication, added. A decode step reads B e and attends to B e; a prefill writes N and
    attends to N (N + 1) / 2; a step of chunked prefill does some of both."""
    t = dep.table
    weights, _, products, _ = decode_terms(dep, tokens, 0.0)
    kv = (np.asarray(cache_read_tokens) + written) * t.kv_read_bytes_per_token / t.kv_bandwidth
    flops = np.asarray(attended_flops_tokens) * t.attention_flops_per_context_token
    return (
        t.overhead_s
        + np.maximum(weights, products)
        + np.maximum(kv, flops / t.attention_flops_rate)
        + t.communication_time(tokens)
    )


def prefill_time(dep: Deployment, prompt, batch=1):
    """Seconds to process ``batch`` prompts of ``prompt`` tokens in one pass (chapter 5).

    Article model: their FLOPs (token i of a prompt attends to i tokens) at the achieved
    FLOP/s, but never less than reading the weights once at the achieved bandwidth. Per-op
    model: the fixed overheads (of any pass, and of a prefill's), the weight products,
    attention (its FLOPs, or writing the new tokens' cache, whichever is slower) and the
    communication, added (chapter 6). A sliding-window layer attends to its window at most,
    but still writes every new token's key and value (over the oldest)."""
    t = dep.table
    n = checks.plain("prompt", prompt)
    b = checks.plain("batch", batch)
    attended = b * t.prefill_attended(n)
    if t.step_article is True:
        flops = b * n * t.flops_per_token + attended * t.attention_flops_per_context_token
        return np.maximum(flops / t.achieved_flops, t.weights_read_time(b * n))
    return t.prefill_overhead_s + pass_time(dep, b * n, 0.0, attended, written=b * n)


def decode_step_time(dep: Deployment, batch, context):
    """Seconds for one decode step of ``batch`` sequences that each attend to ``context``
    tokens (chapter 6), from the four terms of ``decode_terms``. Article model: read the
    weights and every sequence's KV cache, or do the FLOPs, whichever is slower. Per-op
    model: the fixed overhead, the weight products, attention over the cache (its reads or
    its FLOPs) and the communication, added. A sliding-window layer reads and attends to its
    window at most (``Deployment.attended``)."""
    t = dep.table
    b = checks.plain("batch", batch)
    weights, kv, products, attention = decode_terms(dep, b, t.attended(context))
    if t.step_article is True:
        return np.maximum(weights + kv, products + attention)
    return (
        t.overhead_s
        + np.maximum(weights, products)
        + np.maximum(kv, attention)
        + t.communication_time(b)
    )


def _sum_linear(c0, c1, lo, hi):
    """sum over j = lo..hi of (c0 + c1 j); zero when the range is empty."""
    n = np.maximum(hi - lo + 1, 0)
    return n * c0 + c1 * n * (lo + hi) / 2


def mean_of_max_linear(a0, a1, b0, b1, n):
    """Mean over j = 1..n of max(a0 + a1 j, b0 + b1 j), exactly, without a loop over j.

    A decode step's memory and compute times both grow linearly with the context, so the
    mean step over a completion is this mean (chapter 6). The two lines cross at most once:
    sum each side of the crossing in closed form."""
    g0, g1 = a0 - b0, a1 - b1  # a wins where g0 + g1 j >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        root = -g0 / g1
    lo = np.where(g1 > 0, np.clip(np.ceil(root), 1, n + 1), 1.0)
    hi = np.where(g1 < 0, np.clip(np.floor(root), 0, n), n)
    hi = np.where((g1 == 0) & (g0 < 0), 0.0, hi)
    total = (
        _sum_linear(a0, a1, lo, hi)
        + _sum_linear(b0, b1, 1, lo - 1)
        + _sum_linear(b0, b1, hi + 1, n)
    )
    return total / n


def _sum_of_max_linear(a0, a1, b0, b1, lo, hi):
    """sum over j = lo..hi of max(a0 + a1 j, b0 + b1 j): the lines cross at most once."""
    g0, g1 = a0 - b0, a1 - b1  # a wins where g0 + g1 j >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        root = -g0 / g1
    a_lo = np.where(g1 > 0, np.clip(np.ceil(root), lo, hi + 1), lo)
    a_hi = np.where(g1 < 0, np.clip(np.floor(root), lo - 1, hi), hi)
    a_hi = np.where((g1 == 0) & (g0 < 0), lo - 1, a_hi)
    return (
        _sum_linear(a0, a1, a_lo, a_hi)
        + _sum_linear(b0, b1, lo, a_lo - 1)
        + _sum_linear(b0, b1, a_hi + 1, hi)
    )


def mean_of_max_attended(dep, a0, a1, b0, b1, prompt, completion):
    """Mean over the decode steps j = 1..C of a completion after ``prompt`` tokens of
    max(a0 + a1 e_j, b0 + b1 e_j), where e_j is the cache step j reads (``attended`` at
    prompt + j), exactly (chapter 6). Under full attention e_j = prompt + j and this is
    ``mean_of_max_linear``; sliding windows bend e_j at each window, so each stretch between
    two windows is summed in closed form on its own."""
    t = dep.table
    n = checks.plain("prompt", prompt)
    c = checks.plain("completion", completion)
    if not t.has_windows:
        return mean_of_max_linear(a0 + a1 * n, a1, b0 + b1 * n, b1, c)
    sizes = np.moveaxis(np.asarray(t.window_sizes, dtype=float), -1, 0)
    counts = np.moveaxis(np.asarray(t.window_layers, dtype=float), -1, 0)
    total = 0.0
    low, closed, open_ = 0.0, 0.0, t.n_layers
    for window, layers in [*zip(sizes, counts), (np.inf, 0.0)]:
        # steps with low < prompt + j <= window read (open x (prompt + j) + closed) / L
        lo = np.clip(low - n + 1, 1, c + 1)
        with np.errstate(invalid="ignore"):
            hi = np.clip(window - n, lo - 1, c)
        alpha, beta = (open_ * n + closed) / t.n_layers, open_ / t.n_layers
        total = total + _sum_of_max_linear(
            a0 + a1 * alpha, a1 * beta, b0 + b1 * alpha, b1 * beta, lo, hi
        )
        low = window
        closed = closed + np.where(np.isfinite(window), layers * window, 0.0)
        open_ = open_ - layers
    return total / c


def decode_lines(dep: Deployment, batch, prompt, kv_bandwidth=None):
    """Under the article's step model, the memory and compute times of decode step j of a
    completion after ``prompt`` tokens, as two lines in j: (a0, a1, b0, b1) with memory
    a0 + a1 j and compute b0 + b1 j (step j attends to prompt + j tokens): the terms of
    ``decode_terms`` at one cached token are the slopes. ``kv_bandwidth`` reads the cache at
    another rate than the weights (the refined model of chapter 10). Full attention only:
    under sliding windows the step times are not lines in j."""
    if dep.table.has_windows:
        raise ValueError(
            "decode_lines: a model with sliding-window layers has decode steps that are not "
            "lines in j; use mean_decode_step_time"
        )
    n = checks.plain("prompt", prompt)
    weights, kv, products, attention = decode_terms(dep, batch, 1.0, kv_bandwidth)
    return weights + kv * n, kv, products + attention * n, attention


def mean_decode_step_time(dep: Deployment, batch, prompt, completion):
    """Mean decode step over a completion of ``completion`` tokens after ``prompt`` tokens
    (chapter 6): step j attends to prompt + j tokens, and the cache and attention terms of
    ``decode_terms`` grow by one token's worth at each step. NaN when there is no completion."""
    t = dep.table
    c = checks.plain("completion", completion)
    steps = np.maximum(c, 1)
    b = checks.plain("batch", batch)
    weights, kv, products, attention = decode_terms(dep, b, 1.0)  # kv, attention: per token
    if t.step_article is True:
        mean = mean_of_max_attended(dep, weights, kv, products, attention, prompt, steps)
    else:
        fixed = t.overhead_s + np.maximum(weights, products) + t.communication_time(b)
        mean = fixed + mean_of_max_attended(dep, 0.0, kv, 0.0, attention, prompt, steps)
    return np.where(c > 0, mean, np.nan)


def compute_bound_batch(dep: Deployment, context=0):
    """Batch at which a decode step at ``context`` turns compute-bound (chapter 6): where
    B x FLOPs per token / FLOP/s equals (weights + B x context x KV bytes) / bandwidth, the
    terms of ``decode_terms`` for one sequence, with all the weights read. Infinite when the
    KV reads alone outrun the compute (long contexts), so the step never turns
    compute-bound. For a dense model with context 0 this is ops:byte x (MFU/MBU) x (bytes
    per param x P / 2 x matmul params). Sliding-window layers read and attend to their
    window at most."""
    t = dep.table
    _, kv, products, attention = decode_terms(dep, 1.0, t.attended(context))
    fixed = t.weight_bytes / t.achieved_bandwidth
    margin = products + attention - kv
    with np.errstate(divide="ignore"):
        return np.where(margin > 0, fixed / np.where(margin > 0, margin, 1.0), np.inf)


def memory_bound_context(dep: Deployment):
    """Context at and beyond which a decode step stays memory-bound at every batch size
    (chapter 6).

    Batching amortises the weight reads, not the KV reads: each sequence adds ``context`` x
    KV bytes to read and f + 4 L H d_h x ``context`` FLOPs to do. Once its reads take as long
    as its FLOPs, (f / FLOP/s) / (KV bytes / bandwidth - 4 L H d_h / FLOP/s), no batch turns
    compute-bound and ``compute_bound_batch`` is infinite. Infinite when the attention FLOPs
    per cached token outrun its bytes (never for a bf16 cache on the catalog's GPUs). For
    Llama-2-70B in the article's scenario: 140e9 x 1.3e12 / (327,680 x 200e12) = 2,777 tokens.
    Sliding windows cap the cache a sequence reads, so for a model whose every layer slides
    it is infinite when the windows' cache is below that.
    """
    _, kv, products, attention = decode_terms(dep, 1.0, 1.0)  # one sequence, one token
    margin = kv - attention
    with np.errstate(divide="ignore"):
        attended = np.where(margin > 0, products / np.where(margin > 0, margin, 1.0), np.inf)
    if dep.table.has_windows:  # the context whose windowed cache is that large, if any
        finite = np.isfinite(attended)
        ctx = context_for_attended_tokens(dep.model, np.where(finite, attended, 0.0))
        return np.where(finite, ctx, np.inf)
    return attended


def compute_bound_prompt(dep: Deployment):
    """Prompt length (batch 1, attention scores ignored) above which prefill is
    compute-bound (chapter 5): weights / bandwidth = N x FLOPs per token / FLOP/s."""
    t = dep.table
    return (t.weight_bytes / t.achieved_bandwidth) * t.achieved_flops / t.flops_per_token


def aggregate_tokens_per_s(batch, decode_step_s):
    """Completion tokens per second summed over the batch (chapter 6): B / step."""
    return checks.plain("batch", batch) / checks.plain("decode_step_s", decode_step_s)
