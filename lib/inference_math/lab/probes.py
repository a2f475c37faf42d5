"""What the formulas need from a machine, measured (chapter 7): the achieved memory bandwidth
and matrix-product rate, the BLAS and its threads, and the library's roofline for a device
that holds the measured ceilings.
"""

from __future__ import annotations

import ctypes
import glob
import os
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..serving.deployment import Deployment, deployment
from ..hardware.gpus import GPU
from ..model.catalog import get_model
from ..hardware.roofline import matmul_rate


@dataclass(frozen=True)
class Measurement:
    """A rate measured as the median over repeats (robust to a neighbour's burst of work).
    Chapter 7 uses it."""

    value: float  # the median rate
    samples: tuple  # every repeat's rate, to show the spread
    unit: str
    how: str

    @property
    def spread(self) -> float:
        """Largest over smallest sample: near 1 on a quiet machine."""
        return max(self.samples) / min(self.samples)


def seconds(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call of ``fn`` (chapter 7)."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def last_level_cache_bytes() -> int | None:
    """The largest CPU cache Linux reports (sysfs), or None elsewhere. Chapter 7 uses it."""
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
    whichever is larger, so that it comes from memory, not from a cache. Chapter 7 uses it."""
    a = probe_matrix(nbytes)
    x = np.ones(a.shape[1], dtype=np.float32)
    return (lambda: a @ x), a.nbytes


def probe_matrix(nbytes: float | None = None) -> np.ndarray:
    """A float32 matrix of 4,096 columns and about ``nbytes`` (default: a GiB or four times
    the last-level cache, whichever is larger). Chapter 7 uses it."""
    if nbytes is None:
        nbytes = max(2**30, 4 * (last_level_cache_bytes() or 0))
    cols = 4096
    return np.ones((max(1, int(nbytes) // (4 * cols)), cols), dtype=np.float32)


def matmul_probe(n: int = 2048) -> tuple[Callable[[], object], int]:
    """(a function that multiplies two float32 n x n matrices, its 2 n^3 FLOPs): large enough
    that the BLAS runs at its best. Chapter 7 uses it."""
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
    """Achieved read bandwidth, bytes/s: the median of ``repeats`` reads (``bandwidth_probe``).
    Chapter 7 uses it."""
    fn, n = bandwidth_probe(nbytes)
    return _measure(
        (fn, n), "bytes/s", f"float32 matrix-vector product over {n / 2**30:.2f} GiB", repeats
    )


def measure_matmul_flops(n: int = 2048, repeats: int = 7) -> Measurement:
    """Achieved float32 matrix-product rate, FLOP/s: the median of ``repeats`` products.
    Chapter 7 uses it."""
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
    changes nothing) when the BLAS is not numpy's own OpenBLAS. Chapter 7 uses it."""
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
    operating system has just put to sleep, so small products can take many times longer.
    Chapter 7 uses it."""
    text = os.environ.get("WTC_LAB_THREADS", "1").strip().lower() or "1"
    if text in ("all", "0"):
        return os.cpu_count() or 1
    if not text.isdigit():
        raise ValueError(f"WTC_LAB_THREADS must be a positive integer or 'all', got {text!r}")
    return int(text)


def blas_info() -> dict:
    """The BLAS numpy multiplies with and its thread count, for the record of a measurement.
    Read from numpy's build configuration and, for numpy's own OpenBLAS, from the library
    itself (threadpoolctl would do the same, but the book does not depend on it).
    Chapter 7 uses it."""
    info = {
        "numpy": np.__version__,
        "blas": "unknown",
        "version": "",
        "core": "",
        "threads": None,
        "cpus": os.cpu_count(),
    }
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
    """One line naming the BLAS numpy uses and its threads, for the chapter's table (chapter 7)."""
    i = info or blas_info()
    threads = (
        f"{i['threads']} thread{'s' * (i['threads'] != 1)}" if i["threads"] else "threads unknown"
    )
    core = f" ({i['core']} kernels)" if i["core"] else ""
    return f"{i['blas']} {i['version']}{core}, {threads}, numpy {i['numpy']}"


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages (runnable processes), or None where unknown.
    Chapter 7 uses it."""
    try:
        return os.getloadavg()
    except OSError:
        return None


# ----- the library's roofline for this CPU -------------------------------------------------


def measured_gpu(
    flops: float,
    bandwidth: float,
    dtype: str = "fp32",
    memory_bytes: float = 0.0,
    name: str = "this-cpu",
) -> GPU:
    """A machine as the library's ``GPU`` record holding its measured ceilings: ``flops``, the
    matrix-product rate measured in ``dtype``, and ``bandwidth``, the read rate in bytes/s.

    The library reads an fp32 product at half a GPU's bf16 tensor rate (TF32), so for fp32 the
    record's ``bf16_flops`` is twice the measured rate; either way ``matmul_rate(gpu, dtype)``
    is exactly the measured rate. numpy has no bfloat16 product, so on a CPU that field means
    nothing else. Chapter 7 uses it."""
    scale = {"fp32": 2.0, "bf16": 1.0, "fp16": 1.0}
    if dtype not in scale:
        raise ValueError(f"measured ceilings are for {', '.join(scale)} products, got {dtype!r}")
    gpu = GPU(
        name,
        bf16_flops=scale[dtype] * flops,
        int8_ops=None,
        fp8_flops=None,
        memory_label="as measured",
        memory_bytes=float(memory_bytes),
        bandwidth_bytes_per_s=float(bandwidth),
        interconnect="none",
        interconnect_bytes_per_s=None,
        usd_per_hour=0.0,
        price_source="a machine you already own",
        price_date="",
        source="measured ceilings (inference_math.lab, benchmarks/)",
        date=time.strftime("%Y-%m-%d"),
    )
    assert matmul_rate(gpu, dtype) == flops
    return gpu


def measured_deployment(
    config, flops: float, bandwidth: float, dtype: str = "fp32", name: str = "this-cpu"
) -> Deployment:
    """The library's ``Deployment`` for ``config`` on one device whose ceilings are the
    measured ones (``measured_gpu``): MFU = MBU = 1, since the measurements already are
    achieved rates; weights and cache in ``dtype``; attention FLOPs counted; the roofline of
    the primer (the article's step model), which chapter 7 checks."""
    return deployment(
        get_model(config),
        measured_gpu(flops, bandwidth, dtype, name=name),
        gpus=1,
        dtype=dtype,
        kv_dtype=dtype,
        mfu=1.0,
        mbu=1.0,
        usd_per_gpu_hour=0.0,
        usable_memory=1.0,
        attention=True,
        step_model="article",
    )
