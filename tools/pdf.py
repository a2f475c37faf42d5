"""The book as one PDF, printed by headless Chromium (`make pdf`, after a single-page build).

    .venv/bin/python tools/pdf.py --build   # builds the single page, then prints it
    .venv/bin/python tools/pdf.py           # prints the single page built before

`make pdf` builds the book with Sphinx's single-page HTML builder (every chapter and the back
matter on one page, the same numbered sections, figures and equations as the HTML book,
executed from the same cache), then this script opens that page in the system's Chromium
through Playwright, waits until MathJax has typeset every formula, adds a table of contents
at the front, opens the solutions, and prints it to _build/pdf/what-a-token-costs.pdf with
page numbers and the edition in the footer, and a PDF outline for the reader's sidebar.

Why Chromium and not LaTeX: the math is typeset by the same vendored MathJax as the HTML book,
so what a reader sees in the PDF is what the tests already check in the browser; the figures
and tables the chapters draw come out as they do on the web; and Chromium is already what the
browser test uses, where LaTeX would be a second typesetter (and over a gigabyte of Debian
packages for CI to install on every run).
"""

from __future__ import annotations

import functools
import http.server
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

PRINT_CSS = (ROOT / "tools" / "pdf-print.css").read_text(encoding="utf-8")
FRONT_MATTER_JS = (ROOT / "tools" / "pdf-front-matter.js").read_text(encoding="utf-8")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def build_single_page() -> int:
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
    env = {**os.environ, "WTC_BOOK_BUILD": "1"}
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main() -> int:
    sys.path.insert(0, str(ROOT / "_ext"))
    from edition import edition_line

    if "--build" in sys.argv[1:] and build_single_page():
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
    edition = edition_line()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page()
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
            sections = page.evaluate(FRONT_MATTER_JS, ["What a Token Costs", edition])
            page.evaluate(
                "Promise.all([...document.images].map(i => i.complete ? 0 : "
                "new Promise(r => { i.onload = i.onerror = r; })))"
            )
            page.pdf(
                path=str(OUT),
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
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
                outline=True,
                tagged=True,
            )
            browser.close()
    finally:
        httpd.shutdown()
    seconds = time.perf_counter() - started
    print(
        f"pdf: {OUT.relative_to(ROOT)} ({sections} sections in the contents), "
        f"printed in {seconds:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
