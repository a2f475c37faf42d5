"""`make pdf`: the whole book as one PDF, printed by headless Chromium after MathJax has typeset
it. Skipped, saying so, where Chromium is not installed (.ci/run installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import unicodedata

import pytest

from bookfiles import ROOT, toc_files

pytestmark = pytest.mark.book
PDF = ROOT / "_build" / "pdf" / "what-a-token-costs.pdf"
CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)


@pytest.fixture(scope="module")
def pdf_text(built):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: the PDF test is skipped")
    assert built.returncode == 0, "the book did not build"
    started = time.perf_counter()
    p = subprocess.run(
        ["make", "--no-print-directory", "pdf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert p.returncode == 0, (p.stdout + p.stderr)[-4000:]
    warnings = [line for line in (p.stdout + p.stderr).splitlines() if "WARNING: " in line]
    assert not warnings, warnings
    print(f"make pdf took {time.perf_counter() - started:.0f} s")
    from pypdf import PdfReader

    reader = PdfReader(PDF)
    # NFKC undoes the font's ligatures ("rooﬂine" is "roofline")
    return reader, [unicodedata.normalize("NFKC", page.extract_text()) for page in reader.pages]


def test_the_pdf_has_every_chapter_and_the_back_matter(pdf_text):
    reader, pages = pdf_text
    assert 150 <= len(reader.pages) <= 400, f"{len(reader.pages)} pages"
    text = " ".join(" ".join(pages).split())
    for doc in toc_files()[1:]:
        title = next(
            line.removeprefix("# ").strip()
            for line in (ROOT / f"{doc}.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("# ")
        )
        assert title in text, f"{doc}: its title {title!r} is not in the PDF"


def test_the_pdf_numbers_sections_figures_and_equations_and_has_contents(pdf_text):
    reader, pages = pdf_text
    front = " ".join(pages[:6])
    assert "Contents" in front and "1.1. The architecture" in front
    text = " ".join(pages)
    assert re.search(r"Fig\. 1\.1 ", text), "no numbered figure"
    assert re.search(r"\(1\.1\)", text), "no numbered equation"
    assert re.search(r"\b13\.1\. ", text), "no numbered section in chapter 13"
    assert reader.outline, "the PDF has no outline"
    assert "edition " in pages[0]


def test_no_raw_tex_or_glue_role_is_left(pdf_text):
    _, pages = pdf_text
    tex = re.compile(r"\\(frac|mathrm|begin|end|left|right|displaystyle|sum|cdot|times)\b")
    for n, page in enumerate(pages, 1):
        for pattern in (r"\{glue", r"\$\$", r"\\\(", r"\\\[", r"\{(doc|ref|numref|cite:p|eq)\}`"):
            found = re.search(pattern, page)
            assert not found, f"page {n}: {found.group(0)!r} left in the text"
        for line in page.splitlines():
            # TeX inside a Python string is code the book shows (sp.Symbol(r"\mathrm{..}"))
            if tex.search(line) and not re.search(r"[\"']", line):
                pytest.fail(f"page {n}: raw TeX left in {line.strip()[:80]!r}")


def test_the_pdf_shows_the_exercise_levels(pdf_text):
    _, pages = pdf_text
    assert re.search(r"compute · difficulty 1 of 3 · 5 min", " ".join(pages))
