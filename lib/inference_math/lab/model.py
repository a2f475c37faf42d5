"""A Llama in numpy (chapter 7).

One readable file in the spirit of nanoGPT's ``model.py`` (Karpathy 2022): a Llama-architecture
decoder (RMSNorm, rotary position embeddings, grouped-query attention with a KV cache, a SwiGLU
feed-forward network, an untied LM head) with random weights from a fixed seed, so nothing is
downloaded. Its configuration is the library's own ``Model``, so the lab model and the formulas
describe the same thing, and the tests hold them to it exactly: the parameter count, the KV
cache's bytes and an instrumented count of the matrix-product FLOPs all equal the library's.

Shapes: B sequences, T new tokens, S tokens in the cache, d model width, H query heads, K
key/value heads, G = H / K query heads per KV head, d_h head dimension.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

import numpy as np

from ..model.formats import dtype_name
from ..model.spec import Model
from ..model.catalog import get_model

# Llama-2's Hugging Face config: rope_theta 10000.0, rms_norm_eps 1e-05.
ROPE_THETA = 10000.0
RMS_EPS = 1e-5
# Numbers the lab can hold, in the library's dtype names. numpy has no bfloat16.
NUMPY_DTYPES = {"fp32": np.float32, "fp16": np.float16}

_LAB_SOURCE = "random-weight lab configuration of this book (Llama-2 layout, smaller sizes)"
# fmt: off
LAB_CONFIGS: dict[str, Model] = {m.name: m for m in [
    # For the tests: every code path, in milliseconds.
    Model("lab-tiny", 2, 64, 4, 2, 16, 176, 256, 128, source=_LAB_SOURCE, date="2026-01"),
    # The chapter's default: about 0.6 GB of float32 weights, about 0.5 GB of them read per
    # decode step, well above the 200 MB floor and above the last-level cache of most CPUs.
    Model("lab-156m", 8, 1024, 16, 4, 64, 2816, 32000, 2048, source=_LAB_SOURCE,
          date="2026-01"),
    # WTC_LAB_SIZE=large: TinyLlama-1.1B's width and feed-forward width, eight layers, about
    # 2 GB of float32 weights.
    Model("lab-492m", 8, 2048, 16, 4, 128, 5632, 32000, 4096, source=_LAB_SOURCE,
          date="2026-01"),
]}
# fmt: on
LAB_SIZES = {"tiny": "lab-tiny", "default": "lab-156m", "large": "lab-492m"}


def lab_config(size: str | None = None) -> Model:
    """The lab's configuration for ``size`` (tiny, default, large); without one, the
    environment variable ``WTC_LAB_SIZE`` chooses, and ``default`` when it is unset.
    Chapter 7 uses it."""
    size = size or os.environ.get("WTC_LAB_SIZE", "default") or "default"
    if size not in LAB_SIZES:
        raise ValueError(f"unknown lab size {size!r}; allowed: {', '.join(LAB_SIZES)}")
    return LAB_CONFIGS[LAB_SIZES[size]]


# ----- counting matrix-product FLOPs -------------------------------------------------------


@dataclass
class FlopCounter:
    """Matrix-product FLOPs by name: 2 per multiply-add, as the library counts them.
    Chapter 7 uses it."""

    by_name: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, flops: int) -> None:
        self.by_name[name] = self.by_name.get(name, 0) + int(flops)

    @property
    def total(self) -> int:
        return sum(self.by_name.values())


def linear(x: np.ndarray, w: np.ndarray, counter: FlopCounter | None, name: str) -> np.ndarray:
    """x (..., n_in) times a weight stored (n_out, n_in), as PyTorch and Hugging Face store
    it. The product is computed as (W x^T)^T: for a skinny x (a decode step's few rows) that
    was the fastest orientation through OpenBLAS of those we measured, and the FLOPs are the
    same in every orientation: 2 x rows x n_in x n_out. Chapter 7 uses it."""
    rows = x.reshape(-1, x.shape[-1])
    out = (w @ rows.T).T
    if counter is not None:
        counter.add(name, 2 * rows.shape[0] * w.shape[0] * w.shape[1])
    return out.reshape(*x.shape[:-1], w.shape[0])


# ----- the pieces of a Llama --------------------------------------------------------------


def rms_norm(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Divide by the root mean square over the features, then scale (Zhang and Sennrich).
    Chapter 7 uses it."""
    ms = np.mean(np.square(x, dtype=np.float32), axis=-1, keepdims=True)
    return (x / np.sqrt(ms + RMS_EPS)).astype(x.dtype) * scale


def rope_tables(positions: int, head_dim: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of position x frequency, (positions, head_dim / 2), computed in float64.
    Chapter 7 uses it."""
    inv_freq = ROPE_THETA ** (-np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    angles = np.outer(np.arange(positions, dtype=np.float64), inv_freq)
    return np.cos(angles).astype(dtype), np.sin(angles).astype(dtype)


def apply_rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """Rotate pairs of features by a position-dependent angle (Su et al.), in Hugging Face's
    "rotate half" layout: feature i pairs with feature i + d_h/2. x is (B, T, heads, d_h);
    cos and sin are (T, d_h/2) for the T positions of x. Chapter 7 uses it."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    c, s = cos[:, None, :], sin[:, None, :]
    return np.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], axis=-1)


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by its maximum so exp cannot overflow (chapter 7)."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def silu(x: np.ndarray) -> np.ndarray:
    """x sigmoid(x), the SwiGLU gate's activation (chapter 7)."""
    return x / (1 + np.exp(-x))


