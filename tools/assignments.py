"""Graded assignments from the exercise registry, in otter-grader's format (`make assignments`).

    .venv/bin/python tools/assignments.py --check-registry   # fails fast, one line, on a bad entry
    .venv/bin/python tools/assignments.py [--chapters 1,3]   # after `make book`

For each chapter it writes, under _build/assignments/:

  chNN/student/      what a student is given: chNN.ipynb (no solution, no answer, showing what
                     the page shows (_ext/myst_notebook.py): glued numbers, citations, numbered
                     figures, equations and exercises; each numeric exercise ending in an
                     answer cell and `grader.check(...)`), tests/ with the public tests only,
                     the library as a wheel without the answers, and requirements.txt
  chNN/autograder/   for the instructor: tests/ with the hidden tests too, public_tests/,
                     grade.py (local grading: tools/otter/), autograder.zip (made by `otter
                     generate`, for Gradescope, graded the way grade.py grades),
                     otter_config.json, requirements.txt and key.csv (the answers, tolerances and
                     points, for nbgrader or an LMS)

and key.csv for all chapters at the top. Questions are named by the exercise's label; a
question is worth its difficulty in points.

Nothing a student is given can compute an answer: the answers are functions in answers/ of the
checkout, outside the package (inference_math.book.exercises loads them from there), the wheel is
built from lib/ alone (and checked to hold no answers/), and the public tests hold no answer.
They check that the answer is a finite number and list the slips that fit the question (the
registry's, chosen by what the answer's unit measures: no "per hour versus per second" for a
token count); the hidden tests compare it with the answer within the registry's tolerance and,
when it is wrong, fail with the hint for that ratio among the same slips (exercises.hint),
which Gradescope shows once grades are published.

Each exercise ends in one code cell for its one graded number, whose comment states the unit,
and its check; an *explain* exercise then has a Markdown cell for the explanation the
instructors' rubric grades, and an exercise that asks more than the number a Markdown cell
for the other answers. The student folder's requirements.txt is requirements-student.txt (the
library, numpy, sympy, matplotlib, JupyterLab, otter-grader's client), installed with
--no-deps.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from student_edition import EXECUTED, ROOT, executed_notebook  # noqa: E402

sys.path.insert(0, str(ROOT / "_ext"))
from myst_notebook import Page, cleared, convert, renumbered, strip_solutions  # noqa: E402

OUT = ROOT / "_build" / "assignments"
OTTER_CONFIG = {
    "lang": "python",
    "show_stdout": True,
    # Gradescope shows hidden tests' results (and so the slip hints) once grades are published.
    "show_hidden": True,
    "pdf": False,
}


class RegistryError(Exception):
    """An exercise the grader cannot grade; the message is one line naming it."""


# --- the registry ---------------------------------------------------------------------------


def book_chapters() -> dict[int, str]:
    """Chapter number -> page ("chapters/01-parameters") for the chapters in the toc."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [c["file"] for p in toc["parts"] for c in p["chapters"]]
    return {int(p.split("/")[1][:2]): p for p in pages if p.startswith("chapters/")}


def graded_exercises(chapters=None):
    """The registry's exercises of the book's chapters, each checked: it must have an answer
    that computes to a finite number and a tolerance. Raises RegistryError naming the first
    that has not."""
    import inference_math as im

    wanted = set(chapters or book_chapters())
    try:
        registry = im.exercises.all_exercises()
    except Exception as e:  # a module of the answers that does not load: say so in one line
        where = im.exercises.answers_module()
        raise RegistryError(f"the answers in module {where} do not load: {e!r}")
    if not registry:
        raise RegistryError(
            "no exercises registered: make assignments needs the answers (pip install -e "
            "answers, from the book's repository)"
        )
    exercises = [e for e in registry if e.chapter in wanted]
    for ex in exercises:
        where = f"answers/inference_math_answers/ch{ex.chapter:02d}.py"
        if ex.answer is None:
            raise RegistryError(
                f"{ex.label}: no answer registered in {where}, so it cannot be graded"
            )
        if ex.rel_tol is None or not (math.isfinite(ex.rel_tol) and ex.rel_tol > 0):
            raise RegistryError(
                f"{ex.label}: no tolerance (rel_tol) registered in {where}, so it cannot be graded"
            )
        try:
            value = im.exercises.expected(ex.label)
        except Exception as e:  # an answer function that fails: name it, in one line
            raise RegistryError(f"{ex.label}: its answer in {where} fails: {e!r}") from None
        if not math.isfinite(value):
            raise RegistryError(f"{ex.label}: its answer in {where} is {value}, not a number")
    return exercises


