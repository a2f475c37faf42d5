"""The library's formulas as sympy expressions over the book's named symbols.

Chapters derive these step by step; tests lambdify them and check they equal the numeric
functions for random configurations (tests/test_symbolic.py). The formula sheet at the back
of the book is generated from ``FORMULAS``.
"""

from __future__ import annotations

import sympy as sp

from . import breakeven, formulas, lab, models, roofline, speculative, steps, workloads
from .deployment import Deployment
from .formula_records import FORMULAS, Formula, formula, get_formula  # noqa: F401

# Book-wide notation.
L, d, H, K, d_h, d_ff, V = sp.symbols("L d H K d_h d_ff V", positive=True, integer=True)
E, k = sp.symbols("E k", positive=True, integer=True)  # experts, experts per token
N, B, G, C = sp.symbols("N B G C", positive=True, integer=True)  # context, batch, GPUs, completion
P = sp.symbols("P", positive=True)  # parameters
b_w, b_kv = sp.symbols("b_w b_kv", positive=True)  # bytes per weight, per KV number
F, beta, M = sp.symbols("F beta M", positive=True)  # peak FLOP/s, bandwidth, memory per GPU
mfu, mbu, u = sp.symbols("MFU MBU u", positive=True)  # efficiencies, usable fraction
price = sp.symbols("c_h", positive=True)  # USD per GPU-hour
m_, n_, k_ = sp.symbols("m n k_mm", positive=True, integer=True)
tied = sp.symbols("tau", nonnegative=True)  # 1 if embeddings are tied


@formula("matmul FLOPs", "FLOPs of an (m x k) by (k x n) matrix product", numeric=lab.linear)
def matmul_flops():
    """An (m x k) @ (k x n) product: m n outputs, each k multiplies and k - 1 adds, which
    the book rounds to 2k (a fused multiply-add counts as two)."""
    return 2 * m_ * n_ * k_


def attention_params_per_layer():
    return d * H * d_h + 2 * d * K * d_h + H * d_h * d


def ffn_params_per_layer(matrices: int = 3):
    return matrices * d * d_ff


@formula(
    "parameters (dense Llama)", "parameters from the architecture", numeric=models.Model.params
)
def llama_params():
    """A dense Llama-family model: untied (1 - tau) LM head, two RMSNorms a layer plus one."""
    per_layer = attention_params_per_layer() + ffn_params_per_layer(3) + 2 * d
    return V * d + (1 - tied) * V * d + L * per_layer + d


def matmul_params_dense():
    """Weights a token multiplies by in a dense Llama: attention, FFN, LM head."""
    return L * (attention_params_per_layer() + ffn_params_per_layer(3)) + V * d


@formula(
    "FLOPs per token",
    "forward FLOPs per token outside attention scores",
    numeric=formulas.flops_per_token,
)
def flops_per_token():
    return 2 * matmul_params_dense()


@formula(
    "KV bytes per token", "key/value cache bytes per token", numeric=formulas.kv_bytes_per_token
)
def kv_bytes_per_token():
    return 2 * L * K * d_h * b_kv


@formula(
    "attention FLOPs per token",
    "attention-score FLOPs of one token at context N",
    numeric=formulas.attention_flops_per_token,
)
def attention_flops_per_token():
    return 4 * L * H * d_h * N


@formula(
    "prefill attention FLOPs",
    "attention-score FLOPs of a causal prefill of N tokens",
    numeric=formulas.prefill_attention_flops,
)
def prefill_attention_flops():
    """Causal: token i attends to i tokens; summing 4 L H d_h i over i = 1..N."""
    i = sp.symbols("i", positive=True, integer=True)
    return sp.factor(sp.summation(4 * L * H * d_h * i, (i, 1, N)))


@formula("weight bytes", "bytes to hold P weights", numeric=formulas.weight_bytes)
def weight_bytes():
    return P * b_w


@formula("prefill time", "seconds to prefill B prompts of N tokens", numeric=steps.prefill_time)
def prefill_time(flops_per_tok=None):
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    compute = B * (N * f + prefill_attention_flops()) / (G * F * mfu)
    memory = weight_bytes() / (G * beta * mbu)
    return sp.Max(compute, memory)


@formula(
    "decode step time", "seconds for one decode step at context N", numeric=steps.decode_step_time
)
def decode_step_time(flops_per_tok=None):
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    memory = (weight_bytes() + B * N * kv_bytes_per_token()) / (G * beta * mbu)
    compute = B * (f + attention_flops_per_token()) / (G * F * mfu)
    return sp.Max(memory, compute)


def usd_per_1k_tokens(seconds, tokens):
    """Dollars for ``tokens`` tokens that took ``seconds`` on G GPUs, per thousand tokens."""
    return seconds * G * price / 3600 / (tokens / 1000)


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
    return sp.solve(sp.Eq(B * f / (G * F * mfu), weight_bytes() / (G * beta * mbu)), B)[0]


def _decode_terms(flops_per_tok=None):
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    memory = (weight_bytes() + B * N * kv_bytes_per_token()) / (G * beta * mbu)
    compute = B * (f + attention_flops_per_token()) / (G * F * mfu)
    return memory, compute


