"""A model served on GPUs: what it holds, what it moves, how fast and at what price.

``Deployment`` is the book's unit of account from chapter 3 on. Its fields are the choices a
reader makes (model, GPU and how many, the number formats, the efficiencies, the price); its
properties are what follows from them, computed once and typed as plain floats (or numpy
arrays where a field was an array, for sweeps): the weight bytes, KV bytes per token, FLOPs
per token, the achieved FLOP/s and bytes/s, dollars per second and the KV capacity. Modules
and chapters read these instead of recomputing them.

Every construction is checked (``__post_init__``), whether through ``deployment()`` (which
also fills in a named scenario such as the source article's) or directly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..core import checks
from ..hardware.efficiency import (
    ALLREDUCE_LATENCY_S,
    OVERHEAD_S,
    PREFILL_OVERHEAD_PER_LAYER_S,
    server_efficiency,
)
from ..model.formats import BYTES_PER_PARAM, dtype_name, kv_dtype_name
from ..model.windows import attended_tokens
from ..model.flops import attention_flops_per_attended_token, flops_per_token
from ..model.sizes import kv_bytes_per_sequence, kv_bytes_per_token, weight_bytes_read
from ..hardware.gpus import GPU, GPUS, get_gpu
from ..model.spec import Model
from ..model.catalog import get_model
from ..hardware.roofline import matmul_rate
from ..core.units import GB, SECONDS_PER_HOUR, TERA

# The round efficiencies the primer teaches with (chapter 4 explains what MFU and MBU
# measure): the defaults of the article's step model. The per-op model's defaults are fitted
# to real servers (efficiency.py, chapter 10).
DEFAULT_MFU = 0.6
DEFAULT_MBU = 0.6
# How a forward pass is timed (steps.py): "article", one max() over all of a step's bytes and
# all of its FLOPs, as the source article and the primer do; "per-op", today's servers: the
# weight products, attention over the cache, a fixed cost per pass and tensor-parallel
# communication, each timed on its own and added (chapter 6).
STEP_MODELS = ("article", "per-op")
# vLLM's default gpu_memory_utilization: the rest is kept for activations, the CUDA context
# and fragmentation (chapter 3).
DEFAULT_USABLE_MEMORY = 0.9


def option(default, kind: str, help: str, flag: str | None = None):
    """A field of ``Deployment`` that a reader chooses: its default, what kind of value it
    takes ("model", "gpu", "count", "name", "fraction", "number") and one line of help. The
    command line builds its options from these (``--kv-dtype`` for ``kv_dtype``; ``flag``
    names the option when it differs from the field), so the list is written once."""
    return dataclasses.field(default=default, metadata={"kind": kind, "help": help, "flag": flag})


def _number(value):
    """A checked 0-d array as a plain float; arrays stay arrays (a sweep over a field)."""
    return float(value) if np.ndim(value) == 0 else value


@dataclass(frozen=True)
class Deployment:
    """``model`` served on ``gpus`` identical ``gpu`` with tensor parallelism, weights and KV
    cache split evenly. Chapter 3 introduces it; chapters 5 and 6 time its steps.

    ``dtype`` is the weights' format, ``kv_dtype`` the cache's (default: bf16, or the
    weights' own for fp32 and fp16, since quantizing weights does not quantize the cache).
    ``mfu`` and ``mbu`` are the shares of peak FLOP/s and bandwidth it achieves (default: the
    round 0.6 under the article's step model, the fitted server figures under per-op);
    ``usable_memory`` the share of memory the server may fill. ``step_model`` times a forward
    pass ("article" or "per-op", ``STEP_MODELS``); ``overhead_s`` is the per-op model's fixed
    cost per forward pass, ``prefill_overhead_s`` the further fixed cost of a prefill pass
    (engines replay decode steps from CUDA graphs but launch a prefill's kernels one by one,
    so by default it is a fitted cost per layer times the layers)
    and ``allreduce_latency_s`` its latency per all-reduce (defaults: fitted; zero under the
    article's model, which ignores them). ``params_override`` replaces
    the architecture's parameter count with a round one (the article's 70e9: its bytes and
    FLOPs follow from it); ``attention`` False leaves out the attention-score FLOPs, as the
    article does. Scalars may be numpy arrays to sweep them."""

    model: Model = option(None, "model", "catalog name or path to a Hugging Face config.json")
    gpu: GPU = option(None, "gpu", "catalog GPU name")
    gpus: int | np.ndarray = option(1, "count", "number of GPUs (tensor parallel)")
    dtype: str = option("bf16", "name", "weight format: fp32, bf16, fp16, fp8, int8, int4")
    kv_dtype: str | None = option(None, "name", "KV cache format (default: bf16)")
    mfu: float | np.ndarray | None = option(None, "fraction", "share of peak FLOP/s achieved")
    mbu: float | np.ndarray | None = option(None, "fraction", "share of peak bandwidth achieved")
    usd_per_gpu_hour: float | np.ndarray | None = option(None, "number", "price per GPU-hour")
    usable_memory: float | np.ndarray = option(
        DEFAULT_USABLE_MEMORY, "fraction", "share of memory the server may fill (default 0.9)"
    )
    params_override: float | None = option(
        None, "number", "a round parameter count that replaces the architecture's", "params"
    )
    attention: bool = True
    name: str = ""
    step_model: str = option(
        "per-op", "name", "article (one max over a step's bytes and FLOPs) or per-op (default)"
    )
    overhead_s: float | None = option(None, "number", "fixed seconds per forward pass")
    prefill_overhead_s: float | None = option(
        None, "number", "further fixed seconds per prefill pass"
    )
    allreduce_latency_s: float | None = option(None, "number", "seconds per all-reduce")

    def __post_init__(self):
        fix = dict(model=get_model(self.model), gpu=get_gpu(self.gpu), dtype=dtype_name(self.dtype))
        gpu, dt = fix["gpu"], fix["dtype"]
        fix["kv_dtype"] = (
            kv_dtype_name(self.kv_dtype)
            if self.kv_dtype is not None
            else (dt if dt in ("fp32", "fp16") else "bf16")
        )
        matmul_rate(gpu, dt)  # fails early for a dtype this GPU cannot multiply in
        gpus = checks.count("gpus", self.gpus)
        fix["gpus"] = int(gpus) if gpus.ndim == 0 else gpus
        step = fix["step_model"] = checks.canonical(
            "step_model", self.step_model, {m: m for m in STEP_MODELS}
        )
        article = step == "article"
        mfu, mbu = (DEFAULT_MFU, DEFAULT_MBU) if article else server_efficiency(gpu, dt)
        fix["mfu"] = _number(checks.fraction("mfu", mfu if self.mfu is None else self.mfu))
        fix["mbu"] = _number(checks.fraction("mbu", mbu if self.mbu is None else self.mbu))
        prefill = PREFILL_OVERHEAD_PER_LAYER_S.value * fix["model"].n_layers
        for field, fitted in (
            ("overhead_s", OVERHEAD_S.value),
            ("prefill_overhead_s", prefill),
            ("allreduce_latency_s", ALLREDUCE_LATENCY_S.value),
        ):
            given = getattr(self, field)
            value = (0.0 if article else fitted) if given is None else given
            fix[field] = float(checks.nonnegative(field, value))
        price = gpu.usd_per_hour if self.usd_per_gpu_hour is None else self.usd_per_gpu_hour
        fix["usd_per_gpu_hour"] = _number(checks.nonnegative("usd_per_gpu_hour", price))
        fix["usable_memory"] = _number(checks.fraction("usable_memory", self.usable_memory))
        if self.params_override is not None:
            fix["params_override"] = float(checks.positive("params", self.params_override))
        fix["attention"] = checks.flag("attention", self.attention)
        if not isinstance(self.name, str):
            raise ValueError(f"name must be a string, got {self.name!r}")
        for key, value in fix.items():
            object.__setattr__(self, key, value)

    # ----- what it holds (chapter 3) ------------------------------------------------------

    @cached_property
    def params(self) -> float:
        """Parameters held: the architecture's count, or ``params_override``."""
        return float(self.model.params if self.params_override is None else self.params_override)

    @cached_property
    def weight_bytes(self) -> float:
        """Bytes of weights: params x bytes per weight (137,953,296,384 for Llama-2-70B in
        bf16; 140e9 in the article's scenario)."""
        return self.params * BYTES_PER_PARAM[self.dtype]

    @cached_property
    def kv_bytes_per_token(self) -> float:
        """Bytes of KV cache per token of context: 2 L K d_h x bytes per number (L (r_kv +
        d_rope) under latent attention), at the full-attention rate: a sliding-window layer
        stops adding once the context passes its window (``kv_bytes_per_sequence``)."""
        return float(kv_bytes_per_token(self.model, self.kv_dtype))

    def attended(self, context):
        """The tokens of cache a token at ``context`` reads, averaged over layers: the context
        itself, but each sliding-window layer capped at its window (``attended_tokens``,
        chapter 3). Decode reads ``attended(context)`` x KV bytes per token per sequence,
        and a sequence of N tokens fills ``attended(N)`` tokens of the KV capacity."""
        if not self.model.has_windows:
            return np.asarray(context, dtype=float)
        return attended_tokens(self.model, context)

    def kv_bytes_per_sequence(self, tokens):
        """Bytes of KV cache one sequence of ``tokens`` tokens holds (chapter 3)."""
        return kv_bytes_per_sequence(self.model, tokens, self.kv_dtype)

    @cached_property
    def usable_bytes(self):
        """Memory the server may fill on all GPUs together: G x M x usable share."""
        return self.gpus * self.gpu.memory_bytes * self.usable_memory

    @cached_property
    def kv_capacity_tokens(self):
        """Tokens of KV cache that fit beside the weights: (G M u - weights) / KV bytes per
        token, floored; zero when the weights alone do not fit. With sliding-window layers
        these are tokens at the full-attention rate, and a sequence of N tokens takes
        ``attended(N)`` of them."""
        free = np.maximum(self.usable_bytes - self.weight_bytes, 0.0)
        return _number(np.floor(free / self.kv_bytes_per_token))

    def weight_bytes_read(self, tokens):
        """Weight bytes one forward pass over ``tokens`` tokens reads: all of them for a dense
        model; for a mixture of experts, the shared weights and the experts the tokens route
        to (chapter 12)."""
        params = None if self.params_override is None else self.params_override
        return weight_bytes_read(self.model, self.dtype, tokens, params)

    # ----- what it computes, and how fast (chapters 2, 4 and 5) ---------------------------

    @cached_property
    def flops_per_token(self) -> float:
        """Forward FLOPs per token outside attention scores: 2 x the weights multiplied by,
        or 2 x ``params_override`` (the article's 140 GFLOP)."""
        if self.params_override is not None:
            return 2.0 * self.params_override
        return float(flops_per_token(self.model))

    @cached_property
    def attention_flops_per_context_token(self) -> float:
        """Attention-score FLOPs one token spends per token it attends to: 4 L H d_h, or 0
        when the deployment leaves attention out (the article's arithmetic). A windowed
        model attends to ``attended(context)`` tokens, not the whole context."""
        return attention_flops_per_attended_token(self.model) if self.attention else 0.0

    @cached_property
    def peak_flops(self) -> float:
        """One GPU's dense matrix-product rate for weights in ``dtype`` (chapter 4)."""
        return float(matmul_rate(self.gpu, self.dtype))

    @cached_property
    def achieved_flops(self):
        """FLOP/s the deployment sustains: G x peak x MFU."""
        return self.gpus * self.peak_flops * self.mfu

    @cached_property
    def achieved_bandwidth(self):
        """Bytes/s the deployment sustains: G x peak bandwidth x MBU."""
        return self.gpus * self.gpu.bandwidth_bytes_per_s * self.mbu

    @cached_property
    def usd_per_second(self):
        """What the GPUs cost per second, busy or not: G x price per GPU-hour / 3600."""
        return self.gpus * self.usd_per_gpu_hour / SECONDS_PER_HOUR

    @property
    def label(self) -> str:
        """'llama-2-70b on 2 x a100-80gb-sxm (bf16)', for tables and figure legends."""
        gpus = f"{self.gpus}" if np.ndim(self.gpus) == 0 else "G"
        return f"{self.model.name} on {gpus} x {self.gpu.name} ({self.dtype})"


def _article_gpu() -> GPU:
    # Sanger (2023) reads the A100 80GB as 80e9 bytes (160 GB for two) and "2 TB/s".
    return dataclasses.replace(
        GPUS["a100-80gb-sxm"],
        name="a100-80gb-sxm (article-2023)",
        memory_label="80 GB read as 80e9 bytes",
        memory_bytes=80 * GB,
        bandwidth_bytes_per_s=2000 * GB,
    )


# fmt: off
SCENARIOS: dict[str, dict] = {
    "article-2023": dict(
        model="llama-2-70b", gpu=_article_gpu(), gpus=2, dtype="bf16", kv_dtype="bf16",
        mfu=200 * TERA / (312 * TERA),  # "about 200 TFLOP/s" of 312 in prefill
        mbu=1.3 / 2.0,                  # "1.3 TB/s" of "2 TB/s" in decode
        usd_per_gpu_hour=2.21, usable_memory=1.0, params=70e9, attention=False,
        step_model="article", name="article-2023"),
}
# fmt: on
SCENARIO_SOURCE = "Sanger, 'Why GPT-3.5 is (mostly) cheaper than Llama 2', Cursor blog, 2023-07-20"


def choices() -> dict[str, dataclasses.Field]:
    """The fields of ``Deployment`` a reader chooses, by the name ``deployment()`` and the
    command line take them (``params`` for ``params_override``). Chapter 3 uses them."""
    return {
        f.metadata.get("flag") or f.name: f
        for f in dataclasses.fields(Deployment)
        if "kind" in f.metadata
    }


def deployment(model=None, gpu=None, gpus=None, dtype=None, *, scenario=None, **chosen):
    """A checked ``Deployment`` (chapter 3): ``model`` on ``gpus`` x ``gpu`` with weights in
    ``dtype``, and any other field of ``choices()`` by name (``kv_dtype="fp8"``,
    ``mfu=0.5``, ``params=70e9`` for the round count that replaces the architecture's,
    ``attention=False``). With ``scenario``, its values fill whatever is not given; anything
    given explicitly wins."""
    allowed = {*choices(), "attention"}
    unknown = sorted(set(chosen) - allowed)
    if unknown:
        raise ValueError(
            f"deployment has no choice {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )
    given = dict(model=model, gpu=gpu, gpus=gpus, dtype=dtype, **chosen)
    base = dict(checks.lookup("scenario", scenario, SCENARIOS)) if scenario is not None else {}
    if model is not None and base and get_model(model) != get_model(base["model"]):
        # A scenario's rounded parameter count belongs to its own model, not to another.
        base.pop("params", None)
    merged = {**base, **{k: v for k, v in given.items() if v is not None}}
    if "model" not in merged:
        raise ValueError("model is required (a catalog name, a Model, or a config.json path)")
    if "gpu" not in merged:
        raise ValueError(f"gpu is required; allowed: {', '.join(sorted(GPUS))}")
    merged["params_override"] = merged.pop("params", None)
    if not scenario:
        merged.pop("name", None)
    return Deployment(**merged)
