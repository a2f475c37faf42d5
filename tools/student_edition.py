"""Build the student edition from the instructor build: every solution removed.

    .venv/bin/python tools/student_edition.py      (make student runs this after make book)

It starts from the notebooks the instructor build executed (_build/jupyter_execute), so
nothing runs twice, and writes
  _build/student/html/       the book with every solution removed and, at the end of each
                             exercise with a numeric answer, a call to im.check ready to fill in
  _build/student/notebooks/  the same chapters as .ipynb with outputs cleared, for assignments

Every notebook a student is given, those in notebooks/ and each page's .ipynb download, shows
what the page shows (_ext/myst_notebook.py, the converter the learners' downloads and the
assignments use): glued numbers, citations, figure and equation numbers, glued figures
attached to their cells. The pages themselves are built from the same notebooks in MyST.

sphinx-exercise's own `hide_solutions` cannot be used for gated solutions (it leaves a
`solution_end_node` the HTML writer does not know, a warning that fails the strict build), and
it would not touch the notebooks anyway; so solutions are cut from the sources instead.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
from myst_notebook import Page, cleared, convert, strip_solutions  # noqa: E402

EXECUTED = ROOT / "_build" / "jupyter_execute"
CACHE = ROOT / "_build" / ".jupyter_cache"
OUT = ROOT / "_build" / "student"
SOURCE = OUT / "src"
INSTRUCTOR_ONLY = {"for-instructors"}


def unlinked(text: str) -> str:
    """``text`` with its links to the pages this edition leaves out named, not linked."""
    for gone in INSTRUCTOR_ONLY:
        text = text.replace(f"{{doc}}`{gone}`", "*For instructors* (in the instructor edition)")
    return text


def numeric_labels() -> set[str]:
    import inference_math as im

    return {e.label for e in im.exercises.all_exercises() if e.answer is not None}


def check_cell(label: str):
    return nbformat.v4.new_code_cell(
        f'# Your answer replaces the ... ; then run this cell.\nim.check("{label}", ...)'
    )


def checks_for(numeric: set[str]):
    """What ends each exercise in this edition: a check cell where the answer is a number."""
    return lambda label: [check_cell(label)] if label in numeric else []


def executed_notebook(page: str):
    """The page as executed by the instructor build, glue data included. The copies in
    jupyter_execute/ have the glue outputs removed, so take the outputs from the cache."""
    import jupytext
    from jupyter_cache import get_cache

    nb = jupytext.read(ROOT / f"{page}.md")
    _, merged = get_cache(str(CACHE)).merge_match_into_notebook(nb)
    return merged


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
    shown = {}  # page -> its notebook as Jupyter should show it
    for page in pages:
        target = SOURCE / page
        target.parent.mkdir(parents=True, exist_ok=True)
        if (EXECUTED / f"{page}.ipynb").exists():
            nb = strip_solutions(executed_notebook(page), checks_for(numeric))
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source = unlinked(cell.source)
            nbformat.write(nb, target.with_suffix(".ipynb"))
            shown[page] = convert(nb, Page.beside(EXECUTED / f"{page}.ipynb"))
            if page.startswith("chapters/"):
                notebook = OUT / "notebooks" / f"{Path(page).name}.ipynb"
                nbformat.write(cleared(shown[page]), notebook)
        else:
            text = unlinked((ROOT / f"{page}.md").read_text(encoding="utf-8"))
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
    # MyST-NB names its cache in the log even when it executes nothing: name the one that holds
    # the outputs, not a folder of this edition that is never made
    config["execute"]["cache"] = str(CACHE)
    config["html"]["announcement"] = "Student edition: the solutions are not in this copy."
    # The JupyterLite site (tools/lite_site.py) holds the instructor's notebooks, solutions
    # included, and is not built for this edition: no launch button points to it.
    config.pop("launch_buttons", None)
    (SOURCE / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))

    if build_html():
        return 1
    for page, nb in shown.items():  # the pages' downloads: what the pages show
        nbformat.write(nb, OUT / "html" / "_sources" / f"{page}.ipynb")
    print(f"student edition: {OUT.relative_to(ROOT)}/html/ and {OUT.relative_to(ROOT)}/notebooks/")
    return 0


def build_html() -> int:
    """The edition's HTML, written straight to OUT/html by the Sphinx call Jupyter Book's
    command line makes (with its -W -n --keep-going): the command line puts the pages under
    _build/html/ of the output folder and names that folder in its log, which would be wrong
    once the pages were moved."""
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        SOURCE,
        OUT / "html",
        noconfig=True,
        path_config=str(SOURCE / "_config.yml"),
        confoverrides={
            "external_toc_path": str(SOURCE / "_toc.yml"),
            "latex_individualpages": False,
            "nitpicky": True,
        },
        builder="html",
        warningiserror=True,
        keep_going=True,
    )
    for scratch in (".doctrees", "jupyter_execute"):  # beside the pages, made by the build
        shutil.rmtree(OUT / scratch, ignore_errors=True)
    if result:
        print(f"student edition: the build failed: {result}", file=sys.stderr)
    return 1 if result else 0


if __name__ == "__main__":
    sys.exit(main())
