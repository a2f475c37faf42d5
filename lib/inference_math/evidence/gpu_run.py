"""A roofline measured on a GPU: what ``benchmarks/gpu_roofline.py`` wrote, read back.

The benchmark times a Llama-2-7B-shaped PyTorch stack in bf16 on one GPU (prefill against
prompt length, decode steps against batch at two contexts) together with the GPU's two
ceilings, and writes one CSV with the GPU, driver, PyTorch version and date in ``#`` lines.
The run in ``data/`` was made once, on a GPU lent for the purpose; the book reads it here so
that building the book needs neither a GPU nor PyTorch, and chapter 7 sets it beside the
library's prediction from the same measured ceilings.

Rows (``GPU_RUN_COLUMNS``): ``matmul`` (a bf16 square product; ``work`` is its FLOPs),
``matvec`` (a bf16 matrix times one vector, over a matrix far larger than the L2 cache:
``work`` is the bytes read), ``copy`` (read plus write), ``prefill`` (``tokens`` is the prompt
length), ``decode`` (``tokens`` is the context: each sequence attends to that many keys) and
``decode-eager`` (the same step without a CUDA graph, to show the launch overhead), and
``prefill-compiled`` and ``decode-compiled`` (a few of the same points with each layer run
through ``torch.compile``, which fuses the small elementwise kernels). A ``#`` line may give
the GPU kernels one decode step launches, eager and compiled.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass

import numpy as np

from ..core.datafiles import Row, data_path, no_repeats, number, read_csv
from ..lab import measured_deployment
from ..serving.deployment import Deployment

GPU_RUN_FILE = "gpu-roofline-h100.csv"
GPU_RUN_COLUMNS = (
    "measurement",
    "batch",
    "tokens",
    "median_s",
    "min_s",
    "max_s",
    "repeats",
    "work",
)
# The catalog entry for a GPU as PyTorch names it. HBM3 and 132 multiprocessors make the H100
# 80GB HBM3 the SXM part (the PCIe card has HBM2e and 114).
CATALOG_GPUS = {"NVIDIA H100 80GB HBM3": "h100-sxm"}
GPU_RUN_MEASUREMENTS = (
    "matmul",
    "matvec",
    "copy",
    "prefill",
    "decode",
    "decode-eager",
    "prefill-compiled",
    "decode-compiled",
)


@dataclass(frozen=True)
class GPURun:
    """One run of the GPU benchmark. Times are medians over CUDA-graph replays, seconds.
    Chapter 7 uses it."""

    gpu: str  # as PyTorch names it, e.g. "NVIDIA H100 80GB HBM3"
    date: str  # the run's date, YYYY-MM-DD (UTC)
    notes: tuple[str, ...]  # the file's ``#`` lines: software, driver, clocks, model
    model: str | None  # the catalog model whose architecture ran, e.g. llama-2-7b
    dtype: str | None  # its weights' and cache's dtype, e.g. bf16
    flops: float  # bf16 square matrix product, FLOP/s
    bandwidth: float  # bf16 matrix-vector product, bytes read per second
    copy_bandwidth: float  # device-to-device copy, bytes read plus written per second
    prompts: np.ndarray  # prefill: prompt lengths, batch one
    prefill_s: np.ndarray
    decode: dict  # context -> (batch sizes, step seconds)
    decode_eager_s: float | None  # one sequence, no CUDA graph, at the shortest context
    prompts_compiled: np.ndarray  # the same, each layer through torch.compile (may be empty)
    prefill_compiled_s: np.ndarray
    decode_compiled: dict
    kernels: dict  # "eager"/"compiled" -> kernels per decode step (may be empty)

    @property
    def contexts(self) -> list[int]:
        return sorted(self.decode)

    @property
    def catalog_gpu(self) -> str:
        """The library's catalog name for the GPU that ran (``CATALOG_GPUS``)."""
        if self.gpu not in CATALOG_GPUS:
            raise ValueError(
                f"no catalog entry is known for the GPU {self.gpu!r}; known: "
                f"{', '.join(CATALOG_GPUS)}"
            )
        return CATALOG_GPUS[self.gpu]

    def deployment(self, model=None, dtype: str | None = None) -> Deployment:
        """The library's prediction for this run: ``model`` (default: the one that ran) in
        ``dtype`` (default: the run's) on one device with the run's measured ceilings,
        MFU = MBU = 1 (``lab.measured_deployment``)."""
        model, dtype = model or self.model, dtype or self.dtype
        if model is None or dtype is None:
            raise ValueError(
                "the run does not say which model and dtype ran (no 'model:' "
                "line); pass model= and dtype="
            )
        return measured_deployment(model, self.flops, self.bandwidth, dtype, name=self.gpu)


