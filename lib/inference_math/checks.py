"""Input checks shared by every public function: one clear ValueError, never a silent NaN."""

from __future__ import annotations

import difflib

import numpy as np


def lookup(kind: str, name, catalog: dict):
    """``catalog[name]`` or a ValueError that lists close matches and every allowed name."""
    if not isinstance(name, str):
        raise ValueError(f"{kind} must be a catalog name (a string), got {name!r}")
    key = name.strip().lower()
    if key in catalog:
        return catalog[key]
    # a prefix ("a100") names a family; otherwise fall back to spelling distance
    close = [c for c in catalog if c.startswith(key) or key in c][:3] \
        or difflib.get_close_matches(key, list(catalog), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"unknown {kind} {name!r}{hint} Allowed: {', '.join(sorted(catalog))}")


def _as_float_array(name: str, value) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None or isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].flat[0]
        raise ValueError(f"{name} must be finite, got {bad}")
    return arr


def count(name: str, value, minimum: int = 1) -> np.ndarray:
    """A whole number (or array of them) at least ``minimum``: batch, GPUs, tokens."""
    arr = _as_float_array(name, value)
    if np.any(arr != np.round(arr)):
        bad = arr[arr != np.round(arr)].flat[0]
        raise ValueError(f"{name} must be a whole number, got {bad}")
    if np.any(arr < minimum):
        bad = arr[arr < minimum].flat[0]
        what = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name} must be {what}, got {bad:g}")
    return arr


def fraction(name: str, value) -> np.ndarray:
    """An efficiency in (0, 1]: MFU, MBU, usable memory fraction."""
    arr = _as_float_array(name, value)
    if np.any((arr <= 0) | (arr > 1)):
        bad = arr[(arr <= 0) | (arr > 1)].flat[0]
        raise ValueError(f"{name} must be in (0, 1], got {bad:g}")
    return arr


def nonnegative(name: str, value) -> np.ndarray:
    """A price or other quantity that may be zero but not negative or NaN."""
    arr = _as_float_array(name, value)
    if np.any(arr < 0):
        bad = arr[arr < 0].flat[0]
        raise ValueError(f"{name} must not be negative, got {bad:g}")
    return arr


def positive(name: str, value) -> np.ndarray:
    arr = _as_float_array(name, value)
    if np.any(arr <= 0):
        bad = arr[arr <= 0].flat[0]
        raise ValueError(f"{name} must be positive, got {bad:g}")
    return arr
