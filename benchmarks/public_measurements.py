"""The per-op serving model against every published measurement the book holds (chapter 10).

    PYTHONPATH=lib python benchmarks/public_measurements.py [--write]

Prints what the evidence covers; the constants fitted on all of it (as
lib/inference_math/hardware/efficiency.py and serving/engines.py hold them); the error of
every source group predicted by a fit on all the other groups (leave one group out: versions
of one page or one suite are held out together), beside the same model at the round 0.6 and
0.6 (not fitted), per group, with every group where the fit does worse than the round
numbers; the same on a split by date (fitted on sources published up to 2024, tested on
2025-2026); and the share of held-out rows inside 80% prediction intervals built from the
other groups' held-out errors. ``--write`` writes those held-out errors to
data/serving-model-residuals.csv, which ``estimate(..., interval=...)`` reads. The last line
is exactly

    LOSO MAE: TTFT X%, ITL Y%, throughput Z%

About six minutes on two cores. Nothing in the tests runs it.
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np

from inference_math.core.datafiles import data_path
from inference_math.evidence import public
from inference_math.evidence import cross_validation as cv
from inference_math.evidence import server_fit as sf
from inference_math.serving import intervals


def percent(errors: dict) -> str:
    return ", ".join(f"{k} {100 * v:.0f}%" for k, v in errors.items())


def coverage_lines(design, rows) -> list[str]:
    count = collections.Counter
    lines = [
        f"  GPUs: {dict(count(r.gpu for r in rows).most_common())}",
        f"  formats: {dict(count(r.dtype for r in rows).most_common())}",
        f"  engines: {dict(count(r.engine for r in rows).most_common())}",
        f"  GPUs per replica: {dict(sorted(count(r.gpus for r in rows).items()))}",
        f"  attention: {dict(count(r.attention for r in rows).most_common())}",
        f"  load: {dict(count(r.served_as for r in rows).most_common())}",
        f"  batch or concurrency: {min(r.batch for r in rows if r.batch)} to "
        f"{max(r.batch for r in rows if r.batch)}",
        f"  prompt tokens: {min(r.prompt for r in rows):.0f} to {max(r.prompt for r in rows):.0f}",
        f"  models: {dict(count(r.model for r in rows).most_common())}",
        f"  metrics: {dict(count(r.metric_kind for r in rows).most_common())}",
    ]
    return lines


def constants_block(c: sf.Constants) -> str:
    out = [f"FIT_DATE = {time.strftime('%Y-%m-%d')!r}"]
    for name, table in (("WEIGHTS_MBU", c.weights_mbu), ("PRODUCTS_MFU", c.products_mfu),
                        ("KV_MBU", c.kv_mbu), ("ATTENTION_MFU", c.attention_mfu)):  # fmt: skip
        out.append(f"{name} = {{")
        out += [f"    {k!r}: {v:.4g}," for k, v in table.items()]
        out.append("}")
    out.append(f"TP_MFU_EXPONENT = {c.tp_exponent:.4g}")
    out.append("engines (step s, prefill per layer s, request s):")
    out += [f"    {e}: ({a:.4g}, {b:.4g}, {r:.4g})" for e, (a, b, r) in c.engines.items()]
    return "\n".join(out)


def by_group(design, held, plain) -> tuple[list[str], list[str]]:
    err = np.abs(cv.relative(design, held))
    err_plain = np.abs(cv.relative(design, plain))
    lines, worse = [], []
    for g in sorted(set(design.group)):
        parts = []
        for k in cv.SCORED:
            m = (design.group == g) & (design.kind == k)
            if not m.any():
                continue
            a, b = np.mean(err[m]), np.mean(err_plain[m])
            parts.append(f"{k} {100 * a:.0f}% (round {100 * b:.0f}%, {m.sum()} rows)")
            if a > b:
                worse.append(f"{g} {k}: {100 * a:.0f}% against {100 * b:.0f}%")
        lines.append(f"  {g:<26} " + "; ".join(parts))
    return lines, worse


def write_residuals(design, held) -> None:
    path = data_path(intervals.RESIDUALS_FILE)
    lines = [
        "# source: benchmarks/public_measurements.py --write, "
        f"{time.strftime('%Y-%m-%d')}: each scored row of public-measurements.csv predicted "
        "by a fit on every other source group; log_error = log(predicted / printed) of the "
        "time measured (for a rate, log(printed / predicted)); class = metric kind / GPU "
        "generation / weight format / dense or moe. "
        "estimate(..., interval=...) reads its quantiles.",
        "source,group,engine,metric,class,log_error",
    ]
    for row, e in zip(design.rows, cv.time_errors(design, held)):
        lines.append(f"{row.source},{row.group},{row.engine},{row.metric},"
                     f"{cv.residual_class(row)},{e:.6f}")  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the held-out errors")
    args = parser.parse_args()
    start = time.perf_counter()
    rows = public.load_public_measurements()
    sources = public.load_sources()
    scored = public.scored(rows)
    design = sf.Design(rows)
    groups = sorted({r.group for r in scored})
    print(
        f"{len(rows)} published measurements from {len(sources)} publications; {len(scored)} "
        f"modelled, from {len({r.source for r in scored})} publications in {len(groups)} "
        f"independent groups"
    )
    print("\n".join(coverage_lines(design, scored)))

    fitted = sf.fit(design)
    print("\nfitted on every group (shares of peak, kept under their ceilings):")
    print(constants_block(fitted))
    print("in-sample MAE: " + percent(cv.mean_abs_error(design, design.errors(fitted))))

    held = cv.leave_one_group_out(design)
    plain = design.errors(cv.plain(design))
    lines, worse = by_group(design, held, plain)
    print("\nleave one group out (each group predicted by a fit on the others), by group:")
    print("\n".join(lines))
    print("groups where the fit does worse than the round 0.6 and 0.6:")
    print("\n".join(f"  {w}" for w in worse) or "  none")
    print("LOSO MAE, rows:            " + percent(cv.mean_abs_error(design, held)))
    print("LOSO MAE, groups equal:    " + percent(cv.mean_abs_error(design, held, True)))
    print("round 0.6/0.6 MAE, rows:   " + percent(cv.mean_abs_error(design, plain)))
    print("round 0.6/0.6, groups:     " + percent(cv.mean_abs_error(design, plain, True)))
    median = {k: float(np.median(np.abs(cv.relative(design, held))[design.kind == k]))
              for k in cv.SCORED}  # fmt: skip
    print("LOSO median abs. error:    " + percent(median))

    dates = np.array([r.date[:4] for r in design.rows])
    past = np.flatnonzero(dates <= "2024")
    future = np.flatnonzero(dates > "2024")
    by_date = design.errors(sf.fit(design, past), future)
    split = {}
    for k in cv.SCORED:
        m = design.kind[future] == k
        if m.any():
            split[k] = float(np.mean(np.abs(cv.relative(design, by_date, future)[m])))
    print(f"\nfitted on sources of 2023-2024 ({past.size} rows), tested on 2025-2026 "
          f"({future.size} rows): " + percent(split))  # fmt: skip

    cover = cv.coverage(design, held, 0.8)
    print("80% intervals from the other groups' held-out errors cover: " + percent(cover))
    width = cv.interval_width(design, held, 0.8)
    print(
        "  their median width, top over bottom: "
        + ", ".join(f"{k} {v:.2f}x" for k, v in width.items())
    )
    if args.write:
        write_residuals(design, held)
    print(f"\nran in {time.perf_counter() - start:.0f} s")
    headline = cv.mean_abs_error(design, held)
    print(
        f"LOSO MAE: TTFT {100 * headline['ttft']:.0f}%, ITL {100 * headline['itl']:.0f}%, "
        f"throughput {100 * headline['throughput']:.0f}%"
    )


if __name__ == "__main__":
    main()