def variable(label: str) -> str:
    return label.replace("-", "_")


# --- tests ----------------------------------------------------------------------------------


# What an answer's unit measures, read from the registry's unit ("GB", "USD per 1K prompt
# tokens", "fraction of peak FLOP/s"), and which of the registry's slips (exercises.slips(), by
# the ratio of a wrong answer to the right one) can happen to a quantity of that kind: a token
# count is never off by "per hour versus per second", a fraction never by "KiB versus KB".
SLIPS_BY_KIND = {
    "bytes": (1.024, 1.024**2, 1.024**3, 8.0, 1000.0, 1e6, 2.0, 1.5, 4.0),
    "FLOPs": (1000.0, 1e6, 2.0, 1.5),
    "FLOP rate": (1000.0, 2.0, 4.0),
    "intensity": (8.0, 2.0, 4.0),
    "time": (8.0, 1000.0, 2.0, 1.5, 4.0),
    "money": (1000.0, 1e6, 3600.0, 8.0, 2.0, 1.5, 4.0),
    "rate": (3600.0, 1000.0, 8.0, 2.0, 4.0),
    "count": (1.024**3, 8.0, 2.0, 1.5, 4.0),
    "size": (8.0, 2.0, 1.5, 4.0, 1000.0, 1e6),
    "ratio": (8.0, 2.0, 4.0),
    "fraction": (8.0, 2.0, 1.5, 4.0),
}


def quantity(unit: str) -> str:
    """What a registry unit measures: a key of SLIPS_BY_KIND."""
    u = unit.lower()
    if u.startswith("fraction"):
        return "fraction"
    if "usd" in u:
        return "money"
    if "flop/s" in u:
        return "FLOP rate"
    if "flop" in u and "/byte" in u:
        return "intensity"
    if "flop" in u:
        return "FLOPs"
    if u in ("s", "ms"):
        return "time"
    if "/s" in u or "a day" in u:
        return "rate"
    if re.fullmatch(r"[kmgt]?i?b|bytes", u):
        return "bytes"
    if u.startswith(("x", "×", "of ")):
        return "ratio"
    if u in ("tokens", "sequences", "gpus"):
        return "count"  # what a memory holds, and so what a misread GiB changes
    return "size"  # parameters, experts, the side of a matrix


def slips_for(ex) -> list[tuple[float, str]]:
    """The registry's slips (ratio, sentence) that fit ``ex``'s answer, in the registry's
    order."""
    import inference_math as im

    fitting = SLIPS_BY_KIND[quantity(ex.unit)]
    return [(factor, text) for factor, text in im.exercises.slips() if factor in fitting]


def unit_phrase(ex) -> str:
    """The answer's unit as the answer cell and the tests state it: "in GB", "as a fraction
    of peak: 0.05 for 5%", "as a multiple of gpt-4o-mini's price: 2 for twice"."""
    unit = ex.unit
    if unit.startswith("fraction"):
        return f"as a {unit}: 0.05 for 5%"
    if quantity(unit) != "ratio":
        return f"in {unit}"
    what = re.sub(r"^[x×]\s*", "", unit).strip()
    if what.startswith("(") and what.endswith(")"):
        what = what[1:-1]
    if not what:
        return "as a factor: 2 for twice"
    if "/" in what:
        return f"as a factor, {what}: 2 for twice"
    return f"as a multiple {what if what.startswith('of ') else 'of ' + what}: 2 for twice"


PUBLIC_TEST = '''@test_case(points=0, hidden=False)
def test_{var}_is_a_number(env, {var}):
    """The answer is one finite number (checked before submission; its value is not)."""
    import math
    import numbers

    import numpy as np
    from inference_math.book.exercises import why_unset

    assert {var} is not None, "{var} is not set: " + why_unset(env, "{var}")
    assert {var} is not ..., "replace the ... in `{var} = ...` with your answer"
    if isinstance({var}, np.ndarray) and {var}.size == 1:
        {var} = {var}.item()
    assert isinstance({var}, numbers.Real) and not isinstance({var}, bool), (
        f"{var} should be a number, not {{type({var}).__name__}}"
    )
    assert math.isfinite({var}), f"{var} is {{{var}}}, not a finite number"
    print(
        "{var} is a number ({unit}); its value is graded on submission. Before you submit, "
        "rule out the slips an answer of this kind is prone to: {slips}"
    )
'''

