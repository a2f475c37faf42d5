"""The sympy formulas equal the numeric functions for random configurations."""

import dataclasses

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

import inference_math as im
import inference_math.symbolic as s


@st.composite
def dense_models(draw):
    k = draw(st.sampled_from([1, 2, 4, 8]))
    h = k * draw(st.integers(1, 16))
    d_h = draw(st.sampled_from([64, 80, 96, 128, 256]))
    return im.Model(
        "random",
        n_layers=draw(st.integers(1, 128)),
        d_model=draw(st.integers(64, 16384)),
        n_heads=h,
        n_kv_heads=k,
        head_dim=d_h,
        d_ff=draw(st.integers(64, 65536)),
        vocab_size=draw(st.integers(100, 300_000)),
        max_context=1 << 20,
        tied_embeddings=draw(st.booleans()),
    )


@given(dense_models())
def test_params_symbolic_equals_library(m):
    assert int(s.llama_params().subs(s.values(m))) == m.params


@given(dense_models(), st.sampled_from(["bf16", "int8", "fp32"]))
def test_kv_and_flops(m, dtype):
    sub = s.values(m) | {s.b_kv: im.bytes_per_param(dtype)}
    assert float(s.kv_bytes_per_token().subs(sub)) == im.kv_bytes_per_token(m, dtype)
    assert int(s.flops_per_token().subs(sub)) == im.flops_per_token(m)


@given(dense_models(), st.integers(1, 100_000))
def test_attention_flops(m, n):
    sub = s.values(m) | {s.N: n}
    assert int(s.attention_flops_per_token().subs(sub)) == im.attention_flops_per_token(m, n)
    assert int(s.prefill_attention_flops().subs(sub)) == im.prefill_attention_flops(m, n)


_TIME_ARGS = (
    s.L,
    s.d,
    s.H,
    s.K,
    s.d_h,
    s.d_ff,
    s.V,
    s.N,
    s.B,
    s.G,
    s.P,
    s.b_w,
    s.b_kv,
    s.F,
    s.beta,
    s.MFU,
    s.MBU,
)


def _time_args(m, dep, n, b):
    return (
        m.n_layers,
        m.d_model,
        m.n_heads,
        m.n_kv_heads,
        m.head_dim,
        m.d_ff,
        m.vocab_size,
        n,
        b,
        float(dep.gpus),
        float(m.params),
        im.bytes_per_param(dep.dtype),
        im.bytes_per_param(dep.kv_dtype),
        dep.gpu.bf16_flops,
        dep.gpu.bandwidth_bytes_per_s,
        float(dep.mfu),
        float(dep.mbu),
    )


prefill_fn = sp.lambdify(_TIME_ARGS, s.prefill_time(), "numpy")
decode_fn = sp.lambdify(_TIME_ARGS, s.decode_step_time(), "numpy")


@given(
    dense_models(),
    st.sampled_from(sorted(im.GPUS)),
    st.integers(1, 16),
    st.integers(1, 30_000),
    st.integers(1, 512),
    st.floats(0.05, 1),
    st.floats(0.05, 1),
)
def test_prefill_and_decode_times(m, gpu, g, n, b, mfu, mbu):
    assume(g in im.tensor_splits(m) and m.n_kv_heads >= g)  # the primer's: no copied heads
    m = dataclasses.replace(m, tied_embeddings=False)
    dep = im.deployment(m, gpu, g, mfu=mfu, mbu=mbu, step_model="article")
    args = _time_args(m, dep, n, b)
    assert np.isclose(prefill_fn(*args), float(im.prefill_time(dep, n, b)), rtol=1e-12)
    assert np.isclose(decode_fn(*args), float(im.decode_step_time(dep, b, n)), rtol=1e-12)


terms_fn = sp.lambdify(_TIME_ARGS, s.decode_terms(), "numpy")


@given(
    dense_models(),
    st.sampled_from(sorted(im.GPUS)),
    st.integers(1, 16),
    st.integers(0, 30_000),
    st.integers(1, 512),
)
def test_the_decode_terms_are_written_once_in_numpy_and_once_in_sympy(m, gpu, g, n, b):
    assume(g in im.tensor_splits(m) and m.n_kv_heads >= g)  # the primer's: no copied heads
    m = dataclasses.replace(m, tied_embeddings=False)
    dep = im.deployment(m, gpu, g, mfu=0.5, mbu=0.7)
    numeric = im.decode_terms(dep, b, n)
    symbolic = terms_fn(*_time_args(m, dep, n, b))
    assert np.allclose(numeric, symbolic, rtol=1e-12, atol=0)
    weights, kv, products, attention = numeric
    per_op = dep.overhead_s + max(weights, products) + max(kv, attention)
    per_op += float(im.allreduce_time(dep, b))
    assert np.isclose(float(im.decode_step_time(dep, b, n)), per_op, rtol=1e-12)


@pytest.mark.slow  # a property search over sympy's closed form
@given(
    st.sampled_from(sorted(im.GPUS)),
    st.sampled_from([1, 2, 4, 8, 16]),
    st.floats(0.05, 1),
    st.floats(0.05, 1),
)
def test_compute_bound_batch_without_kv(gpu, g, mfu, mbu):
    m = im.get_model("llama-2-70b")
    dep = im.deployment(m, gpu, g, mfu=mfu, mbu=mbu)
    expr = s.compute_bound_batch_no_kv().subs(
        s.values(m)
        | {
            s.P: m.params,
            s.b_w: 2,
            s.F: dep.gpu.bf16_flops,
            s.beta: dep.gpu.bandwidth_bytes_per_s,
            s.MFU: mfu,
            s.MBU: mbu,
        }
    )
    assert np.isclose(float(expr), float(im.compute_bound_batch(dep, 0)), rtol=1e-12)


@given(st.sampled_from(sorted(im.GPUS)), st.sampled_from([1, 2, 4, 8]), st.floats(0.05, 1))
def test_kv_capacity(gpu, g, u):
    m = im.get_model("llama-2-70b")
    dep = im.deployment(m, gpu, g, usable_memory=u)
    expr = s.kv_capacity_tokens().subs(
        s.values(m)
        | {s.G: g, s.M: dep.gpu.memory_bytes, s.u: u, s.P: m.params, s.b_w: 2, s.b_kv: 2}
    )
    assert float(dep.kv_capacity_tokens) == max(np.floor(float(expr)), 0)


@given(st.integers(1, 64), st.integers(1, 8), st.integers(1, 4096))
def test_experts_touched(e, k, b):
    k = min(k, e)
    expr = s.expected_experts_touched().subs({s.E: e, s.k: k, s.B: b})
    assert np.isclose(float(expr), float(im.expected_experts_touched(e, k, b)), rtol=1e-12)


def test_matmul_flops_and_ops_per_byte():
    assert s.matmul_flops().subs({s.m: 2, s.n: 3, s.k_mm: 4}) == 48
    assert np.isclose(
        float(s.ops_per_byte().subs({s.F: 312e12, s.beta: 2.039e12})),
        im.ops_per_byte("a100-80gb-sxm"),
        rtol=1e-14,
    )


def test_formula_sheet_renders():
    sheet = s.formula_sheet()
    assert len(sheet) == len(s.FORMULAS)
    assert all(latex for _, _, latex in sheet)
