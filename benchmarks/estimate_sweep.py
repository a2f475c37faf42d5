"""How long `estimate` takes over a grid of 1,000,000 (batch, prompt, completion) points.

Goals: static batching under 0.1 s and continuous batching with whole prompts under 0.2 s on a
2-core machine. Continuous batching with chunked prefill (the default of ``batching=
"continuous"`` since engines chunk) solves a closed loop for each point by bisection and
is reported beside them, timed once: it costs tens of seconds for the grid, so a sweep of
that size is for whole prompts or static batches. Reported,
never asserted: timings depend on the machine. For scale, llm-analysis 0.2.2 spends about
0.28 ms per configuration, which would be about 280 s for this grid.

    python benchmarks/estimate_sweep.py [--repeats 7]
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np

import inference_math as im


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    batch = np.arange(1, 101)[:, None, None]
    prompt = np.linspace(0, 2048, 100).round()[None, :, None]
    completion = np.linspace(1, 2048, 100).round()[None, None, :]
    points = batch.size * prompt.size * completion.size
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}"
    )
    print(f"points: {points:,}")
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 8)
    modes = [
        ("static", dict(), 0.1, args.repeats),
        ("continuous, whole prompts", dict(batching="continuous", chunked_prefill=False), 0.2,
         args.repeats),
        ("continuous, chunked prefill (the default)", dict(batching="continuous"), None, 1),
    ]  # fmt: skip
    for name, kw, goal, repeats in modes:
        grid = dict(batch=batch, prompt=prompt, completion=completion, **kw)
        if repeats > 1:
            im.estimate(dep, **grid)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            im.estimate(dep, **grid)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        verdict = (
            "" if goal is None else (f"; goal {goal} s: {'met' if median <= goal else 'NOT met'}")
        )
        print(
            f"{name}: median {median:.3f} s, best {min(times):.3f} s of {repeats} "
            f"({median / points * 1e9:.0f} ns per configuration){verdict}"
        )


if __name__ == "__main__":
    main()
