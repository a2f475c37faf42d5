"""Check the roofline on a GPU: a Llama-2-7B-shaped PyTorch stack in bf16 against the library.

The GPU counterpart of cpu_roofline.py. It builds Llama-2-7B's architecture (32 layers, width
4096, 32 heads, SwiGLU 11008, vocabulary 32000; 6,738,415,616 parameters, the library's count)
with random weights in bf16, measures the GPU's two ceilings (a bf16 square matrix product
and a bf16 matrix-vector product that streams 2 GiB, the shape of a decode step), then times

- a prefill of one prompt against prompt length, and
- a decode step against batch size at three contexts: so short that the weights dominate the
  reads (the step turns compute-bound at a large batch), and two where the KV cache grows
  into most of them,

and compares each with the library's prediction for a GPU holding the measured ceilings
(``inference_math.lab.measured_deployment``, MFU = MBU = 1). Every step is captured once in a
CUDA graph and timed as the median of graph replays with CUDA events, so the Python
interpreter's launch overhead is not in the times; one eager decode step at batch 1 is timed
beside it to show what that overhead is. A second pass times every point again with each layer
compiled by torch.compile, which fuses the small elementwise kernels, and the profiler counts
the kernels one decode step launches either way. Before timing, the same code runs in float32
on a tiny configuration and must give the numpy lab model's logits (and, decoding with its
cache, the logits of recomputing the whole sequence).

Writes the measurements, with the GPU, driver, PyTorch version and date in ``#`` lines, to
``--out`` (a CSV the book reads with ``inference_math.load_gpu_run``), prints one line per point
and, last,

    median predicted/measured: decode X, prefill Y

``--profile BATCH,CONTEXT`` instead splits one decode step's GPU time into matrix products,
attention and the rest (``inference_math.load_gpu_profile`` reads its ``--out``).

Needs PyTorch and a CUDA GPU (``--device cpu --quick`` runs the whole path on a CPU in
float32, in seconds, for checking the script). Nothing in the tests or the book build runs it.
The committed run (data/gpu-roofline-h100.csv, data/gpu-profile-h100.csv) came from

    PYTHONPATH=lib python benchmarks/gpu_roofline.py --compile-budget 240 \
        --out data/gpu-roofline-h100.csv
    PYTHONPATH=lib python benchmarks/gpu_roofline.py --profile 1024,16 \
        --out data/gpu-profile-h100.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime
import math
import pathlib
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import inference_math as im
from inference_math import lab
from inference_math.evidence.gpu_run import GPU_PROFILE_COLUMNS, GPU_RUN_COLUMNS, KERNEL_CATEGORIES

TORCH_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}

# What to time (full run; --quick shrinks it to seconds on a CPU).
PROMPTS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
DECODE_SWEEPS = {  # context -> batch sizes. KV for 7B in bf16: 512 KiB per token.
    # so short that the weights dominate the reads and the step turns compute-bound
    16: (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),  # 1024 x 16 tokens: 8 GiB of cache
    128: (1, 2, 4, 8, 16, 32, 64, 128, 256, 512),  # 512 x 128 tokens: 32 GiB
    2048: (1, 2, 4, 8, 16, 32),  # 32 x 2048 tokens: 32 GiB
}


# ----- the model: Llama's architecture as plain functions over tensors ------------------------


def rms_norm(x, scale):
    x32 = x.float()
    return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + lab.RMS_EPS)).to(x.dtype) * scale


def apply_rope(x, cos, sin):
    """Hugging Face's "rotate half" layout, as in lab.apply_rope. x is (B, T, heads, d_h)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    c, s = cos[:, None, :], sin[:, None, :]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


