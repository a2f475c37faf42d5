"""Input checks shared by every public function: one clear ValueError, never a silent NaN.

Everything a user can hand the library passes through here: catalog names (matched after
trimming and lower-casing, and returned in their canonical spelling so that "BF16" means
exactly what "bf16" means everywhere), numbers (finite, of the right kind, in range), flags,
and files (a regular file of bounded size, read as UTF-8; every error names the file).
"""

from __future__ import annotations

import difflib
import os
import stat

import numpy as np

# Counts (batch, GPUs, tokens) above 2**53 are not exact in float64, and no deployment has them.
MAX_COUNT = 2.0**53
# Numbers beyond any real deployment: refused rather than priced, each with its reason.
# More GPUs than any one deployment of the book's era spans (an NVL72 rack holds 72; a
# tensor-parallel group rarely exceeds 8, an expert-parallel one a few hundred).
MAX_GPUS = 4096
WHY_GPUS = "more than any one deployment spans (an NVL72 rack holds 72 GPUs)"
# Sequences in flight at once: 256 per GPU on the largest deployment (servers cap requests
# per replica in the hundreds, vLLM's default max_num_seqs is 256 per engine).
MAX_BATCH = 2**20
WHY_BATCH = "256 sequences in flight on each of 4,096 GPUs (engines admit hundreds per replica)"
# Tokens in one sequence: 2**24, 1.6 times the longest context in the catalog (Llama 4
# Scout's 10,485,760); a test checks that the catalog stays below it.
MAX_TOKENS = 2**24
WHY_TOKENS = "1.6 times the longest context in the catalog, Llama 4 Scout's 10,485,760 tokens"
# A config.json is a few kilobytes; a data file of the book a few tens. Anything larger than
# this is not what the caller meant to give (a symlink to /dev/zero, a model's weights).
MAX_FILE_BYTES = 1_000_000


def printable(text) -> str:
    """``text`` with control characters (escape sequences, newlines) shown as escapes, so a
    name read from a file can never move the cursor or recolour a terminal."""
    s = str(text)
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in s
    )


def canonical(kind: str, name, catalog: dict) -> str:
    """The catalog key that ``name`` spells (trimmed, lower-cased), or a ValueError that lists
    close matches and every allowed name."""
    if not isinstance(name, str):
        raise ValueError(f"{kind} must be a catalog name (a string), got {name!r}")
    key = name.strip().lower()
    if key in catalog:
        return key
    # a prefix ("a100") names a family; otherwise fall back to spelling distance
    close = [c for c in catalog if key and (c.startswith(key) or key in c)][
        :3
    ] or difflib.get_close_matches(key, list(catalog), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"unknown {kind} {name!r}{hint} Allowed: {', '.join(sorted(catalog))}")


def lookup(kind: str, name, catalog: dict):
    """``catalog[name]`` for a name spelled as ``canonical`` accepts it."""
    return catalog[canonical(kind, name, catalog)]


