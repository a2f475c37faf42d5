"""Properties that must hold for every configuration, checked with hypothesis."""

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import inference_math as im

# Random workloads may run past a model's context: computed anyway, so the warning is noise here.
pytestmark = pytest.mark.filterwarnings("ignore::inference_math.ContextLengthWarning")

models = st.sampled_from(sorted(im.MODELS))
gpus_ = st.sampled_from(sorted(im.GPUS))
dtypes = st.sampled_from(["bf16", "fp16", "int4"])
effs = st.floats(0.05, 1.0)


@given(
    models, st.sampled_from(["bf16", "int8", "fp32"]), st.integers(0, 10**6), st.integers(0, 10**6)
)
def test_decode_reads_grow_by_the_kv_bytes_of_each_cached_token(model, dtype, a, b):
    # the library's decode traffic, not float arithmetic: each cached token of each sequence
    # adds exactly 2 L K d_h bytes per number to what a step reads (L (r_kv + d_rope) under
    # latent attention), in every layer whose window it falls in
    m = im.get_model(model)
    dep = im.deployment(m, "h200-sxm", 1, kv_dtype=dtype)  # one GPU: no copied heads
    numbers = m.kv_lora_rank + m.qk_rope_head_dim if m.is_mla else 2 * m.n_kv_heads * m.head_dim
    per = m.n_layers * numbers * im.bytes_per_param(dtype)
    assert dep.kv_bytes_per_token == im.kv_bytes_per_token(model, dtype) == per
    grown = im.decode_bytes_read(dep, 1, a + b) - im.decode_bytes_read(dep, 1, a)

    def cached(t):  # layer by layer, each capped at its window
        return sum(min(t, w or t) for w in m.layer_windows) * per / m.n_layers

    assert grown == pytest.approx(cached(a + b) - cached(a), rel=1e-12, abs=1e-3)
    if not m.has_windows:
        assert grown == pytest.approx(b * per, rel=1e-12, abs=1e-3)


@given(
    models,
    gpus_,
    st.sampled_from([1, 2, 4, 8, 16]),
    dtypes,
    effs,
    effs,
    st.integers(0, 4096),
    st.integers(1, 512),
)
def test_completion_cost_never_rises_with_batch_while_memory_bound(
    model, gpu, n_gpus, dtype, mfu, mbu, prompt, batch
):
    # The article's step model: under per-op steps an engine's all-reduce switches algorithm
    # at a message size, and a step can get dearer there.
    assume(n_gpus in im.tensor_splits(im.get_model(model)))
    batches = np.arange(1, batch + 1)
    r = im.estimate(
        im.deployment(model, gpu, n_gpus, dtype, mfu=mfu, mbu=mbu, step_model="article"),
        batch=batches,
        prompt=prompt,
        completion=1,
    )
    cost = r["usd_per_1k_completion"]
    # Compare neighbours that are both memory-bound at a fixed context (completion 1).
    memory_bound = r["decode_bound"] == "memory"
    pairs = memory_bound[:-1] & memory_bound[1:]
    assert np.all(cost[1:][pairs] <= cost[:-1][pairs] * (1 + 1e-12))


@given(
    models,
    gpus_,
    st.integers(1, 8),
    effs,
    effs,
    st.integers(1, 64),
    st.integers(0, 20_000),
    st.integers(2, 5),
)
def test_prefill_time_proportional_to_tokens_when_compute_bound(
    model, gpu, n_gpus, mfu, mbu, batch, extra, factor
):
    assume(n_gpus in im.tensor_splits(im.get_model(model)))
    # Without attention scores the FLOPs are exactly linear in tokens; start the prompt at the
    # length where prefill turns compute-bound, so every example is compute-bound.
    dep = dataclasses.replace(
        im.deployment(model, gpu, n_gpus, mfu=mfu, mbu=mbu, step_model="article"), attention=False
    )
    prompt = int(np.ceil(float(im.compute_bound_prompt(dep)))) + extra
    t1 = float(im.prefill_time(dep, prompt, batch))
    t2 = float(im.prefill_time(dep, prompt * factor, batch))
    flops_time = batch * prompt * dep.flops_per_token / float(dep.achieved_flops)
    assert np.isclose(t1, flops_time, rtol=1e-12)
    assert np.isclose(t2, factor * t1, rtol=1e-12)


@given(
    models,
    gpus_,
    st.integers(1, 8),
    st.integers(1, 256),
    st.integers(0, 3000),
    st.integers(1, 1000),
    effs,
    effs,
)
def test_same_answer_however_broadcast(model, gpu, n_gpus, batch, prompt, completion, mfu, mbu):
    assume(n_gpus in im.tensor_splits(im.get_model(model)))
    scalar = im.estimate(
        im.deployment(model, gpu, n_gpus, mfu=mfu, mbu=mbu),
        batch=batch,
        prompt=prompt,
        completion=completion,
    )
    column = im.estimate(
        im.deployment(model, gpu, np.array([n_gpus, n_gpus])[:, None], mfu=np.array(mfu), mbu=mbu),
        batch=np.array([batch]),
        prompt=np.array([[prompt, prompt]]),
        completion=completion,
    )
    for key in im.ESTIMATE_KEYS:
        a = np.asarray(scalar[key])
        b = column[key]
        assert b.shape == (2, 2)
        if a.dtype.kind in "fc":
            assert np.allclose(b, a, rtol=1e-12, equal_nan=True), key
        else:
            assert np.all(b == a), key


@given(
    models,
    gpus_,
    st.integers(1, 8),
    st.integers(1, 256),
    st.integers(1, 2000),
    st.integers(1, 2000),
)
def test_times_positive_and_ordered(model, gpu, n_gpus, batch, prompt, completion):
    assume(n_gpus in im.tensor_splits(im.get_model(model)))
    r = im.estimate(
        im.deployment(model, gpu, n_gpus), batch=batch, prompt=prompt, completion=completion
    )
    assert float(r["ttft_s"]) > 0 and float(r["decode_step_s"]) > 0
    assert float(r["completion_s"]) == completion * float(r["decode_step_s"])
    assert np.isclose(float(r["tokens_per_s_per_sequence"]) * float(r["decode_step_s"]), 1.0)


@given(st.integers(1, 64), st.integers(1, 8), st.integers(0, 10_000))
def test_expected_experts_between_k_and_e(e, k, tokens):
    k = min(k, e)
    got = float(im.expected_experts_touched(e, k, tokens))
    assert got == 0 if tokens == 0 else k - 1e-9 <= got <= e + 1e-9
