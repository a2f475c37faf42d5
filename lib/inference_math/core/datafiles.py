"""The book's small data files (CSV with ``#`` source lines), read strictly.

Every file in ``data/`` is a table a person typed or a benchmark wrote. Reading one must never
yield a silently different table: a short or long row, a value that is not a number, a NaN,
a negative time, a column named twice, a row pasted twice or a byte-order mark inside the
file (two files joined) is refused with a ValueError that names the file and the line; a
byte-order mark at the start (a spreadsheet's UTF-8 export) is read as what it is.
``read_csv`` does the part every loader shares; ``number`` parses one field; ``no_repeats``
refuses rows that repeat a loader's key.
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
    ``columns``, each column once. Blank lines are skipped; every data row must have as many
    fields as the header, and no data line may appear twice (every row of the book's files
    is one measurement or one fact: an identical line is a paste). Files above ``max_bytes``
    are refused. Every error names the file and the line."""
    where = printable(path)
    text = read_text_file(path, what, max_bytes=max_bytes)  # a leading BOM is dropped there
    notes: list[str] = []
    numbered = []
    for n, line in enumerate(text.splitlines(), 1):
        if "\x00" in line:
            raise ValueError(f"{where}, line {n}: a NUL byte; the file is damaged or not text")
        if "\ufeff" in line:
            raise ValueError(
                f"{where}, line {n}: a byte-order mark (U+FEFF) inside the file; were two "
                "files joined? Remove it"
            )
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
    parsed = [(n, _fields(where, n, line)) for n, line in numbered]
    at, header = parsed[0][0], [h.strip() for h in parsed[0][1]]
    for i, name in enumerate(header):
        if not name:
            raise ValueError(f"{where}, line {at}: column {i + 1} of the header has no name")
        if name in header[:i]:
            raise ValueError(
                f"{where}, line {at}: column {printable(name)!r} appears twice in the header "
                f"(columns {header.index(name) + 1} and {i + 1}); which one is meant?"
            )
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError(
            f"{where}, line {at}: missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(columns)}; the header reads {printable(', '.join(header))[:200]}"
        )
    rows, seen = [], {}
    for n, fields in parsed[1:]:
        if len(fields) != len(header):
            raise ValueError(f"{where}, line {n}: {len(fields)} fields, expected {len(header)}")
        row = Row(zip(header, (f.strip() for f in fields)))
        row.line = n
        same = tuple(row.values())
        if same in seen:
            raise ValueError(f"{where}, line {n}: repeats line {seen[same]} (a row pasted twice?)")
        seen[same] = n
        rows.append(row)
    return notes, rows


def _fields(where: str, n: int, line: str) -> list[str]:
    """One line's fields; a quote left open or a NUL byte is refused, naming the line (each
    line is one row: no field of the book's files spans lines)."""
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error as err:
        raise ValueError(f"{where}, line {n}: not a CSV row ({err})") from None


def number(
    where,
    row: Row,
    column: str,
    kind=float,
    minimum: float | None = None,
    strictly_above: float | None = None,
    empty_ok: bool = False,
    maximum: float | None = None,
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
    if maximum is not None and value > maximum:
        raise ValueError(f"{at}: {text!r} is above {maximum:g}")
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
