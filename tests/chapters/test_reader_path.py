"""What the reader sees of the code is the lesson: shown code (solutions included) within
2,000 lines and 88 columns, and checks kept out of the reader's path (at most 5% of the
shown lines outside solutions are assert statements; the rest live in hidden cells and in
the tests). tools/page_stats.py counts."""

from __future__ import annotations

import sys

from bookfiles import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from page_stats import all_stats  # noqa: E402

MAX_SHOWN = 2000
MAX_ASSERT_SHARE = 0.05


def test_the_shown_code_fits_the_page():
    table = all_stats()
    shown = sum(s["shown"] for s in table.values())
    assert shown <= MAX_SHOWN, f"{shown} lines of code shown (at most {MAX_SHOWN})"
    wide = {name: s["wide"] for name, s in table.items() if s["wide"]}
    assert not wide, f"lines wider than 88 columns: {wide}"


def test_checks_stay_out_of_the_readers_path():
    table = all_stats()
    asserts = sum(s["asserts"] for s in table.values())
    lesson = sum(s["lesson"] for s in table.values())
    assert asserts <= MAX_ASSERT_SHARE * lesson, f"{asserts} of {lesson} shown lines are asserts"
