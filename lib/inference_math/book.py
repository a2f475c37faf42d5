"""Helpers the chapters share: glue a number as prose, and draw figures in one house style.

Imported only by the chapters (it needs myst-nb and matplotlib, which the library itself
does not).
"""

from __future__ import annotations

import os


# The Makefile sets this while it builds the book: there the glued numbers and figures appear
# where the prose asks for them, so showing them where they are made would show them twice.
# Anywhere else (a notebook run in Jupyter, nbclient) glue() and figure() show what they record.
def in_book_build() -> bool:
    return os.environ.get("WTC_BOOK_BUILD") == "1"


def _record(key: str, value) -> None:
    """Record ``value`` for the page's ``{glue}`` roles. Where myst-nb is not installed (a
    notebook run in JupyterLite, in the browser) there is no page to record for."""
    try:
        from myst_nb import glue as _glue
    except ImportError:
        return
    _glue(key, value, display=False)


def _show(*objects) -> None:
    from IPython.display import display

    display(*objects)


# Okabe and Ito's palette: distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _formats() -> dict:
    from . import units

    return {
        "int": units.fmt_int,
        "sig": units.fmt_sig,
        "fixed": units.fmt_fixed,
        "bytes": units.fmt_bytes,
        "si": units.fmt_si,
        "seconds": units.fmt_seconds,
        "usd": units.fmt_usd,
        "tokens_per_s": units.fmt_tokens_per_s,
        "percent": units.fmt_percent,
        "ratio": units.fmt_ratio,
    }


def glue(key: str, value, fmt=None, /, show: bool | None = None, **options) -> None:
    """Format ``value`` and record it for ``{glue:text}`key``` in one call.

    ``fmt`` names a formatter of ``inference_math.units`` ("int", "sig", "fixed", "bytes",
    "si", "seconds", "usd", "tokens_per_s", "percent", "ratio") or is a function; ``options``
    go to it: ``glue("weights", dep.weight_bytes, "bytes", unit="GB", decimals=2)`` records
    "137.95 GB". A string is recorded as it is (no ``fmt``). Numbers are also recorded
    unformatted under ``key-raw``, for the tests.

    Outside the book's build (a notebook run in Jupyter) it also shows the number with its
    key, as Markdown "**key** = text", so a reader running the chapter sees what the page
    would show; ``show`` forces either way."""

    raw = None
    if fmt is None:
        if not isinstance(value, str):
            raise TypeError(f"glue {key!r}: say how to format {value!r} (fmt=...)")
        text = value
    else:
        formatter = fmt if callable(fmt) else _formats().get(fmt)
        if formatter is None:
            raise ValueError(
                f"glue {key!r}: unknown format {fmt!r}; allowed: "
                f"{', '.join(_formats())} or a function"
            )
        text, raw = formatter(value, **options), value
    if not isinstance(text, str):
        raise TypeError(f"glue {key!r}: the formatter returned {text!r}, not a string")
    _record(key, text)
    if raw is not None and not isinstance(raw, str):
        _record(f"{key}-raw", raw if isinstance(raw, bool) else float(raw))
    if show if show is not None else not in_book_build():
        from IPython.display import Markdown

        _show(Markdown(f"**{key}** = {text}"))


def glue_tolerance(key: str, label: str) -> None:
    """Glue exercise ``label``'s tolerance (its ``rel_tol``, as a percentage) for its prompt.
    A student's library has no answers, and so no tolerances: there it records nothing, and
    the prompt shows the value the instructor's build put there."""
    from . import exercises

    try:
        tolerance = exercises.get(label).rel_tol
    except exercises.AnswersNotInstalled:
        return
    glue(key, tolerance, "percent")


def glue_math(key: str, latex: str, show: bool | None = None) -> None:
    """Glue an equation for ``{glue:math}``; outside the book's build, also show it."""
    from IPython.display import Markdown, Math

    _record(key, Math(latex))
    if show if show is not None else not in_book_build():
        _show(Markdown(f"**{key}**:"), Math(latex))


