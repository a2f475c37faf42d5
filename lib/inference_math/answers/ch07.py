"""Chapter 7, Check it on your own machine.

Every answer here is a formula of the lab's configuration and the library's catalog, never a
timing: a learner's check gives the same verdict on every machine."""

from ..exercises import register
from ..formulas import attention_flops_per_token, flops_per_token, kv_bytes_per_token
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
