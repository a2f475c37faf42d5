"""What a workload costs self-hosted or by the token (chapter 11).

A workload (``serving.workload``) is a prompt/completion mix plus a latency target.
Self-hosting prices it by the GPU-second: a batch of B requests occupies the deployment for
the prefill and the decode steps, and each request pays a B-th of that. An API prices it by
the token. Which is cheaper
depends on the mix (prompt tokens are cheap to self-host, completion tokens dear), on the
batch the latency target allows, and on how busy the GPUs are kept.

Every function broadcasts over numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import checks
from ..serving.workload import Workload, get_workload
from .prices import ARTICLE_API, ApiPrice, get_api_latency, get_api_price
from ..serving.deployment import deployment as make_deployment
from ..serving.batching import continuous_batch, static_batch
from ..serving.estimator import chunks_by_default, estimate


# An assumption of this book, not a measurement: interactive traffic that averages half of
# the peak a deployment is sized for. Sanger (2023) calls such traffic bursty and says it
# costs throughput, without a figure (chapter 11 says so where it uses this).
BURSTY_UTILISATION = 0.5


def api_meets_targets(workload, latency=ARTICLE_API) -> bool:
    """Whether the API, as observed (``prices.API_LATENCY``), meets the workload's targets.
    Conservative: a prompt up to the observed one is taken to need the observed time to
    first token; a longer one cannot be judged. Chapter 11 uses it."""
    w = get_workload(workload)
    latency = get_api_latency(latency)
    if w.prompt > latency.ttft_prompt_tokens:
        raise ValueError(
            f"workload {w.name!r} has a {w.prompt}-token prompt; the observation "
            f"covers prompts up to {latency.ttft_prompt_tokens} tokens"
        )
    ttft_ok = w.ttft_target_s is None or latency.ttft_s <= w.ttft_target_s
    rate_ok = w.tokens_per_s_target is None or latency.tokens_per_s >= w.tokens_per_s_target
    return bool(ttft_ok and rate_ok)


# ----- prices of one request --------------------------------------------------------------


def api_usd_per_request(api, prompt, completion):
    """USD an API charges for ``prompt`` tokens in and ``completion`` out: (N p_in + C p_out)
    / 1000 with prices per 1K tokens. gpt-3.5-turbo-0613, 1000 in and 5 out: $0.00151.
    Chapter 11 derives it."""
    p = get_api_price(api)
    n = checks.count("prompt", prompt, minimum=0)
    c = checks.count("completion", completion, minimum=0)
    return (n * p.usd_per_1k_input + c * p.usd_per_1k_output) / 1000


def usd_at_utilisation(usd_at_peak, utilisation):
    """Self-hosted cost per token (or request) when traffic averages ``utilisation`` of the
    peak the deployment is sized for. The GPUs are paid for every hour whether busy or not,
    so an hour's bill is spread over ``utilisation`` times the tokens: the cost scales with
    1 / utilisation. At half the peak it doubles. An API bills per token and is unaffected.
    Chapter 11 derives it."""
    cost = checks.nonnegative("usd_at_peak", usd_at_peak)
    u = checks.fraction("utilisation", utilisation)
    return cost / u


def _check_mix(prompt, completion):
    n = checks.count("prompt", prompt, minimum=0)
    c = checks.count("completion", completion, minimum=1)
    if np.any((n == 0) & (c < 2)):
        raise ValueError(
            "with prompt 0, completion must be at least 2 (the first token is "
            "one decode step, and at least one more step is needed to price "
            "it); got completion 1"
        )
    return n, c


def self_hosted_cost(
    prompt, completion, batch, utilisation=1.0, batching="static", chunked_prefill=False,
    **deployment,
):  # fmt: skip
    """Price and latency of serving requests of ``prompt`` tokens in and ``completion`` out,
    ``batch`` at a time, on a deployment (keyword arguments of ``inference_math.deployment``,
    e.g. ``scenario="article-2023", gpus=8``), batched statically (a batch of ``batch``
    requests) or continuously (``batch`` requests in flight), as ``estimate`` does
    (``chunked_prefill=None``: chunked where ``estimate`` would chunk, today's default).

    The prefill's forward pass yields the first token, so a completion of C tokens costs the
    prefill plus C - 1 decode steps. Each request pays the deployment-seconds it takes (a
    B-th of a static batch's time; 1 / X under continuous batching), divided by the
    utilisation. Returns a dict of arrays: ``usd_per_request``, ``gpu_seconds`` (of the whole
    deployment, per request), ``ttft_s``, ``tokens_per_s_per_sequence`` (NaN when C = 1:
    there is no decode step), ``fits``. Chapter 11 derives it."""
    n, c = _check_mix(prompt, completion)
    b = checks.count("batch", batch)
    u = checks.fraction("utilisation", utilisation)
    dep = make_deployment(**deployment)
    if chunked_prefill is None:  # as estimate resolves it: the engine's default
        chunked_prefill = chunks_by_default(dep, batching)
    r = estimate(
        dep, batch=b, prompt=n, completion=c - 1, batching=batching,
        chunked_prefill=chunked_prefill,
    )  # fmt: skip
    mode = continuous_batch if batching.strip().lower() == "continuous" else static_batch
    kw = {"chunked_prefill": chunked_prefill} if mode is continuous_batch else {}
    with np.errstate(divide="ignore", invalid="ignore"):  # as estimate: no decode step is
        times = mode(dep, b, n, c - 1, **kw)  # a NaN it does not use
    seconds = times["prompt_gpu_s"] + times["completion_gpu_s"]
    return {
        "usd_per_request": seconds * dep.usd_per_second / u,
        "gpu_seconds": seconds,
        "ttft_s": r["ttft_s"],
        "tokens_per_s_per_sequence": r["tokens_per_s_per_sequence"],
        "fits": r["fits"],
    }


def meets_targets(result: dict, ttft_target_s=None, tokens_per_s_target=None):
    """Where a ``self_hosted_cost`` result fits in memory and meets the targets (None: no
    target). A completion of one token has no decode rate to meet. Chapter 11 uses it."""
    ok = np.asarray(result["fits"], dtype=bool)
    if ttft_target_s is not None:
        ok = ok & (result["ttft_s"] <= checks.positive("ttft_target_s", ttft_target_s))
    if tokens_per_s_target is not None:
        rate = result["tokens_per_s_per_sequence"]
        target = checks.positive("tokens_per_s_target", tokens_per_s_target)
        ok = ok & (np.isnan(rate) | (np.nan_to_num(rate) >= target))
    return ok


def max_feasible_batch(
    prompt,
    completion,
    ttft_target_s=None,
    tokens_per_s_target=None,
    max_batch: int = 4096,
    batching="static",
    chunked_prefill=False,
    **deployment,
):
    """The largest batch, up to ``max_batch``, that fits in memory and meets the targets; 0
    where even one request does not. Vectorised over prompt and completion.

    Every constraint gets harder as the batch grows (the prefill of B prompts takes longer,
    each decode step reads more cache, more cache must fit), so the feasible batches are
    1..B*, and a bisection finds B* in log2(max_batch) steps. The cost per request never rises
    with the batch (the weights are read once for all B), so B* is also the cheapest batch.
    Under continuous batching (``batching``) the same holds: more requests in flight stretch
    every latency and fill more memory. Chapter 11 derives it."""
    n, c = _check_mix(prompt, completion)
    top = int(checks.count("max_batch", max_batch))
    lo = np.zeros(np.broadcast_shapes(n.shape, c.shape), dtype=np.int64)
    hi = np.full_like(lo, top)
    while np.any(lo < hi):
        mid = (lo + hi + 1) // 2
        r = self_hosted_cost(n, c, mid, 1.0, batching, chunked_prefill, **deployment)
        ok = meets_targets(r, ttft_target_s, tokens_per_s_target)
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid - 1)
    return lo


@dataclass(frozen=True)
class WorkloadPrice:
    """A workload priced on one deployment and on one API. Chapter 11 uses it."""

    workload: Workload
    deployment: str
    batch: int  # the cheapest batch that meets the targets; 0: none does
    usd_per_request: float  # inf when no batch meets the targets
    ttft_s: float
    tokens_per_s_per_sequence: float
    api: str
    api_usd_per_request: float
    utilisation: float
    batching: str = "static"

    @property
    def feasible(self) -> bool:
        return self.batch > 0

    @property
    def ratio(self) -> float:
        """Self-hosted cost over the API's: below 1, self-hosting is cheaper."""
        return self.usd_per_request / self.api_usd_per_request


def price_workload(
    workload, api=ARTICLE_API, batches=None, utilisation=1.0, batching="static",
    chunked_prefill=False, **deployment,
) -> WorkloadPrice:  # fmt: skip
    """The cheapest way to serve ``workload`` on a deployment, against ``api``.

    Every batch in ``batches`` (default 1 to 4096) is priced in one call; of those that fit
    and meet the latency targets, the cheapest wins. Past the batch where decoding turns
    compute-bound the cost stops falling, so of equally cheap batches (within one part in a
    billion) the smallest, with the lowest latency, is reported. ``batching`` and
    ``chunked_prefill`` choose how the server batches (``self_hosted_cost``). Chapter 11
    derives it."""
    w = get_workload(workload)
    p: ApiPrice = get_api_price(api)
    b = np.arange(1, 4097) if batches is None else checks.count("batches", batches)
    r = self_hosted_cost(
        w.prompt, w.completion, b, utilisation, batching, chunked_prefill, **deployment
    )
    ok = meets_targets(r, w.ttft_target_s, w.tokens_per_s_target)
    api_usd = float(api_usd_per_request(p, w.prompt, w.completion))
    dep_name = make_deployment(**deployment).label
    u = float(checks.fraction("utilisation", utilisation))
    if not np.any(ok):
        return WorkloadPrice(
            w, dep_name, 0, float("inf"), float("nan"), float("nan"), p.name, api_usd, u,
            batching,
        )  # fmt: skip
    cost = np.where(ok, r["usd_per_request"], np.inf)
    best = int(np.flatnonzero(cost <= cost.min() * (1 + 1e-9))[0])
    return WorkloadPrice(
        w,
        dep_name,
        int(b[best]),
        float(cost[best]),
        float(r["ttft_s"][best]),
        float(r["tokens_per_s_per_sequence"][best]),
        p.name,
        api_usd,
        u,
        batching,
    )


def break_even_completion(
    prompt, usd_per_prompt_token, usd_per_completion_token, api, utilisation=1.0
):
    """Completion tokens at which self-hosting and ``api`` cost the same for a prompt of
    ``prompt`` tokens, given self-hosted prices per token at full utilisation (constant in the
    mix: prefill compute-bound, decode at a fixed batch with short contexts).

    With a = p_in - s_in / u (what each prompt token saves) and b = s_out / u - p_out (what
    each completion token costs extra), self-hosting wins while a N > b C, so below
    C* = a N / b when b > 0; C* is clipped at 0 (self-hosting never wins). Where b <= 0 it is
    inf if a >= 0 (self-hosting always wins) and NaN otherwise (it wins only above a length).
    Chapter 11 derives it."""
    p = get_api_price(api)
    n = checks.count("prompt", prompt, minimum=0)
    s_in = checks.nonnegative("usd_per_prompt_token", usd_per_prompt_token)
    s_out = checks.nonnegative("usd_per_completion_token", usd_per_completion_token)
    u = checks.fraction("utilisation", utilisation)
    a = p.usd_per_1k_input / 1000 - s_in / u
    b = s_out / u - p.usd_per_1k_output / 1000
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(
            b > 0,
            np.maximum(a * n / np.where(b > 0, b, 1.0), 0.0),
            np.where(a >= 0, np.inf, np.nan),
        )
    return c
