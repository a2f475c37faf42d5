"""Format every code cell of the chapters with ruff, at the width of the text column.

    python tools/format_cells.py            # rewrite the cells in chapters/*.md
    python tools/format_cells.py --check    # list the cells that would change; exit 1 if any

Ruff formats fenced ``python`` blocks of Markdown but not MyST's ``{code-cell}`` blocks, so
this sends each cell's source through ``ruff format -`` (line length 88, the book's text
column) and puts the result back, leaving the cell's options and everything else alone.
`make test` runs the check.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
WIDTH = 88
RUFF = pathlib.Path(sys.executable).with_name("ruff")


def format_source(source: str) -> str:
    done = subprocess.run(
        [str(RUFF), "format", "--line-length", str(WIDTH), "--stdin-filename", "cell.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise ValueError(done.stderr.strip())
    return done.stdout


def format_chapter(text: str) -> tuple[str, list[int]]:
    """The chapter with its cells formatted, and the line numbers of the cells that changed."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    changed: list[int] = []
    i = 0
    while i < len(lines):
        out.append(lines[i])
        if not lines[i].startswith("```{code-cell}"):
            i += 1
            continue
        start = i + 1
        i += 1
        # options: a ":key: value" line or a YAML block between --- lines
        if i < len(lines) and lines[i].startswith(":"):
            while i < len(lines) and lines[i].startswith(":"):
                out.append(lines[i])
                i += 1
        elif i < len(lines) and lines[i].rstrip("\n") == "---":
            out.append(lines[i])
            i += 1
            while lines[i].rstrip("\n") != "---":
                out.append(lines[i])
                i += 1
            out.append(lines[i])
            i += 1
        body_start = i
        while not lines[i].startswith("```"):
            i += 1
        source = "".join(lines[body_start:i])
        leading = source[: len(source) - len(source.lstrip("\n"))]
        formatted = format_source(source.strip("\n") + "\n") if source.strip() else ""
        new = leading + formatted
        if new != source:
            changed.append(start)
        out.append(new)
    return "".join(out), changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [pathlib.Path(a).resolve() for a in argv if not a.startswith("--")] or sorted(
        (ROOT / "chapters").glob("*.md")
    )
    dirty = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        formatted, changed = format_chapter(text)
        if changed:
            dirty += [f"{path.relative_to(ROOT)}:{n}" for n in changed]
            if not check:
                path.write_text(formatted, encoding="utf-8")
    if check and dirty:
        print("cells ruff would reformat (run python tools/format_cells.py):", *dirty, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
