"""The whole roofline check on this machine (chapter 7 and benchmarks/cpu_roofline.py): build
the lab model, measure the ceilings, time decode and prefill, and set the library's prediction
beside them.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..serving.deployment import Deployment
from ..model.spec import Model
from ..serving.steps import decode_step_time, prefill_time
from .model import LAB_CONFIGS, KVCache, Llama, lab_config
from .probes import (
    Measurement,
    describe_blas,
    lab_threads,
    load_average,
    matmul_probe,
    measured_deployment,
    probe_matrix,
    seconds,
    set_blas_threads,
)


def fill_cache(
    model: Llama, batch: int, tokens: int, seed: int = 0, capacity: int | None = None
) -> KVCache:
    """A cache holding ``tokens`` tokens of random keys and values for ``batch`` sequences.
    A decode step's time does not depend on what the cache holds, only on how much, so timing
    a large batch need not pay for its prefill. Chapter 7 uses it."""
    cache = model.new_cache(batch, capacity or tokens + 1)
    rng = np.random.default_rng(seed)
    for arr in (cache.k, cache.v):
        arr[:, :, :, :tokens] = rng.random(arr[:, :, :, :tokens].shape, dtype=np.float32)
    cache.length = tokens
    return cache


@dataclass(frozen=True)
class Sweep:
    """What to time for one lab configuration, and for how long. Chapter 7 uses it."""

    batches: tuple[int, ...]  # decode: batch sizes, at one context
    context: int  # each sequence attends to this many keys
    prompts: tuple[int, ...]  # prefill: prompt lengths, batch one
    min_rounds: int = 2
    max_rounds: int = 5
    budget_s: float = 25.0  # start no round that would end after this (past min_rounds)


SWEEPS: dict[str, Sweep] = {
    "lab-tiny": Sweep((1, 2, 4), 8, (4, 8), 2, 3, 5.0),
    # the chapter's: about 20 s on a quiet laptop core, within its 45 s on a busy one
    "lab-156m": Sweep((1, 2, 4, 8, 16, 32, 64, 128), 64, (8, 16, 32, 64, 128, 256), 2, 5, 15.0),
    "lab-492m": Sweep(
        (1, 2, 4, 8, 16, 32, 64, 128, 256), 128, (8, 16, 32, 64, 128, 256, 512, 1024), 3, 7, 300.0
    ),
}


@dataclass
class RooflineCheck:
    """Measured and predicted times of one run, with the conditions it ran under.
    Chapter 7 uses it."""

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
    skinny_read: dict  # batch -> bytes/s of the probe matrix times a batch-wide input
    overhead_s: float  # a step of the tiny lab model, scaled to this one's layers
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
        out = [
            f"decode  batch {b:>4} context {self.context}: measured {m * 1e3:9.2f} ms, "
            f"predicted {p * 1e3:9.2f} ms, predicted/measured {p / m:.2f}"
            for b, m, p in zip(self.batches, self.decode_s, self.decode_predicted_s)
        ]
        out += [
            f"prefill prompt {n:>4} batch 1: measured {m * 1e3:9.2f} ms, "
            f"predicted {p * 1e3:9.2f} ms, predicted/measured {p / m:.2f}"
            for n, m, p in zip(self.prompts, self.prefill_s, self.prefill_predicted_s)
        ]
        out.append(
            f"median predicted/measured: decode {self.median_decode_ratio:.2f}, "
            f"prefill {self.median_prefill_ratio:.2f}"
        )
        return out


SKINNY_BATCHES = (2, 8)


def check_roofline(
    size: str | None = None,
    threads: int | None = None,
    seed: int = 0,
    sweep: Sweep | None = None,
    log: Callable[[str], None] | None = None,
    probe_bytes: float | None = None,
    probe_n: int = 2048,
    model: Llama | None = None,
) -> RooflineCheck:
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
    negligible, as an estimate of the interpreter's overhead per step. Chapter 7 uses it."""
    start = time.perf_counter()
    config = model.config if model is not None else lab_config(size)
    if sweep is None and config.name not in SWEEPS:
        raise ValueError(
            f"no sweep for {config.name!r}: pass sweep=Sweep(...); sweeps exist "
            f"for {', '.join(SWEEPS)}"
        )
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
        tasks: dict[tuple, Callable[[], object]] = {
            ("bandwidth", 0): lambda: matrix @ vector,
            ("flops", 0): product,
        }
        for b in SKINNY_BATCHES:  # the orientation of linear(): W @ x^T, x of b rows
            x = rng.random((b, matrix.shape[1]), dtype=np.float32)
            tasks[("skinny", b)] = lambda x=x: matrix @ x.T
        tiny = Llama.random(LAB_CONFIGS["lab-tiny"], seed)
        tasks[("overhead", 0)] = _decode_task(
            tiny,
            fill_cache(tiny, 1, sweep.context - 1, seed),
            sweep.context,
            np.zeros(1, dtype=int),
        )
        for b in sweep.batches:
            tasks[("decode", b)] = _decode_task(
                model, cache.first(b), sweep.context, rng.integers(0, config.vocab_size, b)
            )
        for n in sweep.prompts:
            tasks[("prefill", n)] = _prefill_task(model, rng.integers(0, config.vocab_size, (1, n)))
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
            if (
                rounds >= sweep.min_rounds
                and time.perf_counter() - sweep_start + took > sweep.budget_s
            ):
                break
        load_after = load_average()
    finally:
        if previous is not None:
            set_blas_threads(previous)
    rates = tuple(read_bytes / t for t in times[("bandwidth", 0)])
    bandwidth = Measurement(
        statistics.median(rates),
        rates,
        "bytes/s",
        f"float32 matrix-vector product over {read_bytes / 2**30:.2f} GiB",
    )
    rates = tuple(product_flops / t for t in times[("flops", 0)])
    flops = Measurement(
        statistics.median(rates), rates, "FLOP/s", "float32 2048 x 2048 matrix product"
    )
    dep = measured_deployment(config, flops.value, bandwidth.value)
    batches, prompts = np.array(sweep.batches), np.array(sweep.prompts)
    med = lambda kind, xs: np.array([statistics.median(times[(kind, x)]) for x in xs])  # noqa
    return RooflineCheck(
        config=config,
        weight_nbytes=model.nbytes,
        threads=threads if previous is not None else None,
        blas=blas,
        load_before=load_before,
        load_after=load_after,
        rounds=rounds,
        bandwidth=bandwidth,
        flops=flops,
        deployment=dep,
        batches=batches,
        context=sweep.context,
        decode_s=med("decode", batches),
        decode_predicted_s=decode_step_time(dep, batches, sweep.context),
        prompts=prompts,
        prefill_s=med("prefill", prompts),
        prefill_predicted_s=prefill_time(dep, prompts, 1),
        skinny_read={
            b: read_bytes / statistics.median(times[("skinny", b)]) for b in SKINNY_BATCHES
        },
        overhead_s=statistics.median(times[("overhead", 0)])
        * config.n_layers
        / LAB_CONFIGS["lab-tiny"].n_layers,
        seconds=time.perf_counter() - start,
    )


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
