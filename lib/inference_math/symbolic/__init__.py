"""The book's formulas in sympy (chapters 1 to 13 derive them; the formula sheet lists them).

``notation`` names every symbol as it is printed; ``primer`` holds the formulas of chapters 1
to 9 and 11, ``serving`` today's server and chapter 10's refined model, each recorded in
``FORMULAS`` (``records``) with the library function that evaluates it; ``substitute`` gives
the numbers for the symbols. Everything is re-exported here, so chapters write
``import inference_math.symbolic as s`` and ``s.kv_bytes_per_token()``.
"""

from .notation import (
    alpha, alpha_AR, B, b_a, b_kv, b_w, beta, beta_link, C, c, c_h, d, d_ff, d_h, E, eta_link,
    F, f, G,
    gamma, H, I, K, k, k_mm, L, M, m, MBU, MFU, N, n, P, p_API, p_in, p_out, R, rho, s_in, s_out,
    SYMBOLS, t_0, t_d, t_p, tau, u, V,
)  # fmt: skip
from .primer import (
    attainable_flops, attention_flops_per_token, attention_params_per_layer,
    break_even_batch_memory_bound, break_even_completion, compute_bound_batch,
    compute_bound_batch_no_kv, compute_bound_prompt, decode_step_time, decode_terms,
    expected_experts_touched,
    ffn_params_per_layer, flops_per_token, kv_bytes_per_token, kv_capacity_tokens, llama_params,
    matmul_flops, matmul_intensity, matmul_params_dense, memory_bound_context, ops_per_byte,
    prefill_attention_flops, prefill_time, speculative_speedup, speculative_tokens_per_step,
    usd_per_1k_completion_memory_bound, usd_per_1k_prompt_compute_bound, usd_per_1k_tokens,
    usd_per_token_at_utilisation, weight_bytes,
)  # fmt: skip
from .records import (
    Formula, formula, formula_sheet, FORMULAS, get_formula, latex,
)  # fmt: skip
from .serving import (
    allreduce_time, continuous_rate, continuous_stretch, per_op_decode_step, refined_model,
)  # fmt: skip
from .substitute import values
