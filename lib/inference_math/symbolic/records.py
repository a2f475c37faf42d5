"""The book's formulas as records: each sympy expression with what it means and the library
function that evaluates it with numbers. ``symbolic`` fills ``FORMULAS`` with its ``@formula``
decorator; the formula sheet at the back of the book is generated from it, and the tests
check each expression against its function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from ..core.checks import lookup
from .notation import MBU, MFU, tau


@dataclass(frozen=True)
class Formula:
    """One formula of the book: a function that builds its sympy expression, what it means,
    and the library function that evaluates it with numbers. The formula sheet at the back of
    the book is generated from these records; the tests check each pair agrees."""

    name: str
    meaning: str
    expression: Callable[..., sp.Expr]
    numeric: Callable

    @property
    def numeric_name(self) -> str:
        """How a reader calls ``numeric``: 'im.kv_bytes_per_token', 'im.lab.linear', or
        'Deployment.kv_capacity_tokens' for a property."""
        fn = getattr(self.numeric, "func", None) or getattr(self.numeric, "fget", None)
        fn = fn or self.numeric
        if "." in fn.__qualname__:  # a property: Class.name
            return fn.__qualname__
        lab_ = "lab." if fn.__module__.startswith("inference_math.lab") else ""
        return f"im.{lab_}{fn.__name__}"


FORMULAS: dict[str, Formula] = {}


def formula(name: str, meaning: str, numeric: Callable):
    """Record the decorated expression builder in ``FORMULAS`` under ``name``."""

    def record(expression):
        FORMULAS[name] = Formula(name, meaning, expression, numeric)
        return expression

    return record


def get_formula(name: str) -> Formula:
    """The record of formula ``name`` (a ValueError names the formulas there are)."""
    return lookup("formula", name.lower(), {k.lower(): v for k, v in FORMULAS.items()})


def latex(expr) -> str:
    """LaTeX for an expression in the book's notation (MFU and MBU upright)."""
    return sp.latex(expr, symbol_names={MFU: r"\mathrm{MFU}", MBU: r"\mathrm{MBU}", tau: r"\tau"})


def formula_sheet() -> list[tuple[str, str, str]]:
    """(name, meaning, LaTeX) for every formula, for the back matter."""
    return [(f.name, f.meaning, latex(f.expression())) for f in FORMULAS.values()]