def gpu_run_from_rows(rows, notes=(), where: str = "rows") -> GPURun:
    """A ``GPURun`` from the benchmark's rows (dicts keyed by ``GPU_RUN_COLUMNS``; values as
    strings or numbers; a ``datafiles.Row`` carries its line number) and its ``#`` lines
    (without the ``#``). ``where`` names the source in errors. The GPU's name and the date
    come from the lines ``gpu: ...`` and ``source: ... run YYYY-MM-DD``; without them,
    "unknown". Every time must be a positive finite number, counts whole and not negative,
    and no (measurement, batch, tokens) point may appear twice. Chapter 7 uses it."""
    by_kind: dict[str, list[tuple[int, int, float, float]]] = {}
    checked = []
    for n, r in enumerate(rows, 1):
        missing = [c for c in GPU_RUN_COLUMNS if c not in r or r[c] is None]
        if missing:
            raise ValueError(
                f"{where}: row {n} lacks {', '.join(missing)}; columns: "
                f"{', '.join(GPU_RUN_COLUMNS)}"
            )
        row = Row({c: str(r[c]).strip() for c in GPU_RUN_COLUMNS})
        row.line = getattr(r, "line", n)
        kind = row["measurement"]
        if kind not in GPU_RUN_MEASUREMENTS:
            raise ValueError(
                f"{where}, line {row.line}: measurement {kind!r}; allowed: "
                f"{', '.join(GPU_RUN_MEASUREMENTS)}"
            )
        for col in ("min_s", "max_s"):
            number(where, row, col, strictly_above=0)
        number(where, row, "repeats", int, minimum=1)
        work = number(where, row, "work", strictly_above=0, empty_ok=True)
        entry = (
            number(where, row, "batch", int, minimum=0),
            number(where, row, "tokens", int, minimum=0),
            number(where, row, "median_s", strictly_above=0),
            float("nan") if work is None else work,
        )
        if kind in ("matmul", "matvec", "copy") and work is None:
            raise ValueError(
                f"{where}, line {row.line}: a {kind} row needs its work (FLOPs or bytes)"
            )
        by_kind.setdefault(kind, []).append(entry)
        checked.append(row)
    no_repeats(where, checked, lambda r: (r["measurement"], r["batch"], r["tokens"]))
    absent = [k for k in ("matmul", "matvec", "copy", "prefill", "decode") if k not in by_kind]
    if absent:
        raise ValueError(
            f"{where}: no {', '.join(absent)} rows; a run has matmul, matvec, "
            "copy, prefill and decode rows"
        )

    def rate(kind):
        _, _, seconds, work = by_kind[kind][0]
        return work / seconds

    def prefill(kind):
        points = sorted((tokens, s) for _, tokens, s, _ in by_kind.get(kind, []))
        return np.array([t for t, _ in points], dtype=int), np.array([s for _, s in points])

    def decode(kind):
        out: dict[int, list] = {}
        for batch, context, s, _ in sorted(by_kind.get(kind, []), key=lambda e: (e[1], e[0])):
            out.setdefault(context, []).append((batch, s))
        return {
            c: (np.array([b for b, _ in v]), np.array([s for _, s in v])) for c, v in out.items()
        }

    eager = by_kind.get("decode-eager")
    text = "\n".join(notes)
    gpu = re.search(r"^gpu: ([^,\n]+)", text, re.M)
    date = re.search(r"^source: .* run (\d{4}-\d{2}-\d{2})", text, re.M)
    kernels = re.search(r"^kernels per decode step[^:]*: (.*)$", text, re.M)
    model = re.search(r"^model: (\S+) architecture, random weights, (\w+),", text, re.M)
    prompts, prefill_s = prefill("prefill")
    prompts_compiled, prefill_compiled_s = prefill("prefill-compiled")
    return GPURun(
        gpu=gpu.group(1).strip() if gpu else "unknown",
        date=date.group(1) if date else "unknown",
        notes=tuple(notes),
        model=model.group(1) if model else None,
        dtype=model.group(2) if model else None,
        flops=rate("matmul"),
        bandwidth=rate("matvec"),
        copy_bandwidth=rate("copy"),
        prompts=prompts,
        prefill_s=prefill_s,
        decode=decode("decode"),
        decode_eager_s=eager[0][2] if eager else None,
        prompts_compiled=prompts_compiled,
        prefill_compiled_s=prefill_compiled_s,
        decode_compiled=decode("decode-compiled"),
        kernels={k: int(v) for k, v in re.findall(r"(\w+) (\d+)", kernels.group(1))}
        if kernels
        else {},
    )


