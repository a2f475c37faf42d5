"""The book as one PDF, printed by headless Chromium (`make pdf`, after a single-page build).

    .venv/bin/python tools/pdf.py --build   # builds the single page, then prints it
    .venv/bin/python tools/pdf.py           # prints the single page built before
    .venv/bin/python tools/pdf.py --build --toc TOC.yml   # only the pages of another toc

`make pdf` builds the book with Sphinx's single-page HTML builder (every chapter and the back
matter on one page, the same numbered sections, figures and equations as the HTML book,
executed from the same cache), then this script opens that page in the system's Chromium
through Playwright, waits until MathJax has typeset every formula, adds a title page (title,
authors, edition and date, from pyproject.toml) and a table of contents, opens the solutions,
and prints it to _build/pdf/what-a-token-costs.pdf with page numbers and the edition in the
footer, and a PDF outline for the reader's sidebar.

On paper nothing scrolls or drops down: the what-if figures print as the static figure of their
default choice, which a line under them names (inference_math.book.whatif_figure); a table or
a displayed formula wider than the text block is set in smaller type until it fits
(pdf-layout.js), and what still does not fit is listed in _build/pdf/layout.json, which
tests/browser/test_pdf.py reads (this script fails on it too). The contents get their page
numbers from a first printing (each heading's page, read from the PDF's outline); the book is
then printed again with them, and the numbers are checked against the second printing.

Why Chromium and not LaTeX: the math is typeset by the same vendored MathJax as the HTML book,
so what a reader sees in the PDF is what the tests already check in the browser; the figures
and tables the chapters draw come out as they do on the web; and Chromium is already what the
browser test uses, where LaTeX would be a second typesetter (and over a gigabyte of Debian
packages for CI to install on every run).
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The single-page build has a folder of its own, so that it cannot overwrite the HTML build's
# executed notebooks (_build/jupyter_execute), which the pages offer for download; it reuses
# the HTML build's execution cache, so nothing is executed twice.
BUILD = ROOT / "_build" / "pdf-build"
SINGLE = BUILD / "_build" / "singlehtml"
OUT = ROOT / "_build" / "pdf" / "what-a-token-costs.pdf"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

LAYOUT = OUT.with_name("layout.json")
# A4 with these margins: the text block is 182 mm wide, 688 CSS pixels (96 to the inch); the
# page is laid out at that width to be measured (Chromium, rounding the margins to whole pixels,
# prints a block 2 or 3 pixels wider, so what fits the measure fits the page).
MARGIN_MM = {"top": 16, "bottom": 18, "left": 14, "right": 14}
BLOCK_PX = round((210 - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 96)
MIN_SCALE = 0.6  # a table is set no smaller than 60% of the book's type

PRINT_CSS = (ROOT / "tools" / "pdf-print.css").read_text(encoding="utf-8")
FRONT_MATTER_JS = (ROOT / "tools" / "pdf-front-matter.js").read_text(encoding="utf-8")
LAYOUT_JS = (ROOT / "tools" / "pdf-layout.js").read_text(encoding="utf-8")
FILL_PAGE_NUMBERS_JS = """numbers => {
  for (const span of document.querySelectorAll('#pdf-toc .pdf-toc-page')) {
    span.textContent = numbers[span.dataset.for] || '';
  }
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def build_single_page(toc: str | None = None) -> int:
    """jupyter-book's singlehtml builder, strict, into BUILD, with the HTML build's cache."""
    import os
    import subprocess

    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["cache"] = str(ROOT / "_build" / ".jupyter_cache")
    # paths in the configuration are read from its folder: make them absolute
    sphinx = config["sphinx"]
    sphinx["local_extensions"] = {k: str(ROOT / v) for k, v in sphinx["local_extensions"].items()}
    config["bibtex_bibfiles"] = [str(ROOT / f) for f in config.get("bibtex_bibfiles", [])]
    if config.get("html", {}).get("favicon"):
        config["html"]["favicon"] = str(ROOT / config["html"]["favicon"])
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [
        str(Path(sys.executable).parent / "jupyter-book"), "build", ".",
        "--config", str(BUILD / "_config.yml"), "--path-output", str(BUILD),
        "--builder", "singlehtml", "-W", "-n", "--keep-going",
    ]  # fmt: skip
    if toc:
        command += ["--toc", str(Path(toc).resolve())]
    env = {**os.environ, "WTC_BOOK_BUILD": "1"}
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def flat_outline(reader, items=None) -> list[tuple[str, int]]:
    """The PDF's outline, in order, as (title, page number from 1)."""
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += flat_outline(reader, item)
        else:
            found.append((item.title, reader.get_destination_page_number(item) + 1))
    return found


def page_numbers(pdf: bytes, headings: list[list[str]]) -> dict[str, int]:
    """The page of each contents entry (id, text), from the outline Chromium writes for the
    headings, matched in order (titles repeat: "Exercises" in every chapter)."""
    from pypdf import PdfReader

    def plain(text):  # Chromium drops the space where a heading wraps
        return "".join(text.replace("#", "").split())

    outline = flat_outline(PdfReader(io.BytesIO(pdf)))
    numbers, at = {}, 0
    for ident, text in headings:
        for i in range(at, len(outline)):
            if plain(outline[i][0]) == plain(text):
                numbers[ident], at = outline[i][1], i + 1
                break
    return numbers


def print_pdf(page, edition: str, path: Path | None = None) -> bytes:
    return page.pdf(
        path=str(path) if path else None,
        format="A4",
        print_background=True,
        display_header_footer=True,
        header_template="<span></span>",
        footer_template=(
            '<div style="font-size:8px;width:100%;padding:0 16mm;display:flex;'
            'justify-content:space-between;color:#555">'
            f"<span>What a Token Costs, {edition}</span>"
            '<span><span class="pageNumber"></span> / <span class="totalPages"></span>'
            "</span></div>"
        ),
        margin={side: f"{mm}mm" for side, mm in MARGIN_MM.items()},
        outline=True,
        tagged=True,
    )


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="build the single page first")
    parser.add_argument("--toc", help="a toc of fewer pages (with --build)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "_ext"))
    import edition as book_edition

    if args.build and build_single_page(args.toc):
        return 1

    index = SINGLE / "intro.html"  # the single page is named after the root page
    if not index.exists():
        print("pdf: run `make pdf` (it builds the single page first)", file=sys.stderr)
        return 2
    chromium = next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if chromium is None:
        print("pdf: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    httpd = serve(SINGLE)
    edition = book_edition.edition_line()
    front = {
        "title": "What a Token Costs",
        "subtitle": "The inference arithmetic of large language models, from first principles",
        "authors": book_edition.authors(),
        "edition": edition,
        "url": book_edition.project()["project"]["urls"]["Homepage"],
    }
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            # as wide as the printed text block, so that what is measured is what is printed
            page = browser.new_page(viewport={"width": BLOCK_PX, "height": 1000})
            page.emulate_media(color_scheme="light", media="print")
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/intro.html", wait_until="load")
            page.evaluate(
                "document.documentElement.dataset.theme = 'light';"
                "document.documentElement.dataset.mode = 'light'"
            )
            page.wait_for_function(
                "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60_000
            )
            page.evaluate("MathJax.startup.promise")
            untypeset = page.evaluate(
                "[...document.querySelectorAll('.math')].filter(e => "
                "!e.querySelector('mjx-container')).length"
            )
            if untypeset:
                print(f"pdf: {untypeset} formulas were not typeset", file=sys.stderr)
                return 1
            page.add_style_tag(content=PRINT_CSS)
            headings = page.evaluate(FRONT_MATTER_JS, front)
            page.evaluate(
                "Promise.all([...document.images].map(i => i.complete ? 0 : "
                "new Promise(r => { i.onload = i.onerror = r; })))"
            )
            layout = page.evaluate(LAYOUT_JS, MIN_SCALE)
            numbers = page_numbers(print_pdf(page, edition), headings)
            page.evaluate(FILL_PAGE_NUMBERS_JS, {k: str(v) for k, v in numbers.items()})
            printed = page_numbers(print_pdf(page, edition, OUT), headings)
            browser.close()
    finally:
        httpd.shutdown()
    layout.update(
        contents=[
            {"text": text, "page": numbers.get(ident), "printed": printed.get(ident)}
            for ident, text in headings
        ]
    )
    LAYOUT.write_text(json.dumps(layout, indent=1) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - started
    problems = [
        f"{o['kind']} wider than the text block ({o['width']} px): {o['label']}"
        for o in layout["overflow"]
    ]
    missing = [text for ident, text in headings if ident not in numbers]
    if missing:
        problems.append(f"no page found for {len(missing)} contents entries: {missing[:3]}")
    if printed != numbers:
        problems.append("the contents' page numbers moved in the second printing")
    if layout["controls"]:
        problems.append(f"{layout['controls']} what-if controls would be printed")
    for problem in problems:
        print(f"pdf: {problem}", file=sys.stderr)
    print(
        f"pdf: {OUT.relative_to(ROOT)} ({len(headings)} sections in the contents, "
        f"{len(layout['fitted'])} tables or formulas set smaller to fit), printed in "
        f"{seconds:.0f} s"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
