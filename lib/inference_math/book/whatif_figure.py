"""The what-if figures of chapters 9 and 11 on the page: controls, the figure and its key
numbers, redrawn in the browser from a grid the library computes at build time
(``whatif_grid``); in a notebook, a static figure of the default choice.
"""

from __future__ import annotations

from . import whatif_grid as w
from .page import PALETTE, in_book_build

# _static/whatif.js only looks values up in the grid (it computes nothing) and plots them
# with the vendored plotly.js.

WHATIF = {
    "completion-cost": {
        "title": "Cost of completion tokens against batch",
        "y": "USD per 1K completion tokens",
        "line": "the batch fits in memory",
        "beyond": "does not fit",
        "marker": "largest batch that fits",
        # batched continuously the batch is the requests in flight, and the rest queue
        "continuous": {
            "line": "every request in flight admitted",
            "beyond": "the rest queue",
            "marker": "most requests admitted at once",
        },
    },
    "verdict": {
        "title": "Self-hosted against the API, per request",
        "y": "USD per request",
        "line": "fits and meets the latency targets",
        "beyond": "misses them",
        "marker": "cheapest batch within the targets",
    },
}


def sig3(x: float) -> str:
    """Three significant digits, as the page writes them (JavaScript's toPrecision(3):
    0.002 is "0.00200"), for numbers from 1e-6 to 999."""
    exponent = int(f"{x:.2e}".split("e")[1])
    return f"{x:.{max(0, 2 - exponent)}f}"


def whatif_key(name: str, spec: dict, point: dict) -> str:
    """The key numbers under a what-if figure, as one sentence (the page's script writes the
    same sentence for every other choice)."""
    api = spec["api"]
    if name == "completion-cost":
        if not point["max_fit"]:
            fit = "Not even one sequence fits beside the weights"
        elif point.get("queues"):
            fit = (
                f"The server admits at most {point['max_fit']:,} requests at once and the "
                f"rest queue; there 1K completion tokens cost ${sig3(point['max_fit_usd'])}, "
                f"against {api}'s ${sig3(spec['api_usd_per_1k_output'])}"
            )
        else:
            fit = (
                f"The largest batch that fits is {point['max_fit']:,}; there 1K completion "
                f"tokens cost ${sig3(point['max_fit_usd'])}, against {api}'s "
                f"${sig3(spec['api_usd_per_1k_output'])}"
            )
        even = (
            f"the break-even batch is {point['even']:,}"
            if point["even"]
            else "no batch up to 4,096 breaks even"
        )
        return f"{fit}; {even}."
    api_usd = f"{api}: ${sig3(point['api_usd'])} per request"
    if not point["best"]:
        return f"No batch fits and meets the latency targets; {api_usd}. Cheaper: {api}."
    level = f"{round(100 * spec['interval_level'])}%"
    low, high, them = point["best_low"], point["best_high"], point["api_usd"]
    if high < them:
        cheaper = "self-hosted, across the interval"
    elif low > them:
        cheaper = f"{api}, across the interval"
    else:
        at = "self-hosted" if point["best_usd"] < them else api
        cheaper = f"{at} at the estimate; the serving model's error turns it"
    return (
        f"The cheapest batch within the targets is {point['best']:,}, at "
        f"${sig3(point['best_usd'])} per request (${sig3(low)} to ${sig3(high)} over the "
        f"serving model's {level} interval); {api_usd}. Cheaper: {cheaper}."
    )


