"""`make assignments`: otter-grader assignments from the exercise registry. Students' materials
hold no answer and no code that computes one; the autograder grades a right, a partly wrong
and a broken submission locally, without Docker, with full, partial and zero marks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
from notebook_checks import page_shows, problems

import inference_math as im
from bookfiles import ROOT, answers_shown

pytestmark = pytest.mark.book
OUT = ROOT / "_build" / "assignments"
PYTHON = ROOT / ".venv" / "bin" / "python"
TOOL = ROOT / "tools" / "assignments.py"


def chapters():
    return sorted({e.chapter for e in im.exercises.all_exercises()})


def exercises_of(chapter):
    return [e for e in im.exercises.all_exercises() if e.chapter == chapter]


def test_every_chapter_has_a_student_and_an_autograder_folder(assignments):
    for ch in chapters():
        base = assignments / f"ch{ch:02d}"
        assert (base / "student" / f"ch{ch:02d}.ipynb").exists()
        assert (base / "autograder" / "autograder.zip").exists()
        with zipfile.ZipFile(base / "autograder" / "autograder.zip") as z:
            names = set(z.namelist())
        for ex in exercises_of(ch):
            assert f"tests/{ex.label}.py" in names
            assert (base / "student" / "tests" / f"{ex.label}.py").exists()
        assert {"run_autograder", "setup.sh", "otter_config.json", "run_otter.py"} <= names
        # graded as grade.py grades: values judged outside the student's kernel
        assert {"grade.py", "worker.py", "sandbox.py", "fallback.py", "questions.json"} <= names
        assert {f"public_tests/{ex.label}.py" for ex in exercises_of(ch)} <= names


def student_files(ch):
    folder = OUT / f"ch{ch:02d}" / "student"
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.mark.parametrize("ch", chapters())
def test_student_materials_hold_no_answer(assignments, ch):
    nb = nbformat.read(OUT / f"ch{ch:02d}" / "student" / f"ch{ch:02d}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "{glue" not in text, "a glue role is left in the student notebook"
    assert "solution-start" not in text and "im.check(" not in text
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    tests = "\n".join(p.read_text() for p in (OUT / f"ch{ch:02d}" / "student" / "tests").glob("*"))
    assert "hidden=True" not in tests
    for ex in exercises_of(ch):
        right = im.exercises.expected(ex.label)
        assert f'grader.check("{ex.label}")' in text
        assert not answers_shown(ex.label, text), f"{ex.label}: its answer is in the notebook"
        assert repr(right) not in tests and not answers_shown(ex.label, tests), ex.label
    for path in student_files(ch):
        assert "answers" not in path.parts, path
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as z:
                assert not [n for n in z.namelist() if "answers" in n.split("/")]


def chapter_page(ch) -> str:
    return next(
        str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "chapters").glob(f"{ch:02d}-*.md")
    )


def test_prompts_show_the_numbers_the_book_shows(assignments):
    nb = nbformat.read(OUT / "ch01" / "student" / "ch01.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    page = (
        ROOT / "_build" / "jupyter_execute" / "chapters" / "01-parameters.glue.json"
    ).read_text()
    shown = json.loads(json.loads(page)["params-exact"]["data"]["text/plain"].replace("'", '"'))
    assert shown in text
    numbers = page_shows(ROOT / "_build" / "html" / f"{chapter_page(1)}.html").exercises
    for ex in exercises_of(1):  # headed as on the page, with the level the page shows
        assert f"**{numbers[ex.label]}** ({ex.level})" in text, ex.label
        number = numbers[ex.label].removeprefix("Exercise ")
        assert f"# Exercise {number} ({ex.label}), graded automatically: one number" in text
    figures = [c for c in nb.cells if c.get("attachments")]
    assert figures, "the glued figures are not in the student notebook"


@pytest.mark.parametrize("ch", chapters())
def test_assignments_read_as_the_pages_without_solutions(assignments, ch):
    """Read as a student reads it, an assignment shows no raw MyST, every number its page
    glues outside solutions, its citations, and its figures, equations and exercises
    numbered as on the page."""
    nb = nbformat.read(OUT / f"ch{ch:02d}" / "student" / f"ch{ch:02d}.ipynb", as_version=4)
    doc = chapter_page(ch)
    html = ROOT / "_build" / "html" / f"{doc}.html"
    found = problems(nb, doc, html, outputs=False, solutions=False)
    assert not found, "\n".join(found[:20])


sys.path.insert(0, str(ROOT / "tools"))
import assignments as tool  # noqa: E402


def answer_cell(nb, label):
    return next(
        c
        for c in nb.cells
        if "otter_answer_cell" in c.metadata.get("tags", [])
        and c.cell_type == "code"
        and f"({label})" in c.source
    )


@pytest.mark.parametrize("ch", chapters())
def test_answer_cells_state_the_unit_and_take_one_number(assignments, ch):
    nb = nbformat.read(OUT / f"ch{ch:02d}" / "student" / f"ch{ch:02d}.ipynb", as_version=4)
    for ex in exercises_of(ch):
        cell = answer_cell(nb, ex.label)
        assert ex.unit and tool.unit_phrase(ex) in cell.source, (ex.label, cell.source)
        assigned = re.findall(r"^\s*(\w+)\s*=", cell.source, flags=re.M)
        assert assigned == [tool.variable(ex.label)], f"{ex.label}: one number per cell"
        assert "your answer, as a number" not in cell.source


def test_every_graded_answer_has_a_unit():
    """The answer cell and the tests state it; a fraction says 0.05 for 5%."""
    for ex in im.exercises.all_exercises():
        if ex.answer is not None:
            assert ex.unit, f"{ex.label}: no unit registered"
            if ex.unit.startswith("fraction"):
                assert "0.05 for 5%" in tool.unit_phrase(ex)


@pytest.mark.parametrize("ch", chapters())
def test_explanations_have_a_cell_of_their_own(assignments, ch):
    """Where the rubric grades an explanation (the explain exercises), a Markdown cell for it
    follows the number's check; an exercise asking more than its number has one too."""
    nb = nbformat.read(OUT / f"ch{ch:02d}" / "student" / f"ch{ch:02d}.ipynb", as_version=4)
    written = {
        c.metadata["wtc"]["written"]: c
        for c in nb.cells
        if c.cell_type == "markdown" and "wtc" in c.metadata
    }
    for ex in exercises_of(ch):
        check = next(i for i, c in enumerate(nb.cells) if c.source == f'grader.check("{ex.label}")')
        if ex.kind == "explain":
            cell = written[ex.label]
            assert nb.cells[check + 1] is cell and "**Your explanation**" in cell.source
            assert "otter_answer_cell" in cell.metadata["tags"]
            assert cell.metadata["wtc"]["graded_by"] == "person"
        elif ex.label in written:
            assert nb.cells[check + 1] is written[ex.label]
            assert "not graded automatically" in written[ex.label].source


