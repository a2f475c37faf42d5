"""The student edition holds no solutions and no answers."""

from __future__ import annotations

import re

import nbformat
import pytest
from notebook_checks import page_shows, problems

import inference_math as im
from bookfiles import (
    ROOT,
    answers_shown,
    make_target,
    chapter_files,
    exercise_labels,
    page_text,
    toc_files,
)

pytestmark = pytest.mark.book
STUDENT = ROOT / "_build" / "student"


@pytest.fixture(scope="module")
def student(built):
    assert built.returncode == 0, "the instructor build failed"
    return make_target("student")


def test_the_log_names_folders_that_exist(student):
    """Every folder of the edition its log names (Sphinx's line and the edition's own) is
    there once the command has finished."""
    log = student
    named = set(re.findall(r"(_build/student/[\w./-]*)", log))
    assert {"_build/student/html", "_build/student/notebooks/"} <= {n.rstrip(".") for n in named}
    for name in named:
        assert (ROOT / name.rstrip(".")).exists(), f"the log names {name}, which does not exist"


def chapter_docs():
    return [str(p.relative_to(ROOT).with_suffix("")) for p in chapter_files()]


def test_student_html_has_no_solutions(student):
    for doc in chapter_docs():
        raw = (STUDENT / "html" / f"{doc}.html").read_text(encoding="utf-8")
        assert "solution-start" not in raw and "solution-end" not in raw, doc
        assert not re.search(r'class="[^"]*\bsolution\b', raw), f"solution block in {doc}"
        assert "Solution to" not in raw, doc
        assert "tag_solution" not in raw, doc


def test_student_notebooks_have_no_solutions_and_end_exercises_with_a_check(student):
    numeric = {e.label for e in im.exercises.all_exercises() if e.answer is not None}
    for path in chapter_files():
        nb = nbformat.read(STUDENT / "notebooks" / f"{path.stem}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        assert "solution-start" not in text and "solution-end" not in text, path.stem
        assert "Solution to" not in text, path.stem
        for cell in nb.cells:
            assert "solution" not in cell.metadata.get("tags", []), path.stem
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.stem}: outputs left in a student notebook"
        doc = str(path.relative_to(ROOT).with_suffix(""))
        numbers = page_shows(ROOT / "_build" / "html" / f"{doc}.html").exercises
        for label in exercise_labels(path):
            if label in numeric:
                check = next(
                    i for i, c in enumerate(nb.cells) if f'im.check("{label}", ...)' in c.source
                )
                prompt = next(c for c in reversed(nb.cells[:check]) if c.cell_type == "markdown")
                assert f"**{numbers[label]}**" in prompt.source, (
                    f"{label}: check not in its exercise"
                )


def test_student_notebooks_read_as_the_pages_without_solutions(student):
    """Read as a student reads them (outputs cleared), the notebooks show no raw MyST, the
    numbers the pages glue outside solutions, their citations, and figures, equations and
    exercises numbered as on the pages; each glued figure is attached to its cell."""
    found = []
    for path in chapter_files():
        doc = str(path.relative_to(ROOT).with_suffix(""))
        nb = nbformat.read(STUDENT / "notebooks" / f"{path.stem}.ipynb", as_version=4)
        html = ROOT / "_build" / "html" / f"{doc}.html"
        found += [f"{doc}: {p}" for p in problems(nb, doc, html, outputs=False, solutions=False)]
    assert not found, "\n".join(found[:20])


def test_the_student_pages_offer_the_notebooks_as_shown(student):
    """The .ipynb each student page offers shows what the page shows, outputs included."""
    for path in chapter_files():
        doc = str(path.relative_to(ROOT).with_suffix(""))
        assert f'_sources/{doc}.ipynb"' in (STUDENT / "html" / f"{doc}.html").read_text()
        nb = nbformat.read(STUDENT / "html" / "_sources" / f"{doc}.ipynb", as_version=4)
        html = ROOT / "_build" / "html" / f"{doc}.html"
        assert not problems(nb, doc, html, solutions=False), doc
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), doc


@pytest.mark.parametrize(
    "ex", [e for e in im.exercises.all_exercises() if e.answer is not None], ids=lambda e: e.label
)
def test_answers_are_not_in_the_student_edition(student, ex):
    doc = next(d for d in chapter_docs() if f":label: {ex.label}" in (ROOT / f"{d}.md").read_text())
    html = page_text(doc, STUDENT / "html")
    nb = nbformat.read(STUDENT / "notebooks" / f"{doc.split('/')[-1]}.ipynb", as_version=4)
    notebook = "\n".join(c.source for c in nb.cells)
    assert not answers_shown(ex.label, html), f"{ex.label}: its answer is on the student page"
    assert not answers_shown(ex.label, notebook), f"{ex.label}: its answer is in the notebook"


def test_instructor_edition_keeps_its_solutions(built):
    for doc in chapter_docs():
        raw = (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8")
        assert re.search(r'class="[^"]*\bsolution\b', raw), f"{doc}: no solution shown"


def test_every_chapter_offers_its_executed_notebook(built):
    for doc in chapter_docs():
        raw = (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8")
        name = doc.split("/")[-1]
        assert f'_sources/{doc}.ipynb"' in raw, f"{doc}: no .ipynb download"
        nb = nbformat.read(ROOT / "_build" / "html" / "_sources" / f"{doc}.ipynb", as_version=4)
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), name


def test_instructors_page_lists_every_exercise(built):
    text = page_text("for-instructors")
    for ex in im.exercises.all_exercises():
        assert ex.label in text, ex.label
    assert "for-instructors" in toc_files()