# ----- the KV cache --------------------------------------------------------------------------


class KVCache:
    """Keys and values of every layer for ``batch`` sequences, preallocated for ``capacity``
    tokens (an engine allocates ahead too; growing by concatenation would copy the whole cache
    every step). All sequences of a batch hold the same number of tokens, ``length``.

    ``nbytes`` counts the tokens held, which is what the library's formula counts:
    B x length x kv_bytes_per_token, where kv_bytes_per_token is 2 x L x K x d_h x bytes.
    ``allocated_nbytes`` is the whole buffer. Chapter 7 uses it."""

    def __init__(self, config: Model, batch: int, capacity: int, dtype: str = "fp32"):
        m = get_model(config)
        if batch < 1 or capacity < 1:
            raise ValueError(f"batch and capacity must be positive, got {batch} and {capacity}")
        shape = (m.n_layers, batch, m.n_kv_heads, capacity, m.head_dim)
        self.k = np.zeros(shape, dtype=_numpy_dtype(dtype))
        self.v = np.zeros(shape, dtype=_numpy_dtype(dtype))
        self.dtype = dtype
        self.length = 0

    @property
    def batch(self) -> int:
        return self.k.shape[1]

    @property
    def capacity(self) -> int:
        return self.k.shape[3]

    @property
    def nbytes(self) -> int:
        n = self.length
        return self.k[:, :, :, :n].nbytes + self.v[:, :, :, :n].nbytes

    @property
    def allocated_nbytes(self) -> int:
        return self.k.nbytes + self.v.nbytes

    def store(self, layer: int, start: int, k: np.ndarray, v: np.ndarray) -> None:
        """Write a layer's keys and values, (B, T, K, d_h), at positions start..start+T-1."""
        t = k.shape[1]
        if start + t > self.capacity:
            raise ValueError(
                f"the cache holds {self.capacity} tokens; cannot write up to position {start + t}"
            )
        self.k[layer, :, :, start : start + t] = k.transpose(0, 2, 1, 3)
        self.v[layer, :, :, start : start + t] = v.transpose(0, 2, 1, 3)

    def view(self, layer: int, length: int) -> tuple[np.ndarray, np.ndarray]:
        """A layer's first ``length`` keys and values, (B, K, length, d_h), without a copy."""
        return self.k[layer, :, :, :length], self.v[layer, :, :, :length]

    def truncate(self, length: int) -> None:
        """Forget tokens after ``length`` (to time the same decode step again)."""
        if not 0 <= length <= self.length:
            raise ValueError(f"length must be between 0 and {self.length}, got {length}")
        self.length = length

    def first(self, batch: int) -> "KVCache":
        """The first ``batch`` sequences, sharing this cache's memory (no copy): one cache
        sized for the largest batch serves every smaller one."""
        if not 1 <= batch <= self.batch:
            raise ValueError(f"batch must be between 1 and {self.batch}, got {batch}")
        view = object.__new__(KVCache)
        view.k, view.v = self.k[:, :batch], self.v[:, :batch]
        view.dtype, view.length = self.dtype, self.length
        return view


def _numpy_dtype(dtype: str):
    name = dtype_name(dtype)  # a name the library does not know fails there, with the list
    if name not in NUMPY_DTYPES:
        raise ValueError(f"the numpy lab holds {', '.join(NUMPY_DTYPES)} only, got {dtype!r}")
    return NUMPY_DTYPES[name]


# ----- the model ---------------------------------------------------------------------------


