"""One deployment or many at once: the numbers a forward pass is timed with, as arrays.

A ``Deployment`` holds a reader's choices for one model on one kind of GPU; its ``table``
holds what follows, as numbers: bytes held and read, FLOPs, the layers' windows, the rates
achieved, the fixed costs, the communication, the scheduler's budget. The step and batching
functions read only a table, so the same code times one deployment (chapters 5 to 13) and
thousands of published measurements at once (chapter 10's fit): one formula, one place.

Every field is a float or an array; arrays broadcast against each other and against the
workload's arrays. Window fields have one column per distinct window (padded with infinite
windows of no layers).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..core import checks
from ..hardware.efficiency import TP_MFU_EXPONENT, server_efficiency
from ..hardware.roofline import matmul_rate
from ..model.catalog import get_model
from ..model.windows import window_groups
from .engines import CUSTOM_ALLREDUCE_LATENCY_S, RING_LINK_SHARE, get_engine


@dataclass(frozen=True)
class DeploymentTable:
    """What one or many deployments move, compute and pay, per pass and per token (chapter 6
    times a pass from it; chapter 10 fits its rates).

    Bytes are totals over the deployment's GPUs. Under tensor parallelism a cache that cannot
    be split (fewer KV heads than GPUs; a latent cache) is held ``kv_replication`` times.
    Under data-parallel attention every GPU holds and reads the non-expert weights
    (``replicated_bytes`` is that copy) and the experts are split by expert parallelism."""

    gpus: object
    step_article: object  # True where a pass is the article's one max()
    weight_bytes: object  # held, all GPUs
    dense_read_bytes: object  # read by every pass whatever the tokens, all GPUs
    expert_layer_bytes: object  # one routed expert in one layer
    n_moe_layers: object
    n_experts: object
    experts_per_token: object
    kv_bytes_per_token: object  # the model's, before replication
    kv_replication: object
    flops_per_token: object
    attention_flops_per_context_token: object
    full_layers: object  # layers without a window
    window_sizes: object  # (..., S): each distinct window
    window_layers: object  # (..., S): the layers with it
    n_layers: object
    d_model: object
    peak_bandwidth: object  # bytes/s, all GPUs
    peak_flops: object  # FLOP/s of the weight products, all GPUs
    peak_attention_flops: object  # FLOP/s in 16-bit, all GPUs
    weights_mbu: object
    expert_mbu: object  # routed experts' weights: small products of few rows each
    products_mfu: object
    tp_mfu_exponent: object  # the products' share falls as G^-x: each GPU's matrices shrink
    kv_mbu: object
    attention_mfu: object
    overhead_s: object
    prefill_overhead_s: object
    request_overhead_s: object  # a server's handling of a request before its first token
    allreduce_latency_s: object  # NCCL's ring
    custom_allreduce_latency_s: object  # one-shot and two-shot kernels; inf: none
    custom_allreduce_max_bytes: object
    link_bytes_per_s: object  # one direction of one GPU's link
    ring_link_share: object
    data_attention: object  # True where attention is data parallel (experts split)
    usable_bytes: object
    usd_per_second: object
    budget: object  # tokens a step may carry (chunked prefill); inf: no chunking
    max_batch: object
    admit_whole: object
    mixes_prefill: object  # True where a step carries decode and prompt tokens together

    @property
    def table(self) -> DeploymentTable:
        return self

    @property
    def has_windows(self) -> bool:
        return bool(np.any(np.asarray(self.window_layers) > 0))

    # ----- rates achieved --------------------------------------------------------------

    @property
    def achieved_bandwidth(self):
        """Bytes/s the weights stream at, all GPUs: peak x weights MBU."""
        return self.peak_bandwidth * self.weights_mbu

    @property
    def achieved_flops(self):
        """FLOP/s the weight products run at, all GPUs: peak x products MFU, which falls as
        G^-x where each GPU's share of a matrix shrinks."""
        return (
            self.peak_flops
            * self.products_mfu
            * np.asarray(self.gpus, float) ** (-np.asarray(self.tp_mfu_exponent, float))
        )

    @property
    def kv_bandwidth(self):
        """Bytes/s the cache is read at, all GPUs: peak x KV MBU."""
        return self.peak_bandwidth * self.kv_mbu

    @property
    def attention_flops_rate(self):
        """FLOP/s attention's scores run at, all GPUs: 16-bit peak x attention MFU."""
        return self.peak_attention_flops * self.attention_mfu

    # ----- bytes ----------------------------------------------------------------------

    @property
    def kv_read_bytes_per_token(self):
        """Bytes of cache per token the GPUs hold and read: the model's, times its copies."""
        return self.kv_bytes_per_token * self.kv_replication

    @property
    def kv_capacity_tokens(self):
        """Tokens of cache that fit beside the weights: (G M u - weights held) / (KV bytes
        per token x copies), floored; zero when the weights alone do not fit."""
        free = np.maximum(self.usable_bytes - self.weight_bytes, 0.0)
        return np.floor(free / self.kv_read_bytes_per_token)

    def experts_touched(self, tokens):
        """Experts a mixture layer reads for ``tokens`` tokens routed uniformly, top-k of E:
        E (1 - (1 - k/E)^B); 0 for a dense model (chapter 12)."""
        e = np.asarray(self.n_experts, dtype=float)
        if e.ndim == 0 and e <= 1:  # one dense deployment: nothing to route (the common case)
            return np.zeros(np.shape(tokens))
        k = np.asarray(self.experts_per_token, dtype=float)
        b = checks.plain("tokens", tokens)
        with np.errstate(invalid="ignore", divide="ignore"):
            touched = e * (1.0 - (1.0 - k / e) ** b)
        return np.where(e > 1, touched, 0.0)

    def expert_bytes_read(self, tokens):
        """Bytes of the routed experts ``tokens`` tokens read, all GPUs (chapter 12)."""
        return self.n_moe_layers * self.experts_touched(tokens) * self.expert_layer_bytes

    def weight_bytes_read(self, tokens):
        """Weight bytes one pass over ``tokens`` tokens reads, all GPUs: every non-expert
        weight (each GPU its copy under data-parallel attention) and the experts the tokens
        route to (chapter 12)."""
        return self.dense_read_bytes + self.expert_bytes_read(tokens)

    def weights_read_time(self, tokens):
        """Seconds to stream the weights one pass reads: the non-expert ones at the weights'
        share of peak, the routed experts' at theirs (chapter 10)."""
        return self.dense_read_bytes / self.achieved_bandwidth + self.expert_bytes_read(tokens) / (
            self.peak_bandwidth * self.expert_mbu
        )

    # ----- windows --------------------------------------------------------------------

    def attended(self, context):
        """Tokens of cache a token at ``context`` reads, averaged over layers: the context,
        each windowed layer capped at its window (chapter 3)."""
        c = checks.plain("context", context)
        if not self.has_windows:
            return c
        capped = np.minimum(c[..., None], self.window_sizes) * self.window_layers
        return (self.full_layers * c + capped.sum(axis=-1)) / self.n_layers

    def prefill_attended(self, prompt):
        """Cached tokens the N tokens of a causal prefill attend to in all, averaged over
        layers: N (N + 1) / 2, a layer with window w stopping at it (chapter 5)."""
        n = checks.plain("prompt", prompt)
        if not self.has_windows:
            return n * (n + 1) / 2
        w = np.minimum(n[..., None], self.window_sizes)
        with np.errstate(invalid="ignore"):  # a padded column: 0 x inf, dropped below
            tail = (n[..., None] - w) * self.window_sizes
        tail = np.where(np.isfinite(self.window_sizes), tail, 0.0)
        per = (w * (w + 1) / 2 + tail) * self.window_layers
        return (self.full_layers * n * (n + 1) / 2 + per.sum(axis=-1)) / self.n_layers

    # ----- communication ----------------------------------------------------------------

    def communication_time(self, tokens):
        """Seconds of communication in one pass over ``tokens`` tokens (chapter 6). Tensor
        parallelism: two all-reduces per layer of tokens x d activations (2 bytes each), by
        the fastest algorithm the engine has for that size: a one-shot kernel (every GPU
        reads the G - 1 others' buffers), a two-shot one (reduce-scatter then all-gather) up
        to its size limit, or NCCL's ring (2 (G - 1) / G of the data each way, at a share of
        the link). Data-parallel attention with expert parallelism: in each mixture layer,
        every token's activations go to its k experts and come back (all-to-all), the
        remote share (G - 1) / G over the link. Zero on one GPU."""
        t = checks.plain("tokens", tokens)
        g = np.asarray(self.gpus, dtype=float)
        if g.ndim == 0 and g <= 1:  # one GPU: nothing to communicate
            return np.zeros(t.shape)
        link = self._link()
        data = t * self.d_model * 2.0
        ring_s, all_to_all_s = self._seconds_per_token()
        one = g.ndim == 0 and np.ndim(self.data_attention) == 0  # one deployment: one branch
        if one and self.data_attention:
            return self.n_moe_layers * (2 * self.allreduce_latency_s + t * all_to_all_s)
        with np.errstate(divide="ignore", invalid="ignore"):
            ring = self.allreduce_latency_s + t * ring_s
            small = data <= self.custom_allreduce_max_bytes
            one_shot = self.custom_allreduce_latency_s + (g - 1) * data / link
            two_shot = 2 * self.custom_allreduce_latency_s + 2 * (g - 1) / g * data / link
            custom = np.where(small, np.minimum(one_shot, two_shot), np.inf)
            allreduce = 2 * self.n_layers * np.minimum(ring, custom)
            if one:
                return allreduce
            all_to_all = self.n_moe_layers * (2 * self.allreduce_latency_s + t * all_to_all_s)
        comm = np.where(self.data_attention, all_to_all, allreduce)
        return np.where(g > 1, comm, 0.0)

    def communication_per_token(self):
        """What ``communication_time`` adds per token once the batch is large (chapter 9's
        cost floor): the ring's or the all-to-all's bytes, without their latencies."""
        ring_s, all_to_all_s = self._seconds_per_token()
        comm = np.where(self.data_attention, self.n_moe_layers * all_to_all_s,
                        2 * self.n_layers * ring_s)  # fmt: skip
        return np.where(np.asarray(self.gpus) > 1, comm, 0.0)

    def _link(self):
        return np.where(np.isfinite(self.link_bytes_per_s), self.link_bytes_per_s, np.inf)

    def _seconds_per_token(self):
        # one all-reduce by ring, and one mixture layer's all-to-all, per token
        g = np.asarray(self.gpus, dtype=float)
        per_token = self.d_model * 2.0
        with np.errstate(divide="ignore", invalid="ignore"):
            ring = 2 * (g - 1) / g * per_token / (self._link() * self.ring_link_share)
            sent = 2 * per_token / g * self.experts_per_token * (g - 1) / g  # there and back
            return ring, sent / self._link()

    # ----- sweeps ---------------------------------------------------------------------

    def replace(self, **changes) -> DeploymentTable:
        """A copy with some fields changed (new efficiencies for a fit, say)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return DeploymentTable(**{**values, **changes})

    def take(self, index) -> DeploymentTable:
        """The rows ``index`` of a table of many deployments."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = v[index] if np.ndim(v) else v
        return DeploymentTable(**out)


