"""Every page of the built book in headless Chromium: no console errors, images load, math
typesets, the sidebar lists every chapter, solution dropdowns open. Screenshots of each page
in light and dark mode go to _build/screenshots/.

Run by `make test-browser` (and last by `make test`) where Chromium is installed.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from bookfiles import ROOT, toc_files

pytestmark = [pytest.mark.browser, pytest.mark.book]  # it needs the built book
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a sandboxed machine with no network: without the background-networking ones
# Chromium tries to reach Google's servers at start and logs the refusals.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(built):
    assert built.returncode == 0, "the book did not build"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: browser test skipped")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def open_page(browser, url, problems):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(url, wait_until="load")
    return page


def wait_for_math(page):
    has_math = page.evaluate("document.querySelectorAll('.math').length > 0")
    if not has_math:
        return 0
    page.wait_for_function(
        "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000
    )
    page.evaluate("MathJax.startup.promise")
    return page.evaluate("document.querySelectorAll('.math').length")


@pytest.mark.parametrize("doc", toc_files())
def test_page(browser, server, doc):
    problems: list[str] = []
    page = open_page(browser, f"{server}/{doc}.html", problems)
    n_math = wait_for_math(page)
    if n_math:
        untypeset = page.evaluate(
            "[...document.querySelectorAll('.math')].filter(e => !e.querySelector("
            "'mjx-container')).map(e => e.textContent.slice(0, 60))"
        )
        assert not untypeset, f"{doc}: formulas not typeset: {untypeset[:3]}"
        assert page.evaluate("document.querySelectorAll('mjx-merror').length") == 0, (
            f"{doc}: MathJax reported an error"
        )
    broken = page.evaluate(
        "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert not broken, f"{doc}: images that did not load: {broken}"

    sidebar = page.evaluate(
        "[...document.querySelectorAll('.bd-sidebar-primary a')].map(a => a.href)"
    )
    for other in toc_files()[1:]:
        assert any(href.split("#")[0].endswith(f"/{other}.html") for href in sidebar), (
            f"{doc}: the sidebar has no link to {other}"
        )

    toggles = page.locator(".solution.dropdown button.toggle-button")
    if toggles.count():
        solution = page.locator(".solution.dropdown").first
        body = solution.locator(".cell, p").last
        assert not body.is_visible(), f"{doc}: a solution is open before it is clicked"
        toggles.first.click()
        body.wait_for(state="visible", timeout=5_000)

    SHOTS.mkdir(parents=True, exist_ok=True)
    name = doc.replace("/", "--")
    for mode in ("light", "dark"):
        page.emulate_media(color_scheme=mode)
        page.evaluate(
            f"document.documentElement.dataset.theme = '{mode}';"
            f"document.documentElement.dataset.mode = '{mode}'"
        )
        page.wait_for_timeout(100)
        page.screenshot(path=str(SHOTS / f"{name}-{mode}.png"), full_page=True)
    page.close()
    assert not problems, f"{doc}: " + "; ".join(problems)
