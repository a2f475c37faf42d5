"""Speculative decoding: a small draft model guesses, the large target model checks.

A decode step of a large model at small batch is memory-bound: it reads every weight to
produce one token per sequence, and its tensor cores sit mostly idle. Speculative decoding
(Leviathan, Kalman and Matias 2023; Chen et al. 2023) spends that idle compute. A cheap draft
model proposes ``gamma`` tokens one by one; the target scores all ``gamma + 1`` positions in a
single step, which costs about as much as scoring one because the weights are read once. The
target keeps the longest prefix of draft tokens it agrees with (by a rejection rule that
leaves its output distribution exactly unchanged) and adds one token of its own.

With each draft token accepted with probability ``alpha``, independently, a cycle yields
(1 - alpha^(gamma + 1)) / (1 - alpha) tokens in expectation (Leviathan et al. 2023, eq. 1).
If the draft costs ``c`` target steps per token, the cycle costs gamma c + 1 target steps, so
decoding runs faster by that expectation over gamma c + 1 (their Theorem 3.8). When the target
step is no longer memory-bound (large batch), scoring gamma + 1 tokens costs more than one
token: ``verify_step_time`` prices that with the roofline, and the speed-up shrinks or turns
into a slow-down.
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from ..model.flops import attention_flops_per_token
from .deployment import Deployment
from .steps import decode_step_time


def _acceptance(alpha) -> np.ndarray:
    arr = checks._as_float_array("alpha", alpha)
    if np.any((arr < 0) | (arr >= 1)):
        bad = arr[(arr < 0) | (arr >= 1)].flat[0]
        raise ValueError(
            f"alpha (the acceptance rate) must be in [0, 1), got {bad:g}; at 1 "
            f"every draft token is accepted and the expectation is gamma + 1"
        )
    return arr


def _draft_tokens(gamma, minimum: int = 1) -> np.ndarray:
    return checks.count("gamma", gamma, minimum=minimum)


def expected_tokens_per_step(alpha, gamma):
    """Expected tokens one target step yields with ``gamma`` draft tokens, each accepted with
    probability ``alpha``: (1 - alpha^(gamma + 1)) / (1 - alpha).

    The accepted prefix X has P(X >= j) = alpha^j for j <= gamma, and the step always adds one
    token of the target's own, so E[X + 1] = sum over j = 0..gamma of alpha^j, a geometric
    series. alpha = 0.8 and gamma = 4 give 3.3616 tokens; alpha = 0 gives 1 (no gain).
    Chapter 12 derives it."""
    a = _acceptance(alpha)
    g = _draft_tokens(gamma)
    return (1.0 - a ** (g + 1)) / (1.0 - a)


def speculative_speedup(alpha, gamma, draft_cost, verify_cost=1.0):
    """How many times faster decoding runs: expected tokens per cycle over the cycle's cost in
    plain target steps, gamma x ``draft_cost`` + ``verify_cost``.

    ``draft_cost`` (c) is one draft token's time over one plain target step; ``verify_cost``
    is the time of the target step that scores gamma + 1 tokens over a plain step: 1 when
    that step is memory-bound (Leviathan et al.'s assumption), more at large batch. alpha =
    0.8, gamma = 4, c = 0.05: 3.3616 / 1.2 = 2.80. Below 1 it is a slow-down.
    Chapter 12 derives it."""
    c = checks.nonnegative("draft_cost", draft_cost)
    v = checks.positive("verify_cost", verify_cost)
    return expected_tokens_per_step(alpha, gamma) / (_draft_tokens(gamma) * c + v)


def optimal_draft_tokens(alpha, draft_cost, max_gamma: int = 64):
    """The gamma in 1..``max_gamma`` that maximises ``speculative_speedup`` with a memory-bound
    verification step (ties go to the smaller gamma). alpha = 0.8, c = 0.05 gives 8 (a
    speed-up of 3.09); a better draft (higher alpha) or a cheaper one (lower c) wants more.
    Chapter 12 derives it."""
    a = _acceptance(alpha)[..., None]
    c = checks.nonnegative("draft_cost", draft_cost)[..., None]
    top = int(_draft_tokens(max_gamma))
    gammas = np.arange(1, top + 1, dtype=float)
    speedup = (1.0 - a ** (gammas + 1)) / (1.0 - a) / (gammas * c + 1.0)
    return np.argmax(speedup, axis=-1) + 1


def speculative_flops_factor(alpha, gamma, draft_flops_ratio):
    """Arithmetic done per accepted token, relative to plain decoding (Leviathan et al. 2023,
    Theorem 3.11): (1 - alpha)(gamma c' + gamma + 1) / (1 - alpha^(gamma + 1)), where c' is the
    draft's FLOPs per token over the target's. Every cycle the target scores gamma + 1
    positions and the draft gamma, for the expected tokens of one cycle. Rejected guesses are
    wasted work: this is why speculation pays only while compute is idle. Chapter 12 derives it."""
    c = checks.nonnegative("draft_flops_ratio", draft_flops_ratio)
    g = _draft_tokens(gamma)
    return (g * c + g + 1.0) / expected_tokens_per_step(alpha, g)


def verify_step_time(dep: Deployment, batch, context, gamma):
    """Seconds for the target's step that scores ``gamma`` + 1 tokens for each of ``batch``
    sequences at ``context`` tokens: read the weights once (for a mixture of experts, the
    experts all batch x (gamma + 1) tokens touch) and each sequence's KV cache once, or do
    gamma + 1 tokens' FLOPs per sequence, whichever is slower. gamma = 0 is an ordinary decode
    step (``decode_step_time``). The few new KV entries written are left out, as in decode.
    Chapter 12 derives it."""
    b = checks.batch("batch", batch)
    c = checks.tokens("context", context)
    g = _draft_tokens(gamma, minimum=0)
    tokens = b * (g + 1)
    memory = dep.weight_bytes_read(tokens) + b * dep.attended(c) * dep.kv_bytes_per_token
    attention = attention_flops_per_token(dep.model, c) if dep.attention else 0.0
    compute = tokens * (dep.flops_per_token + attention)
    return np.maximum(memory / dep.achieved_bandwidth, compute / dep.achieved_flops)


def speculative_time_per_token(target: Deployment, draft: Deployment, batch, context, alpha, gamma):
    """Mean seconds per generated token of each sequence when ``draft`` proposes ``gamma``
    tokens (gamma of its own decode steps) and ``target`` verifies them (``verify_step_time``):
    the cycle's time over its expected tokens. Both at ``context``; the few tokens the context
    grows within a cycle are left out. Divide the target's plain ``decode_step_time`` by this
    for the speed-up the roofline predicts at this batch. Chapter 12 derives it."""
    g = _draft_tokens(gamma)
    cycle = g * decode_step_time(draft, batch, context) + verify_step_time(
        target, batch, context, g
    )
    return cycle / expected_tokens_per_step(alpha, g)
