"""Glue a number as prose, an equation or a figure, in one house style (every chapter).

Imported only by the chapters (it needs myst-nb and matplotlib, which the library itself
does not).
"""

from __future__ import annotations

import os

from ..core import units
from . import exercises


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
