"""Serving engines: what differs between vLLM, SGLang, TensorRT-LLM and a compiled loop
(gpt-fast) for the same model on the same GPUs (chapter 10).

Four things, each documented by the engine or measured by others:

- **the scheduler's token budget per step** (chunked prefill): vLLM's server uses 8,192
  tokens on GPUs of at least 70 GiB other than the A100 and 2,048 elsewhere, and keeps at
  most 1,024 or 256 requests in flight; SGLang's chunk is 2,048, 8,192 or 16,384 tokens by
  memory (under 35 GB, under 160 GB, above); TensorRT-LLM's default engine takes 8,192 tokens
  a step and 2,048 requests;
- **whether a step mixes**: vLLM and TensorRT-LLM put prompt chunks into the steps that
  decode; SGLang runs a batch of prompts as a step of its own unless asked to mix
  (``--enable-mixed-chunk``, off by default);
- **how a request is admitted**: vLLM and SGLang admit while the cache pages already used
  leave room (a request holds, on average, its prompt and half its completion), TensorRT-LLM's
  default scheduler only when the whole of prompt and completion is guaranteed to fit;
- **the all-reduce**: vLLM, SGLang and TensorRT-LLM have custom one-shot and two-shot kernels
  for small messages and use NCCL above; gpt-fast calls torch.distributed (NCCL) only;
- **fixed costs**: a step's CPU scheduling and kernel launches that CUDA graphs do not hide
  (``step_overhead_s``), a prefill's kernel launches per layer (``prefill_overhead_s`` per
  layer), and a request's own handling by a server before its first token (HTTP,
  tokenizing, scheduling: ``request_overhead_s``, part of the time to first token a client
  sees), fitted per engine on that engine's sources (``evidence.server_fit``).

``None`` (the generic profile, "generic") is fitted on every source, with vLLM's scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.checks import lookup
from ..core.units import GiB

ENGINE_NAMES = ("generic", "vllm", "sglang", "tensorrt-llm", "gpt-fast")

_VLLM_ARGS = (
    "vllm-project/vllm, vllm/engine/arg_utils.py, EngineArgs.get_batch_defaults (server "
    "defaults by device memory, A100 excluded; PR 17885)"
)
_SGLANG_ARGS = (
    "sgl-project/sglang, python/sglang/srt/server_args.py (chunked_prefill_size by GPU memory)"
)
_TRT_ARGS = "NVIDIA/TensorRT-LLM BuildConfig defaults (max_num_tokens 8192, max_batch_size 2048)"


@dataclass(frozen=True)
class Engine:
    """One serving engine's scheduler, admission, all-reduce and fixed costs (chapter 10).

    ``budget_large`` and ``budget_small`` are the tokens a step may carry on GPUs with at
    least ``large_memory_bytes`` of memory and below it (``budget_mid`` between
    ``mid_memory_bytes`` and that, where the engine has three tiers); None: no chunked
    prefill (a prompt is one pass). ``max_batch_large``/``small`` cap the requests in
    flight. ``admit_whole``: a request is admitted only when its prompt and completion fit
    (otherwise when its current cache does). ``custom_allreduce``: one-shot and two-shot
    kernels below ``custom_allreduce_max_bytes``, NCCL above."""

    name: str
    budget_large: int | None
    budget_small: int | None
    max_batch_large: int
    max_batch_small: int
    large_memory_bytes: float
    admit_whole: bool
    custom_allreduce: bool
    custom_allreduce_max_bytes: float
    step_overhead_s: float
    prefill_overhead_per_layer_s: float
    request_overhead_s: float
    source: str
    budget_mid: int | None = None
    mid_memory_bytes: float = 0.0
    a100_is_small: bool = False
    mixes_prefill: bool = True

    def budget(self, gpu) -> int | None:
        """Tokens one step may carry on ``gpu`` (chunked prefill's budget), or None."""
        return self._tier(gpu, self.budget_large, self.budget_mid, self.budget_small)

    def max_batch(self, gpu) -> int:
        """Requests the engine keeps in flight at most on ``gpu``."""
        return self._tier(gpu, self.max_batch_large, self.max_batch_small, self.max_batch_small)

    def _tier(self, gpu, large, mid, small):
        if self.a100_is_small and gpu.name.startswith("a100"):
            return small
        if gpu.memory_bytes >= self.large_memory_bytes:
            return large
        return mid if mid is not None and gpu.memory_bytes >= self.mid_memory_bytes else small


# Fixed costs fitted by evidence.server_fit (benchmarks/public_measurements.py prints them);
# the others are the engines' documented defaults.
# fmt: off
ENGINES: dict[str, Engine] = {e.name: e for e in [
    Engine("generic", 8192, 2048, 1024, 256, 70 * GiB, False, True, 8 * 2**20,
           step_overhead_s=0.002204, prefill_overhead_per_layer_s=0.0001175,
           request_overhead_s=0.02652,
           source=_VLLM_ARGS, a100_is_small=True),
    Engine("vllm", 8192, 2048, 1024, 256, 70 * GiB, False, True, 8 * 2**20,
           step_overhead_s=0.003755, prefill_overhead_per_layer_s=0.0001068,
           request_overhead_s=0.03213,
           source=_VLLM_ARGS, a100_is_small=True),
    Engine("sglang", 16384, 2048, 4096, 4096, 160 * 1024**3, False, True, 8 * 2**20,
           step_overhead_s=0.004589, prefill_overhead_per_layer_s=0.0001,
           request_overhead_s=0.07095,
           source=_SGLANG_ARGS, budget_mid=8192, mid_memory_bytes=35 * 1024**3,
           mixes_prefill=False),
    Engine("tensorrt-llm", 8192, 8192, 2048, 2048, 0.0, True, True, 8 * 2**20,
           step_overhead_s=0.00146, prefill_overhead_per_layer_s=9.312e-05,
           request_overhead_s=0.03939,
           source=_TRT_ARGS),
    Engine("gpt-fast", None, None, 1, 1, 0.0, True, False, 0.0,
           step_overhead_s=0.0005489, prefill_overhead_per_layer_s=0.0001,
           request_overhead_s=0,
           source="pytorch-labs/gpt-fast: one request, torch.compile, torch.distributed"),
]}
# fmt: on

# The fixed costs a fit starts from and is pulled toward, (step, prefill per layer, request)
# in seconds: round figures of the right size, not measurements. A step replayed as a CUDA
# graph still pays its scheduler's Python, about a millisecond (half that for a compiled loop
# with no scheduler); a prefill launches its kernels layer by layer, about 0.1 ms each; a
# server's HTTP, tokenizing and scheduling take a few tens of milliseconds per request.
PRIOR_FIXED_COSTS = {
    "generic": (0.0015, 0.0001, 0.02),
    "vllm": (0.0015, 0.0001, 0.02),
    "sglang": (0.0015, 0.0001, 0.02),
    "tensorrt-llm": (0.0010, 0.0001, 0.02),
    "gpt-fast": (0.0005, 0.0001, 0.0),
}

# All-reduce latencies, measured: custom one-shot kernels about 7 to 10 microseconds for
# small messages on 2 to 8 GPUs (vLLM PR 24111, ca_1stage 0.007 to 0.010 ms at 0.5 MB), NCCL
# through torch.distributed about 19 to 25 microseconds (ByteDance-Seed/Triton-distributed
# issue 57, 8 x H100, 128 B to 256 KB).
CUSTOM_ALLREDUCE_LATENCY_S = 8e-6
NCCL_ALLREDUCE_LATENCY_S = 20e-6
# A ring reaches this share of one direction of the link (NCCL 2.27 Ring on 8 x H200 and
# 8 x B200: 363-366 of 450 and 673-682 of 900 GB/s, stas00/ml-engineering network/README.md).
RING_LINK_SHARE = 0.8


def get_engine(name) -> Engine:
    """An engine profile by name (``ENGINE_NAMES``; None means "generic"). Chapter 10 uses
    it."""
    if isinstance(name, Engine):
        return name
    return lookup("engine", "generic" if name is None else name, ENGINES)