def stack(tables: list[DeploymentTable]) -> DeploymentTable:
    """Many one-deployment tables as one table of arrays, one row each (chapter 10's fit
    times every published measurement at once). Window columns are padded to the widest."""
    width = max(np.shape(t.window_sizes)[-1] if np.ndim(t.window_sizes) else 0 for t in tables)
    width = max(width, 1)
    out = {}
    for f in fields(DeploymentTable):
        values = [getattr(t, f.name) for t in tables]
        if f.name == "step_article":
            if len(set(values)) != 1:
                raise ValueError("a table of many deployments needs one step model for all")
            out[f.name] = values[0]
        elif f.name in ("window_sizes", "window_layers"):
            pad = np.inf if f.name == "window_sizes" else 0.0
            rows = []
            for v in values:
                v = np.atleast_1d(np.asarray(v, dtype=float))
                rows.append(np.concatenate([v, np.full(width - v.size, pad)]))
            out[f.name] = np.array(rows)
        else:
            out[f.name] = np.array([np.asarray(v).item() for v in values])
    return DeploymentTable(**out)


def tensor_splits(model, most: int = 64) -> tuple[int, ...]:
    """The GPU counts up to ``most`` that tensor parallelism can split ``model`` over, as
    engines require (chapter 6): each GPU gets whole query heads, and the KV heads divide
    among the GPUs or each is copied to a whole number of them (a latent cache is copied to
    every GPU). ``most`` is at most ``core.checks.MAX_GPUS``."""
    model = get_model(model)
    g = np.arange(1, int(checks.gpus("most", most)) + 1)
    heads, kv = model.n_heads, model.n_kv_heads
    ok = (heads % g == 0) & ((kv % g == 0) | (g % kv == 0) | bool(model.is_mla))
    return tuple(int(x) for x in g[ok])


