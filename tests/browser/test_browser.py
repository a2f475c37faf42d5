"""Every page of the built book in headless Chromium: no console errors, images load, math
typesets, the sidebar lists every chapter, solution dropdowns open. Screenshots of each page
in light and dark mode go to _build/screenshots/.

Run by `make test-browser` (and last by `make test`) where Chromium is installed.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading

import numpy as np
import pytest

from bookfiles import ROOT, estimate_from, toc_files

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


# ----- what-if figures: controls redraw the figure and its key number, offline -------------

WHATIF_PAGES = {
    "completion-cost": "chapters/09-completion-tokens-dear",
    "verdict": "chapters/11-workloads",
}
# The options chosen, by index in each control (the first is the page's default).
WHATIF_CHOICES = [
    {"gpus": 2, "dtype": 1},  # 8 GPUs, int8
    {"gpu": 1, "usd_per_gpu_hour": 2, "prompt": 1},  # H100, 4 USD per GPU-hour, short prompts
]


def price_after(text: str, word: str) -> str:
    """The first price written after ``word`` in ``text``, as written ("0.00418")."""
    found = re.search(re.escape(word) + r"[^$]*\$([0-9.]+)", text)
    assert found, f"no price after {word!r} in {text!r}"
    return found.group(1)


def count_after(text: str, words: str) -> int:
    found = re.search(re.escape(words) + r" ([\d,]+)", text)
    assert found, f"no number after {words!r} in {text!r}"
    return int(found.group(1).replace(",", ""))


def check_completion_cost(text: str, choice: dict):
    """The key numbers shown equal the library's: the largest batch that fits (estimate's
    `fits` holds there and not one further) and the price of a completion token there."""
    from inference_math.book.whatif_figure import sig3 as _sig

    top = count_after(text, "largest batch that fits is")
    r = estimate_from(**choice, batch=np.array([top, top + 1]))
    assert r["fits"][0] and not r["fits"][1], (text, choice)
    assert price_after(text, "cost") == _sig(float(r["usd_per_1k_completion"][0])), text


def check_verdict(text: str, choice: dict):
    """With static batching the cheapest batch within the targets, and its price per request,
    are what `im.price_workload` finds for a workload of that prompt, completion and
    targets."""
    import inference_math as im
    from inference_math.book.whatif_figure import sig3 as _sig
    from inference_math.serving.intervals import interval_factors

    choice = dict(choice)
    targets = im.get_workload(choice.pop("targets"))
    assert choice.pop("batching") == "static"
    mix = (choice.pop("prompt"), choice.pop("completion"))
    limits = (targets.ttft_target_s, targets.tokens_per_s_target)
    w = im.Workload("what-if", *mix, *limits, "the page's choice", "test", "2026")
    p = im.price_workload(w, **choice)
    assert count_after(text, "cheapest batch within the targets is") == p.batch, (text, p)
    assert price_after(text, "at") == _sig(p.usd_per_request), (text, p)
    low, high = interval_factors(
        "usd_per_1k_completion", choice["model"], choice["gpu"], choice["dtype"], 0.8
    )
    assert price_after(text, "per request (") == _sig(p.usd_per_request * low), (text, p)
    assert price_after(text, " to ") == _sig(p.usd_per_request * high), (text, p)
    assert price_after(text, "interval);") == _sig(p.api_usd_per_request), (text, p)


@pytest.mark.parametrize("name", sorted(WHATIF_PAGES))
def test_whatif_controls_redraw_from_the_library(browser, server, name):
    from inference_math.book import whatif_grid as whatif

    spec = whatif.grid(name)
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def only_this_server(route):  # the network is off: anything else is a failure
        if route.request.url.startswith(server):
            route.continue_()
        else:
            problems.append(f"request outside the book: {route.request.url}")
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{server}/{WHATIF_PAGES[name]}.html", wait_until="load")
    root = page.locator(f'[data-wtc-whatif="{name}"]')
    page.wait_for_selector(f'[data-wtc-whatif="{name}"].wtc-live .main-svg', timeout=15_000)
    for mode, picks in zip(("light", "dark"), WHATIF_CHOICES):
        page.emulate_media(color_scheme=mode)
        page.evaluate(
            f"document.documentElement.dataset.theme = '{mode}';"
            f"document.documentElement.dataset.mode = '{mode}'"
        )
        for axis, index in picks.items():
            root.locator(f'select[data-axis="{axis}"]').select_option(index=index)
        choice = {}
        for axis in spec["axes"]:
            index = int(root.locator(f'select[data-axis="{axis["name"]}"]').input_value())
            choice[axis["name"]] = axis["options"][index][0]
        text = root.locator(".wtc-key").text_content()
        point = whatif.lookup(spec, **choice)
        # the figure drew this point's curve
        drawn = page.evaluate(
            f"document.querySelector('[data-wtc-whatif=\"{name}\"] .wtc-plot').data[0].y"
        )
        assert drawn == point["usd"], (mode, choice)
        if name == "completion-cost":
            check_completion_cost(text, choice)
        else:
            check_verdict(text, choice)
        follows_the_theme(page, root, mode)
        SHOTS.mkdir(parents=True, exist_ok=True)
        root.screenshot(path=str(SHOTS / f"whatif-{name}-{mode}.png"))
    page.close()
    assert not problems, "; ".join(problems)


def luminance(css_colour: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css_colour)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def follows_the_theme(page, root, mode):
    """The what-if box has no background of its own (the theme greys a cell's HTML output in
    dark mode, with dark text), its key numbers are in the theme's text colour, and its plot
    is no wider than the column."""
    box = root.evaluate(
        "r => { const out = r.closest('.text_html'); const key = r.querySelector('.wtc-key');"
        " const plot = r.querySelector('.wtc-plot');"
        " return {background: getComputedStyle(out).backgroundColor,"
        " text: getComputedStyle(key).color, page: getComputedStyle(document.body).color,"
        " plot: plot.getBoundingClientRect().width, column: out.getBoundingClientRect().width}; }"
    )
    assert box["background"] in ("rgba(0, 0, 0, 0)", "transparent"), (mode, box)
    assert box["text"] == box["page"], (mode, box)
    assert (luminance(box["text"]) > 0.5) == (mode == "dark"), (mode, box)
    assert box["plot"] <= box["column"] + 1, (mode, box)


# ----- wide tables: they fit the column, or a cue says that they scroll ---------------------

CUE = "scroll sideways for more columns"


@pytest.mark.parametrize("width", [1280, 420])
def test_wide_tables_fit_or_say_that_they_scroll(browser, server, width):
    """At a desktop's width and a phone's, every table on every page either fits its column
    or its scrolling box shows the cue (and loses its edge bar once scrolled to the end)."""
    scrolling = {}
    for doc in toc_files():
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{server}/{doc}.html", wait_until="load")
        boxes = page.evaluate(
            "[...document.querySelectorAll('.bd-article .pst-scrollable-table-container')]"
            ".map(b => ({scrolls: b.scrollWidth > b.clientWidth + 1,"
            " cued: b.classList.contains('wtc-scrolls'),"
            " cue: getComputedStyle(b, '::before').content}))"
        )
        for n, box in enumerate(boxes):
            assert box["scrolls"] == box["cued"], (doc, n, box)
            if box["scrolls"]:
                assert CUE in box["cue"], (doc, n, box)
        scrolling[doc] = sum(b["scrolls"] for b in boxes)
        if scrolling[doc]:
            first = page.locator(".wtc-scrolls").first
            first.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
            page.wait_for_timeout(50)
            assert "wtc-scrolled-to-end" in first.get_attribute("class"), doc
        page.close()
    tables = sum(scrolling.values())
    print(f"{width} px: tables that scroll: {tables}", {d: n for d, n in scrolling.items() if n})
    if width == 420:
        assert scrolling["chapters/12-closed-models-cheaper"] > 0  # the cue is there to see


def test_launch_button_opens_the_chapter_in_jupyterlite(browser, server):
    """The page's JupyterLite button opens the chapter's notebook in JupyterLite, served
    with the book. (Running it needs the network, which this test does not have: Pyodide
    comes from its CDN; the notebook says so in its first cell.)"""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/chapters/01-parameters.html", wait_until="load")
    href = page.locator("a[href*='lite/lab/index.html']").first.get_attribute("href")
    page.goto(f"{server}/chapters/{href}", wait_until="load")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    notice = page.locator(".jp-Notebook .jp-MarkdownOutput", has_text="Running in JupyterLite")
    notice.first.wait_for(timeout=30_000)
    assert "needs the network" in notice.first.inner_text()
    assert page.locator(".lm-TabBar-tabLabel", has_text="01-parameters.ipynb").count()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "jupyterlite-01-parameters.png"))
    page.close()