def style() -> None:
    """White backgrounds (figures stay readable in a dark theme), the palette, readable text."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
            "axes.prop_cycle": cycler(color=PALETTE),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 11,
            "figure.dpi": 110,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def figure(key: str, fig, show: bool | None = None) -> None:
    """Glue a matplotlib figure and close it, so it is drawn once, where the page asks.
    Outside the book's build (a notebook run in Jupyter) it is also shown here, where it is
    made, since no page places it."""
    import matplotlib.pyplot as plt

    _record(key, fig)
    if show if show is not None else not in_book_build():
        _show(fig)
    plt.close(fig)


# ----- what-if figures (chapters 9 and 11) --------------------------------------------------
# The page's controls redraw the figure and its key numbers from a grid that
# ``inference_math.whatif`` computes at build time; _static/whatif.js only looks values up
# (it computes nothing) and plots them with the vendored plotly.js.

WHATIF = {
    "completion-cost": {
        "title": "Cost of completion tokens against batch",
        "y": "USD per 1K completion tokens",
        "line": "the batch fits in memory",
        "beyond": "does not fit",
        "marker": "largest batch that fits",
    },
    "verdict": {
        "title": "Self-hosted against the API, per request",
        "y": "USD per request",
        "line": "fits and meets the latency targets",
        "beyond": "misses them",
        "marker": "cheapest batch within the targets",
    },
}


def _sig(x: float) -> str:
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
        else:
            fit = (
                f"The largest batch that fits is {point['max_fit']:,}; there 1K completion "
                f"tokens cost ${_sig(point['max_fit_usd'])}, against {api}'s "
                f"${_sig(spec['api_usd_per_1k_output'])}"
            )
        even = (
            f"the break-even batch is {point['even']:,}"
            if point["even"]
            else "no batch up to 4,096 breaks even"
        )
        return f"{fit}; {even}."
    api_usd = f"{api}: ${_sig(point['api_usd'])} per request"
    if not point["best"]:
        return f"No batch fits and meets the latency targets; {api_usd}. Cheaper: {api}."
    cheaper = "self-hosted" if point["best_usd"] < point["api_usd"] else api
    return (
        f"The cheapest batch within the targets is {point['best']:,}, at "
        f"${_sig(point['best_usd'])} per request; {api_usd}. Cheaper: {cheaper}."
    )


def _whatif_figure(name: str, spec: dict, point: dict):
    """The what-if figure at one choice, drawn with matplotlib (for notebooks and print)."""
    import matplotlib.pyplot as plt
    import numpy as np

    text = WHATIF[name]
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
    if name == "completion-cost" and at[0] and (not line_x or at[0] > line_x[-1]):
        line_x, line_y = line_x + [at[0]], line_y + [at[1]]  # ends where the cache is full
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


def _whatif_html(name: str, spec: dict, key: str) -> str:
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
    return (
        f'<div class="wtc-whatif" data-wtc-whatif="{name}">'
        f'<form class="wtc-controls">{"".join(controls)}</form>'
        f'<div class="wtc-plot" role="img" aria-label="{html.escape(WHATIF[name]["title"])}: '
        f'{html.escape(WHATIF[name]["y"])} against batch, for the choices above"></div>'
        f'<p class="wtc-key" aria-live="polite">{html.escape(key)}</p>'
        f'<p class="wtc-note">Every value was computed by the library when the book was built, '
        f"for {n:,} combinations of these choices; the page only looks them up.</p>"
        f'<script type="application/json" class="wtc-data">{data}</script></div>'
    )


def whatif(name: str) -> None:
    """Show what-if figure ``name`` ("completion-cost", chapter 9; "verdict", chapter 11).

    In the book's build: controls, an interactive figure and its key numbers, all from a grid
    computed now (``inference_math.whatif.grid``), plus a static image of the default choice
    that notebooks show instead (Jupyter does not run the page's scripts). Elsewhere: that
    image and the key numbers; call ``inference_math.whatif`` for other choices."""
    import base64
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    from . import whatif as w

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
    bundle = {
        "text/html": _whatif_html(name, spec, key),
        "image/png": base64.b64encode(png.getvalue()).decode(),
        "text/plain": key,
    }
    display(bundle, raw=True)