class TorchLlama:
    """The weights of one ``im.Model`` on one device. The query, key and value projections
    are stored as one matrix, and so are the gate and up projections, as serving engines
    store them: one product instead of three (two), the same parameters and bytes."""

    def __init__(self, config, tensors: dict, device, dtype: str):
        self.config, self.device, self.dtype = config, device, dtype
        self.t = tensors
        cos, sin = lab.rope_tables(config.max_context, config.head_dim, np.float64)
        self.cos = torch.tensor(cos, device=device, dtype=TORCH_DTYPES[dtype])
        self.sin = torch.tensor(sin, device=device, dtype=TORCH_DTYPES[dtype])

    @classmethod
    def random(cls, config, device, dtype: str = "bf16", seed: int = 0) -> "TorchLlama":
        """Uniform weights with Llama's initializer standard deviation (0.02), norm scales
        of one, as lab.Llama.random; drawn on the device, so 13 GB take a fraction of a
        second. Never zeros: a product of zeros can run faster than real data."""
        m = im.get_model(config)
        gen = torch.Generator(device=device).manual_seed(seed)
        a = 0.02 * math.sqrt(3)
        td = TORCH_DTYPES[dtype]

        def draw(*shape):
            return torch.empty(shape, device=device, dtype=td).uniform_(-a, a, generator=gen)

        d, q, kv = m.d_model, m.n_heads * m.head_dim, m.n_kv_heads * m.head_dim
        t = {
            "embedding": draw(m.vocab_size, d),
            "final_norm": torch.ones(d, device=device, dtype=td),
        }
        for i in range(m.n_layers):
            t[f"{i}.attn_norm"] = torch.ones(d, device=device, dtype=td)
            t[f"{i}.w_qkv"] = draw(q + 2 * kv, d)
            t[f"{i}.wo"] = draw(d, q)
            t[f"{i}.ffn_norm"] = torch.ones(d, device=device, dtype=td)
            t[f"{i}.w_gate_up"] = draw(2 * m.d_ff, d)
            t[f"{i}.w_down"] = draw(d, m.d_ff)
        t["lm_head"] = t["embedding"] if m.tied_embeddings else draw(m.vocab_size, d)
        return cls(m, t, device, dtype)

    @classmethod
    def from_lab(cls, model: lab.Llama, device, dtype: str = "fp32") -> "TorchLlama":
        """The numpy lab model's very weights, to check that both compute one function."""
        td = TORCH_DTYPES[dtype]
        put = lambda *arrays: torch.tensor(np.concatenate(arrays), device=device, dtype=td)  # noqa
        t = {
            "embedding": put(model.embedding),
            "final_norm": put(model.final_norm),
            "lm_head": put(model.lm_head),
        }
        for i, layer in enumerate(model.layers):
            t[f"{i}.attn_norm"] = put(layer.attn_norm)
            t[f"{i}.w_qkv"] = put(layer.wq, layer.wk, layer.wv)
            t[f"{i}.wo"] = put(layer.wo)
            t[f"{i}.ffn_norm"] = put(layer.ffn_norm)
            t[f"{i}.w_gate_up"] = put(layer.w_gate, layer.w_up)
            t[f"{i}.w_down"] = put(layer.w_down)
        return cls(model.config, t, device, dtype)

    @property
    def n_params(self) -> int:
        return sum(x.numel() for x in {id(x): x for x in self.t.values()}.values())

    @property
    def nbytes(self) -> int:
        return sum(
            x.numel() * x.element_size() for x in {id(x): x for x in self.t.values()}.values()
        )

    def new_cache(self, batch: int, capacity: int, fill: bool = False):
        """Keys and values, each (layers, B, K, capacity, d_h). ``fill`` draws random values,
        for timing a step at a context whose prefill is not worth running."""
        m = self.config
        shape = (m.n_layers, batch, m.n_kv_heads, capacity, m.head_dim)
        k = torch.empty(shape, device=self.device, dtype=TORCH_DTYPES[self.dtype])
        v = torch.empty_like(k)
        if fill:
            k.uniform_(-1, 1)
            v.uniform_(-1, 1)
        return k, v

    def forward(self, tokens, cache, start: int):
        """Logits (B, T, V) for token ids (B, T) at positions start..start+T-1; writes their
        keys and values into ``cache``. ``start`` is a Python int, so a captured CUDA graph
        replays one fixed position."""
        m, t = self.config, self.t
        b, n = tokens.shape
        end = start + n
        cos, sin = self.cos[start:end], self.sin[start:end]
        k_cache, v_cache = cache
        if n == 1:
            mask, causal = None, False  # one query sees every key
        elif start == 0:
            mask, causal = None, True  # a prompt: the causal triangle
        else:  # a chunk after cached tokens
            mask = (
                torch.arange(end, device=self.device)[None, :]
                <= start + torch.arange(n, device=self.device)[:, None]
            )
            causal = False
        x = t["embedding"][tokens]
        for i in range(m.n_layers):
            x = self.block(
                x,
                t[f"{i}.attn_norm"],
                t[f"{i}.w_qkv"],
                t[f"{i}.wo"],
                t[f"{i}.ffn_norm"],
                t[f"{i}.w_gate_up"],
                t[f"{i}.w_down"],
                k_cache[i],
                v_cache[i],
                cos,
                sin,
                start,
                mask,
                causal,
            )
        # every position's logits, as the library (and the numpy lab) count the LM head
        return rms_norm(x, t["final_norm"]) @ t["lm_head"].T

    def block(
        self,
        x,
        attn_norm,
        w_qkv,
        wo,
        ffn_norm,
        w_gate_up,
        w_down,
        k_cache,
        v_cache,
        cos,
        sin,
        start: int,
        mask,
        causal: bool,
    ):
        """One decoder layer: attention with its KV cache, then the gated feed-forward
        network, each around a residual. ``compiled`` swaps in torch.compile's version."""
        m = self.config
        b, n, _ = x.shape
        end = start + n
        q_out, kv_out = m.n_heads * m.head_dim, m.n_kv_heads * m.head_dim
        q, k, v = (rms_norm(x, attn_norm) @ w_qkv.T).split((q_out, kv_out, kv_out), dim=-1)
        q = apply_rope(q.view(b, n, m.n_heads, m.head_dim), cos, sin).transpose(1, 2)
        k = apply_rope(k.view(b, n, m.n_kv_heads, m.head_dim), cos, sin).transpose(1, 2)
        k_cache[:, :, start:end] = k
        v_cache[:, :, start:end] = v.view(b, n, m.n_kv_heads, m.head_dim).transpose(1, 2)
        att = F.scaled_dot_product_attention(
            q,
            k_cache[:, :, :end],
            v_cache[:, :, :end],
            attn_mask=mask,
            is_causal=causal,
            enable_gqa=m.n_kv_heads != m.n_heads,
        )
        x = x + att.transpose(1, 2).reshape(b, n, q_out) @ wo.T
        gate, up = (rms_norm(x, ffn_norm) @ w_gate_up.T).chunk(2, dim=-1)
        return x + (F.silu(gate) * up) @ w_down.T

    def compiled(self) -> "TorchLlama":
        """The same model whose layers run through torch.compile, which fuses the norms, the
        rotary embedding and the activation into a few kernels, as serving engines do by
        hand; the matrix products and attention stay the library kernels they were."""
        twin = TorchLlama.__new__(TorchLlama)
        twin.__dict__.update(self.__dict__)
        # one compilation per shape and position; past the default limit (8) Dynamo would
        # quietly fall back to eager
        for name in ("cache_size_limit", "recompile_limit"):
            if hasattr(torch._dynamo.config, name):
                setattr(torch._dynamo.config, name, 64)
        twin.block = torch.compile(self.block, dynamic=False, fullgraph=True)
        return twin


