"""The primer's formulas (chapters 1 to 9 and 11) as sympy expressions over the book's
notation (``notation``), each recorded with the library function that evaluates it.

Chapters derive these step by step; tests lambdify them and check they equal the numeric
functions for random configurations (tests/library/test_symbolic.py). The formula sheet at
the back of the book is generated from ``FORMULAS``.
"""

from __future__ import annotations

import sympy as sp

from ..economics import breakeven, workloads
from ..hardware import roofline
from ..lab import model as lab_model
from ..model import flops, sizes
from ..model.spec import Model
from ..serving import speculative, steps
from ..serving.deployment import Deployment
from .notation import (
    MBU, MFU, B, C, E, F, G, H, I, K, L, M, N, P, R, V, alpha, b_kv, b_w, beta, c, c_h, d,
    d_ff, d_h, gamma, k, k_mm, m, n, p_API, p_in, p_out, rho, s_in, s_out, tau, u,
)  # fmt: skip
from .records import formula


@formula("matmul FLOPs", "FLOPs of an (m x k) by (k x n) matrix product", numeric=lab_model.linear)
def matmul_flops():
    """An (m x k) @ (k x n) product: m n outputs, each k multiplies and k - 1 adds, which
    the book rounds to 2k (a fused multiply-add counts as two)."""
    return 2 * m * n * k_mm


def attention_params_per_layer():
    return d * H * d_h + 2 * d * K * d_h + H * d_h * d


def ffn_params_per_layer(matrices: int = 3):
    return matrices * d * d_ff


@formula("parameters (dense Llama)", "parameters from the architecture", numeric=Model.params)
def llama_params():
    """A dense Llama-family model: untied (1 - tau) LM head, two RMSNorms a layer plus one."""
    per_layer = attention_params_per_layer() + ffn_params_per_layer(3) + 2 * d
    return V * d + (1 - tau) * V * d + L * per_layer + d


def matmul_params_dense():
    """Weights a token multiplies by in a dense Llama: attention, FFN, LM head."""
    return L * (attention_params_per_layer() + ffn_params_per_layer(3)) + V * d


@formula(
    "FLOPs per token",
    "forward FLOPs per token outside attention scores",
    numeric=flops.flops_per_token,
)
def flops_per_token():
    return 2 * matmul_params_dense()


@formula("KV bytes per token", "key/value cache bytes per token", numeric=sizes.kv_bytes_per_token)
def kv_bytes_per_token():
    return 2 * L * K * d_h * b_kv


@formula(
    "attention FLOPs per token",
    "attention-score FLOPs of one token at context N",
    numeric=flops.attention_flops_per_token,
)
def attention_flops_per_token():
    return 4 * L * H * d_h * N


@formula(
    "prefill attention FLOPs",
    "attention-score FLOPs of a causal prefill of N tokens",
    numeric=flops.prefill_attention_flops,
)
def prefill_attention_flops():
    """Causal: token i attends to i tokens; summing 4 L H d_h i over i = 1..N."""
    i = sp.symbols("i", positive=True, integer=True)
    return sp.factor(sp.summation(4 * L * H * d_h * i, (i, 1, N)))


@formula("weight bytes", "bytes to hold P weights", numeric=sizes.weight_bytes)
def weight_bytes():
    return P * b_w


@formula("prefill time", "seconds to prefill B prompts of N tokens", numeric=steps.prefill_time)
def prefill_time(flops_per_tok=None):
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    compute = B * (N * f + prefill_attention_flops()) / (G * F * MFU)
    memory = weight_bytes() / (G * beta * MBU)
    return sp.Max(compute, memory)


def decode_terms(flops_per_tok=None):
    """The four terms of a decode step of B sequences at context N (chapter 6), as
    ``steps.decode_terms`` computes them with numbers: reading the weights, reading the B
    caches, the weight products' FLOPs and the attention FLOPs, each over its achieved
    rate. The step models combine them; a test checks the two agree."""
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    return (
        weight_bytes() / (G * beta * MBU),
        B * N * kv_bytes_per_token() / (G * beta * MBU),
        B * f / (G * F * MFU),
        B * attention_flops_per_token() / (G * F * MFU),
    )


