"""Chapter 7, Check it on your own machine: its sympy derivation against the library, its
exercises' answers, and the numbers its page must show. Nothing here times anything."""

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as ims
from inference_math import lab

CONFIG = lab.lab_config("default")
CONTEXT = lab.SWEEPS[CONFIG.name].context


def ridge_batch_sympy():
    """B* as the chapter derives it: weights plus B caches over bandwidth = B tokens' FLOPs
    over FLOP/s, solved for B."""
    B, N, P, F, beta, b_w = ims.B, ims.N, ims.P, ims.F, ims.beta, ims.b_w
    f, s_kv = sp.symbols("f s_kv", positive=True)
    memory = (P * b_w + B * N * s_kv) / beta
    compute = B * (f + ims.attention_flops_per_token()) / F
    written_out = {f: ims.flops_per_token(), s_kv: ims.kv_bytes_per_token()}
    step = sp.Max(memory, compute).subs(written_out)
    assert sp.simplify(step - ims.decode_step_time().subs({ims.G: 1, ims.MFU: 1, ims.MBU: 1})) == 0
    (root,) = sp.solve(sp.Eq(memory, compute), B)
    return root, f, s_kv


def substitute(expr, f, s_kv, m, dtype, flops, bandwidth, context):
    b = im.bytes_per_param(dtype)
    known = {f: im.flops_per_token(m), s_kv: im.kv_bytes_per_token(m, dtype)}
    at = ims.values(m, P=m.params, b_w=b, N=context, F=flops, beta=bandwidth) | known
    return float(expr.subs(at))


@pytest.mark.parametrize("flops,bandwidth", [(1e11, 1e10), (1.4e11, 1.9e10), (2e12, 1e11)])
@pytest.mark.parametrize("context", [1, 64, 512])
def test_sympy_ridge_batch_equals_library(flops, bandwidth, context):
    root, f, s_kv = ridge_batch_sympy()
    dep = lab.measured_deployment(CONFIG, flops, bandwidth)
    library = float(im.compute_bound_batch(dep, context))
    ours = substitute(root, f, s_kv, CONFIG, "fp32", flops, bandwidth, context)
    if np.isfinite(library):
        assert ours == pytest.approx(library, rel=1e-12)
    else:  # the cache reads outgrow the FLOPs: no positive root
        assert ours < 0


def test_sympy_ridge_batch_on_an_a100_is_the_exercise_answer():
    root, f, s_kv = ridge_batch_sympy()
    a100 = im.get_gpu("a100-80gb-sxm")
    ours = substitute(
        root, f, s_kv, CONFIG, "bf16", a100.bf16_flops, a100.bandwidth_bytes_per_s, CONTEXT
    )
    assert ours == pytest.approx(im.exercises.expected("ch07-ridge-a100"), rel=1e-12)
    assert round(ours, 1) == 284.1


def test_prompt_ridge_equals_library():
    # N* = P b_w F / (beta f): reading the weights once takes as long as N tokens' FLOPs
    dep = lab.measured_deployment(CONFIG, 1.4e11, 1.9e10)
    ours = CONFIG.params * 4 * 1.4e11 / (1.9e10 * im.flops_per_token(CONFIG))
    assert float(im.compute_bound_prompt(dep)) == pytest.approx(ours, rel=1e-12)


def test_exercise_answers_by_hand():
    # Llama-3.1-8B: the input embedding minus the one row a batch-one step looks up, over
    # all its weights (128,256 x 4,096 embedding; 8,030,261,248 parameters)
    assert im.exercises.expected("ch07-embedding-share") == pytest.approx(
        128_255 * 4096 / 8_030_261_248, rel=1e-12
    )
    # batch 8 at context 64: 8 x (2 x 122,945,536 + 4 x 8 x 16 x 64 x 64) FLOPs over
    # 4 x 155,730,944 + 8 x 64 x 16,384 bytes
    assert CONFIG.matmul_params == 122_945_536
    assert im.kv_bytes_per_token(CONFIG, "fp32") == 16_384
    flops = 8 * (2 * 122_945_536 + 4 * 8 * 16 * 64 * 64)
    assert im.exercises.expected("ch07-intensity") == pytest.approx(
        flops / (4 * 155_730_944 + 8 * 64 * 16_384), rel=1e-12
    )
    kv = 64 * 2048 * 16_384
    assert im.exercises.expected("ch07-long-context") == pytest.approx(
        kv / (4 * 155_730_944 + kv), rel=1e-12
    )


def test_gpu_exercise_answer_by_hand():
    # the compiled H100 step of 32 sequences at context 2048 in data/gpu-roofline-h100.csv:
    # all 13,476,831,232 weight bytes (the library charges the whole embedding table) and
    # 32 x 2048 x 524,288 cache bytes, over its median time, over 3.35e12 B/s
    run = im.load_gpu_run()
    batches, seconds = run.decode_compiled[2048]
    assert batches[-1] == 32
    assert im.weight_bytes_read("llama-2-7b", "bf16", 32) == 2 * 6_738_415_616
    read = 2 * 6_738_415_616 + 32 * 2048 * 524_288
    assert im.exercises.expected("ch07-gpu-bandwidth") == pytest.approx(
        read / seconds[-1] / 3.35e12, rel=1e-12
    )
    assert 0.7 < im.exercises.expected("ch07-gpu-bandwidth") < 1