# ----- correctness before speed ----------------------------------------------------------------


def check_against_numpy(device) -> tuple[float, float]:
    """The tiny lab configuration in float32: this code against the numpy lab model on the
    same weights, and cached decoding against recomputing the sequence. Returns the two
    relative errors; raises if either is above float32 rounding."""
    ref = lab.Llama.random(lab.lab_config("tiny"), seed=1)
    model = TorchLlama.from_lab(ref, device, "fp32")
    assert model.n_params == ref.n_params == ref.config.params
    seq = np.random.default_rng(2).integers(0, ref.config.vocab_size, size=(3, 12))
    want = ref.forward(seq)
    tokens = torch.tensor(seq, device=device)
    cache = model.new_cache(3, 12)
    whole = model.forward(tokens, cache, 0)
    cache = model.new_cache(3, 12)
    parts = [model.forward(tokens[:, :5], cache, 0), model.forward(tokens[:, 5:8], cache, 5)]
    parts += [model.forward(tokens[:, j : j + 1], cache, j) for j in range(8, 12)]
    stepped = torch.cat(parts, dim=1)
    rel = lambda a, b: float(np.linalg.norm(a - b) / np.linalg.norm(b))  # noqa: E731
    against_numpy = rel(whole.double().cpu().numpy(), want.astype(np.float64))
    against_whole = rel(stepped.double().cpu().numpy(), whole.double().cpu().numpy())
    if not (against_numpy < 1e-4 and against_whole < 1e-4):
        raise SystemExit(
            f"torch model disagrees: relative error {against_numpy:.1e} against "
            f"numpy, {against_whole:.1e} cached against whole"
        )
    return against_numpy, against_whole