def test_a_question_in_three_parts_gets_a_cell_per_kind_of_answer(assignments):
    """ch03-kb-vs-kib asks a fraction, a number of tokens and an explanation: the fraction is
    graded in its own cell, in its unit; the rest goes to the explanation's cell."""
    nb = nbformat.read(OUT / "ch03" / "student" / "ch03.ipynb", as_version=4)
    cell = answer_cell(nb, "ch03-kb-vs-kib")
    assert "one number, as a fraction of the true bytes: 0.05 for 5%" in cell.source
    i = nb.cells.index(cell)
    assert nb.cells[i + 1].source == 'grader.check("ch03-kb-vs-kib")'
    assert "**Your explanation**" in nb.cells[i + 2].source
    assert "other questions" in nb.cells[i + 2].source


@pytest.mark.parametrize(
    "unit, kind, fits, does_not_fit",
    [
        ("tokens", "count", ["GiB versus GB", "query heads"], ["per hour", "per-1M", "KiB"]),
        ("sequences", "count", ["factor of 2"], ["per hour", "a unit prefix"]),
        ("GB", "bytes", ["GiB versus GB", "KiB versus KB", "query heads"], ["per hour"]),
        ("USD per 1K completion tokens", "money", ["per hour", "per-1K"], ["KiB", "GiB"]),
        ("fraction of peak FLOP/s", "fraction", ["factor of 2"], ["KiB", "per hour", "prefix"]),
        ("ms", "time", ["unit prefix"], ["KiB", "per hour"]),
        ("x (Llama / GPT-3.5)", "ratio", ["factor of 2"], ["KiB", "per hour", "prefix"]),
        ("tokens/s", "rate", ["per hour"], ["KiB", "GiB"]),
    ],
)
def test_public_test_hints_fit_the_question(unit, kind, fits, does_not_fit):
    ex = im.exercises.Exercise("ch99-x", 99, "t", "p", "compute", 1, 5, None, 0.01, unit)
    assert tool.quantity(unit) == kind
    text = tool.test_file(ex, hidden=False)
    for slip in fits:
        assert slip in text, (unit, slip)
    for slip in does_not_fit:
        assert slip not in text, (unit, slip)


