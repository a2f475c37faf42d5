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
from ..core.units import GB, SECONDS_PER_HOUR, TERA
from ..hardware.efficiency import server_efficiency
from ..hardware.gpus import GPU, GPUS, get_gpu
from ..hardware.roofline import matmul_rate
from ..model.catalog import get_model
from ..model.flops import attention_flops_per_attended_token, flops_per_token
from ..model.formats import BYTES_PER_PARAM, dtype_name, kv_dtype_name
from ..model.sizes import kv_bytes_per_sequence, kv_bytes_per_token
from ..model.spec import Model
from .engines import NCCL_ALLREDUCE_LATENCY_S, get_engine
from .table import DeploymentTable, check_split, table_for

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
# How attention is split across GPUs (chapter 6): by heads, or by whole requests.
PARALLELISMS = ("tensor", "data")
# The most GPUs one deployment may have (core.checks says why; every path checks it).
MAX_GPUS = checks.MAX_GPUS


def option(default, kind: str, help: str, flag: str | None = None):
    """A field of ``Deployment`` that a reader chooses: its default, what kind of value it
    takes ("model", "gpu", "count", "name", "fraction", "number") and one line of help. The
    command line builds its options from these (``--kv-dtype`` for ``kv_dtype``; ``flag``
    names the option when it differs from the field), so the list is written once."""
    return dataclasses.field(default=default, metadata={"kind": kind, "help": help, "flag": flag})


def _pick(given, default):
    return default if given is None else given


def _number(value):
    """A checked 0-d array as a plain float; arrays stay arrays (a sweep over a field)."""
    return float(value) if np.ndim(value) == 0 else value


