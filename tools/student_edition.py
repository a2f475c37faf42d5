"""Build the student edition from the instructor build: every solution removed.

    .venv/bin/python tools/student_edition.py      (make student runs this after make book)

It starts from the notebooks the instructor build executed (_build/jupyter_execute), so
nothing runs twice, and writes
  _build/student/html/       the book with every solution removed and, at the end of each
                             exercise with a numeric answer, a call to im.check ready to fill in
  _build/student/notebooks/  the same chapters as .ipynb with outputs cleared, for assignments

sphinx-exercise's own `hide_solutions` cannot be used for gated solutions (it leaves a
`solution_end_node` the HTML writer does not know, a warning that fails the strict build), and
it would not touch the notebooks anyway; so solutions are cut from the sources instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "jupyter_execute"
CACHE = ROOT / "_build" / ".jupyter_cache"
OUT = ROOT / "_build" / "student"
SOURCE = OUT / "src"
INSTRUCTOR_ONLY = {"for-instructors"}

EXERCISE_END = "```{exercise-end}"


def numeric_labels() -> set[str]:
    import inference_math as im

    return {e.label for e in im.exercises.all_exercises() if e.answer is not None}


def check_cell(label: str):
    return nbformat.v4.new_code_cell(
        f'# Your answer replaces the ... ; then run this cell.\nim.check("{label}", ...)'
    )


START = re.compile(r"```\{exercise-start\}\s*\n:label:\s*(\S+)")
TOKENS = re.compile(r"(```\{exercise-start\}\s*\n:label:\s*\S+|```\{exercise-end\})")


def strip_solutions(nb, numeric: set[str], cells_for=None):
    """Remove solution blocks (which span markdown and code cells), and put a call to
    im.check just before the end of each exercise with a numeric answer (or the cells
    ``cells_for(label)`` returns: make assignments puts otter's answer cells there)."""
    cells_for = cells_for or (lambda label: [check_cell(label)])
    cells = []
    inside = False  # within a solution block, which may span several cells
    current = None  # the exercise being read
    for cell in nb.cells:
        if cell.cell_type == "code":
            if not inside and "solution" not in cell.metadata.get("tags", []):
                cells.append(cell)
            continue
        source, kept = cell.source, ""
        while source:
            if inside:
                end = source.find("```{solution-end}")
                if end < 0:
                    break
                source = source[source.find("```", end + 3) + 3 :].lstrip("\n")
                inside = False
            else:
                start = source.find("```{solution-start}")
                kept += source if start < 0 else source[:start]
                if start < 0:
                    break
                source, inside = source[start:], True
        buffer = ""
        for token in TOKENS.split(kept):
            found = START.match(token)
            if found:
                current = found.group(1)
            elif token == EXERCISE_END:
                if buffer.strip():
                    cells.append(nbformat.v4.new_markdown_cell(buffer))
                if current in numeric:
                    cells.extend(cells_for(current))
                buffer = ""
            buffer += token
        if buffer.strip():
            cells.append(nbformat.v4.new_markdown_cell(buffer))
    nb.cells = cells
    nb.metadata.pop("source_map", None)  # line numbers of the original cells, now wrong
    return nb


def executed_notebook(page: str):
    """The page as executed by the instructor build, glue data included. The copies in
    jupyter_execute/ have the glue outputs removed, so take the outputs from the cache."""
    import jupytext
    from jupyter_cache import get_cache

    nb = jupytext.read(ROOT / f"{page}.md")
    _, merged = get_cache(str(CACHE)).merge_match_into_notebook(nb)
    return merged


def cleared(nb):
    nb = nbformat.from_dict(nbformat.v4.upgrade(nb) if nb.nbformat < 4 else nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def main() -> int:
    if not EXECUTED.exists():
        print("student edition: run `make book` first (it executes the chapters)", file=sys.stderr)
        return 2
    shutil.rmtree(OUT, ignore_errors=True)
    SOURCE.mkdir(parents=True)
    (OUT / "notebooks").mkdir()
    numeric = numeric_labels()

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for part in toc.get("parts", []):
        part["chapters"] = [c for c in part["chapters"] if c["file"] not in INSTRUCTOR_ONLY]
    (SOURCE / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))

    pages = [toc["root"]] + [c["file"] for p in toc["parts"] for c in p["chapters"]]
    for page in pages:
        target = SOURCE / page
        target.parent.mkdir(parents=True, exist_ok=True)
        if (EXECUTED / f"{page}.ipynb").exists():
            nb = strip_solutions(executed_notebook(page), numeric)
            nbformat.write(nb, target.with_suffix(".ipynb"))
            if page.startswith("chapters/"):
                nbformat.write(cleared(nb), OUT / "notebooks" / f"{Path(page).name}.ipynb")
        else:
            text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
            for gone in INSTRUCTOR_ONLY:  # links to pages this edition leaves out
                text = text.replace(f"{{doc}}`{gone}`", "the instructor edition's For instructors")
            target.with_suffix(".md").write_text(text, encoding="utf-8")
    for extra in ("references.bib", "_static", "_ext", "docs"):
        src = ROOT / extra
        if src.is_dir():
            shutil.copytree(src, SOURCE / extra)
        elif src.exists():
            shutil.copy2(src, SOURCE / extra)

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] += " (student edition)"
    config["execute"]["execute_notebooks"] = "off"  # outputs come from the instructor build
    config["html"]["announcement"] = "Student edition: the solutions are not in this copy."
    # The JupyterLite site (tools/lite_site.py) holds the instructor's notebooks, solutions
    # included, and is not built for this edition: no launch button points to it.
    config.pop("launch_buttons", None)
    (SOURCE / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))

    build = subprocess.run(
        [
            str(Path(sys.executable).parent / "jupyter-book"),
            "build",
            str(SOURCE),
            "--path-output",
            str(OUT),
            "--builder",
            "html",
            "-W",
            "-n",
            "--keep-going",
        ]
    )
    if build.returncode:
        return build.returncode
    shutil.move(str(OUT / "_build" / "html"), str(OUT / "html"))
    shutil.rmtree(OUT / "_build", ignore_errors=True)
    print(f"student edition: {OUT / 'html'} and {OUT / 'notebooks'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
