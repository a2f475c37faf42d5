"""The library's formulas as sympy expressions over the book's named symbols.

Chapters derive these step by step; tests lambdify them and check they equal the numeric
functions for random configurations (tests/test_symbolic.py). The formula sheet at the back
of the book is generated from ``FORMULAS``.
"""

from __future__ import annotations

import sympy as sp

# Book-wide notation.
L, d, H, K, d_h, d_ff, V = sp.symbols("L d H K d_h d_ff V", positive=True, integer=True)
E, k = sp.symbols("E k", positive=True, integer=True)      # experts, experts per token
N, B, G, C = sp.symbols("N B G C", positive=True, integer=True)  # context, batch, GPUs, completion
P = sp.symbols("P", positive=True)                           # parameters
b_w, b_kv = sp.symbols("b_w b_kv", positive=True)            # bytes per weight, per KV number
F, beta, M = sp.symbols("F beta M", positive=True)           # peak FLOP/s, bandwidth, memory per GPU
mfu, mbu, u = sp.symbols("MFU MBU u", positive=True)         # efficiencies, usable fraction
price = sp.symbols("c_h", positive=True)                     # USD per GPU-hour
m_, n_, k_ = sp.symbols("m n k_mm", positive=True, integer=True)
tied = sp.symbols("tau", nonnegative=True)                   # 1 if embeddings are tied


def matmul_flops():
    """An (m x k) @ (k x n) product: m n outputs, each k multiplies and k - 1 adds, which
    the book rounds to 2k (a fused multiply-add counts as two)."""
    return 2 * m_ * n_ * k_


def attention_params_per_layer():
    return d * H * d_h + 2 * d * K * d_h + H * d_h * d


def ffn_params_per_layer(matrices: int = 3):
    return matrices * d * d_ff


def llama_params():
    """A dense Llama-family model: untied (1 - tau) LM head, two RMSNorms a layer plus one."""
    per_layer = attention_params_per_layer() + ffn_params_per_layer(3) + 2 * d
    return V * d + (1 - tied) * V * d + L * per_layer + d


def matmul_params_dense():
    """Weights a token multiplies by in a dense Llama: attention, FFN, LM head."""
    return L * (attention_params_per_layer() + ffn_params_per_layer(3)) + V * d


def flops_per_token():
    return 2 * matmul_params_dense()


def kv_bytes_per_token():
    return 2 * L * K * d_h * b_kv


def attention_flops_per_token():
    return 4 * L * H * d_h * N


def prefill_attention_flops():
    """Causal: token i attends to i tokens; summing 4 L H d_h i over i = 1..N."""
    i = sp.symbols("i", positive=True, integer=True)
    return sp.factor(sp.summation(4 * L * H * d_h * i, (i, 1, N)))


def weight_bytes():
    return P * b_w


def prefill_time(flops_per_tok=None):
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    compute = B * (N * f + prefill_attention_flops()) / (G * F * mfu)
    memory = weight_bytes() / (G * beta * mbu)
    return sp.Max(compute, memory)


def decode_step_time(flops_per_tok=None):
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    memory = (weight_bytes() + B * N * kv_bytes_per_token()) / (G * beta * mbu)
    compute = B * (f + attention_flops_per_token()) / (G * F * mfu)
    return sp.Max(memory, compute)


def usd_per_1k_tokens(seconds, tokens):
    """Dollars for ``tokens`` tokens that took ``seconds`` on G GPUs, per thousand tokens."""
    return seconds * G * price / 3600 / (tokens / 1000)


def kv_capacity_tokens():
    return (G * M * u - weight_bytes()) / kv_bytes_per_token()


def ops_per_byte():
    return F / beta


def compute_bound_batch_no_kv(flops_per_tok=None):
    """Batch where B f / (G F MFU) = W / (G BW MBU), KV reads ignored."""
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    return sp.solve(sp.Eq(B * f / (G * F * mfu), weight_bytes() / (G * beta * mbu)), B)[0]


def expected_experts_touched():
    return E * (1 - (1 - k / E) ** B)


FORMULAS = {
    "matmul FLOPs": (matmul_flops, "FLOPs of an (m x k) by (k x n) matrix product"),
    "parameters (dense Llama)": (llama_params, "parameters from the architecture"),
    "FLOPs per token": (flops_per_token, "forward FLOPs per token outside attention scores"),
    "attention FLOPs per token": (attention_flops_per_token,
                                  "attention-score FLOPs of one token at context N"),
    "prefill attention FLOPs": (prefill_attention_flops,
                                "attention-score FLOPs of a causal prefill of N tokens"),
    "KV bytes per token": (kv_bytes_per_token, "key/value cache bytes per token"),
    "weight bytes": (weight_bytes, "bytes to hold P weights"),
    "KV capacity (tokens)": (kv_capacity_tokens, "KV tokens that fit beside the weights"),
    "ops:byte": (ops_per_byte, "the ridge point of the roofline"),
    "prefill time": (prefill_time, "seconds to prefill B prompts of N tokens"),
    "decode step time": (decode_step_time, "seconds for one decode step at context N"),
    "compute-bound batch": (compute_bound_batch_no_kv,
                            "batch where a decode step turns compute-bound (KV ignored)"),
    "experts touched": (expected_experts_touched,
                        "experts a layer reads for B tokens with top-k of E routing"),
}


_LATEX_NAMES = {mfu: r"\mathrm{MFU}", mbu: r"\mathrm{MBU}", tied: r"\tau"}


def latex(expr) -> str:
    """LaTeX for an expression in the book's notation (MFU and MBU upright)."""
    return sp.latex(expr, symbol_names=_LATEX_NAMES)


def formula_sheet() -> list[tuple[str, str, str]]:
    """(name, meaning, LaTeX) for every formula, for the back matter."""
    return [(name, text, latex(fn())) for name, (fn, text) in FORMULAS.items()]
