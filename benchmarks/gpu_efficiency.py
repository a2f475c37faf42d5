"""How much of a GPU's peak a decode step's pieces reach: weight products and decode attention.

The library prices a step from two datasheet peaks, dense FLOP/s and memory bandwidth, times
the shares of them a server reaches (``hardware/efficiency.py``: ``weights_mbu``,
``products_mfu``, ``kv_mbu``), which chapter 10 fits to published measurements of whole
servers. This script measures those shares directly, kernel by kernel, on one CUDA GPU for the
pieces of Llama-3-70B (width 8192, 64 query heads, 8 KV heads, head dimension 128, SwiGLU
28672, vocabulary 128256; the shapes come from ``inference_math.get_model("llama-3-70b")``):

- the two ceilings: a device-to-device copy of 2 GiB (bandwidth) and a square matrix product
  of 8192 (FLOP/s), in bf16 and, where the GPU multiplies it, fp8;
- each weight product of one GPU's slice under tensor parallelism 1, 2, 4 and 8 (QKV and
  gate+up split by columns, O and down by rows, the LM head by vocabulary) against the
  number of rows (tokens) multiplied, 1 to 2048, in bf16 and in fp8 (``torch._scaled_mm``
  with e4m3 weights and activations and per-tensor scales);
- decode attention, one new token per sequence, for batch 1, 8 and 64 over contexts of 512
  to 32768 with each GPU's heads (64/tp query heads, 8/tp KV heads) in bf16, through
  ``scaled_dot_product_attention`` two ways: with ``enable_gqa`` ("sdpa-gqa") and with each
  KV head's query heads stacked as query rows, as decode kernels pack them ("sdpa-grouped").

Each point's share of the named catalog GPU's peaks (``--gpu``, its dense FLOP/s for the
dtype and its bandwidth) is bytes / seconds / bandwidth and FLOPs / seconds / FLOP/s. Bytes
count the least traffic the operation needs: weights, input and output once, or the whole KV
cache once. A small weight would sit in the L2 cache if multiplied again and again, which a
model's layers never do (each has its own), so every timed call reads a different copy of the
operands from a pool of at least 256 MiB (more on a GPU with a larger L2), one pass over the
pool per timed replay. Each pass is captured once in a CUDA graph and timed as the median of
replays with CUDA events, so Python's launch overhead is not in the times.

Writes a CSV (``--out``; the columns are ``COLUMNS``) whose ``#`` lines name the GPU, driver,
PyTorch, the date and the peaks divided by; prints one line per point and a closing summary.
Needs PyTorch and a CUDA GPU; ``--device cpu --quick`` runs the whole path on a CPU in float32
with tiny shapes (CUDA graphs skipped, fp8 where this PyTorch multiplies it on a CPU) in a
few seconds, for checking the script; its shares mean nothing. Nothing in the tests or the
book build runs it. Not yet run on a GPU: counting its work (648 points, about 6 s of kernels
and 10 s of launching them), one H100 should need one to two minutes with PyTorch's start-up;
``--budget`` (210 s) skips whatever is left past it, so it ends within 4. The command:

    PYTHONPATH=lib python benchmarks/gpu_efficiency.py --gpu h100-sxm \
        --out data/gpu-efficiency-h100.csv
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
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

import inference_math as im

COLUMNS = (
    "kind",  # ceiling, weights or attention
    "dtype",
    "tp",
    "op",
    "rows",  # tokens multiplied (weights), the side of the square product (ceiling matmul)
    "context",
    "batch",
    "shape",  # weights: out x in of the slice; attention: query heads / KV heads
    "calls",  # calls per timed replay, each on its own copy of the operands
    "repeats",
    "seconds",  # median seconds per call
    "bytes",
    "flops",
    "bandwidth_share",
    "flops_share",
)

ROWS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)
TP_DEGREES = (1, 2, 4, 8)
BATCHES = (1, 8, 64)
CONTEXTS = (512, 1024, 2048, 4096, 8192, 16384, 32768)
REPEATS = 20
COPY_BYTES = 2 * 2**30
SQUARE = 8192
POOL_BYTES = 256 * 2**20  # five times an H100's 50 MiB L2: no operand is still cached
MAX_CALLS = 1024  # bounds a graph's length where one call reads little (short caches)

QUICK_ROWS = (1, 4, 16, 64)
CPU_FP8_ROWS = (1, 4)  # a CPU emulates fp8 products: on the development machine, 1000x slower
QUICK_BATCHES = (1, 4)
QUICK_CONTEXTS = (64, 256)
QUICK_REPEATS = 3
QUICK_COPY_BYTES = 16 * 2**20
QUICK_SQUARE = 128
# more than one copy of the smaller operands, to run the pool's path; a CPU multiplies fp8
# slowly (emulated), and every pass multiplies at least this many bytes of weights
QUICK_POOL_BYTES = 64 * 2**10


@dataclass(frozen=True)
class Shapes:
    """The dimensions that fix each GPU's slice of a layer."""

    d_model: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    d_ff: int
    vocab: int

    @classmethod
    def of(cls, model) -> "Shapes":
        return cls(
            model.d_model,
            model.n_heads,
            model.n_kv_heads,
            model.head_dim,
            model.d_ff,
            model.vocab_size,
        )

    def heads(self, tp: int) -> tuple[int, int]:
        """Query and KV heads on one GPU. Past tp = n_kv_heads a KV head is replicated,
        not split, so each GPU keeps at least one."""
        return self.n_heads // tp, max(1, self.n_kv_heads // tp)

    def weight_slices(self, tp: int) -> dict[str, tuple[int, int]]:
        """(out, in) of each weight on one GPU, Megatron-style: QKV, gate+up and the LM head
        split their outputs, O and down their inputs, so a layer needs one all-reduce after
        each of the latter two."""
        q, kv = self.heads(tp)
        return {
            "qkv": ((q + 2 * kv) * self.head_dim, self.d_model),
            "o": (self.d_model, q * self.head_dim),
            "gate_up": (2 * self.d_ff // tp, self.d_model),
            "down": (self.d_model, self.d_ff // tp),
            "lm_head": (math.ceil(self.vocab / tp), self.d_model),
        }


# A shape of the same kind small enough for a CPU: every slice still divides by 16 (fp8's rule).
QUICK_SHAPES = Shapes(d_model=128, n_heads=8, n_kv_heads=8, head_dim=16, d_ff=512, vocab=1024)


@dataclass
class Setup:
    """What every measurement needs to know about this run."""

    device: torch.device
    gpu: im.GPU
    quick: bool
    use_graphs: bool
    fp8_fast_accum: bool
    deadline: float
    repeats: int
    pool_bytes: int
    half: torch.dtype  # bf16 on a GPU; float32 on a CPU, whose bf16 products are slow
    fp8_ok: bool = False
    notes: list = field(default_factory=list)

    def note(self, text: str) -> None:
        print(f"note: {text}", flush=True)
        self.notes.append(text)

    def half_name(self) -> str:
        return "bf16" if self.half == torch.bfloat16 else "fp32"

    def peak_flops(self, dtype: str) -> float | None:
        return self.gpu.fp8_flops if dtype == "fp8" else self.gpu.bf16_flops

    def past_deadline(self, what: str) -> bool:
        if time.perf_counter() < self.deadline:
            return False
        print(f"  skipped {what}: past the time budget", flush=True)
        return True


# ----- timing --------------------------------------------------------------------------------


def seconds_per_call(setup: Setup, one_pass, calls: int) -> float:
    """Median seconds of one call, where ``one_pass`` makes ``calls`` calls. On a GPU: three
    warm-up passes (cuBLAS picks its kernels), one pass captured in a CUDA graph, replays
    timed with CUDA events. On a CPU, or where capture fails, the pass itself is timed."""
    if setup.device.type != "cuda":
        one_pass()
        return statistics.median(wall_clock(one_pass) for _ in range(setup.repeats)) / calls
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # capture wants its warm-up off the default stream
        for _ in range(3):
            one_pass()
    torch.cuda.current_stream().wait_stream(side)
    run, graph = one_pass, None
    if setup.use_graphs:
        try:
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                one_pass()
            run = graph.replay
            run()
        except RuntimeError as exc:  # time it eagerly rather than lose the point
            setup.note(f"CUDA graph capture failed, timed without ({exc!s:.120})")
            setup.use_graphs, graph, run = False, None, one_pass
    torch.cuda.synchronize()
    samples = [event_time(run) for _ in range(setup.repeats)]
    del graph  # its memory pool goes with it, before the next point allocates
    return statistics.median(samples) / calls


def wall_clock(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def event_time(fn) -> float:
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / 1e3


def pool_size(setup: Setup, bytes_per_call: int) -> int:
    """How many copies of one call's operands make the pool that keeps them out of L2."""
    return max(1, min(MAX_CALLS, math.ceil(setup.pool_bytes / bytes_per_call)))


def half_bytes(setup: Setup) -> int:
    """Bytes per element of the half type: what products write and attention reads."""
    return torch.empty((), dtype=setup.half).element_size()


def release(setup: Setup) -> None:
    if setup.device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.empty_cache()


# ----- operands --------------------------------------------------------------------------------


def uniform(setup: Setup, shape, dtype) -> torch.Tensor:
    """Random values, never zeros: a product of zeros can run faster than real data. fp8 is
    drawn in the half type and rounded, as a quantized checkpoint would hold it."""
    draw_as = setup.half if dtype == torch.float8_e4m3fn else dtype
    x = torch.empty(shape, device=setup.device, dtype=draw_as).uniform_(-1, 1)
    return x.to(dtype)


def fp8_product(setup: Setup):
    """A function (x, w) -> x @ w.T for fp8 operands, with per-tensor scales of one (a scale's
    value costs nothing). Older PyTorch returned (out, amax); only out matters."""
    one = torch.ones((), device=setup.device, dtype=torch.float32)

    def product(x, w):
        out = torch._scaled_mm(
            x,
            w.t(),  # w is (out, in), row-major, so this is the column-major operand fp8 wants
            scale_a=one,
            scale_b=one,
            out_dtype=setup.half,
            use_fast_accum=setup.fp8_fast_accum,
        )
        return out[0] if isinstance(out, tuple) else out

    return product


def half_product(x, w):
    return x @ w.t()


def fp8_supported(setup: Setup) -> tuple[bool, str]:
    """Whether this GPU and PyTorch multiply fp8: a tiny product must run, not just exist."""
    if not hasattr(torch, "float8_e4m3fn") or not hasattr(torch, "_scaled_mm"):
        return False, f"torch {torch.__version__} has no float8_e4m3fn or _scaled_mm"
    if setup.device.type == "cuda" and torch.cuda.get_device_capability(setup.device) < (8, 9):
        cap = torch.cuda.get_device_capability(setup.device)
        return False, f"compute capability {cap[0]}.{cap[1]} has no fp8 tensor cores (needs 8.9)"
    try:
        x = uniform(setup, (4, 32), torch.float8_e4m3fn)
        w = uniform(setup, (48, 32), torch.float8_e4m3fn)
        fp8_product(setup)(x, w)
        if setup.device.type == "cuda":
            torch.cuda.synchronize()
    except (RuntimeError, TypeError) as exc:
        return False, f"torch._scaled_mm failed here ({exc!s:.120})"
    return True, ""


# ----- rows of the table -------------------------------------------------------------------


def point(setup: Setup, kind, dtype, op, seconds, nbytes, flops, **fields) -> dict:
    peak = setup.peak_flops(dtype)
    r = {c: "" for c in COLUMNS}
    r.update(fields)
    r.update(
        kind=kind,
        dtype=dtype,
        op=op,
        repeats=setup.repeats,
        seconds=f"{seconds:.6e}",
        bytes=nbytes,
        flops=flops,
        bandwidth_share=f"{nbytes / seconds / setup.gpu.bandwidth_bytes_per_s:.4g}",
        flops_share=f"{flops / seconds / peak:.4g}" if flops and peak else "",
    )
    show(r)
    return r


def show(r: dict) -> None:
    where = f"tp {r['tp']}" if r["tp"] != "" else "    "
    size = f"rows {r['rows']:>5}" if r["rows"] != "" else ""
    if r["context"] != "":
        size = f"batch {r['batch']:>3} context {r['context']:>5}"
    fl = f"{float(r['flops_share']):6.1%} of FLOP/s" if r["flops_share"] else ""
    print(
        f"{r['kind']:9} {r['dtype']:4} {where} {r['op']:12} {size:25} "
        f"{float(r['seconds']) * 1e6:10.1f} us  {float(r['bandwidth_share']):6.1%} of "
        f"bandwidth  {fl}",
        flush=True,
    )


# ----- the measurements -----------------------------------------------------------------------


def measure_ceilings(setup: Setup, dtypes) -> list[dict]:
    """A copy (its bytes read plus written, as stream benchmarks count one) and a square product
    per dtype."""
    copy_bytes = QUICK_COPY_BYTES if setup.quick else COPY_BYTES
    src = uniform(setup, (copy_bytes // half_bytes(setup),), setup.half)
    dst = torch.empty_like(src)
    s = seconds_per_call(setup, lambda: dst.copy_(src), 1)
    rows = [point(setup, "ceiling", setup.half_name(), "copy", s, 2 * copy_bytes, 0, calls=1)]
    src = dst = None
    release(setup)
    n = QUICK_SQUARE if setup.quick else SQUARE
    for dtype, storage, product in dtypes:
        a, b = uniform(setup, (n, n), storage), uniform(setup, (n, n), storage)
        s = seconds_per_call(setup, lambda: product(a, b), 1)
        nbytes = 2 * n * n * a.element_size() + n * n * half_bytes(setup)
        rows.append(point(setup, "ceiling", dtype, "matmul", s, nbytes, 2 * n**3, rows=n, calls=1))
        a = b = None
        release(setup)
    return rows


def measure_weights(setup: Setup, shapes: Shapes, dtypes, row_counts) -> list[dict]:
    """Every (dtype, tp, weight) slice times every row count: one pool of weight copies per
    slice, reused across the row counts."""
    rows = []
    for dtype, storage, product in dtypes:
        counts = row_counts
        if dtype == "fp8" and setup.device.type == "cpu":
            counts = [m for m in row_counts if m in CPU_FP8_ROWS]
        for tp in TP_DEGREES:
            for op, (n_out, n_in) in shapes.weight_slices(tp).items():
                if setup.past_deadline(f"{dtype} tp {tp} {op}"):
                    continue
                rows += weight_sweep(setup, dtype, storage, product, tp, op, n_out, n_in, counts)
    return rows


def weight_sweep(setup, dtype, storage, product, tp, op, n_out, n_in, row_counts) -> list[dict]:
    """One slice multiplied by each row count of activations; each call reads its own copy."""
    elem = torch.empty((), dtype=storage).element_size()
    out_elem = half_bytes(setup)
    calls = pool_size(setup, n_out * n_in * elem)
    weights = uniform(setup, (calls, n_out, n_in), storage)
    rows = []
    for m in row_counts:
        x = uniform(setup, (m, n_in), storage)

        def one_pass():
            for i in range(calls):
                product(x, weights[i])

        s = seconds_per_call(setup, one_pass, calls)
        nbytes = (n_out * n_in + m * n_in) * elem + m * n_out * out_elem
        rows.append(
            point(
                setup,
                "weights",
                dtype,
                op,
                s,
                nbytes,
                2 * m * n_out * n_in,
                tp=tp,
                rows=m,
                shape=f"{n_out}x{n_in}",
                calls=calls,
            )
        )
    weights = x = None
    release(setup)
    return rows


def gqa_attention(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)


def grouped_attention(q, k, v):
    """One new token's query heads that share a KV head, stacked as that head's query rows:
    the same result as GQA (a decode token sees every key, so no mask), each key read once."""
    b, h, _, d = q.shape
    rows = q.view(b, k.shape[1], h // k.shape[1], d)
    # reshape, not view: flash attention may hand back a transposed (non-contiguous) layout
    return F.scaled_dot_product_attention(rows, k, v).reshape(b, h, 1, d)


def measure_attention(setup: Setup, shapes: Shapes, batches, contexts) -> list[dict]:
    """One decode step's attention over a full cache, per (variant, tp, batch, context)."""
    variants = {"sdpa-grouped": grouped_attention}
    try:
        q = torch.zeros((1, 2, 1, 16), device=setup.device, dtype=setup.half)
        kv = torch.zeros((1, 1, 4, 16), device=setup.device, dtype=setup.half)
        gqa_attention(q, kv, kv)
        variants["sdpa-gqa"] = gqa_attention
    except (TypeError, RuntimeError) as exc:
        setup.note(f"scaled_dot_product_attention without enable_gqa here ({exc!s:.80})")
    rows = []
    for op, attend in variants.items():
        for tp in TP_DEGREES:
            for b in batches:
                for context in contexts:
                    if setup.past_deadline(f"{op} tp {tp} batch {b} context {context}"):
                        continue
                    rows.append(attention_point(setup, shapes, op, attend, tp, b, context))
    return rows


def attention_point(setup, shapes, op, attend, tp, batch, context) -> dict:
    h, kv_heads = shapes.heads(tp)
    d = shapes.head_dim
    elem = half_bytes(setup)
    cache_bytes = 2 * batch * kv_heads * context * d * elem
    calls = pool_size(setup, cache_bytes)
    k = uniform(setup, (calls, batch, kv_heads, context, d), setup.half)
    v = uniform(setup, (calls, batch, kv_heads, context, d), setup.half)
    q = uniform(setup, (batch, h, 1, d), setup.half)

    def one_pass():
        for i in range(calls):
            attend(q, k[i], v[i])

    s = seconds_per_call(setup, one_pass, calls)
    k = v = None
    release(setup)
    return point(
        setup,
        "attention",
        setup.half_name(),
        op,
        s,
        cache_bytes + 2 * batch * h * d * elem,  # the cache, the query and the output
        4 * batch * h * context * d,  # q.k and the weighted sum of values, per key
        tp=tp,
        context=context,
        batch=batch,
        shape=f"{h}/{kv_heads} heads",
        calls=calls,
    )


# ----- the run -------------------------------------------------------------------------------


def describe(setup: Setup) -> list[str]:
    lines = [f"python {platform.python_version()}, torch {torch.__version__}"]
    if setup.device.type == "cuda":
        p = torch.cuda.get_device_properties(setup.device)
        l2 = getattr(p, "L2_cache_size", 0)
        lines[0] += f", CUDA {torch.version.cuda}"
        lines.append(
            f"gpu: {p.name}, compute capability {p.major}.{p.minor}, "
            f"{p.multi_processor_count} multiprocessors, {p.total_memory / 2**30:.1f} GiB, "
            f"L2 {l2 / 2**20:.0f} MiB"
        )
        lines.append(f"nvidia-smi (driver, max SM clock, max memory clock, power limit): {smi()}")
    else:
        lines.append(f"device: {platform.processor() or platform.machine()} (CPU)")
    g = setup.gpu
    fp8 = f"{g.fp8_flops / 1e12:.0f} TFLOP/s" if g.fp8_flops else "none"
    lines.append(
        f"peaks divided by: inference_math.get_gpu('{g.name}'): dense bf16 "
        f"{g.bf16_flops / 1e12:.0f} TFLOP/s, dense fp8 {fp8}, bandwidth "
        f"{g.bandwidth_bytes_per_s / 1e9:.0f} GB/s ({g.source})"
    )
    lines.append(
        f"timing: median of {setup.repeats} "
        + ("CUDA-graph replays timed with CUDA events" if setup.use_graphs else "passes")
        + f"; each call reads its own copy of the operands from a pool of at least "
        f"{setup.pool_bytes / 2**20:g} MiB (at most {MAX_CALLS} calls); fp8 products use "
        f"torch._scaled_mm, per-tensor scales, use_fast_accum={setup.fp8_fast_accum}"
    )
    lines.append(
        "bytes: the least traffic (weights, input, output; the KV cache, query and output; a "
        "copy's read plus write); flops: 2 per multiply-add"
    )
    return lines


def smi() -> str:
    try:
        return subprocess.run(
            [
                "nvidia-smi",
                "--query-gpu=driver_version,clocks.max.sm,clocks.max.mem,power.limit",
                "--format=csv,noheader",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unavailable"


def pool_bytes(device: torch.device, quick: bool) -> int:
    if quick:
        return QUICK_POOL_BYTES
    if device.type != "cuda":
        return POOL_BYTES
    l2 = getattr(torch.cuda.get_device_properties(device), "L2_cache_size", 0)
    return max(POOL_BYTES, 4 * l2)  # a larger L2 (B200's) needs a larger pool


def write_csv(path: pathlib.Path, setup: Setup, began, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(
            f"# source: benchmarks/gpu_efficiency.py of this repository, run "
            f"{began:%Y-%m-%d %H:%M} UTC\n"
        )
        for line in describe(setup) + [f"note: {n}" for n in setup.notes]:
            fh.write(f"# {line}\n")
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path}")


def summarize(rows: list[dict]) -> list[str]:
    """The ceilings, and for each dtype the weight products' bandwidth share at one row, their
    FLOP/s share at the most rows, and where FLOP/s overtakes bandwidth; attention's share of
    bandwidth by batch."""
    out = []
    share = lambda r, c: float(r[c]) if r[c] else 0.0  # noqa: E731
    for r in rows:
        if r["kind"] == "ceiling":
            c = "bandwidth_share" if r["op"] == "copy" else "flops_share"
            out.append(f"ceiling {r['op']} {r['dtype']}: {share(r, c):.1%} of peak")
    weights = [r for r in rows if r["kind"] == "weights"]
    for dtype in dict.fromkeys(r["dtype"] for r in weights):
        mine = [r for r in weights if r["dtype"] == dtype]
        one, most = min(r["rows"] for r in mine), max(r["rows"] for r in mine)
        bw = [share(r, "bandwidth_share") for r in mine if r["rows"] == one]
        fl = [share(r, "flops_share") for r in mine if r["rows"] == most]
        out.append(
            f"weights {dtype}: at {one} row, bandwidth share median {statistics.median(bw):.1%} "
            f"(range {min(bw):.1%}-{max(bw):.1%}); at {most} rows, FLOP/s share median "
            f"{statistics.median(fl):.1%} (range {min(fl):.1%}-{max(fl):.1%})"
        )
        for tp in dict.fromkeys(r["tp"] for r in mine):
            slices = [r for r in mine if r["tp"] == tp]
            first = {r["op"]: "never" for r in slices}
            for r in reversed(slices):  # the smallest row count is written last
                if share(r, "flops_share") > share(r, "bandwidth_share"):
                    first[r["op"]] = r["rows"]
            where = ", ".join(f"{op} {m}" for op, m in first.items())
            out.append(f"  tp {tp}, rows where FLOP/s share first passes bandwidth share: {where}")
    attention = [r for r in rows if r["kind"] == "attention"]
    for op in dict.fromkeys(r["op"] for r in attention):
        for b in dict.fromkeys(r["batch"] for r in attention):
            bw = [
                share(r, "bandwidth_share") for r in attention if (r["op"], r["batch"]) == (op, b)
            ]
            out.append(
                f"attention {op} batch {b}: bandwidth share median {statistics.median(bw):.1%} "
                f"(range {min(bw):.1%}-{max(bw):.1%})"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", default="h100-sxm", help="catalog GPU whose peaks divide")
    parser.add_argument("--out", help="CSV to write")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--quick", action="store_true", help="tiny shapes, for checking")
    parser.add_argument("--budget", type=float, default=210, help="seconds; later points skip")
    parser.add_argument("--no-graphs", action="store_true", help="time passes eagerly")
    parser.add_argument(
        "--fp8-fast-accum", action="store_true", help="_scaled_mm's faster, coarser accumulation"
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    began = datetime.datetime.now(datetime.timezone.utc)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU here; --device cpu --quick checks the script on a CPU")
    on_gpu = device.type == "cuda"
    setup = Setup(
        device=device,
        gpu=im.get_gpu(args.gpu),
        quick=args.quick,
        use_graphs=on_gpu and not args.no_graphs,
        fp8_fast_accum=args.fp8_fast_accum,
        deadline=t0 + args.budget,
        repeats=QUICK_REPEATS if args.quick else REPEATS,
        pool_bytes=pool_bytes(device, args.quick),
        half=torch.bfloat16 if on_gpu else torch.float32,
    )
    if not on_gpu:
        # a sleeping pool thread takes milliseconds to wake, far longer than a tiny product
        torch.set_num_threads(1)
        setup.note("on a CPU: float32 for bf16, one thread, no CUDA graphs, wall-clock times")
    setup.fp8_ok, why = fp8_supported(setup)
    dtypes = [(setup.half_name(), setup.half, half_product)]
    if setup.fp8_ok:
        dtypes.append(("fp8", torch.float8_e4m3fn, fp8_product(setup)))
    else:
        setup.note(f"fp8 skipped: {why}")
    if setup.fp8_ok and not setup.gpu.fp8_flops:
        setup.note(f"{setup.gpu.name} lists no fp8 peak: fp8 rows have no FLOP/s share")
    shapes = QUICK_SHAPES if args.quick else Shapes.of(im.get_model("llama-3-70b"))
    for line in describe(setup):
        print(line)

    rows = measure_ceilings(setup, dtypes)
    rows += measure_weights(setup, shapes, dtypes, QUICK_ROWS if args.quick else ROWS)
    rows += measure_attention(
        setup,
        shapes,
        QUICK_BATCHES if args.quick else BATCHES,
        QUICK_CONTEXTS if args.quick else CONTEXTS,
    )
    if args.out:
        write_csv(pathlib.Path(args.out), setup, began, rows)
    print(f"summary ({len(rows)} points in {time.perf_counter() - t0:.0f} s):")
    for line in summarize(rows):
        print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