def _memory_and_compute(flops_per_tok=None):
    weights, kv, products, attention = decode_terms(flops_per_tok)
    return sp.together(weights + kv), sp.together(products + attention)


@formula(
    "decode step time", "seconds for one decode step at context N", numeric=steps.decode_step_time
)
def decode_step_time(flops_per_tok=None):
    """The article's step: the slower of the memory terms and the compute terms."""
    return sp.Max(*_memory_and_compute(flops_per_tok))


def usd_per_1k_tokens(seconds, tokens):
    """Dollars for ``tokens`` tokens that took ``seconds`` on G GPUs, per thousand tokens."""
    return seconds * G * c_h / 3600 / (tokens / 1000)


@formula(
    "KV capacity (tokens)",
    "KV tokens that fit beside the weights",
    numeric=Deployment.kv_capacity_tokens,
)
def kv_capacity_tokens():
    return (G * M * u - weight_bytes()) / kv_bytes_per_token()


@formula("ops:byte", "the ridge point of the roofline", numeric=roofline.ops_per_byte)
def ops_per_byte():
    return F / beta


@formula(
    "compute-bound batch",
    "batch where a decode step turns compute-bound (KV ignored)",
    numeric=steps.compute_bound_batch,
)
def compute_bound_batch_no_kv(flops_per_tok=None):
    """Batch where B f / (G F MFU) = W / (G BW MBU), KV reads ignored."""
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    return sp.solve(sp.Eq(B * f / (G * F * MFU), weight_bytes() / (G * beta * MBU)), B)[0]


@formula(
    "compute-bound batch with KV",
    "batch where a decode step at context N turns compute-bound",
    numeric=steps.compute_bound_batch,
)
def compute_bound_batch(flops_per_tok=None):
    """Batch where a decode step at context N turns compute-bound, KV reads included: the
    memory and compute terms of ``decode_step_time`` set equal and solved for B."""
    memory, compute = _memory_and_compute(flops_per_tok)
    return sp.solve(sp.Eq(memory, compute), B)[0]


@formula(
    "memory-bound context",
    "context beyond which decode is memory-bound at every batch",
    numeric=steps.memory_bound_context,
)
def memory_bound_context(flops_per_tok=None):
    """Context where one more sequence's KV reads take as long as its FLOPs: from it on the
    denominator of ``compute_bound_batch`` is not positive and no batch is compute-bound."""
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    per_seq_read = N * kv_bytes_per_token() / (G * beta * MBU)
    per_seq_compute = (f + attention_flops_per_token()) / (G * F * MFU)
    return sp.solve(sp.Eq(per_seq_read, per_seq_compute), N)[0]


@formula(
    "experts touched",
    "experts a layer reads for B tokens with top-k of E routing",
    numeric=sizes.expected_experts_touched,
)
def expected_experts_touched():
    return E * (1 - (1 - k / E) ** B)


# ----- decode and batching (chapter 6) ------------------------------------------------------


# ----- the roofline (chapters 4 and 5) -------------------------------------------------------


@formula(
    "matmul intensity",
    "FLOPs per byte of an (m x k) by (k x n) product",
    numeric=flops.matmul_intensity,
)
def matmul_intensity():
    """FLOPs per byte of an (m x k) @ (k x n) product that reads both operands and writes the
    result once, b_w bytes per element."""
    return matmul_flops() / (b_w * (m * k_mm + k_mm * n + m * n))


@formula(
    "roofline", "FLOP/s attainable at arithmetic intensity I", numeric=roofline.attainable_flops
)
def attainable_flops():
    """The roofline: a kernel of intensity I attains min(F, I beta) FLOP/s."""
    return sp.Min(F, I * beta)