def flag(name: str, value) -> bool:
    """A yes/no option: a Python or numpy bool only (the string "False" is not false)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {value!r}")


def _leaves(value, limit: int = 1_000_000):
    """The non-list items of nested lists and tuples (at most ``limit`` of them)."""
    stack = [value]
    while stack and limit > 0:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        else:
            limit -= 1
            yield x


def _no_mask(name: str, value) -> None:
    """Refuse a numpy masked array (or a masked element): its hidden values are still there,
    and a check that skips them would let them through into a price."""
    if isinstance(value, np.ma.MaskedArray) or value is np.ma.masked:
        raise ValueError(
            f"{name} is a masked array: the library does not honour masks, and its masked "
            "values would be used; pass x.compressed() (the unmasked values) or x.filled(v)"
        )


def _as_float_array(name: str, value, finite: bool = True) -> np.ndarray:
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise ValueError(f"{name} must be a number, got {printable(repr(value))[:80]}")
    _no_mask(name, value)
    if isinstance(value, (list, tuple)):
        for leaf in _leaves(value):
            _no_mask(name, leaf)
            if isinstance(leaf, (str, bytes, bool, np.bool_)) or leaf is None:
                raise ValueError(
                    f"{name} must be a number or an array of numbers, got "
                    f"{printable(repr(leaf))[:80]} in {printable(repr(value))[:80]}"
                )
    # any other ndarray subclass (np.matrix, a memmap) is read as a plain array of its
    # values (np.asarray drops the subclass), so that its operators cannot change the arithmetic
    try:
        raw = np.asarray(value)
    except Exception:  # a ragged list, an object whose __array__ fails
        raise ValueError(
            f"{name} must be a number or an array of numbers, got {printable(repr(value))[:80]}"
        ) from None
    numbers = raw.dtype.kind in "iuf" or (
        raw.dtype.kind == "O"
        and all(
            isinstance(x, (int, float, np.integer, np.floating))
            and not isinstance(x, (bool, np.bool_))
            for x in raw.flat
        )
    )
    if not numbers:
        # strings ("8"), booleans, complex numbers, other objects: none is a quantity here
        raise ValueError(
            f"{name} must be a number or an array of numbers, got {printable(repr(value))[:80]}"
        )
    try:
        with np.errstate(over="ignore"):
            arr = raw.astype(float, copy=False)  # no copy of an array that is float already
    except OverflowError:  # a Python integer beyond float64 (10**400)
        raise ValueError(f"{name} must be finite, got a number too large for float64") from None
    if finite and not np.all(np.isfinite(arr)):
        bad = raw[~np.isfinite(arr)].flat[0]
        raise ValueError(f"{name} must be finite, got {bad}")
    return arr


def number(name: str, value) -> np.ndarray:
    """Any finite number or array of them."""
    return _as_float_array(name, value)


def plain(name: str, value) -> np.ndarray:
    """``value`` as a plain float array, refused if it is not numbers (a string, a boolean, an
    object, a masked array): for the step functions, whose callers check ranges."""
    return _as_float_array(name, value, finite=False)


def count(
    name: str, value, minimum: int = 1, maximum: float = MAX_COUNT, why: str | None = None
) -> np.ndarray:
    """A whole number (or array of them) from ``minimum`` to ``maximum``: batch, GPUs, tokens.
    ``why`` says, in the message, why nothing above ``maximum`` is accepted."""
    arr = _as_float_array(name, value)
    if np.any(arr != np.round(arr)):
        bad = arr[arr != np.round(arr)].flat[0]
        raise ValueError(f"{name} must be a whole number, got {bad}")
    if np.any(arr < minimum):
        bad = arr[arr < minimum].flat[0]
        what = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name} must be {what}, got {bad:g}")
    if np.any(arr > maximum):
        bad = arr[arr > maximum].flat[0]
        reason = f", {why}" if why else ""
        raise ValueError(f"{name} must be at most {maximum:,.0f}{reason}, got {bad:g}")
    return arr


def gpus(name: str, value) -> np.ndarray:
    """A GPU count, 1 to ``MAX_GPUS``."""
    return count(name, value, maximum=MAX_GPUS, why=WHY_GPUS)


def batch(name: str, value) -> np.ndarray:
    """Sequences served at once, 1 to ``MAX_BATCH``."""
    return count(name, value, maximum=MAX_BATCH, why=WHY_BATCH)


def tokens(name: str, value, minimum: int = 0) -> np.ndarray:
    """Tokens of one sequence (prompt, completion, context), ``minimum`` to ``MAX_TOKENS``."""
    return count(name, value, minimum=minimum, maximum=MAX_TOKENS, why=WHY_TOKENS)


# Efficiencies below one part in a million describe no real deployment and make times overflow.
MIN_FRACTION = 1e-6


def fraction(name: str, value) -> np.ndarray:
    """An efficiency in (0, 1]: MFU, MBU, usable memory fraction (at least ``MIN_FRACTION``)."""
    arr = _as_float_array(name, value)
    if np.any((arr <= 0) | (arr > 1)):
        bad = arr[(arr <= 0) | (arr > 1)].flat[0]
        raise ValueError(f"{name} must be in (0, 1], got {bad:g}")
    if np.any(arr < MIN_FRACTION):
        bad = arr[arr < MIN_FRACTION].flat[0]
        raise ValueError(f"{name} must be at least {MIN_FRACTION:g}, got {bad:g}")
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


def finite_results(results: dict, allowed_nan: dict | None = None, what: str = "inputs") -> None:
    """Refuse results that overflowed: every value of ``results`` must be finite except where
    ``allowed_nan[key]`` (a boolean mask) says NaN is its meaning ("no prompt to price").
    Raises a ValueError saying the ``what`` are too large for float64."""
    allowed_nan = allowed_nan or {}
    for key, value in results.items():
        arr = np.asarray(value)
        if arr.dtype.kind != "f":
            continue
        bad = ~np.isfinite(arr)
        if key in allowed_nan:
            bad = bad & ~(np.isnan(arr) & np.asarray(allowed_nan[key], dtype=bool))
        if np.any(bad):
            raise ValueError(
                f"{key} is not a finite number for these {what}: they are too "
                "large (or an efficiency too small) to compute in float64"
            )


def read_text_file(path, what: str = "file", max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a regular file of at most ``max_bytes`` bytes, decoded as UTF-8.

    Refused with a one-line ValueError naming the file: a path that is not a string or
    ``os.PathLike`` (an integer would be read as a file descriptor), one that does not exist,
    a directory, a FIFO or device (which could block or never end), a symlink loop, a path
    through a file, an unreadable file, an oversized one, or bytes that are not UTF-8."""
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise ValueError(f"{what} must be a path (a string), got {path!r}")
    where = printable(os.fspath(path))
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ValueError(f"{what} {where} is {kind}")
        if info.st_size > max_bytes:
            raise ValueError(
                f"{what} {where} has {info.st_size:,} bytes; at most {max_bytes:,} are read"
            )
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat, open must not block
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise ValueError(f"{what} {where} is not a regular file")
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise ValueError(f"no {what} at {where}") from None
    except OSError as err:
        raise ValueError(f"cannot read {what} {where}: {err.strerror or err}") from None
    if len(data) > max_bytes:
        raise ValueError(f"{what} {where} has more than {max_bytes:,} bytes")
    try:
        # utf-8-sig: a byte-order mark at the start (Excel and Notepad write one) is an
        # encoding marker, not text; read it as such
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{what} {where} is not UTF-8 text (byte {err.start})") from None