def _whatif_figure(name: str, spec: dict, point: dict):
    """The what-if figure at one choice, drawn with matplotlib (for notebooks and print)."""
    import matplotlib.pyplot as plt
    import numpy as np

    text = {**WHATIF[name], **(WHATIF[name].get("continuous", {}) if point.get("queues") else {})}
    x = np.array(spec["batches"], float)
    y = np.array([np.nan if v is None else v for v in point["usd"]], float)
    mask = point["fits"] if name == "completion-cost" else point["ok"]
    inside = np.array([bool(mask >> i & 1) for i in range(len(x))])
    at = (
        (point["max_fit"], point["max_fit_usd"])
        if name == "completion-cost"
        else (point["best"], point["best_usd"])
    )
    line_x, line_y = list(x[inside]), list(y[inside])
    if at[0] and at[0] not in line_x:  # the marked batch lies on the solid line
        keep = [i for i, b in enumerate(line_x) if b < at[0]]
        line_x = [line_x[i] for i in keep] + [at[0]] + line_x[len(keep) :]
        line_y = [line_y[i] for i in keep] + [at[1]] + line_y[len(keep) :]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.loglog(x, y, color=PALETTE[0], linestyle=":", label=text["beyond"])
    ax.loglog(line_x, line_y, color=PALETTE[0], linewidth=2.2, label=text["line"])
    api = spec["api_usd_per_1k_output"] if name == "completion-cost" else point["api_usd"]
    ax.axhline(api, color=PALETTE[3], linestyle="--", label=spec["api"])
    if at[0]:
        ax.plot(*at, "o", color=PALETTE[1], markeredgecolor="black", label=text["marker"])
    ax.set_xlabel("batch")
    ax.set_ylabel(text["y"])
    ax.set_title(text["title"])
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def default_choice(spec: dict) -> str:
    """The first option of every control, as the printed figure states it ("model
    Llama-2-70B, GPU A100-80GB SXM, ...")."""
    return ", ".join(f"{a['label']} {a['options'][0][1]}" for a in spec["axes"])


def _whatif_html(name: str, spec: dict, key: str, png: str = "") -> str:
    """The controls, the interactive figure and its key numbers; for print (the PDF), the
    static figure ``png`` (base64) of the default choice, which says what it shows."""
    import html
    import json

    controls = []
    for axis in spec["axes"]:
        options = "".join(
            f'<option value="{i}">{html.escape(label)}</option>'
            for i, (_, label) in enumerate(axis["options"])
        )
        controls.append(
            f"<label>{html.escape(axis['label'])} "
            f'<select data-axis="{axis["name"]}">{options}</select></label>'
        )
    data = json.dumps({**spec, "text": WHATIF[name]}, separators=(",", ":"))
    data = data.replace("</", "<\\/")  # nothing in it may close the script element
    n = len(spec["points"])
    n *= next((len(a["options"]) for a in spec["axes"] if a["name"] == spec.get("inner")), 1)
    image = (
        f'<img class="wtc-print" alt="{html.escape(WHATIF[name]["title"])}, for the default '
        f'choice" src="data:image/png;base64,{png}">'
        if png
        else ""
    )
    return (
        f'<div class="wtc-whatif" data-wtc-whatif="{name}">'
        f'<form class="wtc-controls">{"".join(controls)}</form>'
        f'<div class="wtc-plot" role="img" aria-label="{html.escape(WHATIF[name]["title"])}: '
        f'{html.escape(WHATIF[name]["y"])} against batch, for the choices above"></div>'
        f"{image}"
        f'<p class="wtc-key" aria-live="polite">{html.escape(key)}</p>'
        f'<p class="wtc-note">Every value was computed by the library when the book was built, '
        f"for {n:,} combinations of these choices; the page only looks them up.</p>"
        f'<p class="wtc-print-note">The figure and its key numbers as printed are for the '
        f"default choice ({html.escape(default_choice(spec))}); the web edition redraws them "
        "for any other.</p>"
        f'<script type="application/json" class="wtc-data">{data}</script></div>'
    )


def whatif(name: str) -> None:
    """Show what-if figure ``name`` ("completion-cost", chapter 9; "verdict", chapter 11).

    In the book's build: controls, an interactive figure and its key numbers, all from a grid
    computed now (``whatif_grid.grid``), plus a static image of the default choice
    that notebooks show instead (Jupyter does not run the page's scripts). Elsewhere: that
    image and the key numbers; ``whatif_grid.completion_point`` and
    ``whatif_grid.verdict_point`` price any other choice."""
    import base64
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    spec = w.grid(name)
    choice = {a["name"]: a["options"][0][0] for a in spec["axes"]}
    point = w.lookup(spec, **choice)
    key = whatif_key(name, spec, point)
    fig = _whatif_figure(name, spec, point)
    if not in_book_build():
        display(fig, Markdown(key))
        plt.close(fig)
        return
    png = io.BytesIO()
    fig.savefig(png, format="png")
    plt.close(fig)
    image = base64.b64encode(png.getvalue()).decode()
    bundle = {
        "text/html": _whatif_html(name, spec, key, image),
        "image/png": image,
        "text/plain": key,
    }
    display(bundle, raw=True)