@pytest.mark.parametrize("ch", chapters())
def test_the_written_public_tests_name_only_fitting_slips(assignments, ch):
    for ex in exercises_of(ch):
        text = (OUT / f"ch{ch:02d}" / "student" / "tests" / f"{ex.label}.py").read_text()
        named = [s for s in im.exercises.slip_texts() if s.replace('"', "'") in text]
        assert named == [s for _, s in tool.slips_for(ex)], ex.label
        if tool.quantity(ex.unit) in ("count", "fraction", "ratio", "size"):
            assert "per hour" not in text, ex.label
        assert tool.unit_phrase(ex).replace('"', "'") in text, ex.label


def test_the_hidden_hint_is_chosen_among_the_slips_that_fit():
    """A token count off by 3600 gets no "per hour" hint; a price does."""
    tokens = im.exercises.Exercise("ch99-x", 99, "t", "p", "compute", 1, 5, None, 0.01, "tokens")
    usd = im.exercises.Exercise("ch99-y", 99, "t", "p", "compute", 1, 5, None, 0.01, "USD")
    assert "per hour" not in im.exercises.hint(3600.0, 1.0, tool.slips_for(tokens))
    assert "per hour" in im.exercises.hint(3600.0, 1.0, tool.slips_for(usd))
    assert "per hour" in im.exercises.hint(3600.0, 1.0)  # every slip, as im.check gives


