"""A Llama in numpy, and the two ceilings of this machine's roofline.

One readable file in the spirit of nanoGPT's ``model.py`` (Karpathy 2022): a Llama-architecture
decoder (RMSNorm, rotary position embeddings, grouped-query attention with a KV cache, a SwiGLU
feed-forward network, an untied LM head) with random weights from a fixed seed, so nothing is
downloaded. Its configuration is the library's own ``Model``, so the lab model and the formulas
describe the same thing, and the tests hold them to it exactly: the parameter count, the KV
cache's bytes and an instrumented count of the matrix-product FLOPs all equal the library's.

The second half measures what the formulas need from a machine (the achieved memory bandwidth
and float32 matrix-product rate), times prefill and decode, and builds the library's roofline
for "this CPU" from the measured ceilings, so a reader can check the primer's claims on a
laptop (chapter 7 and benchmarks/cpu_roofline.py).

Shapes: B sequences, T new tokens, S tokens in the cache, d model width, H query heads, K
key/value heads, G = H / K query heads per KV head, d_h head dimension.
"""

from __future__ import annotations

import ctypes
import dataclasses
import glob
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .formulas import dtype_name
from .gpus import GPU
from .models import Model, get_model
from .serving import Deployment, decode_step_time, deployment, matmul_rate, prefill_time

# Llama-2's Hugging Face config: rope_theta 10000.0, rms_norm_eps 1e-05.
ROPE_THETA = 10000.0
RMS_EPS = 1e-5
# Numbers the lab can hold, in the library's dtype names. numpy has no bfloat16.
NUMPY_DTYPES = {"fp32": np.float32, "fp16": np.float16}

_LAB_SOURCE = "random-weight lab configuration of this book (Llama-2 layout, smaller sizes)"
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
LAB_SIZES = {"tiny": "lab-tiny", "default": "lab-156m", "large": "lab-492m"}


def lab_config(size: str | None = None) -> Model:
    """The lab's configuration for ``size`` (tiny, default, large); without one, the
    environment variable ``WTC_LAB_SIZE`` chooses, and ``default`` when it is unset."""
    size = size or os.environ.get("WTC_LAB_SIZE", "default") or "default"
    if size not in LAB_SIZES:
        raise ValueError(f"unknown lab size {size!r}; allowed: {', '.join(LAB_SIZES)}")
    return LAB_CONFIGS[LAB_SIZES[size]]


# ----- counting matrix-product FLOPs -------------------------------------------------------

@dataclass
class FlopCounter:
    """Matrix-product FLOPs by name: 2 per multiply-add, as the library counts them."""
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
    same in every orientation: 2 x rows x n_in x n_out."""
    rows = x.reshape(-1, x.shape[-1])
    out = (w @ rows.T).T
    if counter is not None:
        counter.add(name, 2 * rows.shape[0] * w.shape[0] * w.shape[1])
    return out.reshape(*x.shape[:-1], w.shape[0])


# ----- the pieces of a Llama --------------------------------------------------------------

def rms_norm(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Divide by the root mean square over the features, then scale (Zhang and Sennrich)."""
    ms = np.mean(np.square(x, dtype=np.float32), axis=-1, keepdims=True)
    return (x / np.sqrt(ms + RMS_EPS)).astype(x.dtype) * scale


def rope_tables(positions: int, head_dim: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of position x frequency, (positions, head_dim / 2), computed in float64."""
    inv_freq = ROPE_THETA ** (-np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    angles = np.outer(np.arange(positions, dtype=np.float64), inv_freq)
    return np.cos(angles).astype(dtype), np.sin(angles).astype(dtype)


def apply_rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """Rotate pairs of features by a position-dependent angle (Su et al.), in Hugging Face's
    "rotate half" layout: feature i pairs with feature i + d_h/2. x is (B, T, heads, d_h);
    cos and sin are (T, d_h/2) for the T positions of x."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    c, s = cos[:, None, :], sin[:, None, :]
    return np.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], axis=-1)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1 + np.exp(-x))


# ----- the KV cache --------------------------------------------------------------------------