HIDDEN_TEST = '''@test_case(points={points}, hidden=True)
def test_{var}_value({var}):
    """Within the registry's tolerance of the answer; when not, the slip its ratio to the
    answer suggests, among those that fit the question."""
    import math

    import numpy as np

    right, rel_tol = {right!r}, {rel_tol!r}
    slips = {slips!r}
    if isinstance({var}, np.ndarray) and {var}.size == 1:
        {var} = {var}.item()
    assert {var} is not None, "{var} is not set"
    assert {var} is not ..., "no answer: the ... was not replaced"
    value = float({var})
    if not math.isclose(value, right, rel_tol=rel_tol):
        from inference_math.book.exercises import hint

        raise AssertionError(f"not yet: {{value:.6g}}{unit}; " + hint(value, right, slips))
'''


def test_file(ex, hidden: bool) -> str:
    import inference_math as im

    var = variable(ex.label)
    slips = slips_for(ex)
    cases = [
        PUBLIC_TEST.format(
            var=var,
            unit=unit_phrase(ex).replace('"', "'"),
            slips=" ".join(text for _, text in slips).replace('"', "'"),
        )
    ]
    if hidden:
        cases.append(
            HIDDEN_TEST.format(
                var=var,
                points=ex.difficulty,
                right=im.exercises.expected(ex.label),
                rel_tol=ex.rel_tol,
                slips=slips,
                unit=f" {ex.unit}".replace('"', "'"),
            )
        )
    return (
        f'"""{ex.label}: {ex.title} ({ex.kind}, difficulty {ex.difficulty}, {ex.minutes} min).'
        f'\nWritten by tools/assignments.py from the exercise registry."""\n\n'
        "from otter.test_files import test_case\n\n"
        "OK_FORMAT = False\n\n"
        f'name = "{ex.label}"\n'
        f"points = {ex.difficulty if hidden else 0}\n\n\n" + "\n\n".join(cases)
    )


# --- the student notebook -------------------------------------------------------------------


def asks_more(prompt: str) -> bool:
    """Whether an exercise's prompt asks for more than its one graded number: more than one
    question, or an explanation besides a question."""
    words = r"(?:^|[.?]\s+)(?:Explain|Compare|Why|Say|Check)\b"
    return prompt.count("?") + len(re.findall(words, prompt)) > 1


def answer_cells(ex, number: str, prompt: str = ""):
    """What ends an exercise in the assignment: a code cell for its one graded number, in its
    unit, and the number's check; then, where the rubric grades an explanation (the *explain*
    exercises) or the exercise asks more than that number, a Markdown cell for the rest."""
    var = variable(ex.label)
    cells = [
        nbformat.v4.new_code_cell(
            f"# Exercise {number} ({ex.label}), graded automatically: one number, "
            f"{unit_phrase(ex)}.\n{var} = ...",
            metadata={"tags": ["otter_answer_cell"]},
        ),
        nbformat.v4.new_code_cell(f'grader.check("{ex.label}")'),
    ]
    if ex.kind == "explain":
        text = (
            f"**Your explanation** (Exercise {number}; graded by your instructor, up to 3 "
            "points: name the mechanism, tie it to your number with its direction and size, "
            "and say under which assumption it holds; answer the exercise's other questions "
            "here too):\n\n*Replace this line with your explanation.*"
        )
    elif asks_more(prompt):
        text = (
            f"**Your answers to the other questions** (Exercise {number}; in words and "
            "numbers, read by your instructor, not graded automatically):\n\n"
            "*Replace this line with your answers.*"
        )
    else:
        return cells
    written = nbformat.v4.new_markdown_cell(text, metadata={"tags": ["otter_answer_cell"]})
    graded_by = "person" if ex.kind == "explain" else "none"
    written.metadata["wtc"] = {"written": ex.label, "graded_by": graded_by}
    return [*cells, written]


def prompts(page: str) -> dict[str, str]:
    """Each exercise's prompt on ``page``, as written (MyST), by label."""
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    found = re.finditer(
        r"```\{exercise-start\}\s*\n:label:\s*(\S+)\n```\n(.*?)```\{exercise-end\}", text, re.S
    )
    return {m.group(1): " ".join(m.group(2).split()) for m in found}