# ----- timing --------------------------------------------------------------------------------


def timed(fn, repeats: int, device, graph: bool = True) -> list[float]:
    """Seconds per call of ``fn``, ``repeats`` samples. On a GPU: warm up, capture one call in
    a CUDA graph (unless ``graph`` is False) and time replays with CUDA events; on a CPU, the
    wall clock."""
    if device.type != "cuda":
        fn()
        out = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
        return out
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(side)
    run = fn
    if graph:
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            fn()
        run = g.replay
        run()
    torch.cuda.synchronize()
    out = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        run()
        end.record()
        end.synchronize()
        out.append(start.elapsed_time(end) / 1e3)
    return out


def row(measurement, batch, tokens, samples, work=""):
    return {
        "measurement": measurement,
        "batch": batch,
        "tokens": tokens,
        "median_s": f"{statistics.median(samples):.6e}",
        "min_s": f"{min(samples):.6e}",
        "max_s": f"{max(samples):.6e}",
        "repeats": len(samples),
        "work": work,
    }


def measure_ceilings(device, dtype: str, quick: bool) -> list[dict]:
    """A square matrix product (FLOP/s), a matrix-vector product over a matrix far larger
    than the L2 cache (read bandwidth, the shape of a decode step at batch 1) and a copy
    (read plus write, the figure vendors and the device notes quote)."""
    td = TORCH_DTYPES[dtype]
    n = 1024 if quick else 8192
    a = torch.empty((n, n), device=device, dtype=td).uniform_(-1, 1)
    b = torch.empty((n, n), device=device, dtype=td).uniform_(-1, 1)
    c = torch.empty((n, n), device=device, dtype=td)
    rows = [row("matmul", 0, n, timed(lambda: torch.mm(a, b, out=c), 30, device), 2 * n**3)]
    a = b = c = None  # free them before the next probe
    cols = 4096 if quick else 32768
    w = torch.empty((cols, cols), device=device, dtype=td).uniform_(-1, 1)  # 2 GiB in bf16
    x = torch.empty((cols, 1), device=device, dtype=td).uniform_(-1, 1)
    y = torch.empty((cols, 1), device=device, dtype=td)
    nbytes = w.numel() * w.element_size()
    rows.append(row("matvec", 1, cols, timed(lambda: torch.mm(w, x, out=y), 30, device), nbytes))
    dst = torch.empty_like(w)
    rows.append(row("copy", 0, cols, timed(lambda: dst.copy_(w), 30, device), 2 * nbytes))
    return rows


def measure_model(
    model: TorchLlama,
    device,
    prompts,
    sweeps,
    log,
    suffix: str = "",
    repeats: int = 20,
    deadline: float = math.inf,
) -> list[dict]:
    """Prefill of one prompt per length in ``prompts``; a decode step per (context, batch) in
    ``sweeps``. Rows are named prefill/decode plus ``suffix``; the eager batch-one step at
    the shortest context is timed beside the graphed one when ``suffix`` is empty. Points
    that would start after ``deadline`` (time.perf_counter) are skipped."""
    m = model.config
    gen = torch.Generator(device=device).manual_seed(3)

    def tokens(b, n):
        return torch.randint(0, m.vocab_size, (b, n), device=device, generator=gen)

    rows = []
    for n in prompts:
        if time.perf_counter() > deadline:
            print(f"  skipped prefill{suffix} of {n} tokens: past the time budget", flush=True)
            continue
        cache, ids = model.new_cache(1, n), tokens(1, n)
        rows.append(
            row(
                "prefill" + suffix,
                1,
                n,
                timed(lambda: model.forward(ids, cache, 0), repeats, device),
            )
        )
        log(rows[-1])
        cache = None
        empty(device)
    for context, batches in sweeps.items():
        for b in batches:
            if time.perf_counter() > deadline:
                print(f"  skipped decode{suffix} at batch {b}: past the time budget", flush=True)
                continue
            # the cache holds context - 1 tokens; the new token is the context-th key
            cache, ids = model.new_cache(b, context, fill=True), tokens(b, 1)
            step = lambda: model.forward(ids, cache, context - 1)  # noqa: E731
            rows.append(row("decode" + suffix, b, context, timed(step, repeats, device)))
            log(rows[-1])
            if not suffix and b == 1 and context == min(sweeps):
                rows.append(
                    row("decode-eager", 1, context, timed(step, repeats, device, graph=False))
                )
                log(rows[-1])
            cache = step = None  # free the cache before the next point
            empty(device)
    return rows


