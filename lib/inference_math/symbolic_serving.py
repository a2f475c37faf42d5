"""Today's server in sympy: the step by operation, tensor-parallel all-reduces (chapter 6)
and the steady state of continuous batching (chapter 9).

The book's notation is in ``symbolic``; this module adds the symbols today's server needs and
registers its formulas in the same ``FORMULAS`` records, each with the library function that
evaluates it. ``symbolic`` re-exports everything here, so chapters reach it as ``ims``.
"""

from __future__ import annotations

import sympy as sp

from . import batching, steps
from .formula_records import formula
from .symbolic import B, C, F, G, H, K, L, N, P, b_kv, b_w, beta, d, d_h, mbu, mfu

t_0 = sp.symbols("t_0", nonnegative=True)  # fixed cost of a forward pass, seconds
alpha_ar = sp.symbols("alpha_AR", nonnegative=True)  # latency of one all-reduce, seconds
beta_link = sp.symbols("beta_link", positive=True)  # one direction of a GPU's link, bytes/s
b_a = sp.symbols("b_a", positive=True)  # bytes per activation crossing the link (2: bf16)
f_tok = sp.symbols("f", positive=True)  # FLOPs per token outside attention scores
t_p = sp.symbols("t_p", positive=True)  # a request's prefill pass, seconds
t_d = sp.symbols("t_d", positive=True)  # the mean decode step at the batch, seconds


@formula("all-reduce time", "tensor-parallel communication of one pass over B tokens",
         numeric=steps.allreduce_time)  # fmt: skip
def allreduce_time():
    """Two all-reduces per layer, each a latency plus a ring's 2 (G - 1) / G of the B x d
    activations over one direction of the link; for G > 1 (one GPU has none)."""
    return 2 * L * (alpha_ar + 2 * (G - 1) / G * B * d * b_a / beta_link)


@formula("per-op decode step", "a decode step as a server runs it: the parts added",
         numeric=steps.decode_step_time)  # fmt: skip
def per_op_decode_step():
    """The fixed cost, the weight products (reads or FLOPs), attention over the cache (its
    reads or its FLOPs) and the all-reduces, one after another (f: FLOPs per token)."""
    products = sp.Max(P * b_w / (G * beta * mbu), B * f_tok / (G * F * mfu))
    attention = sp.Max(
        B * N * 2 * L * K * d_h * b_kv / (G * beta * mbu), 4 * L * H * d_h * B * N / (G * F * mfu)
    )
    return t_0 + products + attention + allreduce_time()


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