@formula(
    "compute-bound prompt",
    "prompt length where prefill turns compute-bound",
    numeric=steps.compute_bound_prompt,
)
def compute_bound_prompt(flops_per_tok=None):
    """Prompt length (batch 1, attention scores ignored) where prefill's compute time equals
    reading the weights once: (F / beta) (MFU / MBU) (P b_w / f)."""
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    return sp.solve(sp.Eq(N * f / (G * F * MFU), weight_bytes() / (G * beta * MBU)), N)[0]


# ----- speculative decoding (chapter 12) ------------------------------------------------------


@formula(
    "speculative tokens per step",
    "tokens a target step yields with gamma draft tokens",
    numeric=speculative.expected_tokens_per_step,
)
def speculative_tokens_per_step():
    """Expected tokens a target step yields: sum over j = 0..gamma of alpha^j."""
    return (1 - alpha ** (gamma + 1)) / (1 - alpha)


@formula(
    "speculative speed-up",
    "decoding speed-up with a draft of relative cost c",
    numeric=speculative.speculative_speedup,
)
def speculative_speedup():
    """Expected tokens per cycle over the cycle's cost, gamma c + 1 memory-bound target steps."""
    return speculative_tokens_per_step() / (gamma * c + 1)


# ----- what a token costs, and the break-even batch (chapters 8 and 9) ----------------------


@formula(
    "USD per 1K prompt tokens",
    "compute-bound prefill, attention scores ignored",
    numeric=breakeven.usd_per_1k_prompt,
)
def usd_per_1k_prompt_compute_bound(flops_per_tok=None):
    """USD per 1K prompt tokens when prefill is compute-bound, attention scores ignored: N
    tokens take N f / (G F MFU) seconds on G GPUs at c_h USD per GPU-hour. G cancels."""
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    return sp.cancel(usd_per_1k_tokens(N * f / (G * F * MFU), N))


@formula(
    "USD per 1K completion tokens",
    "memory-bound decode at context N, batch B",
    numeric=breakeven.usd_per_1k_completion,
)
def usd_per_1k_completion_memory_bound():
    """USD per 1K completion tokens when a decode step at context N is memory-bound: the
    step reads the weights and B N cached tokens and yields B tokens. G cancels."""
    step = (weight_bytes() + B * N * kv_bytes_per_token()) / (G * beta * MBU)
    return sp.cancel(usd_per_1k_tokens(step, B))


@formula(
    "break-even batch",
    "batch where memory-bound decode costs an API's price",
    numeric=breakeven.break_even_batch,
)
def break_even_batch_memory_bound():
    """Batch at which ``usd_per_1k_completion_memory_bound`` equals an API's price p_API.
    Meaningful while the denominator is positive; where it is not, the KV reads alone cost
    more than the API and no batch breaks even."""
    return sp.solve(sp.Eq(usd_per_1k_completion_memory_bound(), p_API), B)[0]


# ----- workloads: utilisation and the break-even mix (chapter 11) ----------------------------


@formula(
    "cost at utilisation",
    "self-hosted USD per token when traffic averages rho of the peak",
    numeric=workloads.usd_at_utilisation,
)
def usd_per_token_at_utilisation():
    """G GPUs cost G c_h USD an hour whether busy or not; sized for R tokens/s at the peak,
    they serve rho R on average, so a token costs G c_h / (3600 rho R): 1 / rho times the
    cost at the peak."""
    return G * c_h / (3600 * rho * R)


@formula(
    "break-even completion",
    "completion length where self-hosting costs what an API does",
    numeric=workloads.break_even_completion,
)
def break_even_completion():
    """Completion tokens C at which a request of N prompt tokens costs the same self-hosted,
    (N s_in + C s_out) / rho, as through an API, N p_in + C p_out."""
    return sp.solve(sp.Eq((N * s_in + C * s_out) / rho, N * p_in + C * p_out), C)[0]