def student_notebook(page: str, exercises: dict):
    """The chapter as a student gets it: solutions cut, answer cells added, every role and
    directive shown as the book shows it (myst_notebook.py), outputs cleared. Also each
    exercise's number as the book shows it ("3.2"), by label."""
    shown = Page.beside(EXECUTED / f"{page}.ipynb")
    numbers = {label: shown.labels[label]["number"] for label in exercises}
    asked = prompts(page)

    def cells_for(label):
        if label not in exercises:
            return []
        return answer_cells(exercises[label], numbers[label], asked.get(label, ""))

    nb = cleared(convert(strip_solutions(executed_notebook(page), cells_for), shown))
    setup = nbformat.v4.new_code_cell(
        "# Otter-Grader: grader.check(question) runs a question's public tests.\n"
        "import otter\n\ngrader = otter.Notebook()"
    )
    intro = nbformat.v4.new_markdown_cell(
        "*Assignment.* Run every cell in order. Each exercise ends in a cell where your answer "
        "replaces the `...`, and a `grader.check` that says whether it is a number; its value "
        "is graded when you submit. The last cell writes the zip file to submit."
    )
    export = [
        nbformat.v4.new_markdown_cell("## Submission"),
        nbformat.v4.new_code_cell(
            "grader.export(pdf=False, run_tests=True)", metadata={"tags": ["otter_ignore"]}
        ),
    ]
    nb.cells = [intro, setup, *nb.cells, *export]
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    # otter checks a submission's assignment name against the autograder's
    nb.metadata["otter"] = {"assignment_name": f"ch{Path(page).name[:2]}"}
    return renumbered(nb), numbers


# --- the library without answers ------------------------------------------------------------


