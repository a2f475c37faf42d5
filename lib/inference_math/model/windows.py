"""Sliding windows and attention chunks: which layers attend to how many tokens (chapter 3).
A layer with a window attends to, and caches, the last ``window`` tokens at most; these
functions average that over the layers, for one token at a context and for a causal
prefill, and invert it.

A chunked layer (Llama 4) attends to the tokens of its own chunk only: token t of a
sequence sees the t mod C earlier tokens of its chunk and itself. For one token at a
context, and for what a layer caches, the chunk is counted as a window of C tokens: the
upper bound, reached at the chunk's last token (a server that frees a chunk's cache once
the next begins holds less). A causal prefill's attention is counted exactly: each whole
chunk of C tokens attends C(C + 1)/2 times, and the last, partial one r(r + 1)/2.
"""

from __future__ import annotations

import numpy as np

from . import architecture
from ..core.checks import nonnegative
from .catalog import get_model
from .spec import Model


def window_groups(m: Model) -> tuple[int, list[tuple[int, int]]]:
    """A model's layers by window (chapter 3): (layers without one, [(window, layers with
    it), ...] in increasing window)."""
    counts: dict[int, int] = {}
    for w in m.layer_windows:
        if w is not None:
            counts[w] = counts.get(w, 0) + 1
    return m.n_layers - sum(counts.values()), sorted(counts.items())


def attended_tokens(model, context):
    """Tokens a token attends to and reads from the cache at ``context``, averaged over the
    layers (chapter 3): the context itself under full attention; a sliding-window layer
    stops at its window, so Mistral-7B-v0.1 attends to min(context, 4096) and Gemma-2,
    whose every other layer slides over 4096 tokens, to (context + min(context, 4096)) / 2.
    Times ``kv_bytes_per_token`` it is a sequence's cache; times the attention FLOPs per
    cached token, a token's attention FLOPs."""
    m = get_model(model)
    c = nonnegative("context", context)
    if not m.has_windows:
        return c
    return layer_tokens(m, c) / m.n_layers


def layer_tokens(m: Model, c):
    """The sum over layers of min(c, the layer's window): whole numbers stay exact."""
    full, groups = window_groups(m)
    total = full * c
    for window, layers in groups:
        total = total + layers * np.minimum(c, window)
    return total


def context_for_attended_tokens(model, attended):
    """The context at which a token attends to ``attended`` tokens on average over layers,
    the inverse of ``attended_tokens`` (chapter 3); infinite where the windows cap it below
    that, as every layer of Mistral-7B-v0.1 does beyond 4096."""
    m = get_model(model)
    e = nonnegative("attended", attended)
    if not m.has_windows:
        return e
    full, groups = window_groups(m)
    out = np.full(np.shape(e), np.inf)
    # Between two windows, the attended tokens grow as (open layers x context + the windows of
    # the closed layers) / L; each segment inverts that line, the first one exactly.
    low, closed, open_ = 0, 0, m.n_layers
    for window, layers in [*groups, (np.inf, 0)]:
        if not open_:  # every layer is capped: the largest window is reached, never passed
            return np.where(np.isinf(out) & (e * m.n_layers <= closed), low, out)
        ctx = e if not closed else (e * m.n_layers - closed) / open_
        out = np.where(np.isinf(out) & (ctx <= window), ctx, out)
        low, closed, open_ = window, closed + layers * window, open_ - layers
    return out


def prefill_attended_tokens(model, prompt):
    """Cached tokens the tokens of a causal prefill of ``prompt`` tokens attend to, in all,
    averaged over layers (chapter 5): token i attends to i tokens, and the sum of i from 1
    to N is N(N+1)/2; a layer with window w stops at w, so it sums w(w+1)/2 + (N - w) w."""
    m = get_model(model)
    n = nonnegative("prompt", prompt)
    if not m.has_windows:
        return n * (n + 1) / 2
    total = 0.0
    for (window, chunk), layers in _caps(m).items():
        if chunk is not None and (window is None or window >= chunk):  # the chunk binds
            whole, rest = np.floor(n / chunk), n - np.floor(n / chunk) * chunk
            total = total + layers * (whole * chunk * (chunk + 1) / 2 + rest * (rest + 1) / 2)
        elif window is None:
            total = total + layers * n * (n + 1) / 2
        else:
            capped = np.minimum(n, window)
            total = total + layers * (capped * (capped + 1) / 2 + (n - capped) * window)
    return total / m.n_layers


def _caps(m: Model) -> dict:
    """Layers by (sliding window, chunk), None where a layer has no such cap."""
    out: dict = {}
    for cap in zip(architecture.layer_sliding(m), m.layer_chunks):
        out[cap] = out.get(cap, 0) + 1
    return out
