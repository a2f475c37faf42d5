import math
import re

import pytest

import inference_math as im
from bookfiles import chapter_files, exercise_labels


def test_every_chapter_exercise_is_registered_and_vice_versa():
    in_chapters = {label for p in chapter_files() for label in exercise_labels(p)}
    registered = {e.label for e in im.exercises.all_exercises()}
    assert in_chapters == registered


def test_every_chapter_has_exercises_of_every_kind_and_a_hard_one():
    by_chapter, hardest = {}, {}
    for e in im.exercises.all_exercises():
        by_chapter.setdefault(e.chapter, set()).add(e.kind)
        hardest[e.chapter] = max(hardest.get(e.chapter, 0), e.difficulty)
    assert sorted(by_chapter) == list(range(1, 14))
    for chapter, kinds in by_chapter.items():
        assert kinds == set(im.exercises.KINDS), f"chapter {chapter}: {sorted(kinds)}"
        assert hardest[chapter] == 3, f"chapter {chapter} has no exercise of difficulty 3"


def test_estimates_are_checked_with_a_stated_tolerance():
    # napkin math is right within its tolerance, not to the last digit
    for e in im.exercises.all_exercises():
        if e.kind == "estimate":
            assert e.answer is not None and e.rel_tol is not None and e.rel_tol >= 0.05


@pytest.mark.parametrize("ex", im.exercises.all_exercises(), ids=lambda e: e.label)
def test_registered_answers_compute(ex):
    assert ex.kind in im.exercises.KINDS and 1 <= ex.difficulty <= 3 and ex.minutes > 0
    if ex.answer is not None:
        value = im.exercises.expected(ex.label)
        assert math.isfinite(value)
        assert im.check(ex.label, value, quiet=True)
        assert not im.check(ex.label, value * 1.5 + 1, quiet=True)


def test_hints_name_the_slip():
    assert "KiB versus KB" in im.exercises.hint(320 * 1024, 320 * 1000)
    assert "GiB versus GB" in im.exercises.hint(128.5, 137.95)
    assert "query heads" in im.exercises.hint(8 * 327_680, 327_680)
    assert "three FFN matrices" in im.exercises.hint(2 / 3, 1.0)
    assert "sign" in im.exercises.hint(-1.0, 1.0)
    assert "times the answer" in im.exercises.hint(1.3, 1.0)


def test_check_reports(capsys):
    right = im.exercises.expected("ch01-int4-gb")
    assert im.check("ch01-int4-gb", right)
    assert "correct" in capsys.readouterr().out
    assert not im.check("ch01-int4-gb", right * 1.024**3)
    assert "GiB versus GB" in capsys.readouterr().out
    assert not im.check("ch01-int4-gb", ...)
    assert "replace the ..." in capsys.readouterr().out


def test_no_cell_outside_a_solution_needs_the_answers():
    # A student's library has no answers (make assignments), and every cell outside the
    # solutions stays in the graded notebook: such a cell must not ask the registry for
    # them. Tolerances for a prompt go through book.glue_tolerance, which stays silent there.
    needs = re.compile(r"exercises\.(get|expected|all_exercises)\(|\bim\.check\(")
    for path in chapter_files():
        text = path.read_text(encoding="utf-8")
        outside = re.sub(r"```\{solution-start\}.*?```\{solution-end\}", "", text, flags=re.S)
        cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", outside, flags=re.S)
        hits = [line for cell in cells for line in cell.splitlines() if needs.search(line)]
        assert not hits, f"{path.name}: {hits[:3]}"
