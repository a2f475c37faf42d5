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
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]


def glue(key: str, text: str, raw=None, show: bool | None = None) -> None:
    """Glue ``text`` (already formatted by ``inference_math.units``) under ``key``, and the
    unformatted value under ``key-raw`` for the tests. Prints ``key = text`` so the number is
    readable when the notebook runs in Jupyter, where glue roles show as raw text (not during
    the book's build, where the number is in the prose)."""
    from myst_nb import glue as _glue
    if not isinstance(text, str):
        raise TypeError(f"glue {key!r}: format the value to a string first, got {text!r}")
    _glue(key, text, display=False)
    if raw is not None:
        _glue(f"{key}-raw", float(raw) if not isinstance(raw, (str, bool)) else raw,
              display=False)
    if show if show is not None else not _IN_BOOK_BUILD:
        print(f"{key} = {text}")
    # Returns nothing, so a cell that ends with glue() does not echo the string.


def glue_math(key: str, latex: str) -> None:
    """Glue an equation for ``{glue:math}``."""
    from IPython.display import Math
    from myst_nb import glue as _glue
    _glue(key, Math(latex), display=False)


def style() -> None:
    """White backgrounds (figures stay readable in a dark theme), the palette, readable text."""
    import matplotlib as mpl
    from cycler import cycler
    mpl.rcParams.update({
        "figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
        "savefig.transparent": False, "axes.prop_cycle": cycler(color=PALETTE),
        "axes.grid": True, "grid.alpha": 0.3, "font.size": 11, "figure.dpi": 110,
        "axes.spines.top": False, "axes.spines.right": False,
    })


def figure(key: str, fig) -> None:
    """Glue a matplotlib figure and close it, so it is drawn once, where the page asks."""
    import matplotlib.pyplot as plt
    from myst_nb import glue as _glue
    _glue(key, fig, display=False)
    plt.close(fig)