def kernels_per_step(model: TorchLlama, device, context: int) -> int | None:
    """GPU kernels one decode step of one sequence launches (PyTorch's profiler), or None
    where that cannot be counted: each costs a few microseconds even inside a CUDA graph."""
    if device.type != "cuda":
        return None
    cache = model.new_cache(1, context, fill=True)
    ids = torch.zeros((1, 1), dtype=torch.long, device=device)
    model.forward(ids, cache, context - 1)
    torch.cuda.synchronize()
    try:
        with torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CUDA], acc_events=True
        ) as prof:
            model.forward(ids, cache, context - 1)
            torch.cuda.synchronize()
        return sum(1 for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA)
    except Exception as exc:  # a profiler that cannot run here costs the count, not the run
        print(f"kernel count failed: {exc!r}", flush=True)
        return None


def kernel_category(name: str) -> str:
    """Matrix products, attention or everything else, by kernel name. Inductor's generated
    kernels are named after the operations they fuse (one may say "attention" because it
    prepares attention's inputs): they are elementwise work, so they count as "other"."""
    low = name.lower()
    if low.startswith("triton"):
        return "other"
    if any(k in low for k in ("sdpa", "flash", "fmha", "attention")):
        return "attention"
    if any(k in low for k in ("nvjet", "gemm", "cutlass", "xmma", "cublas")):
        return "products"
    return "other"


def profile(
    model: TorchLlama, device, batch: int, context: int, variant: str, rows: int = 12
) -> list[dict]:
    """Where one decode step's GPU time goes (PyTorch's profiler): prints the costliest
    kernels and returns the GPU seconds and kernel count per ``kernel_category``."""
    cache = model.new_cache(batch, context, fill=True)
    ids = torch.zeros((batch, 1), dtype=torch.long, device=device)
    for _ in range(3):
        model.forward(ids, cache, context - 1)
    torch.cuda.synchronize()
    with torch.profiler.profile(
        activities=[torch.profiler.ProfilerActivity.CUDA], acc_events=True
    ) as prof:
        model.forward(ids, cache, context - 1)
        torch.cuda.synchronize()
    print(f"decode step, {variant}, batch {batch}, context {context}:")
    print(
        prof.key_averages().table(
            sort_by="cuda_time_total", row_limit=rows, max_name_column_width=70
        )
    )
    totals: dict[str, list] = {c: [0.0, 0] for c in KERNEL_CATEGORIES}
    for e in prof.events():
        if e.device_type == torch.autograd.DeviceType.CUDA:
            t = totals[kernel_category(e.name)]
            t[0] += getattr(e, "self_device_time_total", None) or e.self_cuda_time_total
            t[1] += 1
    del cache
    empty(device)
    return [
        {
            "variant": variant,
            "batch": batch,
            "context": context,
            "category": c,
            "gpu_s": f"{us / 1e6:.6e}",
            "kernels": k,
        }
        for c, (us, k) in totals.items()
    ]


def empty(device):
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.empty_cache()


# ----- the run -------------------------------------------------------------------------------


