"""Two ways a server batches requests, timed and priced from its step times (chapters 9, 11).

**Static batching** (the source article's): ``batch`` requests start together; their prompts
are prefilled in one pass, the first token of every request waits for all of them, then the
batch decodes together until the last token. A completion of C tokens is timed as C decode
steps (the article's appendix times it so).

**Continuous batching** (every serving engine since 2023): ``batch`` clients each keep one
request in flight; when one finishes, the client sends the next. The server admits what its
cache and its engine hold (``admitted``): a request takes its prompt and, on average, half of
its completion in cache pages (or all of both where the engine guarantees it), the engine
keeps at most ``max_batch`` requests, and a step carries at most ``budget`` tokens. The
others wait for a slot (``queue_s``): in a closed loop of B clients served X requests a
second with A in flight, B = X (wait + service) and A = X service (Little's law), so the wait
is (B - A) / X, and it is part of the time to first token.

Today's engines **chunk prefill** by default: a step carries every decoding request's next
token and, up to the step's token budget, prompt tokens of the requests that arrived. A
prompt longer than the budget left takes several steps; each step that carries prompt
tokens is longer, and every decoding request waits for it, so long prompts stall decoding.
Without chunking each prefill is a pass of its own that stalls the others (the wait for
other requests' prefills is that of the approximate mean-value analysis of a closed loop,
Schweitzer's; chapter 9 derives it).

The steady state follows from Little's law and is found by bisection on the request rate
(``_ITERATIONS`` halvings, vectorised over every argument).
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from .deployment import Deployment
from .steps import decode_step_time, mean_decode_step_time, pass_time, prefill_time

BATCHING = ("static", "continuous")
# Halvings of the bracket on the request rate: 2^-28 of it (four parts in a billion), below
# any printed digit.
_ITERATIONS = 28
# Rounds of the small fixed points inside one rate (the decoding requests, a step's prompt
# tokens): each changes a step by a fraction of the last.
_INNER = 3
# A prefill server busier than this share of the time would queue without end; the closed
# loop then lets fewer requests decode, which the iteration finds.
_MAX_PREFILL_SHARE = 0.95


def static_batch(dep: Deployment, batch, prompt, completion) -> dict:
    """Times and GPU-seconds of a static batch (chapter 9): ``ttft_s`` (the batch's prefill,
    or one decode step with no prompt), ``decode_step_s`` (the mean step; NaN with no
    completion), ``itl_s`` (the same), ``completion_s`` (C steps), ``output_tokens_per_s``
    (the deployment's, batch after batch), and per request the deployment-seconds charged to
    its prompt (``prompt_gpu_s``) and its completion (``completion_gpu_s``); every request
    is admitted and none waits (``admitted`` is the batch, ``queue_s`` zero). The time to
    first token includes the server's handling of a request (``request_overhead_s``); the
    prompt's GPU-seconds do not, since a loaded server's CPU does that work while its GPUs
    run other requests."""
    b, n, c = (
        checks.plain(k, x)
        for k, x in zip(("batch", "prompt", "completion"), (batch, prompt, completion))
    )
    prefill = np.where(n > 0, prefill_time(dep, n, b), decode_step_time(dep, b, 1))
    ttft = prefill + dep.table.request_overhead_s
    step = mean_decode_step_time(dep, b, n, c)  # NaN exactly where c == 0
    completion_s = np.where(c > 0, c * np.where(c > 0, step, 0.0), 0.0)
    return {
        "ttft_s": ttft,
        "decode_step_s": step,
        "itl_s": step,
        "completion_s": completion_s,
        "output_tokens_per_s": b * c / (ttft + completion_s),
        "prompt_gpu_s": prefill / b,
        "completion_gpu_s": completion_s / b,
        "admitted": b,
        "queue_s": np.zeros_like(ttft),
    }


def admitted(dep: Deployment, batch, prompt, completion):
    """Requests in flight when ``batch`` clients each keep one (chapter 9): the batch, but
    at most what the cache holds (each request its prompt and half its completion on
    average, or all of both where the engine admits only what is guaranteed to fit), the
    engine's cap on requests and its token budget per step; at least one."""
    t = dep.table
    b, n, c = (
        checks.plain(k, x)
        for k, x in zip(("batch", "prompt", "completion"), (batch, prompt, completion))
    )
    held = np.where(t.admit_whole, n + c, n + (c + 1) / 2)
    slots = np.floor(t.kv_capacity_tokens / np.maximum(t.attended(held), 1.0))
    cap = np.minimum(np.minimum(b, slots), np.minimum(t.max_batch, t.budget))
    return np.maximum(cap, 1.0)


def continuous_batch(
    dep: Deployment, batch, prompt, completion, chunked_prefill=True, recv_interval=1
) -> dict:
    """Steady-state times and GPU-seconds of continuous batching with ``batch`` clients
    (chapter 9); the keys of ``static_batch``. ``admitted`` requests are in flight and
    ``queue_s`` is each request's wait for a slot, included in ``ttft_s``. ``itl_s`` is the
    mean time between two tokens of one request, stalls included; ``decode_step_s`` the mean
    decode step without prompt tokens. ``chunked_prefill``: prompts ride in the steps up to
    the engine's token budget (today's default); False: each prefill is a pass of its own.
    With no prompt a request's first token is one decode step away and nothing stalls.
    ``recv_interval``: the scheduler takes in new requests every this many decode steps
    (SGLang's ``--scheduler-recv-interval``, 1 by default), so a request waits
    (recv_interval - 1) / 2 steps more, on average, before its prompt is scheduled."""
    b, n, c = (
        checks.plain(k, x)
        for k, x in zip(("batch", "prompt", "completion"), (batch, prompt, completion))
    )
    a = admitted(dep, b, n, c)
    step = mean_decode_step_time(dep, a, n, c)
    decode = np.where(c > 0, step, decode_step_time(dep, a, n + 1))
    first = decode_step_time(dep, a, 1)  # the first token when there is no prompt
    if chunked_prefill:
        ttft, itl, rate = _chunked(dep, a, n, c, decode, first)
    else:
        ttft, itl, rate = _unchunked(dep, a, n, c, decode, first)
    poll = (checks.plain("recv_interval", recv_interval) - 1) / 2 * decode
    ttft = ttft + dep.table.request_overhead_s + poll
    # Little's law on the closed loop: each admitted slot serves one request per ``service``
    # (its request overhead included), and the clients beyond the slots wait (B - A) / X
    service = ttft + c * itl
    rate = a / service
    queue = (b - a) * service / a
    prompt_gpu = np.where(n > 0, np.maximum(1 / rate - c * decode / a, 0.0), 0.0)
    gpu_per_request = 1 / rate
    return {
        "ttft_s": ttft + queue,
        "decode_step_s": np.where(c > 0, step, np.nan),
        "itl_s": np.where(c > 0, itl, np.nan),
        "completion_s": np.where(c > 0, c * itl, 0.0),
        "output_tokens_per_s": rate * c,
        "prompt_gpu_s": np.minimum(prompt_gpu, gpu_per_request),
        "completion_gpu_s": gpu_per_request - np.minimum(prompt_gpu, gpu_per_request),
        "admitted": a,
        "queue_s": queue,
    }


def offline_batch(dep: Deployment, requests, prompt, completion) -> dict:
    """Times of an offline run (chapter 10): ``requests`` requests sent at once, each
    answered once, the engine admitting what it holds (``admitted``); the keys of
    ``static_batch``, each time a mean over the requests, and ``elapsed_s``, the run's time.
    The deployment-seconds charged to a request's prompt and completion are the static
    batch's or, with a backlog, the full server's.

    When every request is admitted the run is a static batch whose prompts are prefilled
    in order, a budget's worth of tokens at a time: the k-th of W prompts has its first
    token after k/W of the batch's prefill P, so the mean waits P (W + 1) / 2W; the first
    prompts' requests then wait through the later prompts, P (W - k) / W, spread over
    their C tokens, so the mean time between tokens is the decode step plus
    P (W - 1) / (2 W C); the last request ends at P + C steps, the run's time.

    When fewer are admitted, A of them, the server runs full, as with A clients keeping a
    request each in flight (``continuous_batch``, at rate X), until the backlog is gone:
    the j-th request waits (j - A) / X for a slot, (W - A)(W - A + 1) / 2WX on average, and
    the run takes W / X."""
    w, n, c = (
        checks.plain(k, x)
        for k, x in zip(("requests", "prompt", "completion"), (requests, prompt, completion))
    )
    a = admitted(dep, w, n, c)
    overhead = dep.table.request_overhead_s
    whole = static_batch(dep, w, n, c)
    prefill = whole["ttft_s"] - overhead
    cc = np.maximum(c, 1.0)
    wave_ttft = overhead + prefill * (w + 1) / (2 * w)
    wave_itl = whole["itl_s"] + prefill * (w - 1) / (2 * w * cc)
    wave_elapsed = whole["ttft_s"] + whole["completion_s"]
    full = continuous_batch(dep, a, n, c)
    rate = a / (full["ttft_s"] + full["completion_s"])  # requests a second (Little's law)
    backlog = np.maximum(w - a, 0.0)
    wait = backlog * (backlog + 1) / (2 * w * rate)
    every = w <= a
    ttft = np.where(every, wave_ttft, full["ttft_s"] + wait)
    itl = np.where(every, wave_itl, full["itl_s"])
    elapsed = np.where(every, wave_elapsed, w / rate)
    return {
        "ttft_s": ttft,
        "decode_step_s": np.where(every, whole["decode_step_s"], full["decode_step_s"]),
        "itl_s": np.where(c > 0, itl, np.nan),
        "completion_s": np.where(c > 0, c * itl, 0.0),
        "output_tokens_per_s": w * c / elapsed,
        "prompt_gpu_s": np.where(every, whole["prompt_gpu_s"], full["prompt_gpu_s"]),
        "completion_gpu_s": np.where(every, whole["completion_gpu_s"], full["completion_gpu_s"]),
        "elapsed_s": elapsed,
        "admitted": a,
        "queue_s": np.where(every, 0.0, wait),
    }


def _unchunked(dep, a, n, c, decode, first):
    """Each request takes its prefill p on the whole deployment and shares C decode steps d
    with the others: X = A / (A p + C d). The other requests' prefills occupy it a share
    phi of the time; a request waits for them before its own prefill and is stalled by them
    while it decodes, so its first token and each later one take 1 / (1 - phi) longer."""
    prefill = np.where(n > 0, prefill_time(dep, n, 1), 0.0)
    cycle = np.where(n > 0, a * prefill + c * decode, first + c * decode)
    stretch = np.where(n > 0, cycle / (prefill + c * decode), 1.0)  # 1 / (1 - phi)
    ttft = np.where(n > 0, prefill * stretch, first)
    return ttft, decode * stretch, a / cycle


def _chunked(dep, a, n, c, decode, first):
    """A step carries the decoding requests' tokens and at most the budget left of prompt
    tokens. While such steps leave time between them, a step carries one prompt (or one
    budget's chunk of a long one): m = X ceil(N / room) such steps a second, each t_mix, the
    rest plain decode steps t_decode; a token waits for the mean step, ITL = 1 / (m + (1 - m
    t_mix) / t_decode), and a prompt's first token comes after the step in progress and its
    own chunk steps (a scheduler puts every waiting prompt into the next step, up to the
    budget, so prompts queue only once steps are full). Once they would fill the time (m
    t_mix >= 1), every step carries what arrives during it, p = X N t(p) prompt tokens, and
    ITL is that step. When even full steps cannot carry what the clients send, every step is
    full: X = room / (N t_full), and the others wait for their prefill (Little's law: TTFT =
    A / X - C ITL).

    An engine that does not mix (SGLang's default) runs the prompts that arrived as a pass
    of their own, between decode steps: the decoding requests yield no token in it, so
    ITL = t_decode / (1 - m t_prefill).

    The request rate X solves A = X (TTFT + C ITL) (Little's law); the right side grows with
    X, so X is found by bisection between zero and the rate of full steps."""
    t = dep.table
    budget = np.minimum(t.budget, np.float64(1e12))
    context = n + (np.maximum(c, 1) + 1) / 2
    has_prompt = n > 0
    mixes = np.asarray(t.mixes_prefill, dtype=bool)
    share = t.prefill_attended(n) / np.maximum(n, 1)  # attended tokens per prompt token

    def step(decoding, p):  # a step with ``decoding`` tokens and ``p`` prompt tokens
        d = np.where(mixes, decoding, 0.0)  # a pass of prompts only, where it does not mix
        read = d * t.attended(context)
        return pass_time(dep, d + p, read, read + share * p, written=p)

    def steady(rate):  # (TTFT, ITL, the rate of full steps, their ITL) at ``rate``
        ttft = np.where(has_prompt, prefill_time(dep, n, 1), first)
        for _ in range(_INNER):
            # requests not waiting for their first token; with no prompt every one decodes
            decoding = np.where(has_prompt, np.clip(a - rate * ttft, 1.0, a), a)
            plain = np.where(c > 0, mean_decode_step_time(dep, decoding, n, c), first)
            room = np.maximum(budget - np.where(mixes, decoding, 0.0), 1.0)
            chunks = np.maximum(np.ceil(n / room), 1.0)
            one_chunk = n / chunks
            dense = mixes & (rate * chunks * step(decoding, one_chunk) >= 1)
            p = one_chunk
            for _ in range(_INNER):  # p = X N t(p): what arrives during a step
                p = np.where(dense | ~mixes, np.clip(rate * n * step(decoding, p), one_chunk,
                                                     room), one_chunk)  # fmt: skip
            mixed = step(decoding, p)
            m = rate * n / np.maximum(p, 1.0)
            # below one where steps mix (the dense test above); a pass of prompts only is
            # capped, the closed loop then admitting fewer (the saturated case)
            busy = np.where(
                mixes, np.minimum(m * mixed, 1.0), np.minimum(m * mixed, _MAX_PREFILL_SHARE)
            )
            sparse_itl = np.where(
                mixes, 1 / (m + (1 - busy) / plain), plain / np.where(mixes, 1.0, 1 - busy)
            )
            # the step in progress, then the prompt's own chunk steps: a scheduler puts
            # every waiting prompt into the next step up to the budget, so prompts do not
            # queue behind each other until the budget is full (the saturated case below)
            sparse_ttft = np.where(mixes, sparse_itl, plain) / 2 + chunks * mixed
            itl = np.where(has_prompt, np.where(dense, mixed, sparse_itl), plain)
            ttft = np.where(
                has_prompt, np.where(dense, mixed / 2 + chunks * mixed, sparse_ttft), first
            )
        full = step(decoding, room)
        cap = room / (np.maximum(n, 1) * full)  # requests a second when every step is full
        full_itl = np.where(mixes, full, plain / (1 - _MAX_PREFILL_SHARE))
        return ttft, itl, np.where(has_prompt, cap, np.inf), full_itl, chunks * full

    # the rate at which every step would be full bounds the search
    probe = a / (np.where(has_prompt, prefill_time(dep, n, 1), first) + c * decode)
    _, _, cap, full_itl, full_prefill = steady(probe)
    no_prompt_rate = a / (first + c * decode)
    hi = np.where(has_prompt, cap, no_prompt_rate)
    lo = np.zeros_like(hi)
    for _ in range(_ITERATIONS):
        mid = 0.5 * (lo + hi)
        ttft, itl, _, _, _ = steady(mid)
        short = mid * (ttft + c * itl) < a  # the clients would keep more in flight
        lo, hi = np.where(short, mid, lo), np.where(short, hi, mid)
    rate = 0.5 * (lo + hi)
    ttft, itl, _, _, _ = steady(rate)
    ttft_cap, itl_cap, *_ = steady(np.where(has_prompt, cap, probe))
    saturated = has_prompt & (cap * (ttft_cap + c * itl_cap) < a)
    itl = np.where(saturated, full_itl, itl)
    ttft = np.where(saturated, np.maximum(a / cap - c * full_itl, full_prefill), ttft)
    rate = np.where(saturated, cap, np.where(has_prompt, rate, no_prompt_rate))
    return ttft, itl, rate
