"""The README is short and true: what the book is, the two commands and where to start on its
first screen, under 1,200 words, and every count it gives computed from the book. The details
live on the book's page "Working with the book". (The PDF's page count is checked against the
PDF by tests/browser/test_pdf.py.)"""

from __future__ import annotations

import re

import inference_math as im
from bookfiles import ROOT, chapter_files, toc_files

README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:30])


def test_it_is_short():
    words = len(README.split())
    assert words <= 1200, f"{words} words"


def test_the_first_screen_says_what_the_book_is_how_to_build_it_and_where_to_start():
    assert FIRST_SCREEN.startswith("# What a Token Costs\n\nAn executable textbook")
    assert re.search(r"^make book\b", FIRST_SCREEN, flags=re.M)
    assert re.search(r"^make test\b", FIRST_SCREEN, flags=re.M)
    assert "start with the introduction" in FIRST_SCREEN


def chapter_title(n: int) -> str:
    text = chapter_files()[n - 1].read_text(encoding="utf-8")
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def test_its_counts_and_names_are_the_books():
    assert re.findall(r"\*\*(\d+) chapters\*\*", README) == [str(len(chapter_files()))]
    assert re.findall(r"\*\*(\d+) exercises\*\*", README) == [
        str(len(im.exercises.all_exercises()))
    ]
    named = re.findall(r'chapter (\d+), "([^"]+)"', README)
    assert named
    for number, title in named:
        assert chapter_title(int(number)) == title
    assert "chapter 1 counts Llama-2-70B's parameters" in README
    assert "parameters" in chapter_title(1).lower()


def test_every_command_it_names_is_a_make_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = set(re.search(r"^\.PHONY:(.*)$", makefile, flags=re.M).group(1).split())
    named = set(re.findall(r"`make ([\w-]+)`|^make ([\w-]+)", README, flags=re.M))
    targets = {a or b for a, b in named}
    assert {"book", "test", "pdf", "assignments", "student"} <= targets
    assert targets <= phony, targets - phony


def test_the_details_are_a_page_of_the_book():
    assert "(working-with-the-book.md)" in README
    assert "working-with-the-book" in toc_files()
    page = (ROOT / "working-with-the-book.md").read_text(encoding="utf-8")
    for section in ("## The command line", "## Teaching", "## Tests", "## Benchmarks"):
        assert section in page


def test_its_file_names_exist():
    for name in re.findall(
        r"`((?:tools|docs|tests)/[\w./-]+|CITATION\.cff|references\.bib)`", README
    ):
        assert (ROOT / name).exists(), name
    assert (ROOT / "docs" / "cost-vs-batch.png").exists()