class KVCache:
    """Keys and values of every layer for ``batch`` sequences, preallocated for ``capacity``
    tokens (an engine allocates ahead too; growing by concatenation would copy the whole cache
    every step). All sequences of a batch hold the same number of tokens, ``length``.

    ``nbytes`` counts the tokens held, which is what the library's formula counts:
    B x length x kv_bytes_per_token, where kv_bytes_per_token is 2 x L x K x d_h x bytes.
    ``allocated_nbytes`` is the whole buffer."""

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
            raise ValueError(f"the cache holds {self.capacity} tokens; cannot write up to "
                             f"position {start + t}")
        self.k[layer, :, :, start:start + t] = k.transpose(0, 2, 1, 3)
        self.v[layer, :, :, start:start + t] = v.transpose(0, 2, 1, 3)

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
    attn_norm: np.ndarray   # (d,)
    wq: np.ndarray          # (H d_h, d)
    wk: np.ndarray          # (K d_h, d)
    wv: np.ndarray          # (K d_h, d)
    wo: np.ndarray          # (d, H d_h)
    ffn_norm: np.ndarray    # (d,)
    w_gate: np.ndarray      # (d_ff, d)
    w_up: np.ndarray        # (d_ff, d)
    w_down: np.ndarray      # (d, d_ff)


@dataclass
class Llama:
    """A Llama-architecture decoder with the weights of one ``Model`` configuration."""
    config: Model
    dtype: str
    embedding: np.ndarray   # (V, d)
    layers: list[Layer]
    final_norm: np.ndarray  # (d,)
    lm_head: np.ndarray     # (V, d); the embedding itself when the configuration ties them
    cos: np.ndarray
    sin: np.ndarray

    @classmethod
    def random(cls, config, seed: int = 0, dtype: str = "fp32") -> "Llama":
        """Random weights from a fixed seed with Llama's initializer scale (standard deviation
        0.02), norm scales of one. They are drawn uniform, which is about five times faster
        than normal and changes no product's time. The configuration must describe a dense
        Llama: gated feed-forward, RMSNorm, rotary positions, no biases."""
        m = get_model(config)
        problems = [f"{name}={getattr(m, name)!r} (the lab needs {want!r})"
                    for name, want in (("gated_ffn", True), ("norm", "rmsnorm"),
                                       ("attention_bias", False), ("mlp_bias", False),
                                       ("learned_positions", False), ("n_experts", 1))
                    if getattr(m, name) != want]
        if m.n_heads % m.n_kv_heads:
            problems.append(f"n_heads={m.n_heads} is not a multiple of "
                            f"n_kv_heads={m.n_kv_heads}")
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
        layers = [Layer(ones(), draw(q_out, d), draw(kv_out, d), draw(kv_out, d),
                        draw(d, q_out), ones(), draw(m.d_ff, d), draw(m.d_ff, d),
                        draw(d, m.d_ff)) for _ in range(m.n_layers)]
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
    def forward(self, tokens, cache: KVCache | None = None,
                counter: FlopCounter | None = None) -> np.ndarray:
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
            raise ValueError(f"positions up to {start + t} exceed the context of "
                             f"{self.config.max_context}")
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]
        x = self.embedding[tokens]  # a lookup: B rows of the table, no FLOPs
        for i, layer in enumerate(self.layers):
            x = x + self.attention(i, layer, rms_norm(x, layer.attn_norm), cache, start, cos,
                                   sin, counter)
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
        keys, values = cache.view(i, start + t)              # (B, K, S, d_h)
        s = start + t
        # Grouped-query attention: query head h reads KV head h // G. Put the G query heads
        # of a KV head and their T positions on one axis, so one batched product serves them.
        q = q.reshape(b, t, kh, g, dh).transpose(0, 2, 3, 1, 4).reshape(b, kh, g * t, dh)
        scores = (q @ keys.transpose(0, 1, 3, 2)) * np.asarray(1 / np.sqrt(dh), x.dtype)
        if t > 1:  # causal: position start + j sees keys 0..start + j
            visible = np.arange(s)[None, :] <= start + np.arange(t)[:, None]     # (T, S)
            scores = np.where(np.tile(visible, (g, 1)), scores, -np.inf)
        out = softmax(scores) @ values                       # (B, K, G T, d_h)
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


def fill_cache(model: Llama, batch: int, tokens: int, seed: int = 0,
               capacity: int | None = None) -> KVCache:
    """A cache holding ``tokens`` tokens of random keys and values for ``batch`` sequences.
    A decode step's time does not depend on what the cache holds, only on how much, so timing
    a large batch need not pay for its prefill."""
    cache = model.new_cache(batch, capacity or tokens + 1)
    rng = np.random.default_rng(seed)
    for arr in (cache.k, cache.v):
        arr[:, :, :, :tokens] = rng.random(arr[:, :, :, :tokens].shape, dtype=np.float32)
    cache.length = tokens
    return cache


