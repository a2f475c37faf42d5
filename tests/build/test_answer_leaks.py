"""No graded answer is printed where a student reads before solving: in the text, tables and
figure captions of its chapter's page outside the solutions (the web book; the student
edition's pages and notebooks and the assignments are checked by test_editions.py and
test_assignments.py with the same ``answers_shown``). An answer is searched for in every form
the book prints numbers in (bookfiles.answer_strings): 372, 1,525,878, 34.5, 6.60%, and small
counts with their unit (5 GPUs)."""

from __future__ import annotations

import re

import pytest

import inference_math as im
from bookfiles import (
    COINCIDENCES,
    ROOT,
    answer_strings,
    answers_shown,
    chapter_files,
    exercise_labels,
    text_without_solutions,
)

pytestmark = pytest.mark.book
HTML = ROOT / "_build" / "html"


def page_of(label: str) -> str:
    return next(
        str(p.relative_to(ROOT).with_suffix(""))
        for p in chapter_files()
        if label in exercise_labels(p)
    )


GRADED = [e for e in im.exercises.all_exercises() if e.answer is not None]


@pytest.mark.parametrize("ex", GRADED, ids=lambda e: e.label)
def test_no_answer_is_on_its_page_outside_the_solutions(built, ex):
    doc = page_of(ex.label)
    text = text_without_solutions(HTML / f"{doc}.html")
    found = answers_shown(ex.label, text)
    where = [
        text[max(0, m.start() - 60) : m.end() + 20]
        for form in found
        for m in re.finditer(re.escape(form), text)
    ]
    assert not found, f"{ex.label}: its answer {found} is on {doc}: {where[:3]}"


def test_the_search_finds_a_leak():
    """The forms searched for include a three-digit count, alone and with its unit, as a
    table cell and in prose would print it."""
    ex = next(e for e in GRADED if e.label == "ch09-eight-gpus")
    right = int(im.exercises.expected(ex.label))
    assert {str(right), f"{right} {ex.unit}"} <= answer_strings(ex.label)
    assert answers_shown(ex.label, f"| 4,096 | 44 | 14 | no | {right} | yes |")
    assert answers_shown(ex.label, f"hold {right} {ex.unit} of 4K")
    assert not answers_shown(ex.label, f"hold {right}.5 or {right + 1},000 or 1{right}")


@pytest.mark.parametrize("label", sorted(COINCIDENCES))
def test_each_coincidence_allowed_is_on_its_page(built, label):
    """An allowed coincidence is still there (else the allowance only hides future leaks)."""
    text = text_without_solutions(HTML / f"{page_of(label)}.html")
    raw = [
        m
        for form in answer_strings(label)
        for m in re.finditer(rf"(?<![\d.,]){re.escape(form)}(?!\d|[.,]\d)", text)
    ]
    assert raw and not answers_shown(label, text), label
