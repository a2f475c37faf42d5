"""Helpers the chapters share: glue a number as prose, and draw figures in one house style.

Imported only by the chapters (it needs myst-nb and matplotlib, which the library itself
does not).
"""

from __future__ import annotations

import os

# The Makefile sets this while it builds the book: there the glued numbers appear in the
# prose, so the readable copies that glue() prints for Jupyter users would only be noise.
_IN_BOOK_BUILD = os.environ.get("WTC_BOOK_BUILD") == "1"

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

    Prints ``key = text`` so the number is readable when the notebook runs in Jupyter, where
    glue roles show as raw text (not during the book's build, where the number is in the
    prose).

    (Transitional: the older form ``glue(key, text, raw)``, a formatted string and its raw
    value, is still accepted.)"""
    from myst_nb import glue as _glue

    raw = None
    if isinstance(value, str) and fmt is not None and not callable(fmt) and fmt not in _formats():
        text, raw = value, fmt  # the older form
    elif fmt is None:
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
    _glue(key, text, display=False)
    if raw is not None and not isinstance(raw, str):
        _glue(f"{key}-raw", raw if isinstance(raw, bool) else float(raw), display=False)
    if show if show is not None else not _IN_BOOK_BUILD:
        print(f"{key} = {text}")


def glue_math(key: str, latex: str) -> None:
    """Glue an equation for ``{glue:math}``."""
    from IPython.display import Math
    from myst_nb import glue as _glue

    _glue(key, Math(latex), display=False)


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


def figure(key: str, fig) -> None:
    """Glue a matplotlib figure and close it, so it is drawn once, where the page asks."""
    import matplotlib.pyplot as plt
    from myst_nb import glue as _glue

    _glue(key, fig, display=False)
    plt.close(fig)