# ----- this machine's ceilings ---------------------------------------------------------------

@dataclass(frozen=True)
class Measurement:
    """A rate measured as the median over repeats (robust to a neighbour's burst of work)."""
    value: float             # the median rate
    samples: tuple           # every repeat's rate, to show the spread
    unit: str
    how: str

    @property
    def spread(self) -> float:
        """Largest over smallest sample: near 1 on a quiet machine."""
        return max(self.samples) / min(self.samples)


def seconds(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def last_level_cache_bytes() -> int | None:
    """The largest CPU cache Linux reports (sysfs), or None elsewhere."""
    sizes = []
    for path in glob.glob("/sys/devices/system/cpu/cpu0/cache/index*/size"):
        try:
            text = open(path, encoding="ascii").read().strip()
        except OSError:
            continue
        scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
        digits = text.rstrip("KMG")
        if digits.isdigit():
            sizes.append(int(digits) * scale)
    return max(sizes) if sizes else None


def bandwidth_probe(nbytes: float | None = None) -> tuple[Callable[[], object], int]:
    """(a function that reads ``nbytes`` once, the bytes it reads). The read is a float32
    matrix times a vector: it streams the matrix once through the BLAS, on the threads the
    BLAS is allowed, at 2 FLOPs per 4 bytes, far below any CPU's ridge point, so its time is
    the time to read. By default the matrix is a GiB or four times the last-level cache,
    whichever is larger, so that it comes from memory, not from a cache."""
    a = probe_matrix(nbytes)
    x = np.ones(a.shape[1], dtype=np.float32)
    return (lambda: a @ x), a.nbytes


def probe_matrix(nbytes: float | None = None) -> np.ndarray:
    """A float32 matrix of 4,096 columns and about ``nbytes`` (default: a GiB or four times
    the last-level cache, whichever is larger)."""
    if nbytes is None:
        nbytes = max(2**30, 4 * (last_level_cache_bytes() or 0))
    cols = 4096
    return np.ones((max(1, int(nbytes) // (4 * cols)), cols), dtype=np.float32)


def matmul_probe(n: int = 2048) -> tuple[Callable[[], object], int]:
    """(a function that multiplies two float32 n x n matrices, its 2 n^3 FLOPs): large enough
    that the BLAS runs at its best."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    return (lambda: a @ b), 2 * n**3


def _measure(probe, unit: str, how: str, repeats: int) -> Measurement:
    fn, amount = probe
    fn()  # warm-up
    rates = tuple(amount / seconds(fn) for _ in range(repeats))
    return Measurement(statistics.median(rates), rates, unit, how)


def measure_bandwidth(nbytes: float | None = None, repeats: int = 7) -> Measurement:
    """Achieved read bandwidth, bytes/s: the median of ``repeats`` reads (``bandwidth_probe``)."""
    fn, n = bandwidth_probe(nbytes)
    return _measure((fn, n), "bytes/s",
                    f"float32 matrix-vector product over {n / 2**30:.2f} GiB", repeats)


def measure_matmul_flops(n: int = 2048, repeats: int = 7) -> Measurement:
    """Achieved float32 matrix-product rate, FLOP/s: the median of ``repeats`` products."""
    return _measure(matmul_probe(n), "FLOP/s", f"float32 {n} x {n} matrix product", repeats)


# ----- the BLAS and its threads --------------------------------------------------------------

def _openblas():
    """numpy's bundled OpenBLAS through ctypes, or None (another BLAS, or not found)."""
    here = os.path.dirname(np.__file__)
    for path in glob.glob(os.path.join(here, os.pardir, "numpy.libs", "*openblas*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                if getattr(lib, f"{prefix}_get_num_threads{suffix}", None) is not None:
                    return lib, prefix, suffix
    return None


def _blas_call(name: str, restype=ctypes.c_int):
    found = _openblas()
    if not found:
        return None
    lib, prefix, suffix = found
    fn = getattr(lib, f"{prefix}_{name}{suffix}", None)
    if fn is not None:
        fn.restype = restype
    return fn


def set_blas_threads(threads: int) -> int | None:
    """Let numpy's OpenBLAS use ``threads`` threads; returns the previous count, or None (and
    changes nothing) when the BLAS is not numpy's own OpenBLAS."""
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    get, put = _blas_call("get_num_threads"), _blas_call("set_num_threads", None)
    if get is None or put is None:
        return None
    before = int(get())
    put(ctypes.c_int(int(threads)))
    return before


def lab_threads() -> int:
    """BLAS threads for the lab's measurements: ``WTC_LAB_THREADS`` (``all`` for every CPU),
    one when it is unset. One thread is the robust default: a BLAS that splits each product
    over threads waits for the slowest, and on a shared machine that is whichever thread the
    operating system has just put to sleep, so small products can take many times longer."""
    text = os.environ.get("WTC_LAB_THREADS", "1").strip().lower() or "1"
    if text in ("all", "0"):
        return os.cpu_count() or 1
    if not text.isdigit():
        raise ValueError(f"WTC_LAB_THREADS must be a positive integer or 'all', got {text!r}")
    return int(text)


def blas_info() -> dict:
    """The BLAS numpy multiplies with and its thread count, for the record of a measurement.
    Read from numpy's build configuration and, for numpy's own OpenBLAS, from the library
    itself (threadpoolctl would do the same, but the book does not depend on it)."""
    info = {"numpy": np.__version__, "blas": "unknown", "version": "", "core": "",
            "threads": None, "cpus": os.cpu_count()}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"], info["version"] = blas.get("name", "unknown"), blas.get("version", "")
    except Exception:  # numpy < 1.26 has no mode="dicts"; the rest still helps
        pass
    get, core = _blas_call("get_num_threads"), _blas_call("get_corename", ctypes.c_char_p)
    if get is not None:
        info["threads"] = int(get())
    if core is not None:
        info["core"] = core().decode()
    return info


def describe_blas(info: dict | None = None) -> str:
    i = info or blas_info()
    threads = f"{i['threads']} thread{'s' * (i['threads'] != 1)}" if i["threads"] \
        else "threads unknown"
    core = f" ({i['core']} kernels)" if i["core"] else ""
    return f"{i['blas']} {i['version']}{core}, {threads}, numpy {i['numpy']}"


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages (runnable processes), or None where unknown."""
    try:
        return os.getloadavg()
    except OSError:
        return None


# ----- the library's roofline for this CPU -------------------------------------------------

def measured_gpu(flops: float, bandwidth: float, dtype: str = "fp32",
                 memory_bytes: float = 0.0, name: str = "this-cpu") -> GPU:
    """A machine as the library's ``GPU`` record holding its measured ceilings: ``flops``, the
    matrix-product rate measured in ``dtype``, and ``bandwidth``, the read rate in bytes/s.

    The library reads an fp32 product at half a GPU's bf16 tensor rate (TF32), so for fp32 the
    record's ``bf16_flops`` is twice the measured rate; either way ``matmul_rate(gpu, dtype)``
    is exactly the measured rate. numpy has no bfloat16 product, so on a CPU that field means
    nothing else."""
    scale = {"fp32": 2.0, "bf16": 1.0, "fp16": 1.0}
    if dtype not in scale:
        raise ValueError(f"measured ceilings are for {', '.join(scale)} products, got {dtype!r}")
    gpu = GPU(name, bf16_flops=scale[dtype] * flops, int8_ops=None, fp8_flops=None,
              memory_label="as measured", memory_bytes=float(memory_bytes),
              bandwidth_bytes_per_s=float(bandwidth), interconnect="none",
              interconnect_bytes_per_s=None, usd_per_hour=0.0,
              price_source="a machine you already own", price_date="",
              source="measured ceilings (inference_math.lab, benchmarks/)",
              date=time.strftime("%Y-%m-%d"))
    assert matmul_rate(gpu, dtype) == flops
    return gpu


def measured_deployment(config, flops: float, bandwidth: float, dtype: str = "fp32",
                        name: str = "this-cpu") -> Deployment:
    """The library's ``Deployment`` for ``config`` on one device whose ceilings are the
    measured ones (``measured_gpu``): MFU = MBU = 1, since the measurements already are
    achieved rates; weights and cache in ``dtype``; attention FLOPs counted."""
    return deployment(get_model(config), measured_gpu(flops, bandwidth, dtype, name=name),
                      gpus=1, dtype=dtype, kv_dtype=dtype, mfu=1.0, mbu=1.0,
                      usd_per_gpu_hour=0.0, usable_memory=1.0, attention=True)


# ----- the whole check: the chapter and benchmarks/cpu_roofline.py run this ---------------------

@dataclass(frozen=True)
class Sweep:
    """What to time for one lab configuration, and for how long."""
    batches: tuple[int, ...]     # decode: batch sizes, at one context
    context: int                 # each sequence attends to this many keys
    prompts: tuple[int, ...]     # prefill: prompt lengths, batch one
    min_rounds: int = 2
    max_rounds: int = 5
    budget_s: float = 25.0       # start no round that would end after this (past min_rounds)


SWEEPS: dict[str, Sweep] = {
    "lab-tiny": Sweep((1, 2, 4), 8, (4, 8), 2, 3, 5.0),
    # the chapter's: about 20 s on a quiet laptop core, within its 45 s on a busy one
    "lab-156m": Sweep((1, 2, 4, 8, 16, 32, 64, 128), 64, (8, 16, 32, 64, 128, 256), 2, 5, 15.0),
    "lab-492m": Sweep((1, 2, 4, 8, 16, 32, 64, 128, 256), 128,
                      (8, 16, 32, 64, 128, 256, 512, 1024), 3, 7, 300.0),
}


@dataclass
class RooflineCheck:
    """Measured and predicted times of one run, with the conditions it ran under."""
    config: Model
    weight_nbytes: int
    threads: int | None
    blas: str
    load_before: tuple | None
    load_after: tuple | None
    rounds: int
    bandwidth: Measurement
    flops: Measurement
    deployment: Deployment
    batches: np.ndarray
    context: int
    decode_s: np.ndarray
    decode_predicted_s: np.ndarray
    prompts: np.ndarray
    prefill_s: np.ndarray
    prefill_predicted_s: np.ndarray
    skinny_read: dict            # batch -> bytes/s of the probe matrix times a batch-wide input
    overhead_s: float            # a step of the tiny lab model, scaled to this one's layers
    seconds: float

    @property
    def decode_ratio(self) -> np.ndarray:
        return self.decode_predicted_s / self.decode_s

    @property
    def prefill_ratio(self) -> np.ndarray:
        return self.prefill_predicted_s / self.prefill_s

    @property
    def median_decode_ratio(self) -> float:
        return float(np.median(self.decode_ratio))

    @property
    def median_prefill_ratio(self) -> float:
        return float(np.median(self.prefill_ratio))

    def lines(self) -> list[str]:
        """One line per point, then the two medians (the benchmark's output)."""
        out = [f"decode  batch {b:>4} context {self.context}: measured {m * 1e3:9.2f} ms, "
               f"predicted {p * 1e3:9.2f} ms, predicted/measured {p / m:.2f}"
               for b, m, p in zip(self.batches, self.decode_s, self.decode_predicted_s)]
        out += [f"prefill prompt {n:>4} batch 1: measured {m * 1e3:9.2f} ms, "
                f"predicted {p * 1e3:9.2f} ms, predicted/measured {p / m:.2f}"
                for n, m, p in zip(self.prompts, self.prefill_s, self.prefill_predicted_s)]
        out.append(f"median predicted/measured: decode {self.median_decode_ratio:.2f}, "
                   f"prefill {self.median_prefill_ratio:.2f}")
        return out


SKINNY_BATCHES = (2, 8)


def check_roofline(size: str | None = None, threads: int | None = None, seed: int = 0,
                   sweep: Sweep | None = None, log: Callable[[str], None] | None = None,
                   probe_bytes: float | None = None, probe_n: int = 2048,
                   model: Llama | None = None) -> RooflineCheck:
    """Build the lab model, measure this machine's ceilings, time decode against batch and
    prefill against prompt length, and predict both with the library from the ceilings.

    Robust to a shared machine: every measurement (the two ceilings, each decode batch, each
    prompt length) runs once per round, interleaved, after a warm-up round, and each is the
    median over rounds; so a neighbour's burst of work slows the ceilings and the model alike
    instead of skewing one point. Rounds stop at ``sweep.max_rounds`` or when another would
    pass ``sweep.budget_s`` (but never before ``sweep.min_rounds``). ``threads`` (default
    ``lab_threads()``) is set for the run and restored after it. Pass ``model`` to time one
    already built (its configuration then wins over ``size``).

    Two diagnostics run in the same rounds: the bandwidth probe's matrix times an input of
    ``SKINNY_BATCHES`` columns (how fast the BLAS streams weights into a skinny product, the
    shape of a decode step), and a decode step of the tiny lab model, whose products are
    negligible, as an estimate of the interpreter's overhead per step."""
    start = time.perf_counter()
    config = model.config if model is not None else lab_config(size)
    if sweep is None and config.name not in SWEEPS:
        raise ValueError(f"no sweep for {config.name!r}: pass sweep=Sweep(...); sweeps exist "
                         f"for {', '.join(SWEEPS)}")
    sweep = sweep or SWEEPS[config.name]
    threads = lab_threads() if threads is None else threads
    previous = set_blas_threads(threads)
    try:
        load_before = load_average()
        model = model if model is not None else Llama.random(config, seed)
        blas = describe_blas()
        if log:
            log(f"{config.name}: {model.nbytes / 1e6:,.0f} MB of weights; {blas}")
        matrix = probe_matrix(probe_bytes)
        read_bytes, vector = matrix.nbytes, np.ones(matrix.shape[1], dtype=np.float32)
        product, product_flops = matmul_probe(probe_n)
        rng = np.random.default_rng(seed)
        cache = fill_cache(model, max(sweep.batches), sweep.context - 1, seed)
        tasks: dict[tuple, Callable[[], object]] = {("bandwidth", 0): lambda: matrix @ vector,
                                                   ("flops", 0): product}
        for b in SKINNY_BATCHES:  # the orientation of linear(): W @ x^T, x of b rows
            x = rng.random((b, matrix.shape[1]), dtype=np.float32)
            tasks[("skinny", b)] = lambda x=x: matrix @ x.T
        tiny = Llama.random(LAB_CONFIGS["lab-tiny"], seed)
        tasks[("overhead", 0)] = _decode_task(tiny, fill_cache(tiny, 1, sweep.context - 1,
                                                               seed), sweep.context,
                                              np.zeros(1, dtype=int))
        for b in sweep.batches:
            tasks[("decode", b)] = _decode_task(model, cache.first(b), sweep.context,
                                                rng.integers(0, config.vocab_size, b))
        for n in sweep.prompts:
            tasks[("prefill", n)] = _prefill_task(model, rng.integers(0, config.vocab_size,
                                                                     (1, n)))
        for fn in tasks.values():  # the warm-up round
            fn()
        times: dict[tuple, list[float]] = {key: [] for key in tasks}
        sweep_start, rounds = time.perf_counter(), 0
        while rounds < sweep.max_rounds:
            round_start = time.perf_counter()
            for key, fn in tasks.items():
                times[key].append(seconds(fn))
            rounds += 1
            took = time.perf_counter() - round_start
            if log:
                log(f"round {rounds}: {took:.1f} s")
            if rounds >= sweep.min_rounds and \
                    time.perf_counter() - sweep_start + took > sweep.budget_s:
                break
        load_after = load_average()
    finally:
        if previous is not None:
            set_blas_threads(previous)
    rates = tuple(read_bytes / t for t in times[("bandwidth", 0)])
    bandwidth = Measurement(statistics.median(rates), rates, "bytes/s",
                            f"float32 matrix-vector product over {read_bytes / 2**30:.2f} GiB")
    rates = tuple(product_flops / t for t in times[("flops", 0)])
    flops = Measurement(statistics.median(rates), rates, "FLOP/s",
                        "float32 2048 x 2048 matrix product")
    dep = measured_deployment(config, flops.value, bandwidth.value)
    batches, prompts = np.array(sweep.batches), np.array(sweep.prompts)
    med = lambda kind, xs: np.array([statistics.median(times[(kind, x)]) for x in xs])  # noqa
    return RooflineCheck(
        config=config, weight_nbytes=model.nbytes,
        threads=threads if previous is not None else None, blas=blas,
        load_before=load_before, load_after=load_after, rounds=rounds, bandwidth=bandwidth,
        flops=flops, deployment=dep, batches=batches, context=sweep.context,
        decode_s=med("decode", batches),
        decode_predicted_s=decode_step_time(dep, batches, sweep.context), prompts=prompts,
        prefill_s=med("prefill", prompts), prefill_predicted_s=prefill_time(dep, prompts, 1),
        skinny_read={b: read_bytes / statistics.median(times[("skinny", b)])
                     for b in SKINNY_BATCHES},
        overhead_s=statistics.median(times[("overhead", 0)]) * config.n_layers
        / LAB_CONFIGS["lab-tiny"].n_layers,
        seconds=time.perf_counter() - start)


def _decode_task(model: Llama, cache: KVCache, context: int, tokens) -> Callable[[], object]:
    """One decode step at ``context``, again and again: rewind the cache, then step."""
    def run():
        cache.truncate(context - 1)
        return model.decode_step(tokens, cache)
    return run


def _prefill_task(model: Llama, tokens) -> Callable[[], object]:
    cache = model.new_cache(tokens.shape[0], tokens.shape[1])

    def run():
        cache.truncate(0)
        return model.prefill(tokens, cache)
    return run