def load_gpu_run(path=None) -> GPURun:
    """The GPU benchmark's CSV (default: ``data/gpu-roofline-h100.csv``) as a ``GPURun``. A
    missing file, column or row kind, or a bad value, raises a ValueError naming the file and
    the line. Chapter 7 uses it."""
    p = pathlib.Path(path) if path is not None else data_path(GPU_RUN_FILE)
    notes, rows = read_csv(
        p, "GPU run (benchmarks/gpu_roofline.py --out writes one)", GPU_RUN_COLUMNS
    )
    return gpu_run_from_rows(rows, notes, where=str(p))


GPU_PROFILE_FILE = "gpu-profile-h100.csv"
GPU_PROFILE_COLUMNS = ("variant", "batch", "context", "category", "gpu_s", "kernels")
KERNEL_CATEGORIES = ("products", "attention", "other")


@dataclass(frozen=True)
class GPUProfile:
    """Where one decode step's GPU time went (``benchmarks/gpu_roofline.py --profile``): for
    each variant ("plain", "compiled"), category -> (GPU seconds, kernels). The categories are
    the matrix products, attention, and everything else (norms, rotary embedding, activation,
    residual adds, copies). Chapter 7 uses it."""

    batch: int
    context: int
    notes: tuple[str, ...]
    seconds: dict  # variant -> {category: GPU seconds}
    kernels: dict  # variant -> {category: kernel count}


def load_gpu_profile(path=None) -> GPUProfile:
    """The profile CSV (default ``data/gpu-profile-h100.csv``) as a ``GPUProfile``. A missing
    file, column or category, a bad value or a repeated (variant, category) raises a
    ValueError naming the file and the line. Chapter 7 uses it."""
    p = pathlib.Path(path) if path is not None else data_path(GPU_PROFILE_FILE)
    where = str(p)
    notes, rows = read_csv(
        p,
        "GPU profile (benchmarks/gpu_roofline.py --profile BATCH,CONTEXT --out writes one)",
        GPU_PROFILE_COLUMNS,
    )
    if not rows:
        raise ValueError(f"{where}: no rows")
    no_repeats(where, rows, lambda r: (r["variant"], r["category"]))
    seconds: dict = {}
    kernels: dict = {}
    points = set()
    for r in rows:
        if r["category"] not in KERNEL_CATEGORIES:
            raise ValueError(
                f"{where}, line {r.line}: category {r['category']!r}; allowed: "
                f"{', '.join(KERNEL_CATEGORIES)}"
            )
        points.add(
            (number(where, r, "batch", int, minimum=1), number(where, r, "context", int, minimum=0))
        )
        seconds.setdefault(r["variant"], {})[r["category"]] = number(
            where, r, "gpu_s", strictly_above=0
        )
        kernels.setdefault(r["variant"], {})[r["category"]] = number(
            where, r, "kernels", int, minimum=0
        )
    if len(points) != 1:
        raise ValueError(f"{where}: rows from {len(points)} (batch, context) points; one expected")
    ((batch, context),) = points
    return GPUProfile(batch, context, tuple(notes), seconds, kernels)
