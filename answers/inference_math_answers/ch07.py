"""Chapter 7, Check it on your own machine.

Every answer here is a formula of the lab's configuration and the library's catalog, or of the
GPU run shipped in data/, never a timing taken on the reader's machine: a learner's check gives
the same verdict on every machine."""

from inference_math import (
    attention_flops_per_token,
    compute_bound_batch,
    decode_step_time,
    deployment,
    flops_per_token,
    get_gpu,
    get_model,
    kv_bytes_per_token,
    lab,
    load_gpu_run,
    weight_bytes_read,
)
from inference_math.book.exercises import exercise

CONTEXT = 64  # the context of the chapter's decode sweep (lab.SWEEPS["lab-156m"])


@exercise(
    "ch07-embedding-share",
    title="Bytes the library charges but a step does not read",
    practises="what a decode step reads: the LM head in full, one embedding row per sequence",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.01,
    unit="fraction of the weight bytes",
)
def _embedding_share() -> float:
    """Llama-3.1-8B in bf16 at batch one: the input embedding less the row it looks up, over
    the bytes the library charges a decode step."""
    m = get_model("llama-3.1-8b")
    return (m.vocab_size - 1) * m.d_model * 2 / float(weight_bytes_read(m, "bf16", 1))


@exercise(
    "ch07-ridge-a100",
    title="The lab model's ridge batch on an A100",
    practises="substituting a GPU into the derived ridge batch; bf16 against fp32",
    kind="derive",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="sequences",
)
def _ridge_a100() -> float:
    dep = deployment(lab.lab_config("default"), "a100-80gb-sxm", dtype="bf16", mfu=1.0, mbu=1.0)
    return float(compute_bound_batch(dep, CONTEXT))


@exercise(
    "ch07-intensity",
    title="Why batch 8 is slower than the roofline says",
    practises="arithmetic intensity of a decode step; skinny products in a BLAS",
    kind="explain",
    difficulty=2,
    minutes=20,
    rel_tol=0.01,
    unit="FLOP/byte",
)
def _intensity_batch_8() -> float:
    m, b = lab.lab_config("default"), 8
    flops = b * (flops_per_token(m) + attention_flops_per_token(m, CONTEXT))
    read = 4 * m.params + b * CONTEXT * kv_bytes_per_token(m, "fp32")
    return float(flops / read)


@exercise(
    "ch07-long-context",
    title="The cache at long context",
    practises="KV bytes against weight bytes in a decode step",
    kind="extend",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="fraction of the bytes read",
)
def _kv_share_long_context() -> float:
    m, b, context = lab.lab_config("default"), 64, 2048
    kv = b * context * kv_bytes_per_token(m, "fp32")
    return kv / (4 * m.params + kv)


@exercise(
    "ch07-gpu-bandwidth",
    title="How fast the H100 read at long context",
    practises="achieved bandwidth (MBU) from a measured step; amortising per-kernel costs",
    kind="extend",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="fraction of the datasheet bandwidth",
)
def _gpu_bandwidth_share() -> float:
    """The compiled H100 run's decode step of the most sequences at the longest context: bytes
    read (weights and every sequence's cache) per second, over the datasheet bandwidth."""
    run = load_gpu_run()
    context = max(run.contexts)
    batches, seconds = run.decode_compiled[context]
    b, s = int(batches[-1]), float(seconds[-1])
    read = weight_bytes_read(run.model, run.dtype, b) + b * context * kv_bytes_per_token(
        run.model, run.dtype
    )
    return read / s / get_gpu(run.catalog_gpu).bandwidth_bytes_per_s


@exercise(
    "ch07-h100-napkin",
    title="Llama-2-7B's batch-one step from the datasheet, by hand",
    practises="napkin math: a batch-one decode step = weight bytes / bandwidth",
    kind="estimate",
    difficulty=1,
    minutes=5,
    rel_tol=0.2,
    unit="ms",
)
def _h100_napkin() -> float:
    """A decode step of one Llama-2-7B sequence (context 0) in bf16 on an H100-SXM reading at
    its datasheet bandwidth, in ms: a catalog value, not the run's measurement."""
    dep = deployment("llama-2-7b", "h100-sxm", 1, mfu=1.0, mbu=1.0, step_model="article")
    return 1e3 * float(decode_step_time(dep, 1, 0))


@exercise(
    "ch07-ridge-embedding",
    title="The ridge batch without the embedding table",
    practises="re-deriving the ridge batch when a step reads one embedding row per sequence; "
    "how the library's overcount moves a small model's ridge and not a large one's",
    kind="extend",
    difficulty=3,
    minutes=30,
    rel_tol=0.001,
    unit="sequences",
)
def _ridge_embedding() -> float:
    """The default lab model's ridge batch in bf16 on one A100-80GB (MFU = MBU = 1) at the
    chapter's decode context, when a step reads the weights but the input embedding, one
    embedding row per sequence, and every sequence's cache."""
    m = lab.lab_config("default")
    gpu = get_gpu("a100-80gb-sxm")
    per_weight = 2  # bf16 weights and cache
    others = (m.params - m.vocab_size * m.d_model) * per_weight / gpu.bandwidth_bytes_per_s
    flops = (flops_per_token(m) + attention_flops_per_token(m, CONTEXT)) / gpu.bf16_flops
    reads = (CONTEXT * kv_bytes_per_token(m, "bf16") + m.d_model * per_weight) / (
        gpu.bandwidth_bytes_per_s
    )
    return float(others / (flops - reads))
