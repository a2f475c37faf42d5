"""The book's small data files (CSV with ``#`` source lines), read strictly.

Every file in ``data/`` is a table a person typed or a benchmark wrote. Reading one must never
yield a silently different table: a short or long row, a value that is not a number, a NaN,
a negative time or a repeated row is refused with a ValueError that names the file and the
line. ``read_csv`` does the part every loader shares; ``number`` parses one field.
"""

from __future__ import annotations

import csv
import math
import os
import pathlib

from .checks import MAX_FILE_BYTES, printable, read_text_file


def data_path(name: str) -> pathlib.Path:
    """A file in ``data/`` at the repository root, two levels above this package
    (``lib/inference_math``), where the library is installed editable from a checkout. Where
    it is installed from a wheel, the environment variable INFERENCE_MATH_DATA names the
    folder (JupyterLite, in the browser), or else the copy bundled as ``_data/`` is used (the
    wheel ``make assignments`` builds for students)."""
    folder = os.environ.get("INFERENCE_MATH_DATA")
    if folder:
        return pathlib.Path(folder) / name
    package = pathlib.Path(__file__).resolve().parents[1]
    checkout = package.parents[1] / "data" / name
    bundled = package / "_data" / name
    return bundled if bundled.exists() and not checkout.exists() else checkout


class Row(dict):
    """One data row: its fields by column name, and ``line``, its line number in the file."""

    line: int = 0


def read_csv(
    path, what: str, columns, max_bytes: int = MAX_FILE_BYTES
) -> tuple[list[str], list[Row]]:
    """(``#`` lines without the ``#``, rows) of a CSV whose header names at least
    ``columns``. Blank lines are skipped; every data row must have as many fields as the
    header. Files above ``max_bytes`` are refused."""
    where = printable(path)
    text = read_text_file(path, what, max_bytes=max_bytes)
    notes: list[str] = []
    numbered = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            notes.append(line.lstrip().lstrip("#").strip())
        else:
            numbered.append((n, line))
    if not numbered:
        raise ValueError(
            f"{where}: no header and no rows (only comments); expected columns {', '.join(columns)}"
        )
    parsed = list(csv.reader([line for _, line in numbered]))
    header = [h.strip() for h in parsed[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError(
            f"{where}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"
        )
    rows = []
    for (n, _), fields in zip(numbered[1:], parsed[1:]):
        if len(fields) != len(header):
            raise ValueError(f"{where}, line {n}: {len(fields)} fields, expected {len(header)}")
        row = Row(zip(header, (f.strip() for f in fields)))
        row.line = n
        rows.append(row)
    return notes, rows


def number(
    where,
    row: Row,
    column: str,
    kind=float,
    minimum: float | None = None,
    strictly_above: float | None = None,
    empty_ok: bool = False,
):
    """``row[column]`` as a finite ``kind`` (int or float) within the bounds, else a ValueError
    naming the file, the line and the column. An empty field is None when ``empty_ok``."""
    text = row[column]
    at = f"{printable(where)}, line {row.line}, column {column}"
    if text == "" and empty_ok:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{at}: {printable(text)!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{at}: {text!r} is not a finite number")
    if kind is int:
        if value != round(value):
            raise ValueError(f"{at}: {text!r} is not a whole number")
        value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{at}: {text!r} is below {minimum:g}")
    if strictly_above is not None and not value > strictly_above:
        raise ValueError(f"{at}: {text!r} must be above {strictly_above:g}")
    return value


def no_repeats(where, rows: list[Row], key) -> None:
    """Refuse two rows with the same ``key(row)``: a pasted line or a merged file."""
    seen: dict = {}
    for r in rows:
        k = key(r)
        if k in seen:
            raise ValueError(
                f"{printable(where)}, line {r.line}: repeats line {seen[k]} ({printable(k)})"
            )
        seen[k] = r.line
