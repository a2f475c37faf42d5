"""The per-op serving model against published measurements of real servers.

    PYTHONPATH=lib python benchmarks/public_measurements.py [--bootstrap N]

Fits the model's constants on the sources published up to 2023 (``FIT_SOURCES``), gives
each a bootstrap interval (whole sources resampled, N times, default 50), and reports the
error of the library's committed defaults (``inference_math.hardware.efficiency``) on the sources it
was not fitted on, by source and by metric; then, as a second view, leave-one-source-out
errors (each source predicted by a fit on all the others). Prints the constants as
``efficiency.py`` holds them, so a refit can be pasted there. The last line is exactly

    held-out MAE: TTFT X%, ITL Y%

Takes about a minute per 20 bootstrap draws on two cores. Nothing in the tests runs it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from inference_math import measurements as ms


def show(constants: ms.ServerConstants, draws=None) -> list[str]:
    def fmt(name, value, pick=None):
        if draws is None:
            return f"  {name}: {value:.4g}"
        d = [pick(c) for c in draws if pick(c) is not None]
        lo, hi = np.percentile(d, [5, 95]) if d else (np.nan, np.nan)
        return f"  {name}: {value:.4g} (5-95%: {lo:.4g} to {hi:.4g}, {len(d)} draws)"

    lines = []
    for key, v in constants.mfu.items():
        lines.append(fmt(f"MFU {key}", v, lambda c, k=key: c.mfu.get(k)))
    for key, v in constants.mbu.items():
        lines.append(fmt(f"MBU {key}", v, lambda c, k=key: c.mbu.get(k)))
    lines.append(fmt("overhead per pass (s)", constants.overhead_s, lambda c: c.overhead_s))
    lines.append(fmt("prefill overhead per layer (s)", constants.prefill_overhead_per_layer_s,
                     lambda c: c.prefill_overhead_per_layer_s))  # fmt: skip
    lines.append(fmt("all-reduce latency (s)", constants.allreduce_latency_s,
                     lambda c: c.allreduce_latency_s))  # fmt: skip
    return lines


def efficiency_block(constants: ms.ServerConstants, draws) -> str:
    """The constants as efficiency.py writes them, with bootstrap intervals."""

    def fitted(value, pick):
        d = [pick(c) for c in draws if pick(c) is not None] or [value]
        lo, hi = np.percentile(d, [5, 95])
        return f"Fitted({value:.4g}, {lo:.4g}, {hi:.4g})"

    out = ["MFU = {"]
    out += [
        f"    {k!r}: {fitted(v, lambda c, k=k: c.mfu.get(k))}," for k, v in constants.mfu.items()
    ]
    out += ["}", "MBU = {"]
    out += [
        f"    {k!r}: {fitted(v, lambda c, k=k: c.mbu.get(k))}," for k, v in constants.mbu.items()
    ]
    out += ["}",
            f"OVERHEAD_S = {fitted(constants.overhead_s, lambda c: c.overhead_s)}",
            "PREFILL_OVERHEAD_PER_LAYER_S = "
            + fitted(constants.prefill_overhead_per_layer_s,
                     lambda c: c.prefill_overhead_per_layer_s),
            "ALLREDUCE_LATENCY_S = "
            + fitted(constants.allreduce_latency_s, lambda c: c.allreduce_latency_s)]  # fmt: skip
    return "\n".join(out)


def by_source(rows, constants) -> list[str]:
    lines = []
    for source in sorted({r.source for r in rows}):
        part = [r for r in rows if r.source == source]
        mae = ms.mean_abs_error(part, constants)
        shown = ", ".join(f"{m.removesuffix('_s').upper()} {100 * v:.0f}% ({n} rows)"
                          for m, v in mae.items()
                          if (n := sum(r.metric_kind == m for r in part)))  # fmt: skip
        lines.append(f"  {source:<26} {shown}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=50, help="bootstrap draws (default 50)")
    args = parser.parse_args()
    start = time.perf_counter()
    rows = ms.load_public_measurements()
    scored = ms.scored(rows)
    fit_rows, held = ms.fit_sources(rows), ms.held_out(rows)
    engines = sorted({r.engine for r in scored})
    gpus = sorted({r.gpu for r in scored})
    tps = sorted({r.tp for r in scored})
    print(
        f"{len(rows)} published measurements from {len({r.source for r in rows})} sources; "
        f"{len(scored)} modelled ({len(fit_rows)} for fitting, {len(held)} held out)"
    )
    print(f"engines: {', '.join(engines)}; GPUs: {', '.join(gpus)}; TP: {tps}")

    fitted = ms.fit(fit_rows)
    draws = ms.bootstrap(fit_rows, repeats=args.bootstrap) if args.bootstrap > 0 else None
    print(f"\nfitted on {', '.join(ms.FIT_SOURCES)}:")
    print("\n".join(show(fitted, draws)))
    if draws is not None:
        print("\nas efficiency.py holds them:\n" + efficiency_block(fitted, draws))

    defaults = ms.library_defaults()
    print("\nthe library's defaults on the fitting sources:")
    print("\n".join(by_source(fit_rows, defaults)))
    print("the library's defaults on the held-out sources:")
    print("\n".join(by_source(held, defaults)))

    print("\nleave one source out (each source predicted by a fit on all the others):")
    errors = {m: [] for m in ms.METRICS}
    for source in sorted({r.source for r in scored}):
        others = [r for r in scored if r.source != source]
        part = [r for r in scored if r.source == source]
        err = ms.relative_errors(part, ms.fit(others, iterations=60))
        for m in ms.METRICS:
            errors[m] += [abs(e) for e, r in zip(err, part) if r.metric_kind == m]
    print("  " + ", ".join(f"{m.removesuffix('_s').upper()} {100 * np.mean(v):.0f}% "
                           f"({len(v)} rows)" for m, v in errors.items()))  # fmt: skip
    print(f"\nran in {time.perf_counter() - start:.0f} s")
    mae = ms.mean_abs_error(held, defaults)
    print(f"held-out MAE: TTFT {100 * mae['ttft_s']:.0f}%, ITL {100 * mae['itl_s']:.0f}%")


if __name__ == "__main__":
    main()
