"""What a reader of the built book sees of the code: shown code lines, lines wider than the
text column, and the lines of shown code outside solutions that are assert statements
(checks belong in hidden cells or in the tests), per chapter and in all.

    python tools/page_stats.py            # a table
    python tools/page_stats.py --json     # for tests

A code cell is shown unless tagged remove-cell or remove-input, or hide-input (folded behind
a "show code" toggle, out of the reading flow but one click away: plotting code, for one).
Blank lines do not count. tests/build/test_pages.py holds the targets.
"""

from __future__ import annotations

import ast
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
WIDTH = 88
HIDDEN = {"remove-cell", "remove-input", "hide-input"}


def code_cells(path: pathlib.Path):
    """(tags, source lines) of each code cell of a MyST notebook."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("```{code-cell}"):
            i += 1
            tags: set[str] = set()
            if i < len(lines) and lines[i].startswith(":tags:"):
                tags = set(re.findall(r"[\w-]+", lines[i].split(":", 2)[2]))
                i += 1
            elif i < len(lines) and lines[i] == "---":  # a YAML block of options
                j = lines.index("---", i + 1)
                block = "\n".join(lines[i + 1 : j])
                tags = set(re.findall(r"[\w-]+", "".join(re.findall(r"tags:\s*\[(.*?)\]", block))))
                i = j + 1
            start = i
            while not lines[i].startswith("```"):
                i += 1
            yield tags, lines[start:i]
        i += 1


def assert_lines(source: list[str]) -> int:
    """Lines of the code that belong to an assert statement."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse("\n".join(source))):
        if isinstance(node, ast.Assert):
            lines.update(range(node.lineno, node.end_lineno + 1))
    return len(lines)


def stats(path: pathlib.Path) -> dict:
    shown = wide = lesson = asserts = 0
    for tags, source in code_cells(path):
        if tags & HIDDEN:
            continue
        shown += sum(1 for line in source if line.strip())
        wide += sum(1 for line in source if len(line) > WIDTH)
        if "solution" not in tags:
            lesson += sum(1 for line in source if line.strip())
            asserts += assert_lines(source)
    return {"shown": shown, "wide": wide, "lesson": lesson, "asserts": asserts}


def all_stats() -> dict[str, dict]:
    return {p.stem: stats(p) for p in sorted((ROOT / "chapters").glob("*.md"))}


if __name__ == "__main__":
    table = all_stats()
    if "--json" in sys.argv:
        print(json.dumps(table, indent=1))
    else:
        total = {
            k: sum(s[k] for s in table.values()) for k in ("shown", "wide", "lesson", "asserts")
        }
        for name, s in [*table.items(), ("all", total)]:
            share = s["asserts"] / max(s["lesson"], 1)
            print(
                f"{name:<28} {s['shown']:>5} shown {s['wide']:>3} wider than {WIDTH}  "
                f"{s['asserts']:>3} of {s['lesson']:>4} outside solutions are asserts ({share:.0%})"
            )
