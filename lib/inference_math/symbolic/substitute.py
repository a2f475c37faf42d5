"""Numbers for the symbols: ``values(model=..., dep=..., N=512)`` gives the {symbol: number}
dictionary that turns any formula of ``symbolic`` into the library's value for a model and a
deployment (chapters substitute with it; tests compare the result with the numeric functions).
"""

from __future__ import annotations

from ..model.catalog import get_model
from ..model.formats import BYTES_PER_PARAM
from ..serving.deployment import Deployment
from ..serving.steps import ACTIVATION_BYTES
from .notation import (
    MBU, MFU, SYMBOLS, E, F, G, H, K, L, M, P, V, alpha_AR, b_a, b_kv, b_w, beta, beta_link, c_h,
    d, d_ff, d_h, eta_link, f, k, t_0, tau, u,
)  # fmt: skip


def values(model=None, dep=None, **extra) -> dict:
    """{symbol: number} to substitute into any formula of this module.

    ``model`` (a catalog name, ``Model`` or config path; default: the deployment's) gives the
    architecture's symbols (L, d, H, K, d_h, d_ff, V, E, k, tau); ``dep`` a deployment's (P,
    b_w, b_kv, G, F, beta, M, MFU, MBU, u, c_h, and for today's server f, t_0, alpha_AR,
    b_a, beta_link, eta_link). ``extra`` sets any other symbol by its name,
    or overrides one: ``values(dep=article, N=512, B=8)``."""
    if dep is not None and not isinstance(dep, Deployment):
        raise ValueError(f"dep must be a Deployment, got {dep!r}")
    if model is None and dep is None:
        raise ValueError("values needs a model, a deployment, or both")
    m = get_model(model if model is not None else dep.model)
    out = {
        L: m.n_layers,
        d: m.d_model,
        H: m.n_heads,
        K: m.n_kv_heads,
        d_h: m.head_dim,
        d_ff: m.d_ff,
        V: m.vocab_size,
        E: m.n_experts,
        k: m.experts_per_token,
        tau: int(m.tied_embeddings),
    }
    if dep is not None:
        out |= {
            P: dep.params,
            b_w: BYTES_PER_PARAM[dep.dtype],
            b_kv: BYTES_PER_PARAM[dep.kv_dtype],
            G: dep.gpus,
            F: dep.peak_flops,
            beta: dep.gpu.bandwidth_bytes_per_s,
            M: dep.gpu.memory_bytes,
            MFU: dep.mfu,
            MBU: dep.mbu,
            u: dep.usable_memory,
            c_h: dep.usd_per_gpu_hour,
            f: dep.flops_per_token,
            t_0: dep.overhead_s,
            alpha_AR: dep.allreduce_latency_s,
            b_a: ACTIVATION_BYTES,
            eta_link: dep.table.ring_link_share,
        }
        if dep.gpu.tp_link_bytes_per_s:
            out[beta_link] = dep.gpu.tp_link_bytes_per_s
    for name, value in extra.items():
        if name not in SYMBOLS:
            raise ValueError(f"unknown symbol {name!r}; allowed: {', '.join(sorted(SYMBOLS))}")
        out[SYMBOLS[name]] = value
    return out
