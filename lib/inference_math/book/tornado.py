"""The tornado figure of a verdict (chapters 11 and 12): one bar per assumption, spanning the
cost ratio as that assumption runs over its values with every other at the central case.

A bar that crosses the line at one is an assumption that can turn the verdict on its own;
the longest bar is the one that moves it most (``Verdict.deciding``).
"""

from __future__ import annotations

import numpy as np

from ..economics.verdicts import AXIS_TITLES, Verdict
from .page import PALETTE

TICKS = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def short_labels(axis) -> list[str]:
    """What each value of an assumption is called at the end of its bar."""
    if axis.name == "price":
        return [f"${x:.2f}" for x in axis.values]
    if axis.name == "interval":
        return ["low end", "point", "high end"][: len(axis.values)]
    if axis.name == "tokens":
        return list(axis.labels)
    return [str(x) for x in axis.values]


def tornado(v: Verdict, api: str, title: str):
    """The figure for ``v`` against ``api``: a bar per assumption that takes more than one
    value, each end labelled with the value that gives it, the central case dashed and a ratio
    of one solid, on a log axis."""
    import matplotlib.pyplot as plt

    ranged = [(k, a) for k, a in enumerate(v.axes) if len(a.values) > 1]  # a bar each
    fig, ax = plt.subplots(figsize=(9.5, 0.45 * len(ranged) + 1.55))
    central = list(v.base_index)
    spans = []
    for y, (k, a) in enumerate(ranged):
        lo, hi = v.swing(a.name)
        spans += [lo, hi]
        ax.barh(y, hi - lo, left=lo, height=0.5, color=PALETTE[0 if hi < 1 else 3])
        ends = [
            v.ratios[tuple(i if j == k else c for j, c in enumerate(central))]
            for i in range(len(a.values))
        ]
        names = short_labels(a)
        for value, side, dx in ((lo, "right", -4), (hi, "left", 4)):
            name = names[int(np.argmin(np.abs(np.log(np.array(ends) / value))))]
            # on white, so that a label reads over the line at one
            ax.annotate(name, (value, y), xytext=(dx, 0), textcoords="offset points",
                        ha=side, va="center", fontsize=8, zorder=3,
                        bbox=dict(fc="white", ec="none", pad=0.5))  # fmt: skip
    ax.axvline(1, color="black", lw=1)
    ax.axvline(v.base, color=PALETTE[1], ls="--", lw=1.2, label="central case")
    ax.set_xscale("log")
    # room on each side for the end labels: a factor of three beyond the bars and the line
    left, right = min(*spans, 1.0) / 3, max(*spans, 1.0) * 3
    ax.set_xlim(left, right)
    ticks = [t for t in TICKS if left <= t <= right]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_yticks(range(len(ranged)), [AXIS_TITLES[a.name] for _, a in ranged])
    ax.set_ylim(-0.6, len(ranged) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel(f"cost self-hosted over {api}'s (below 1: self-hosting is cheaper)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig
