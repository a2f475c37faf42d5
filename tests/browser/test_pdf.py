"""`make pdf`: the whole book as one PDF, printed by headless Chromium after MathJax has typeset
it. Skipped, saying so, where Chromium is not installed (.ci/run installs it).

What fits the page is checked twice: by what tools/pdf.py measured in the page as it printed
it (_build/pdf/layout.json: every table, image, figure, displayed formula and code block
against the text block, in print media at the block's width), and in the PDF itself (where
each image is drawn, where each line of text starts)."""

from __future__ import annotations

import json
import re
import shutil
import time
import unicodedata

import pytest

from bookfiles import ROOT, make_target, toc_files

pytestmark = pytest.mark.book
PDF = ROOT / "_build" / "pdf" / "what-a-token-costs.pdf"
LAYOUT = PDF.with_name("layout.json")
CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)


@pytest.fixture(scope="module")
def pdf_text(built):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: the PDF test is skipped")
    assert built.returncode == 0, "the book did not build"
    started = time.perf_counter()
    make_target("pdf", timeout=1200)
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


@pytest.fixture(scope="module")
def layout(pdf_text):
    return json.loads(LAYOUT.read_text(encoding="utf-8"))


def test_the_title_page_names_the_book_its_authors_edition_and_date(pdf_text):
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    _, pages = pdf_text
    title = " ".join(pages[0].split())
    assert title.startswith("What a Token Costs")
    for author in project["project"]["authors"]:
        assert author["name"] in title
    version, date = project["project"]["version"], project["tool"]["book"]["edition-date"]
    assert f"edition {version} ({date})" in title


def test_the_contents_give_each_entry_its_page(pdf_text, layout):
    """Every entry of the contents is printed with a page number, the one a first printing
    gave it and the second kept; each chapter's title is on the page its entry gives."""
    _, pages = pdf_text
    contents = layout["contents"]
    assert len(contents) >= 100
    assert all(e["page"] and e["page"] == e["printed"] for e in contents), [
        e for e in contents if not e["page"] or e["page"] != e["printed"]
    ][:3]
    numbers = [e["page"] for e in contents]
    assert numbers == sorted(numbers), "the contents' pages do not increase"

    def squeeze(text):
        return "".join(text.split())

    first = contents[0]["page"]
    lines = {squeeze(line) for page in pages[1 : first - 1] for line in page.splitlines()}
    for entry in contents:
        assert squeeze(entry["text"]) + str(entry["page"]) in lines, entry
        if not re.match(r"\d+\.\d", entry["text"]):  # a chapter or a back-matter page
            assert squeeze(entry["text"]) in squeeze(pages[entry["page"] - 1]), entry


def test_no_table_or_figure_is_wider_than_the_text_block(layout):
    """As printed, nothing sticks out of the text block: tables that were too wide were set
    in smaller type (no smaller than 60%), and no what-if control is printed."""
    assert layout["block_width"] == 688
    assert not layout["overflow"], layout["overflow"][:5]
    assert all(f["scale"] >= 0.6 for f in layout["fitted"])
    assert layout["controls"] == 0


def test_images_and_text_lie_within_the_margins(pdf_text):
    """In the PDF: every image is drawn between the left and right margins (14 mm, which
    Chromium rounds to whole pixels: 2 points of slack), and no line of text starts beyond
    the right one."""
    reader, _ = pdf_text
    width = float(reader.pages[0].mediabox.width)
    left, right = 14 / 25.4 * 72 - 1, width - 14 / 25.4 * 72 + 1
    outside = []
    for n, page in enumerate(reader.pages, 1):

        def image(op, args, cm, tm, n=n):
            if op == b"Do" and (cm[4] < left - 1 or cm[4] + cm[0] > right + 1):
                outside.append((n, "image", round(cm[4]), round(cm[4] + cm[0])))

        def text(txt, cm, tm, font, size, n=n):
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            if txt.strip() and x > right:
                outside.append((n, txt[:30], round(x)))

        page.extract_text(visitor_operand_before=image, visitor_text=text)
    assert not outside, outside[:5]


def test_what_if_figures_print_as_the_figure_of_their_stated_default(pdf_text, layout):
    """Each what-if figure prints as its static figure, as wide as the text block, under a
    line naming the default choice it shows; none of its controls is printed."""
    _, pages = pdf_text
    chapters = [p.read_text(encoding="utf-8") for p in (ROOT / "chapters").glob("*.md")]
    figures = sum(len(re.findall(r"^whatif\(", text, flags=re.M)) for text in chapters)
    assert figures == 2
    assert layout["whatifs"] == [layout["block_width"]] * figures
    text = " ".join(" ".join(pages).split())
    stated = re.findall(r"as printed are for the default choice \(([^)]*)\)", text)
    assert len(stated) == figures, stated
    assert all("model Llama-2-70B" in s for s in stated), stated


def test_the_readme_gives_the_pdf_its_length(pdf_text):
    """The README's "a PDF of about N pages" is within a tenth of the PDF's length."""
    reader, _ = pdf_text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (stated,) = re.findall(r"a PDF of about (\d+) pages", readme)
    assert abs(len(reader.pages) - int(stated)) <= 0.1 * int(stated), len(reader.pages)
