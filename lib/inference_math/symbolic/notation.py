"""The book's notation as sympy symbols, each named in Python as it is printed: ``MFU``
prints MFU, ``tau`` prints tau, ``c_h`` prints c_h (the notation page lists them all).
"""

from __future__ import annotations

import sympy as sp

# Architecture: layers, model width, query and KV heads, head width, FFN width, vocabulary.
L, d, H, K, d_h, d_ff, V = sp.symbols("L d H K d_h d_ff V", positive=True, integer=True)
E, k = sp.symbols("E k", positive=True, integer=True)  # experts, experts per token
tau = sp.symbols("tau", nonnegative=True)  # 1 if embeddings are tied
# A request and a deployment: context, batch, GPUs, completion.
N, B, G, C = sp.symbols("N B G C", positive=True, integer=True)
P = sp.symbols("P", positive=True)  # parameters
b_w, b_kv = sp.symbols("b_w b_kv", positive=True)  # bytes per weight, per KV number
F, beta, M = sp.symbols("F beta M", positive=True)  # peak FLOP/s, bandwidth, memory per GPU
MFU, MBU, u = sp.symbols("MFU MBU u", positive=True)  # efficiencies, usable fraction
c_h = sp.symbols("c_h", positive=True)  # USD per GPU-hour
m, n, k_mm = sp.symbols("m n k_mm", positive=True, integer=True)  # an (m x k) by (k x n) product
I = sp.symbols("I", positive=True)  # arithmetic intensity, FLOPs/byte  # noqa: E741

# Speculative decoding (chapter 12).
alpha = sp.symbols("alpha", nonnegative=True)  # draft-token acceptance rate
gamma = sp.symbols("gamma", positive=True, integer=True)  # draft tokens per target step
c = sp.symbols("c", nonnegative=True)  # a draft token's cost over a target step's

# Prices and utilisation (chapters 8, 9 and 11).
p_API = sp.symbols("p_API", positive=True)  # an API's USD per 1K tokens
rho = sp.symbols("rho", positive=True)  # utilisation: mean / peak traffic
R = sp.symbols("R", positive=True)  # tokens/s served at the peak
s_in, s_out = sp.symbols("s_in s_out", positive=True)  # self-hosted USD per token, at peak
p_in, p_out = sp.symbols("p_in p_out", positive=True)  # an API's USD per token

# Today's server (chapters 6 and 9).
t_0 = sp.symbols("t_0", nonnegative=True)  # fixed cost of a forward pass, seconds
alpha_AR = sp.symbols("alpha_AR", nonnegative=True)  # latency of one all-reduce, seconds
beta_link = sp.symbols("beta_link", positive=True)  # one direction of a GPU's link, bytes/s
eta_link = sp.symbols("eta_link", positive=True)  # the share of it a ring all-reduce reaches
b_a = sp.symbols("b_a", positive=True)  # bytes per activation crossing the link (2: bf16)
f = sp.symbols("f", positive=True)  # FLOPs per token outside attention scores
t_p = sp.symbols("t_p", positive=True)  # a request's prefill pass, seconds
t_d = sp.symbols("t_d", positive=True)  # the mean decode step at the batch, seconds

# Every symbol by its printed name, for ``values``: "N", "MFU", "p_API", ...
SYMBOLS: dict[str, sp.Symbol] = {
    str(v): v for v in list(globals().values()) if isinstance(v, sp.Symbol)
}