@dataclass(frozen=True)
class Deployment:
    """``model`` served on ``gpus`` identical ``gpu`` by one engine. Chapter 3 introduces it;
    chapters 5 and 6 time its steps; chapter 10 fits its efficiencies.

    ``dtype`` is the weights' format, ``kv_dtype`` the cache's (default: bf16, or the
    weights' own for fp32 and fp16, since quantizing weights does not quantize the cache).
    ``mfu`` and ``mbu`` are the shares of peak FLOP/s and bandwidth the weight products
    reach, ``kv_mbu`` and ``attention_mfu`` those of attention over the cache (defaults: the
    round 0.6 everywhere under the article's step model; the fitted server figures under
    per-op, ``hardware.efficiency``); ``usable_memory`` the share of memory the server may
    fill. ``step_model`` times a forward pass ("article" or "per-op", ``STEP_MODELS``).
    ``engine`` is the serving engine (``serving.engines``: its scheduler budget, admission,
    all-reduce and fixed costs; None: the generic profile). ``overhead_s`` is the per-op
    model's fixed cost per pass, ``prefill_overhead_s`` the further fixed cost of a prefill
    pass (default: the engine's per layer times the layers), ``allreduce_latency_s`` NCCL's
    latency per all-reduce and ``request_overhead_s`` a server's handling of a request
    before its first token, as a client measures it (zero under the article's model, which
    ignores them).
    ``attention_parallelism`` "tensor" splits attention's heads across the GPUs (each GPU
    holds a copy of a KV head when there are fewer KV heads than GPUs, and the whole of a
    latent cache); "data" gives each GPU whole requests, with the experts of a mixture split
    across the GPUs (expert parallelism), as SGLang and vLLM serve DeepSeek. ``params_override``
    replaces the architecture's parameter count with a round one (the article's 70e9: its
    bytes and FLOPs follow from it); ``attention`` False leaves out the attention-score
    FLOPs, as the article does. Scalars may be numpy arrays to sweep them."""

    model: Model = option(None, "model", "catalog name or path to a Hugging Face config.json")
    gpu: GPU = option(None, "gpu", "catalog GPU name")
    gpus: int | np.ndarray = option(1, "count", "number of GPUs (tensor parallel)")
    dtype: str = option("bf16", "name", "weight format: fp32, bf16, fp16, fp8, int8, int4, ...")
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
    allreduce_latency_s: float | None = option(None, "number", "seconds per NCCL all-reduce")
    request_overhead_s: float | None = option(
        None, "number", "a server's seconds per request before its first token"
    )
    engine: str | None = option(
        None, "name", "serving engine: vllm, sglang, tensorrt-llm or gpt-fast (default: generic)"
    )
    attention_parallelism: str = option(
        "tensor", "name", "tensor (heads split across GPUs) or data (whole requests per GPU)"
    )
    kv_mbu: float | np.ndarray | None = option(
        None, "fraction", "share of peak bandwidth the cache is read at"
    )
    attention_mfu: float | np.ndarray | None = option(
        None, "fraction", "share of 16-bit peak FLOP/s attention reaches"
    )

    def __post_init__(self):
        # what the reader chose, before the defaults are filled in: with_choices starts from it
        chosen = getattr(self, "_chosen", None) or {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self)
        }
        object.__setattr__(self, "_chosen", chosen)
        fix = dict(model=get_model(self.model), gpu=get_gpu(self.gpu), dtype=dtype_name(self.dtype))
        gpu, dt, model = fix["gpu"], fix["dtype"], fix["model"]
        own_kv = dt if dt in ("fp32", "fp16") else "bf16"
        fix["kv_dtype"] = kv_dtype_name(_pick(self.kv_dtype, own_kv))
        matmul_rate(gpu, dt)  # fails early for a dtype this GPU cannot multiply in
        gpus = checks.gpus("gpus", self.gpus)
        fix["gpus"] = int(gpus) if gpus.ndim == 0 else gpus
        step = fix["step_model"] = checks.canonical("step_model", self.step_model,
                                                    {m: m for m in STEP_MODELS})  # fmt: skip
        fix["engine"] = get_engine(self.engine).name
        fix["attention_parallelism"] = checks.canonical(
            "attention_parallelism", self.attention_parallelism, {p: p for p in PARALLELISMS}
        )
        check_split(model, gpus, fix["attention_parallelism"])
        article = step == "article"
        eff = server_efficiency(gpu, dt)
        for field, round_share, fitted in (("mfu", DEFAULT_MFU, eff.products_mfu),
                                           ("mbu", DEFAULT_MBU, eff.weights_mbu)):  # fmt: skip
            value = _pick(getattr(self, field), round_share if article else fitted)
            fix[field] = _number(checks.fraction(field, value))
        # Under the article's model attention runs at the products' shares (one max over all).
        for field, own, products in (("kv_mbu", eff.kv_mbu, "mbu"),
                                     ("attention_mfu", eff.attention_mfu, "mfu")):  # fmt: skip
            inherit = article or getattr(self, products) is not None
            value = _pick(getattr(self, field), fix[products] if inherit else own)
            fix[field] = _number(checks.fraction(field, value))
        engine = get_engine(fix["engine"])
        prefill = engine.prefill_overhead_per_layer_s * model.n_layers
        for field, fitted in (("overhead_s", engine.step_overhead_s),
                              ("prefill_overhead_s", prefill),
                              ("allreduce_latency_s", NCCL_ALLREDUCE_LATENCY_S),
                              ("request_overhead_s", engine.request_overhead_s)):  # fmt: skip
            value = _pick(getattr(self, field), 0.0 if article else fitted)
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

    def chose(self, field: str) -> bool:
        """Whether the reader gave ``field`` rather than taking its default."""
        return self._chosen[field] is not None

    def with_choices(self, **changes) -> Deployment:
        """The same reader's choices with ``changes``, every default filled in afresh (an
        engine's fixed costs follow the engine). Chapter 10 uses it."""
        return Deployment(**{**self._chosen, **changes})

    # ----- what it holds (chapter 3) ------------------------------------------------------

    @cached_property
    def params(self) -> float:
        """Parameters held: the architecture's count, or ``params_override``."""
        return float(self.model.params if self.params_override is None else self.params_override)

    @cached_property
    def bytes_per_weight(self) -> float:
        return BYTES_PER_PARAM[self.dtype]

    @cached_property
    def expert_weight_bytes(self) -> float:
        """Bytes of every routed expert of every mixture layer (0 for a dense model or a
        round parameter count)."""
        m = self.model
        if self.params_override is not None or not m.is_moe:
            return 0.0
        return m.n_moe_layers * m.n_experts * m.expert_params * self.bytes_per_weight

    @cached_property
    def weight_bytes(self):
        """Bytes of weights the GPUs hold: params x bytes per weight (137,953,296,384 for
        Llama-2-70B in bf16; 140e9 in the article's scenario); under data-parallel attention
        every GPU holds its own copy of the non-expert weights."""
        total = self.params * self.bytes_per_weight
        if self.attention_parallelism == "data":
            return self.gpus * (total - self.expert_weight_bytes) + self.expert_weight_bytes
        return total

    @cached_property
    def kv_bytes_per_token(self) -> float:
        """Bytes of KV cache per token of context: 2 L K d_h x bytes per number (L (r_kv +
        d_rope) under latent attention), at the full-attention rate: a sliding-window layer
        stops adding once the context passes its window (``kv_bytes_per_sequence``)."""
        return float(kv_bytes_per_token(self.model, self.kv_dtype))

    @cached_property
    def kv_replication(self):
        """How many copies of the cache the GPUs hold (chapter 3): 1, except under tensor
        parallelism with fewer KV heads than GPUs (each GPU a copy of one head: G / K) or a
        latent cache (every GPU the whole of it: G)."""
        g = np.asarray(self.gpus, dtype=float)
        if self.attention_parallelism == "data":
            return _number(np.ones_like(g))
        if self.model.is_mla:
            return _number(g)
        return _number(np.maximum(g / self.model.n_kv_heads, 1.0))

    def attended(self, context):
        """The tokens of cache a token at ``context`` reads, averaged over layers: the context
        itself, but each sliding-window layer capped at its window (``attended_tokens``,
        chapter 3). Decode reads ``attended(context)`` x KV bytes per token per sequence,
        and a sequence of N tokens fills ``attended(N)`` tokens of the KV capacity."""
        return self.table.attended(context)

    def kv_bytes_per_sequence(self, tokens):
        """Bytes of KV cache one sequence of ``tokens`` tokens holds (chapter 3)."""
        return kv_bytes_per_sequence(self.model, tokens, self.kv_dtype)

    @cached_property
    def usable_bytes(self):
        """Memory the server may fill on all GPUs together: G x M x usable share."""
        return self.gpus * self.gpu.memory_bytes * self.usable_memory

    @cached_property
    def kv_capacity_tokens(self):
        """Tokens of KV cache that fit beside the weights: (G M u - weights) / (KV bytes per
        token x its copies), floored; zero when the weights alone do not fit. With
        sliding-window layers these are tokens at the full-attention rate, and a sequence of
        N tokens takes ``attended(N)`` of them."""
        return _number(self.table.kv_capacity_tokens)

    def weight_bytes_read(self, tokens):
        """Weight bytes one forward pass over ``tokens`` tokens reads: all of them for a dense
        model; for a mixture of experts, the shared weights and the experts the tokens route
        to (chapter 12)."""
        return self.table.weight_bytes_read(tokens)

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
        """FLOP/s the deployment sustains in its weight products: G x peak x MFU."""
        return self.gpus * self.peak_flops * self.mfu

    @cached_property
    def achieved_bandwidth(self):
        """Bytes/s the deployment streams its weights at: G x peak bandwidth x MBU."""
        return self.gpus * self.gpu.bandwidth_bytes_per_s * self.mbu

    @cached_property
    def usd_per_second(self):
        """What the GPUs cost per second, busy or not: G x price per GPU-hour / 3600."""
        return self.gpus * self.usd_per_gpu_hour / SECONDS_PER_HOUR

    @property
    def label(self) -> str:
        """'llama-2-70b on 2 x a100-80gb-sxm (bf16)', for legends."""
        gpus = f"{self.gpus}" if np.ndim(self.gpus) == 0 else "G"
        return f"{self.model.name} on {gpus} x {self.gpu.name} ({self.dtype})"

    @cached_property
    def table(self) -> DeploymentTable:
        """The numbers every pass of this deployment is timed with (``serving.table``)."""
        return table_for(self)


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
