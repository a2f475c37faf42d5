"""How long `estimate` takes over a grid of 1,000,000 (batch, prompt, completion) points.

Goal (issue 2): at most 0.25 s on a 2-core machine. Reported, never asserted: timings depend
on the machine. For scale, llm-analysis 0.2.2 spends about 0.28 ms per configuration, which
would be about 280 s for this grid.

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
    im.estimate(
        "llama-2-70b", "a100-80gb-sxm", 8, batch=batch, prompt=prompt, completion=completion
    )  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        r = im.estimate(
            "llama-2-70b", "a100-80gb-sxm", 8, batch=batch, prompt=prompt, completion=completion
        )
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}"
    )
    print(f"points: {points:,} (shape {r['ttft_s'].shape})")
    print(
        f"estimate over the grid: median {median:.3f} s, best {min(times):.3f} s "
        f"of {args.repeats} ({median / points * 1e9:.0f} ns per configuration)"
    )
    print(f"goal: at most 0.25 s -> {'met' if median <= 0.25 else 'NOT met'}")


if __name__ == "__main__":
    main()