@formula(
    "compute-bound batch with KV",
    "batch where a decode step at context N turns compute-bound",
    numeric=steps.compute_bound_batch,
)
def compute_bound_batch(flops_per_tok=None):
    """Batch where a decode step at context N turns compute-bound, KV reads included: the
    memory and compute terms of ``decode_step_time`` set equal and solved for B."""
    memory, compute = _decode_terms(flops_per_tok)
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
    per_seq_read = N * kv_bytes_per_token() / (G * beta * mbu)
    per_seq_compute = (f + attention_flops_per_token()) / (G * F * mfu)
    return sp.solve(sp.Eq(per_seq_read, per_seq_compute), N)[0]


@formula(
    "experts touched",
    "experts a layer reads for B tokens with top-k of E routing",
    numeric=formulas.expected_experts_touched,
)
def expected_experts_touched():
    return E * (1 - (1 - k / E) ** B)


# ----- decode and batching (chapter 6) ------------------------------------------------------


# ----- the roofline (chapters 4 and 5) -------------------------------------------------------
intensity = sp.symbols("I", positive=True)  # arithmetic intensity, FLOPs/byte


@formula(
    "matmul intensity",
    "FLOPs per byte of an (m x k) by (k x n) product",
    numeric=formulas.matmul_intensity,
)
def matmul_intensity():
    """FLOPs per byte of an (m x k) @ (k x n) product that reads both operands and writes the
    result once, b_w bytes per element."""
    return matmul_flops() / (b_w * (m_ * k_ + k_ * n_ + m_ * n_))


@formula(
    "roofline", "FLOP/s attainable at arithmetic intensity I", numeric=roofline.attainable_flops
)
def attainable_flops():
    """The roofline: a kernel of intensity I attains min(F, I beta) FLOP/s."""
    return sp.Min(F, intensity * beta)


@formula(
    "compute-bound prompt",
    "prompt length where prefill turns compute-bound",
    numeric=steps.compute_bound_prompt,
)
def compute_bound_prompt(flops_per_tok=None):
    """Prompt length (batch 1, attention scores ignored) where prefill's compute time equals
    reading the weights once: (F / beta) (MFU / MBU) (P b_w / f)."""
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    return sp.solve(sp.Eq(N * f / (G * F * mfu), weight_bytes() / (G * beta * mbu)), N)[0]


# ----- speculative decoding (chapter 12) ------------------------------------------------------
alpha_acc = sp.symbols("alpha", nonnegative=True)  # draft-token acceptance rate
gamma_d = sp.symbols("gamma", positive=True, integer=True)  # draft tokens per target step
c_draft = sp.symbols("c", nonnegative=True)  # draft token cost / target step


@formula(
    "speculative tokens per step",
    "tokens a target step yields with gamma draft tokens",
    numeric=speculative.expected_tokens_per_step,
)
def speculative_tokens_per_step():
    """Expected tokens a target step yields: sum over j = 0..gamma of alpha^j."""
    return (1 - alpha_acc ** (gamma_d + 1)) / (1 - alpha_acc)


@formula(
    "speculative speed-up",
    "decoding speed-up with a draft of relative cost c",
    numeric=speculative.speculative_speedup,
)
def speculative_speedup():
    """Expected tokens per cycle over the cycle's cost, gamma c + 1 memory-bound target steps."""
    return speculative_tokens_per_step() / (gamma_d * c_draft + 1)


_LATEX_NAMES = {mfu: r"\mathrm{MFU}", mbu: r"\mathrm{MBU}", tied: r"\tau"}


def latex(expr) -> str:
    """LaTeX for an expression in the book's notation (MFU and MBU upright)."""
    return sp.latex(expr, symbol_names=_LATEX_NAMES)


# ----- what a token costs, and the break-even batch (chapters 8 and 9) ----------------------
api_price = sp.symbols("p_API", positive=True)  # an API's USD per 1K tokens


@formula(
    "USD per 1K prompt tokens",
    "compute-bound prefill, attention scores ignored",
    numeric=breakeven.usd_per_1k_prompt,
)
def usd_per_1k_prompt_compute_bound(flops_per_tok=None):
    """USD per 1K prompt tokens when prefill is compute-bound, attention scores ignored: N
    tokens take N f / (G F MFU) seconds on G GPUs at c_h USD per GPU-hour. G cancels."""
    f = flops_per_token() if flops_per_tok is None else flops_per_tok
    return sp.cancel(usd_per_1k_tokens(N * f / (G * F * mfu), N))


@formula(
    "USD per 1K completion tokens",
    "memory-bound decode at context N, batch B",
    numeric=breakeven.usd_per_1k_completion,
)
def usd_per_1k_completion_memory_bound():
    """USD per 1K completion tokens when a decode step at context N is memory-bound: the
    step reads the weights and B N cached tokens and yields B tokens. G cancels."""
    step = (weight_bytes() + B * N * kv_bytes_per_token()) / (G * beta * mbu)
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
    return sp.solve(sp.Eq(usd_per_1k_completion_memory_bound(), api_price), B)[0]


