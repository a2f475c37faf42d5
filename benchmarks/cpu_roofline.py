"""Check the roofline on this CPU: a numpy Llama's prefill and decode against the library.

Builds the lab model (inference_math.lab, random weights), measures this machine's ceilings
(float32 matrix-product rate and memory read bandwidth), times a decode step against batch
size and a prefill against prompt length, and compares each with the library's prediction for
"this CPU" (an im.GPU record holding the measured ceilings, MFU = MBU = 1). Every measurement
runs once per round, interleaved with the others, after a warm-up round; each is the median
over the rounds, so a neighbour's burst of work slows ceilings and model alike. Prints the
conditions (BLAS, threads, load average), one line per point and, last,

    median predicted/measured: decode X, prefill Y

Goal (issue 5) on a 2-core machine: decode within 1.5x (0.67 <= X <= 1.5), prefill within 2x.
Reported, never asserted: timings depend on the machine and on what else runs on it.

    python benchmarks/cpu_roofline.py [--size default|large|tiny] [--threads N|all]
                                      [--rounds 7] [--budget 90]

--size and --threads default to the environment variables WTC_LAB_SIZE and WTC_LAB_THREADS
that the chapter reads (default size, one BLAS thread).
"""

import argparse
import dataclasses
import os
import platform
import sys

import inference_math as im
from inference_math import lab, units


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        choices=sorted(lab.LAB_SIZES),
        default=None,
        help="lab configuration (default: $WTC_LAB_SIZE or 'default')",
    )
    parser.add_argument(
        "--threads",
        default=None,
        help="BLAS threads, a number or 'all' (default: $WTC_LAB_THREADS or 1)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=7,
        help="most interleaved rounds (the chapter's sweep stops at 5)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=90.0,
        help="seconds of rounds before stopping (after three rounds)",
    )
    args = parser.parse_args()
    if args.threads is not None:
        os.environ["WTC_LAB_THREADS"] = args.threads
    threads = lab.lab_threads()

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"last-level cache {units.fmt_bytes(lab.last_level_cache_bytes() or 0, 'MiB')}, "
        f"python {platform.python_version()}"
    )
    base = lab.SWEEPS[lab.lab_config(args.size).name]
    sweep = dataclasses.replace(
        base, min_rounds=min(3, args.rounds), max_rounds=args.rounds, budget_s=args.budget
    )
    run = lab.check_roofline(args.size, threads, sweep=sweep, log=lambda s: print(s, flush=True))
    m = run.config
    print(
        f"config {m.name}: L={m.n_layers} d={m.d_model} H={m.n_heads} K={m.n_kv_heads} "
        f"d_h={m.head_dim} d_ff={m.d_ff} V={m.vocab_size}, {m.params:,} parameters "
        f"({units.fmt_bytes(run.weight_nbytes, 'MB')} in float32), "
        f"{units.fmt_bytes(im.weight_bytes_read(m, 'fp32', 1), 'MB')} of "
        f"weights read per decode step (library's count)"
    )
    print(f"BLAS threads: {run.threads if run.threads else 'BLAS default (could not set)'}")
    print(
        f"load average (1, 5, 15 min) before {fmt_load(run.load_before)}, "
        f"after {fmt_load(run.load_after)}"
    )
    print(
        f"ceilings: {units.fmt_si(run.flops.value, 'FLOP/s', 'G')} ({run.flops.how}, "
        f"spread {run.flops.spread:.2f}x), {units.fmt_si(run.bandwidth.value, 'B/s', 'G')} "
        f"({run.bandwidth.how}, spread {run.bandwidth.spread:.2f}x); ridge "
        f"{run.flops.value / run.bandwidth.value:.1f} FLOP/byte, decode turns compute-bound "
        f"at batch {float(im.compute_bound_batch(run.deployment, run.context)):.1f}"
    )
    print(
        "skinny products (probe matrix times a B-column input), read rate against the "
        "streaming read: "
        + ", ".join(f"B={b} {r / run.bandwidth.value:.2f}" for b, r in run.skinny_read.items())
    )
    print(
        f"interpreter overhead per decode step (tiny model, scaled): {run.overhead_s * 1e3:.2f} ms"
    )
    print(
        f"run took {run.seconds:.1f} s: warm-up and {run.rounds} interleaved rounds, "
        f"medians over rounds"
    )
    for line in run.lines():
        print(line)
    sys.stdout.flush()


def fmt_load(load) -> str:
    return "unknown" if load is None else ", ".join(f"{x:.2f}" for x in load)


if __name__ == "__main__":
    main()
