"""Chapter 7, Check it on your own machine.

Every answer here is a formula of the lab's configuration and the library's catalog, or of the
GPU run shipped in data/, never a timing taken on the reader's machine: a learner's check gives
the same verdict on every machine."""

from ..exercises import register
from ..formulas import (attention_flops_per_token, flops_per_token, kv_bytes_per_token,
                        weight_bytes_read)
from ..gpu_run import load_gpu_run
from ..gpus import get_gpu
from ..lab import lab_config
from ..serving import compute_bound_batch, deployment

CONTEXT = 64  # the context of the chapter's decode sweep (lab.SWEEPS["lab-156m"])


def _embedding_share() -> float:
    m = lab_config("default")
    return (m.vocab_size - 1) * m.d_model / m.params


def _ridge_a100() -> float:
    dep = deployment(lab_config("default"), "a100-80gb-sxm", dtype="bf16", mfu=1.0, mbu=1.0)
    return float(compute_bound_batch(dep, CONTEXT))


def _intensity_batch_8() -> float:
    m, b = lab_config("default"), 8
    flops = b * (flops_per_token(m) + attention_flops_per_token(m, CONTEXT))
    read = 4 * m.params + b * CONTEXT * kv_bytes_per_token(m, "fp32")
    return float(flops / read)


def _kv_share_long_context() -> float:
    m, b, context = lab_config("default"), 64, 2048
    kv = b * context * kv_bytes_per_token(m, "fp32")
    return kv / (4 * m.params + kv)


def _gpu_bandwidth_share() -> float:
    """The compiled H100 run's decode step of the most sequences at the longest context: bytes
    read (weights and every sequence's cache) per second, over the datasheet bandwidth."""
    run = load_gpu_run()
    context = max(run.contexts)
    batches, seconds = run.decode_compiled[context]
    b, s = int(batches[-1]), float(seconds[-1])
    read = (weight_bytes_read(run.model, run.dtype, b)
            + b * context * kv_bytes_per_token(run.model, run.dtype))
    return read / s / get_gpu(run.catalog_gpu).bandwidth_bytes_per_s


register("ch07-embedding-share", 7, "Bytes the library charges but a step does not read",
         "what a decode step reads: the LM head in full, one embedding row per sequence",
         "compute", 1, 10, _embedding_share, 0.01, "")
register("ch07-ridge-a100", 7, "The lab model's ridge batch on an A100",
         "substituting a GPU into the derived ridge batch; bf16 against fp32", "derive", 2, 15,
         _ridge_a100, 0.01, "sequences")
register("ch07-intensity", 7, "Why batch 8 is slower than the roofline says",
         "arithmetic intensity of a decode step; skinny products in a BLAS", "explain", 2, 20,
         _intensity_batch_8, 0.01, "FLOP/byte")
register("ch07-long-context", 7, "The cache at long context",
         "KV bytes against weight bytes in a decode step", "extend", 2, 15,
         _kv_share_long_context, 0.01, "")
register("ch07-gpu-bandwidth", 7, "How fast the H100 read at long context",
         "achieved bandwidth (MBU) from a measured step; amortising per-kernel costs", "extend",
         2, 15, _gpu_bandwidth_share, 0.01, "")