# ----- workloads: utilisation and the break-even mix (chapter 11) ----------------------------
rho = sp.symbols("rho", positive=True)  # utilisation: mean / peak traffic
peak_rate = sp.symbols("R", positive=True)  # tokens/s served at the peak
s_in, s_out = sp.symbols("s_in s_out", positive=True)  # self-hosted USD per token, at peak
p_in, p_out = sp.symbols("p_in p_out", positive=True)  # an API's USD per token


@formula(
    "cost at utilisation",
    "self-hosted USD per token when traffic averages rho of the peak",
    numeric=workloads.usd_at_utilisation,
)
def usd_per_token_at_utilisation():
    """G GPUs cost G c_h USD an hour whether busy or not; sized for R tokens/s at the peak,
    they serve rho R on average, so a token costs G c_h / (3600 rho R): 1 / rho times the
    cost at the peak."""
    return G * price / (3600 * rho * peak_rate)


@formula(
    "break-even completion",
    "completion length where self-hosting costs what an API does",
    numeric=workloads.break_even_completion,
)
def break_even_completion():
    """Completion tokens C at which a request of N prompt tokens costs the same self-hosted,
    (N s_in + C s_out) / rho, as through an API, N p_in + C p_out."""
    return sp.solve(sp.Eq((N * s_in + C * s_out) / rho, N * p_in + C * p_out), C)[0]


def formula_sheet() -> list[tuple[str, str, str]]:
    """(name, meaning, LaTeX) for every formula, for the back matter."""
    return [(f.name, f.meaning, latex(f.expression())) for f in FORMULAS.values()]


# Today's server (chapters 6 and 9) lives in its own module; its formulas join FORMULAS here.
from .symbolic_serving import *  # noqa: E402, F401, F403


# ----- numbers for the symbols -----------------------------------------------------------------

# every symbol of this module by its name: "N", "MFU", "p_API", ...
SYMBOLS: dict[str, sp.Symbol] = {
    str(v): v for v in list(globals().values()) if isinstance(v, sp.Symbol)
}


def values(model=None, dep=None, **extra) -> dict:
    """{symbol: number} to substitute into any formula of this module.

    ``model`` (a catalog name, ``Model`` or config path; default: the deployment's) gives the
    architecture's symbols (L, d, H, K, d_h, d_ff, V, E, k, tau); ``dep`` a deployment's (P,
    b_w, b_kv, G, F, beta, M, MFU, MBU, u, c_h, and for today's server f, t_0, alpha_AR,
    b_a, beta_link). ``extra`` sets any other symbol by its name,
    or overrides one: ``values(dep=article, N=512, B=8)``."""
    from .formulas import BYTES_PER_PARAM
    from .models import get_model
    from .steps import ACTIVATION_BYTES
    from .symbolic_serving import alpha_ar, b_a, beta_link, f_tok, t_0

    if dep is not None and not isinstance(dep, Deployment):
        raise ValueError(f"dep must be a Deployment, got {dep!r}")
    if model is None and dep is None:
        raise ValueError("values needs a model, a deployment, or both")
    m = get_model(model if model is not None else dep.model)
    out = {
        L: m.n_layers,
        d: m.d_model,
        H: m.n_heads,
        K: m.n_kv_heads,
        d_h: m.head_dim,
        d_ff: m.d_ff,
        V: m.vocab_size,
        E: m.n_experts,
        k: m.experts_per_token,
        tied: int(m.tied_embeddings),
    }
    if dep is not None:
        out |= {
            P: dep.params,
            b_w: BYTES_PER_PARAM[dep.dtype],
            b_kv: BYTES_PER_PARAM[dep.kv_dtype],
            G: dep.gpus,
            F: dep.peak_flops,
            beta: dep.gpu.bandwidth_bytes_per_s,
            M: dep.gpu.memory_bytes,
            mfu: dep.mfu,
            mbu: dep.mbu,
            u: dep.usable_memory,
            price: dep.usd_per_gpu_hour,
            f_tok: dep.flops_per_token,
            t_0: dep.overhead_s,
            alpha_ar: dep.allreduce_latency_s,
            b_a: ACTIVATION_BYTES,
        }
        if dep.gpu.tp_link_bytes_per_s:
            out[beta_link] = dep.gpu.tp_link_bytes_per_s
    for name, value in extra.items():
        if name not in SYMBOLS:
            raise ValueError(f"unknown symbol {name!r}; allowed: {', '.join(sorted(SYMBOLS))}")
        out[SYMBOLS[name]] = value
    return out


def refined_model():
    """Chapter 10's refined model (``calibration.ARTICLE_REFINED``) as sympy expressions in
    the book's notation, decode in its memory-bound branch (every appendix run is): ``ttft``,
    ``decode_step`` at context N, ``mean_decode_step`` over a completion of C tokens, and
    ``completion``. New symbols: t_pf (the fixed time per prefill) and MBU_kv."""
    t0, mbu_kv = sp.symbols("t_pf MBU_kv", positive=True)
    j = sp.symbols("j", positive=True, integer=True)
    ttft = t0 + prefill_time()
    weights = weight_bytes() / (G * beta * mbu)
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
