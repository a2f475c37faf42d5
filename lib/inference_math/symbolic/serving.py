"""Today's server in sympy: the step by operation, tensor-parallel all-reduces (chapter 6),
the steady state of continuous batching (chapter 9), and chapter 10's refined model of the
article's measurements. Each formula is recorded in ``FORMULAS`` with the library function
that evaluates it.
"""

from __future__ import annotations

import sympy as sp

from ..serving import batching, steps
from .notation import (
    MBU, B, C, G, L, N, alpha_AR, b_a, beta, beta_link, d, eta_link, f,
    t_0, t_p, t_d,
)  # fmt: skip
from .primer import decode_terms, kv_bytes_per_token, prefill_time, weight_bytes
from .records import formula


@formula("all-reduce time", "tensor-parallel communication of one pass over B tokens",
         numeric=steps.allreduce_time)  # fmt: skip
def allreduce_time():
    """Two all-reduces per layer, each by NCCL's ring: a latency plus 2 (G - 1) / G of the
    B x d activations over one direction of the link, at the share of it a ring reaches; for
    G > 1 (one GPU has none). Engines with their own one-shot and two-shot kernels use those
    below a message size and the ring above it; the library's ``allreduce_time`` takes the
    fastest the deployment's engine has, which is this one for gpt-fast (NCCL only)."""
    return 2 * L * (alpha_AR + 2 * (G - 1) / G * B * d * b_a / (eta_link * beta_link))


@formula("per-op decode step", "a decode step as a server runs it: the parts added",
         numeric=steps.decode_step_time)  # fmt: skip
def per_op_decode_step():
    """The fixed cost, the weight products (reads or FLOPs), attention over the cache (its
    reads or its FLOPs) and the all-reduces, one after another: the four terms of
    ``decode_terms`` (f: FLOPs per token)."""
    weights, kv, products, attention = decode_terms(f)
    return t_0 + sp.Max(weights, products) + sp.Max(kv, attention) + allreduce_time()


@formula("continuous throughput", "requests a second with B requests in flight",
         numeric=batching.continuous_batch)  # fmt: skip
def continuous_rate():
    """Each request holds the whole deployment for its prefill t_p and shares C decode steps
    t_d with the B - 1 others: X = B / (B t_p + C t_d)."""
    return B / (B * t_p + C * t_d)


@formula("continuous stretch", "how much other requests' prefills stretch each token",
         numeric=batching.continuous_batch)  # fmt: skip
def continuous_stretch():
    """1 / (1 - phi), where phi = X (B - 1) t_p / B is the share of the time other requests'
    prefills take: a request waits that much longer for its first token and for each later
    one (Schweitzer's approximate mean-value analysis of a closed loop)."""
    phi = continuous_rate() * (B - 1) * t_p / B
    return sp.simplify(1 / (1 - phi))


def refined_model():
    """Chapter 10's refined model (``calibration.ARTICLE_REFINED``) as sympy expressions in
    the book's notation, decode in its memory-bound branch (every appendix run is): ``ttft``,
    ``decode_step`` at context N, ``mean_decode_step`` over a completion of C tokens, and
    ``completion``. New symbols: t_pf (the fixed time per prefill) and MBU_kv."""
    t0, mbu_kv = sp.symbols("t_pf MBU_kv", positive=True)
    j = sp.symbols("j", positive=True, integer=True)
    ttft = t0 + prefill_time()
    weights = weight_bytes() / (G * beta * MBU)
    step = weights + B * N * kv_bytes_per_token() / (G * beta * mbu_kv)
    # Step j attends to N + j tokens, so the steps grow linearly in j: the sum is C times the
    # step at j = 0 plus the slope times 1 + 2 + ... + C.
    step_j = step.subs(N, N + j)
    total = C * step_j.subs(j, 0) + sp.diff(step_j, j) * sp.summation(j, (j, 1, C))
    mean = sp.expand(total / C)
    return {
        "ttft": ttft,
        "decode_step": step,
        "mean_decode_step": mean,
        "completion": C * mean,
        "t_pf": t0,
        "MBU_kv": mbu_kv,
    }