def describe(device) -> list[str]:
    lines = [f"python {platform.python_version()}, torch {torch.__version__}"]
    if device.type == "cuda":
        p = torch.cuda.get_device_properties(device)
        lines[0] += f", CUDA {torch.version.cuda}"
        lines.append(
            f"gpu: {p.name}, {p.multi_processor_count} multiprocessors, "
            f"{p.total_memory / 2**30:.1f} GiB"
        )
        try:
            smi = subprocess.run(
                [
                    "nvidia-smi",
                    "--query-gpu=driver_version,clocks.max.sm,clocks.max.mem,power.limit",
                    "--format=csv,noheader",
                ],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip()
            lines.append(f"nvidia-smi (driver, max SM clock, max memory clock, power limit): {smi}")
        except (OSError, subprocess.SubprocessError):
            pass
    else:
        lines.append(f"device: {platform.processor() or platform.machine()} (CPU)")
    return lines


def predictions(rows, config, dtype: str):
    """The library's times for each model row, from the measured ceilings in ``rows``."""
    data = im.gpu_run_from_rows(rows)
    dep = data.deployment(config, dtype)
    out = []
    for r in rows:
        if r["measurement"].startswith("prefill"):
            p = float(im.prefill_time(dep, r["tokens"], r["batch"]))
        elif r["measurement"] in ("decode", "decode-compiled"):
            p = float(im.decode_step_time(dep, r["batch"], r["tokens"]))
        else:
            continue
        out.append((r, p, p / float(r["median_s"])))
    return data, dep, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="llama-2-7b", help="a catalog name (dense Llama)")
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny configuration, float32, short sweeps: checks the script",
    )
    parser.add_argument("--out", default=None, help="write the CSV here")
    parser.add_argument(
        "--no-compile",
        dest="compile",
        action="store_false",
        help="skip the torch.compile pass (fused layers, fewer points)",
    )
    parser.add_argument(
        "--profile",
        default=None,
        metavar="BATCH,CONTEXT",
        help="only profile one decode step (plain and compiled) and exit",
    )
    parser.add_argument(
        "--compile-budget",
        type=float,
        default=240.0,
        help="seconds for the compiled pass (each new shape compiles anew)",
    )
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("gpu_roofline: no CUDA GPU here (try --device cpu --quick)")
    dtype = "fp32" if args.quick else "bf16"
    config = lab.lab_config("tiny") if args.quick else im.get_model(args.model)
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 means float32 in the check

    began = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.perf_counter()
    for line in describe(device):
        print(line, flush=True)
    err_numpy, err_cache = check_against_numpy(device)
    print(
        f"check (tiny, float32): against numpy {err_numpy:.1e}, cached decoding against "
        f"recomputing {err_cache:.1e} (relative)",
        flush=True,
    )

    rows = measure_ceilings(device, dtype, args.quick)
    for r in rows:
        rate = float(r["work"]) / float(r["median_s"])
        unit = "TFLOP/s" if r["measurement"] == "matmul" else "TB/s"
        print(
            f"{r['measurement']:>7}: {rate / 1e12:8.3f} {unit} "
            f"(median of {r['repeats']}, {float(r['min_s']) * 1e3:.3f} to "
            f"{float(r['max_s']) * 1e3:.3f} ms)",
            flush=True,
        )

    model = TorchLlama.random(config, device, dtype)
    assert model.n_params == config.params, (model.n_params, config.params)
    print(
        f"model: {config.name} shape, {model.n_params:,} parameters (library: "
        f"{config.params:,}), {model.nbytes / 1e9:.2f} GB in {dtype}",
        flush=True,
    )

    if args.profile:
        if device.type != "cuda":
            raise SystemExit("gpu_roofline: --profile needs a CUDA GPU")
        batch, context = (int(v) for v in args.profile.split(","))
        found = profile(model, device, batch, context, "plain")
        found += profile(model.compiled(), device, batch, context, "compiled")
        for r in found:
            print(
                f"{r['variant']:>8} {r['category']:>9}: {float(r['gpu_s']) * 1e3:7.3f} ms "
                f"in {r['kernels']} kernels"
            )
        if args.out:
            with pathlib.Path(args.out).open("w", encoding="utf-8", newline="") as fh:
                fh.write(
                    f"# source: benchmarks/gpu_roofline.py --profile {args.profile} of "
                    f"this repository, run {began:%Y-%m-%d %H:%M} UTC\n"
                )
                for line in describe(device):
                    fh.write(f"# {line}\n")
                fh.write(
                    "# one decode step's GPU kernel time by category (PyTorch's "
                    "profiler, no CUDA graph), plain and with torch.compile\n"
                )
                writer = csv.DictWriter(fh, GPU_PROFILE_COLUMNS)
                writer.writeheader()
                writer.writerows(found)
            print(f"wrote {args.out}")
        return

    def log(r):
        print(
            f"  {r['measurement']:>12} batch {r['batch']:>4} tokens {r['tokens']:>5}: "
            f"{float(r['median_s']) * 1e3:9.3f} ms",
            flush=True,
        )

    prompts, sweeps = ((4, 8, 16), {8: (1, 2, 4)}) if args.quick else (PROMPTS, DECODE_SWEEPS)
    repeats = 5 if args.quick else 20
    rows += measure_model(model, device, prompts, sweeps, log, repeats=repeats)
    short = min(sweeps)
    notes = []
    kernels = {"eager": kernels_per_step(model, device, short)}
    if args.compile:
        try:  # a failed compilation leaves the plain run standing
            fused = model.compiled()
            t_compile = time.perf_counter()
            # every point again; each new shape compiles anew (about 3 s each on the H100
            # machine's 16 cores), within --compile-budget
            fused_prompts, fused_sweeps = (
                (prompts[:1], {short: (1,)}) if args.quick else (prompts, sweeps)
            )
            rows += measure_model(
                fused,
                device,
                fused_prompts,
                fused_sweeps,
                log,
                "-compiled",
                repeats,
                deadline=t_compile + args.compile_budget,
            )
            kernels["compiled"] = kernels_per_step(fused, device, short)
            print(f"compiled pass took {time.perf_counter() - t_compile:.0f} s", flush=True)
        except Exception as exc:
            print(f"torch.compile pass failed, plain results kept: {exc!r}", flush=True)
    if all(v is not None for v in kernels.values()):
        notes.append(
            f"kernels per decode step, batch 1, context {short}: "
            + ", ".join(f"{k} {v}" for k, v in kernels.items())
        )
        print(notes[-1], flush=True)
    data, dep, preds = predictions(rows, config, dtype)
    print(
        f"ridge from the measured ceilings: {data.flops / data.bandwidth:.0f} FLOP/byte; "
        f"run took {time.perf_counter() - t0:.0f} s"
    )
    for r, p, ratio in preds:
        what = (
            f"prefill prompt {r['tokens']:>5} batch 1"
            if r["measurement"].startswith("prefill")
            else f"decode  batch {r['batch']:>4} context {r['tokens']:>5}"
        )
        what += " (compiled)" if r["measurement"].endswith("compiled") else ""
        print(
            f"{what}: measured {float(r['median_s']) * 1e3:9.3f} ms, predicted "
            f"{p * 1e3:9.3f} ms, predicted/measured {ratio:.2f}"
        )

    if args.out:
        out = pathlib.Path(args.out)
        with out.open("w", encoding="utf-8", newline="") as fh:
            fh.write(
                f"# source: benchmarks/gpu_roofline.py of this repository, run "
                f"{began:%Y-%m-%d %H:%M} UTC\n"
            )
            for line in describe(device):
                fh.write(f"# {line}\n")
            for line in notes:
                fh.write(f"# {line}\n")
            fh.write(
                f"# model: {config.name} architecture, random weights, {dtype}, "
                f"{model.n_params} parameters\n"
            )
            fh.write(
                "# rows: matmul (work = FLOPs), matvec and copy (work = bytes; copy "
                "counts read plus write); prefill (tokens = prompt length) and decode "
                "(tokens = context: each sequence attends to that many keys); times are "
                "CUDA-graph replays timed with CUDA events, decode-eager without a graph; "
                "the -compiled rows run each layer through torch.compile\n"
            )
            writer = csv.DictWriter(fh, GPU_RUN_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {out}")

    def ratios(kind):
        return statistics.median(x for r, _, x in preds if r["measurement"] == kind)

    fused = [
        k
        for k in ("decode-compiled", "prefill-compiled")
        if any(r["measurement"] == k for r, _, _ in preds)
    ]
    if fused:
        print(
            "compiled, median predicted/measured: "
            + ", ".join(f"{k.split('-')[0]} {ratios(k):.2f}" for k in fused)
        )
    print(
        f"median predicted/measured: decode {ratios('decode'):.2f}, prefill {ratios('prefill'):.2f}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