def check_split(model, gpus, parallelism: str) -> None:
    """Refuse what engines refuse (``tensor_splits``); data-parallel attention splits
    requests, not heads."""
    if parallelism == "data":
        return
    g = np.atleast_1d(np.asarray(gpus, dtype=int))
    allowed = tensor_splits(model, max(64, int(g.max())))
    bad = g[~np.isin(g, allowed)]
    if bad.size:
        raise ValueError(
            f"tensor parallelism over {bad[0]} GPUs cannot split {model.name}'s "
            f"{model.n_heads} query heads and {model.n_kv_heads} KV heads evenly (engines "
            f"refuse it); allowed: {', '.join(map(str, allowed))} GPUs, or "
            "attention_parallelism='data'"
        )


def table_for(dep) -> DeploymentTable:
    """The table of one ``Deployment`` (its ``table`` property): bytes, FLOPs, windows,
    shares of peak, fixed costs, the engine's all-reduce and scheduler (chapters 6 and 10)."""
    m, g = dep.model, dep.gpu
    engine = get_engine(dep.engine)
    article = dep.step_model == "article"
    eff = server_efficiency(g, dep.dtype)
    full, groups = window_groups(m)
    sizes = [float(w) for w, _ in groups] or [np.inf]
    layers = [float(n) for _, n in groups] or [0.0]
    expert_layer = 0.0 if not dep.expert_weight_bytes else (
        m.expert_params * dep.bytes_per_weight)  # fmt: skip
    data = dep.attention_parallelism == "data"
    non_expert = dep.params * dep.bytes_per_weight - dep.expert_weight_bytes
    custom = engine.custom_allreduce and g.interconnect_bytes_per_s is not None
    budget = engine.budget(g)
    return DeploymentTable(
        gpus=dep.gpus,
        step_article=dep.step_model == "article",
        weight_bytes=dep.weight_bytes,
        dense_read_bytes=dep.gpus * non_expert if data else non_expert,
        expert_layer_bytes=expert_layer,
        n_moe_layers=m.n_moe_layers if expert_layer else 0,
        n_experts=m.n_experts if expert_layer else 1,
        experts_per_token=m.experts_per_token if expert_layer else 1,
        kv_bytes_per_token=dep.kv_bytes_per_token,
        kv_replication=dep.kv_replication,
        flops_per_token=dep.flops_per_token,
        attention_flops_per_context_token=dep.attention_flops_per_context_token,
        full_layers=float(full),
        window_sizes=np.array(sizes),
        window_layers=np.array(layers),
        n_layers=float(m.n_layers),
        d_model=float(m.d_model),
        peak_bandwidth=dep.gpus * g.bandwidth_bytes_per_s,
        peak_flops=dep.gpus * dep.peak_flops,
        # attention multiplies in 16 bits whatever the weights' format (in fp32 over an fp32
        # cache); the article's single max() runs everything at the products' rate
        peak_attention_flops=dep.gpus
        * (
            dep.peak_flops
            if article
            else matmul_rate(g, "fp32" if dep.kv_dtype == "fp32" else "bf16")
        ),
        weights_mbu=dep.mbu,
        expert_mbu=dep.mbu if article or dep.chose("mbu") else eff.expert_mbu,
        products_mfu=dep.mfu,
        tp_mfu_exponent=0.0 if article or dep.chose("mfu") else TP_MFU_EXPONENT,
        kv_mbu=dep.kv_mbu,
        attention_mfu=dep.attention_mfu,
        overhead_s=dep.overhead_s,
        prefill_overhead_s=dep.prefill_overhead_s,
        request_overhead_s=dep.request_overhead_s,
        allreduce_latency_s=dep.allreduce_latency_s,
        custom_allreduce_latency_s=(
            CUSTOM_ALLREDUCE_LATENCY_S if custom and dep.step_model != "article" else np.inf
        ),
        custom_allreduce_max_bytes=engine.custom_allreduce_max_bytes,
        link_bytes_per_s=g.tp_link_bytes_per_s or np.inf,
        ring_link_share=1.0 if dep.step_model == "article" else RING_LINK_SHARE,
        data_attention=data,
        usable_bytes=dep.usable_bytes,
        usd_per_second=dep.usd_per_second,
        budget=np.inf if budget is None else float(budget),
        max_batch=float(engine.max_batch(g)),
        admit_whole=engine.admit_whole,
        mixes_prefill=engine.mixes_prefill,
    )