def test_the_student_library_has_no_answers_but_works(assignments, tmp_path):
    (wheel,) = (OUT / "ch01" / "student").glob("inference_math-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    probe = (
        "import inference_math as im\n"
        "assert im.exercises.all_exercises() == []\n"
        "try:\n    im.check('ch01-int4-gb', 35.3)\nexcept im.exercises.AnswersNotInstalled as e:\n"
        "    print('refused:', e)\n"
        "print(len(im.load_appendix()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target), im.exercises.ANSWERS_ENV: "none"}
    p = subprocess.run(
        [str(PYTHON), "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    assert "refused: exercise 'ch01-int4-gb'" in p.stdout and "no answers" in p.stdout
    assert int(p.stdout.split()[-1]) > 0  # the data files travel with it


def submission(tmp_path, name, values):
    """The ch01 student notebook with answers filled in: values maps label -> source text."""
    nb = nbformat.read(OUT / "ch01" / "student" / "ch01.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "otter_answer_cell" in cell.metadata.get("tags", []):
            label = re.search(r"\((ch\d\d-[\w-]+)\)", cell.source).group(1)
            if label in values:
                cell.source = cell.source.replace("= ...", f"= {values[label]}")
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def grade(*paths):
    grader = OUT / "ch01" / "autograder" / "grade.py"
    p = subprocess.run(
        [str(PYTHON), str(grader), *map(str, paths)], capture_output=True, text=True, timeout=600
    )
    assert p.returncode == 0, p.stderr[-2000:]
    results = {}
    for path in paths:
        data = json.loads(path.with_suffix(".results.json").read_text())
        results[path.name] = {
            t["name"]: (t["score"], t["max_score"], t.get("output", ""))
            for t in data["tests"]
            if t.get("max_score") is not None
        }
    return results


def test_grading_gives_full_partial_and_zero_marks(assignments, tmp_path):
    right = {e.label: im.exercises.expected(e.label) for e in exercises_of(1)}
    tol = {e.label: e.rel_tol for e in exercises_of(1)}
    points = {e.label: e.difficulty for e in exercises_of(1)}
    correct = submission(
        tmp_path,
        "correct.ipynb",
        {
            **{k: repr(v) for k, v in right.items()},
            # within the tolerance is right too
            "ch01-int4-gb": repr(right["ch01-int4-gb"] * (1 + tol["ch01-int4-gb"] / 2)),
        },
    )
    partial = submission(
        tmp_path,
        "partial.ipynb",
        {
            **{k: repr(v) for k, v in right.items()},
            "ch01-int4-gb": repr(right["ch01-int4-gb"] * 1.024**3),  # GiB for GB
            "ch01-gpus-gpt3": "1 / 0",  # a cell that does not run
        },
    )
    broken = tmp_path / "broken.ipynb"
    broken.write_text("this is not a notebook")
    results = grade(correct, partial, broken)

    full = results["correct.ipynb"]
    assert {k: v[:2] for k, v in full.items()} == {k: (p, p) for k, p in points.items()}

    part = results["partial.ipynb"]
    assert part["ch01-int4-gb"][0] == 0 and "GiB versus GB" in part["ch01-int4-gb"][2]
    assert part["ch01-gpus-gpt3"][0] == 0
    assert "ZeroDivisionError" in part["ch01-gpus-gpt3"][2]
    assert part["ch01-mha-params"][:2] == (points["ch01-mha-params"],) * 2
    got = sum(v[0] for v in part.values())
    assert 0 < got < sum(points.values())

    zero = results["broken.ipynb"]
    assert set(zero) == set(points)
    assert all(v[0] == 0 and "could not be graded" in v[2] for v in zero.values())
    assert "NotJSONError" in zero["ch01-int4-gb"][2]


def broken_registry(tmp_path, edit):
    """The answers copied under another module name, with one chapter edited, and the
    environment that makes the library read them instead of the installed ones."""
    folder = tmp_path / "broken_answers"
    shutil.copytree(ROOT / "answers" / "inference_math_answers", folder)
    path = folder / "ch03.py"
    path.write_text(edit(path.read_text()))
    path_before = os.environ.get("PYTHONPATH", "")
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(tmp_path), path_before) if p),
        im.exercises.ANSWERS_ENV: "broken_answers",
    }


def run_tool(env, *args):
    return subprocess.run(
        [str(PYTHON), str(TOOL), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("what", ["tolerance", "answer"])
def test_a_registry_entry_without_tolerance_or_answer_fails_in_one_line(tmp_path, what):
    if what == "tolerance":

        def edit(text):
            return text.replace("rel_tol=0.001,", "", 1)

        label = "ch03-kv-int8"
    else:

        def edit(text):
            return text + (
                '\n\nexercise("ch03-no-answer", title="t", practises="p", kind="explain",'
                " difficulty=1, minutes=5, rel_tol=0.01)(None)\n"
            )

        label = "ch03-no-answer"
    env = broken_registry(tmp_path, edit)
    p = run_tool(env, "--check-registry")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and label in lines[0] and what in lines[0], p.stderr
    # and through make, before any build
    m = subprocess.run(
        ["make", "--no-print-directory", "assignments"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert m.returncode != 0 and lines[0] in m.stderr
    assert "jupyter-book" not in m.stdout


def test_answers_are_not_in_the_installable_package():
    package = ROOT / "lib" / "inference_math"
    assert not (package / "answers").exists()
    sources = "\n".join(p.read_text() for p in package.rglob("*.py"))
    for ex in im.exercises.all_exercises():
        assert f'"{ex.label}"' not in sources, f"{ex.label} is named inside the package"


def test_check_finds_the_installed_answers_through_their_entry_point(capsys):
    assert im.exercises.answers_module() == "inference_math_answers"
    assert im.check("ch01-int4-gb", im.exercises.expected("ch01-int4-gb"))
    assert "correct" in capsys.readouterr().out


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