def build_wheel(out: Path) -> Path:
    """The library for students: lib/ and a copy of data/, never answers/."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        shutil.copy2(ROOT / "pyproject.toml", stage)
        shutil.copy2(ROOT / "README.md", stage)
        shutil.copytree(
            ROOT / "lib", stage / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
        shutil.copytree(ROOT / "data", stage / "lib" / "inference_math" / "_data")
        p = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-build-isolation",
                "--wheel-dir",
                str(out),
                str(stage),
            ],
            capture_output=True,
            text=True,
        )
        if p.returncode:
            raise SystemExit(
                f"make assignments: building the library wheel failed: {p.stderr[-500:]}"
            )
    (wheel,) = out.glob("inference_math-*.whl")
    with zipfile.ZipFile(wheel) as z:
        leaked = [n for n in z.namelist() if "answers" in n.split("/")]
    if leaked:
        raise SystemExit(f"make assignments: the student wheel holds answers: {leaked[0]}")
    return wheel


def requirements(wheel: Path, student: bool = False) -> str:
    """The pins the grader runs with (the book's, requirements.txt) or, for ``student``, the
    lean environment a student needs (requirements-student.txt, its header saying how to
    install it), and the library's wheel."""
    if student:
        text = (ROOT / "requirements-student.txt").read_text().rstrip("\n")
        return f"{text}\n./{wheel.name}\n"
    pins = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return "\n".join([*pins, f"./{wheel.name}"]) + "\n"


# --- one chapter ----------------------------------------------------------------------------


def write_chapter(chapter: int, page: str, exercises: list, wheel: Path) -> list[dict]:
    import inference_math as im

    name = f"ch{chapter:02d}"
    base = OUT / name
    student, grader = base / "student", base / "autograder"
    for d in (student / "tests", grader / "tests"):
        d.mkdir(parents=True)
    by_label = {e.label: e for e in exercises}
    nb, numbers = student_notebook(page, by_label)
    nbformat.write(nb, student / f"{name}.ipynb")
    rows = []
    grading_folder(grader, exercises)
    for ex in exercises:
        (student / "tests" / f"{ex.label}.py").write_text(test_file(ex, hidden=False))
        rows.append(
            {
                "chapter": chapter,
                "exercise": numbers.get(ex.label, ""),
                "label": ex.label,
                "title": ex.title,
                "kind": ex.kind,
                "difficulty": ex.difficulty,
                "minutes": ex.minutes,
                "points": ex.difficulty,
                "answer": repr(im.exercises.expected(ex.label)),
                "rel_tol": ex.rel_tol,
                "unit": ex.unit,
                "variable": variable(ex.label),
            }
        )
    shutil.copy2(wheel, student)
    shutil.copy2(wheel, grader)
    (student / "requirements.txt").write_text(requirements(wheel, student=True))
    (grader / "requirements.txt").write_text(requirements(wheel))
    config = {**OTTER_CONFIG, "assignment_name": name}
    (grader / "otter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    write_key(grader / "key.csv", rows)
    # On Gradescope the wheel is unpacked under /autograder/source/files/.
    gradescope = grader / "requirements-gradescope.txt"
    gradescope.write_text(
        requirements(wheel).replace(f"./{wheel.name}", f"/autograder/source/files/{wheel.name}")
    )
    otter = Path(sys.executable).parent / "otter"
    p = subprocess.run(
        [
            str(otter),
            "generate",
            "--tests-dir",
            "tests",
            "--output-path",
            "autograder.zip",
            "--config",
            "otter_config.json",
            "--requirements",
            gradescope.name,
            "--overwrite-requirements",
            "--no-environment",
            "--python-version",
            "3.11",
            wheel.name,
        ],
        cwd=grader,
        capture_output=True,
        text=True,
    )
    if p.returncode:
        raise SystemExit(f"make assignments: otter generate failed for {name}: {p.stderr[-500:]}")
    gradescope.unlink()
    add_fallback(grader / "autograder.zip", grader)
    return rows


# The grading scripts (tools/otter/) copied beside the hidden tests and into the zip.
GRADING_HELPERS = ("fallback.py", "grade.py", "sandbox.py", "worker.py")


def grading_folder(grader: Path, exercises) -> None:
    """What grade.py reads in an autograder folder: tests/ (hidden), public_tests/ (what
    grader.check runs in the student's kernel; no answers), questions.json, the scripts."""
    for sub in ("tests", "public_tests"):
        (grader / sub).mkdir(parents=True, exist_ok=True)
    for ex in exercises:
        (grader / "tests" / f"{ex.label}.py").write_text(test_file(ex, hidden=True))
        (grader / "public_tests" / f"{ex.label}.py").write_text(test_file(ex, hidden=False))
    questions = {ex.label: ex.difficulty for ex in exercises}
    (grader / "questions.json").write_text(json.dumps(questions, indent=2) + "\n")
    for helper in GRADING_HELPERS:
        shutil.copy2(Path(__file__).parent / "otter" / helper, grader)


def add_fallback(zip_path: Path, grader: Path) -> None:
    """Replace otter's run_otter.py in the zip by ours (grade.py's way: values judged
    outside the student's kernel, a time limit, an ungradable submission 0 for every
    question with the error); add what it needs."""
    with zipfile.ZipFile(zip_path) as z:
        entries = {n: z.read(n) for n in z.namelist() if n != "run_otter.py"}
    entries["run_otter.py"] = (Path(__file__).parent / "otter" / "run_otter.py").read_bytes()
    for extra in (*GRADING_HELPERS, "questions.json"):
        entries[extra] = (grader / extra).read_bytes()
    for test in sorted((grader / "public_tests").glob("*.py")):
        entries[f"public_tests/{test.name}"] = test.read_bytes()
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in entries.items():
            z.writestr(n, data)


def write_key(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-registry", action="store_true", help="only check the registry")
    parser.add_argument("--chapters", help="comma-separated chapter numbers (default: all)")
    args = parser.parse_args(argv)
    chapters = book_chapters()
    if args.chapters:
        try:
            wanted = [int(c) for c in args.chapters.split(",")]
        except ValueError:
            print(
                f"make assignments: --chapters {args.chapters!r}: numbers, comma-separated",
                file=sys.stderr,
            )
            return 2
        unknown = [c for c in wanted if c not in chapters]
        if unknown:
            print(f"make assignments: no chapter {unknown[0]} in the book", file=sys.stderr)
            return 2
        chapters = {c: chapters[c] for c in wanted}
    try:
        exercises = graded_exercises(chapters)
    except RegistryError as e:
        print(f"make assignments: {e}", file=sys.stderr)
        return 2
    if args.check_registry:
        return 0
    if not EXECUTED.exists():
        print("make assignments: run `make book` first (it executes the chapters)", file=sys.stderr)
        return 2
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    wheel = build_wheel(OUT)
    rows = []
    for chapter, page in chapters.items():
        mine = [e for e in exercises if e.chapter == chapter]
        if mine:
            rows += write_chapter(chapter, page, mine, wheel)
    write_key(OUT / "key.csv", rows)
    print(f"assignments: {len(rows)} questions in {len(chapters)} chapters, in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
