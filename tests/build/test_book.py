"""The strict build (-W -n --keep-going, every chapter executed) and what it must show.

The ``built`` fixture (tests/conftest.py) runs ``make book`` once per session; chapter test
files use it too, to check the numbers their page shows."""

from __future__ import annotations

import re

import pytest

from bookfiles import (
    ROOT,
    chapter_files,
    exercise_labels,
    solution_blocks,
    toc_files,
    typed_numbers,
)

pytestmark = pytest.mark.book


def test_strict_build_succeeds_without_warnings(built):
    log = built.stdout
    assert built.returncode == 0, log[-5000:]
    assert "build succeeded" in log
    # Only the book's build is judged: pip, which `make book` may run first to create a venv,
    # warns about the machine's own package indexes (a configured index folder that is not
    # there), which says nothing about the book.
    lines = log.splitlines()
    start = next(i for i, line in enumerate(lines) if "jupyter-book build" in line)
    end = next(i for i, line in enumerate(lines) if "build succeeded" in line)
    sphinx = lines[start:end]
    # Sphinx's warnings ("path: WARNING: ..."), not the kernel's own log lines
    warnings = [line for line in sphinx if re.search(r"(^|: )WARNING: ", line)]
    assert not warnings, warnings


def test_every_toc_page_is_built(built):
    for doc in toc_files():
        assert (ROOT / "_build" / "html" / f"{doc}.html").exists(), doc


def test_no_typed_numbers_in_chapter_prose():
    hits = [h for p in chapter_files() for h in typed_numbers(p)]
    assert not hits, "numbers typed into prose (glue them from the library):\n" + "\n".join(hits)


def test_every_chapter_was_executed_by_this_build(built):
    # A cache record only counts if it was made from the chapter's code as it is now, with
    # the library, data and pins as they are now: the Makefile drops the cache whenever the
    # hash of those changes, and records the hash it built with. (How long each chapter took
    # is reported by benchmarks/chapter_times.py, not asserted: timings stay out of tests.)
    import subprocess

    import jupytext
    from jupyter_cache import get_cache

    current = subprocess.run(
        ["make", "--no-print-directory", "-s", "source-hash"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert (ROOT / "_build" / ".source-hash").read_text().strip() == current
    cache = get_cache(str(ROOT / "_build" / ".jupyter_cache"))
    for path in chapter_files():
        try:
            cache.match_cache_notebook(jupytext.read(path))
        except KeyError:
            pytest.fail(f"{path.name}: no execution of its current code in this build's cache")


@pytest.mark.parametrize("path", chapter_files(), ids=lambda p: p.stem)
def test_exercises_have_self_checking_solutions(path):
    import inference_math as im

    labels = exercise_labels(path)
    minimum = 3 if path.stem.startswith("01-") else 4
    assert len(labels) >= minimum, f"{path.name}: {len(labels)} exercises"
    solutions = solution_blocks(path)
    for label in labels:
        assert label in solutions, f"{label} has no solution"
        body = solutions[label]
        assert "```{code-cell}" in body and "assert" in body, (
            f"{label}: solution must run and assert"
        )
        ex = im.exercises.get(label)
        if ex.answer is not None:
            assert f'im.check("{label}"' in body, f"{label}: solution must call im.check"


@pytest.mark.parametrize("path", chapter_files(), ids=lambda p: p.stem)
def test_figures_have_alt_text_caption_and_name(path):
    text = path.read_text(encoding="utf-8")
    figures = re.findall(r"```\{glue:figure\}[^\n]*\n(.*?)```", text, flags=re.S)
    assert figures, f"{path.name} has no figure"
    for body in figures:
        assert re.search(r"^:alt: \S", body, flags=re.M), body[:80]
        assert re.search(r"^:name: \S", body, flags=re.M), body[:80]
        caption = [line for line in body.splitlines() if line.strip() and not line.startswith(":")]
        assert caption, f"figure without caption in {path.name}"


def test_built_images_have_alt_text(built):
    for path in chapter_files():
        doc = str(path.relative_to(ROOT).with_suffix(""))
        raw = (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8")
        for img in re.findall(r"<img [^>]*>", raw):
            if "logo" in img:
                continue
            alt = re.search(r'alt="([^"]*)"', img)
            assert alt and alt.group(1).strip(), f"{doc}: image without alt text: {img[:120]}"


def test_figures_are_opaque_so_they_read_in_dark_mode(built):
    from PIL import Image

    images = list((ROOT / "_build" / "html" / "_images").glob("*.png"))
    assert images, "no figures in the build"
    for path in images:
        with Image.open(path) as im:
            if im.mode in ("RGBA", "LA") or "transparency" in im.info:
                alpha = im.convert("RGBA").getchannel("A")
                assert alpha.getextrema()[0] == 255, f"{path.name} has transparent pixels"


def test_exercise_headers_show_their_level_from_the_registry(built):
    """Each exercise's header on the built page shows its kind, difficulty and minutes, as the
    registry (answers/) records them: the extension _ext/exercise_levels.py puts them there."""
    from bs4 import BeautifulSoup

    import inference_math as im

    for path in chapter_files():
        doc = str(path.relative_to(ROOT).with_suffix(""))
        soup = BeautifulSoup(
            (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8"), "html.parser"
        )
        for label in exercise_labels(path):
            ex = im.exercises.get(label)
            box = soup.find(id=label)
            assert box is not None, f"{doc}: no exercise {label}"
            shown = box.select_one(".admonition-title .exercise-level")
            assert shown is not None, f"{label}: its header shows no level"
            assert shown.get_text(strip=True) == ex.level
            assert ex.kind in ex.level and f"{ex.minutes} min" in ex.level
