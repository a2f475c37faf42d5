"""What a token costs on a deployment, and the batch at which it costs what an API charges.

A prompt token costs its share of a prefill; a completion token its share of a decode step.
Batching shares the weight read of a decode step among the sequences of the batch, so the
cost per completion token falls with the batch until a floor: the KV cache each sequence
reads, or the FLOPs each token needs, whichever is slower. ``break_even_batch`` finds the
smallest batch at which that cost reaches an API's price, or says that none does.

Every function takes numpy arrays and broadcasts them, and the deployment's own fields
(GPUs, MFU, MBU, price) may be arrays too.
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from ..serving.deployment import Deployment
from ..serving.steps import (
    decode_terms,
    mean_decode_step_time,
    mean_of_max_attended,
    prefill_time,
)

# Batches are searched up to this size; a cost still above the target here is treated as
# never reaching it (2**50 sequences is beyond any deployment, and still an exact float).
_MAX_BATCH = 2.0**50


def usd_per_1k_prompt(dep: Deployment, prompt, batch=1):
    """USD per 1,000 prompt tokens when ``batch`` prompts of ``prompt`` tokens are prefilled
    together: the prefill's seconds at the deployment's price, over the tokens. Equals
    ``estimate(...)["usd_per_1k_prompt"]``. Short prompts pay for a whole weight read, so
    the cost per token rises as ``1 / (batch x prompt)`` below the compute-bound length.
    Chapter 8 derives it."""
    n = checks.tokens("prompt", prompt, minimum=1)
    b = checks.batch("batch", batch)
    return prefill_time(dep, n, b) * dep.usd_per_second * 1000.0 / (b * n)


def usd_per_1k_completion(dep: Deployment, batch, prompt=0, completion=1):
    """USD per 1,000 completion tokens when ``batch`` sequences each generate ``completion``
    tokens after ``prompt`` tokens: the mean decode step at the deployment's price, over the
    ``batch`` tokens each step makes. Equals ``estimate(...)["usd_per_1k_completion"]``.

    The defaults (no prompt, one token) are the source article's setting: a decode step that
    reads the weights and almost no KV cache. Chapter 9 derives it."""
    b = checks.batch("batch", batch)
    n = checks.tokens("prompt", prompt)
    c = checks.tokens("completion", completion, minimum=1)
    return mean_decode_step_time(dep, b, n, c) * dep.usd_per_second * 1000.0 / b


def completion_cost_floor(dep: Deployment, prompt=0, completion=1):
    """The limit of ``usd_per_1k_completion`` as the batch grows without bound.

    The weight read and the fixed costs are shared by the whole batch and vanish per token;
    what remains per token is its own share of a step's terms (``decode_terms``): under the
    article's step model the larger of its KV-cache read and its FLOPs; under per-op steps
    its products, the larger of its cache read and its attention, and its bytes in the
    all-reduce; averaged over the completion's steps. No batch makes a
    completion token cheaper than this, so an API price at or below it cannot be matched.
    Chapter 9 derives it."""
    n = checks.tokens("prompt", prompt)
    c = checks.tokens("completion", completion, minimum=1)
    t = dep.table
    # one sequence's share of a step: its products, and per cached token its reads and FLOPs
    _, kv, products, attention = decode_terms(dep, 1.0, 1.0)
    if t.step_article is True:
        per_token_s = mean_of_max_attended(dep, 0.0, kv, products, attention, n, c)
    else:  # per-op: the products, attention and the all-reduce's bytes add
        per_token_s = (products + t.communication_per_token()
                       + mean_of_max_attended(dep, 0.0, kv, 0.0, attention, n, c))  # fmt: skip
    return per_token_s * dep.usd_per_second * 1000.0


def break_even_batch(dep: Deployment, api_usd_per_1k, prompt=0, completion=1):
    """The smallest whole batch at which a completion token on ``dep`` costs no more than
    ``api_usd_per_1k`` USD per 1,000 tokens, for sequences of ``prompt`` tokens in and
    ``completion`` tokens out.

    Returns floats: a whole number where some batch breaks even, ``inf`` where none does
    (the per-token floor of ``completion_cost_floor`` is at or above the API's price, so a
    bigger batch only approaches it). Whether that batch fits in memory is a separate
    question: compare it with ``memory.max_batch``.

    The cost per token never rises with the batch (each term of a decode step either is
    shared by the batch or is paid per sequence), so a doubling search followed by a
    bisection over whole batches finds the exact answer of the library's decode model,
    vectorised over every argument.

    Source article's case: 2 x A100-80GB at $4.42/hour, 140 GB read per step at 2.6 TB/s,
    against gpt-3.5-turbo's $0.002 gives 34 ($0.066 at batch 1; batch 33 still costs
    $0.002004).
    Chapter 9 derives it."""
    target = checks.nonnegative("api_usd_per_1k", api_usd_per_1k)
    n = checks.tokens("prompt", prompt)
    c = checks.tokens("completion", completion, minimum=1)

    def cost(b):
        return mean_decode_step_time(dep, b, n, c) * dep.usd_per_second * 1000.0 / b

    shape = np.broadcast_shapes(target.shape, np.shape(cost(np.ones_like(n))))
    target = np.broadcast_to(target, shape)
    hi = np.ones(shape)
    # Double until the cost is at or below the target (or the search gives up).
    while True:
        above = cost(hi) > target
        grow = above & (hi < _MAX_BATCH)
        if not grow.any():
            break
        hi = np.where(grow, hi * 2.0, hi)
    never = cost(hi) > target
    # Bisect on whole batches: cost(lo) > target >= cost(hi), with lo = hi / 2 (0 if hi = 1).
    lo = np.where(hi > 1, hi / 2.0, 0.0)
    while True:
        open_ = (hi - lo > 1) & ~never
        if not open_.any():
            break
        mid = np.floor((lo + hi) / 2.0)
        ok = cost(np.where(open_, mid, hi)) <= target
        hi = np.where(open_ & ok, mid, hi)
        lo = np.where(open_ & ~ok, mid, lo)
    return np.where(never, np.inf, hi)