@dataclass
class Layer:
    """One decoder layer's weights, shaped as the products use them (chapter 7)."""

    attn_norm: np.ndarray  # (d,)
    wq: np.ndarray  # (H d_h, d)
    wk: np.ndarray  # (K d_h, d)
    wv: np.ndarray  # (K d_h, d)
    wo: np.ndarray  # (d, H d_h)
    ffn_norm: np.ndarray  # (d,)
    w_gate: np.ndarray  # (d_ff, d)
    w_up: np.ndarray  # (d_ff, d)
    w_down: np.ndarray  # (d, d_ff)


@dataclass
class Llama:
    """A Llama-architecture decoder with the weights of one ``Model`` configuration.
    Chapter 7 uses it."""

    config: Model
    dtype: str
    embedding: np.ndarray  # (V, d)
    layers: list[Layer]
    final_norm: np.ndarray  # (d,)
    lm_head: np.ndarray  # (V, d); the embedding itself when the configuration ties them
    cos: np.ndarray
    sin: np.ndarray

    @classmethod
    def random(cls, config, seed: int = 0, dtype: str = "fp32") -> "Llama":
        """Random weights from a fixed seed with Llama's initializer scale (standard deviation
        0.02), norm scales of one. They are drawn uniform, which is about five times faster
        than normal and changes no product's time. The configuration must describe a dense
        Llama: gated feed-forward, RMSNorm, rotary positions, no biases."""
        m = get_model(config)
        problems = [
            f"{name}={getattr(m, name)!r} (the lab needs {want!r})"
            for name, want in (
                ("gated_ffn", True),
                ("norm", "rmsnorm"),
                ("attention_bias", False),
                ("mlp_bias", False),
                ("learned_positions", False),
                ("n_experts", 1),
            )
            if getattr(m, name) != want
        ]
        if m.n_heads % m.n_kv_heads:
            problems.append(f"n_heads={m.n_heads} is not a multiple of n_kv_heads={m.n_kv_heads}")
        if m.head_dim % 2:
            problems.append(f"head_dim={m.head_dim} is odd (rotary embeddings pair features)")
        if problems:
            raise ValueError(f"{m.name}: not a dense Llama: " + "; ".join(problems))
        np_dtype = _numpy_dtype(dtype)
        rng = np.random.default_rng(seed)

        def draw(*shape):  # uniform on [-a, a] has standard deviation a / sqrt(3)
            w = rng.random(shape, dtype=np.float32)
            w -= 0.5
            w *= 2 * 0.02 * np.sqrt(3)
            return w.astype(np_dtype, copy=False)

        d, q_out, kv_out = m.d_model, m.n_heads * m.head_dim, m.n_kv_heads * m.head_dim
        ones = lambda: np.ones(d, dtype=np_dtype)  # noqa: E731
        layers = [
            Layer(
                ones(),
                draw(q_out, d),
                draw(kv_out, d),
                draw(kv_out, d),
                draw(d, q_out),
                ones(),
                draw(m.d_ff, d),
                draw(m.d_ff, d),
                draw(d, m.d_ff),
            )
            for _ in range(m.n_layers)
        ]
        embedding = draw(m.vocab_size, d)
        lm_head = embedding if m.tied_embeddings else draw(m.vocab_size, d)
        cos, sin = rope_tables(m.max_context, m.head_dim, np_dtype)
        return cls(m, dtype, embedding, layers, ones(), lm_head, cos, sin)

    # -- what the model holds --
    def arrays(self) -> list[np.ndarray]:
        """Every distinct weight array (a tied LM head is the embedding, counted once)."""
        out = [self.embedding]
        for layer in self.layers:
            out += [getattr(layer, f.name) for f in dataclasses.fields(Layer)]
        out.append(self.final_norm)
        if self.lm_head is not self.embedding:
            out.append(self.lm_head)
        return out

    @property
    def n_params(self) -> int:
        return sum(a.size for a in self.arrays())

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays())

    def new_cache(self, batch: int, capacity: int | None = None) -> KVCache:
        return KVCache(self.config, batch, capacity or self.config.max_context, self.dtype)

    # -- the forward pass --
    def forward(
        self, tokens, cache: KVCache | None = None, counter: FlopCounter | None = None
    ) -> np.ndarray:
        """Logits (B, T, V) for token ids (B, T) that follow the ``cache.length`` tokens
        already in ``cache`` (none without a cache). Appends the new keys and values."""
        tokens = np.asarray(tokens)
        if tokens.ndim != 2:
            raise ValueError(f"tokens must be (batch, tokens), got shape {tokens.shape}")
        b, t = tokens.shape
        if cache is None:
            cache = self.new_cache(b, t)
        if cache.batch != b:
            raise ValueError(f"the cache holds {cache.batch} sequences, tokens have {b}")
        start = cache.length
        if start + t > self.config.max_context:
            raise ValueError(
                f"positions up to {start + t} exceed the context of {self.config.max_context}"
            )
        cos, sin = self.cos[start : start + t], self.sin[start : start + t]
        x = self.embedding[tokens]  # a lookup: B rows of the table, no FLOPs
        for i, layer in enumerate(self.layers):
            x = x + self.attention(
                i, layer, rms_norm(x, layer.attn_norm), cache, start, cos, sin, counter
            )
            x = x + self.feed_forward(layer, rms_norm(x, layer.ffn_norm), counter)
        cache.length = start + t
        return linear(rms_norm(x, self.final_norm), self.lm_head, counter, "lm_head")

    def attention(self, i, layer, x, cache, start, cos, sin, counter) -> np.ndarray:
        m = self.config
        b, t, _ = x.shape
        kh, g, dh = m.n_kv_heads, m.n_heads // m.n_kv_heads, m.head_dim
        q = linear(x, layer.wq, counter, "q").reshape(b, t, m.n_heads, dh)
        k = linear(x, layer.wk, counter, "k").reshape(b, t, kh, dh)
        v = linear(x, layer.wv, counter, "v").reshape(b, t, kh, dh)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        cache.store(i, start, k, v)
        keys, values = cache.view(i, start + t)  # (B, K, S, d_h)
        s = start + t
        # Grouped-query attention: query head h reads KV head h // G. Put the G query heads
        # of a KV head and their T positions on one axis, so one batched product serves them.
        q = q.reshape(b, t, kh, g, dh).transpose(0, 2, 3, 1, 4).reshape(b, kh, g * t, dh)
        scores = (q @ keys.transpose(0, 1, 3, 2)) * np.asarray(1 / np.sqrt(dh), x.dtype)
        if t > 1:  # causal: position start + j sees keys 0..start + j
            visible = np.arange(s)[None, :] <= start + np.arange(t)[:, None]  # (T, S)
            scores = np.where(np.tile(visible, (g, 1)), scores, -np.inf)
        out = softmax(scores) @ values  # (B, K, G T, d_h)
        out = out.reshape(b, kh, g, t, dh).transpose(0, 3, 1, 2, 4).reshape(b, t, -1)
        if counter is not None:
            # Count the useful products only: position start + j attends to start + j + 1
            # keys, so the T new tokens see T start + T (T + 1) / 2 (query, key) pairs. The
            # masked half of a prefill's score matrix is computed above and thrown away;
            # kernels such as FlashAttention skip masked blocks, and the library counts causal
            # attention, 2 L H d_h N (N + 1) for a prefill of N tokens.
            pairs = t * start + t * (t + 1) // 2
            counter.add("attention", 2 * 2 * b * m.n_heads * dh * pairs)  # Q K^T, then P V
        return linear(out, layer.wo, counter, "o")

    def feed_forward(self, layer, x, counter) -> np.ndarray:
        gate = linear(x, layer.w_gate, counter, "gate")
        up = linear(x, layer.w_up, counter, "up")
        return linear(silu(gate) * up, layer.w_down, counter, "down")

    # -- the two phases of serving --
    def prefill(self, tokens, cache: KVCache, counter: FlopCounter | None = None):
        """Process whole prompts (B, N) at once; logits for every position, as the library
        counts the LM head for every token."""
        return self.forward(tokens, cache, counter)

    def decode_step(self, tokens, cache: KVCache, counter: FlopCounter | None = None):
        """One new token per sequence, (B,): logits (B, V). At context N (the cache held N - 1
        tokens) every sequence attends to N keys, its own included."""
        return self.forward(np.asarray(tokens).reshape(-1, 1), cache, counter)[:, 0]

    def generate(self, prompt, steps: int) -> np.ndarray:
        """Greedy decoding, (B, steps) new token ids: a prefill, then one step per token."""
        prompt = np.asarray(prompt)
        cache = self.new_cache(prompt.shape[0], prompt.shape[1] + steps)
        nxt = self.prefill(prompt, cache)[:, -1].argmax(-1)
        out = [nxt]
        for _ in range(steps - 1):
            nxt = self.decode_step(nxt, cache).argmax(-1)
            out.append(nxt)
        return np.stack(out, axis=1)
