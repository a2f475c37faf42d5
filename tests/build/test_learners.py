"""What a learner gets: notebooks that show what the pages show, copies that `make notebooks`
writes one way and never over a learner's changes, chapters that show their work when run
outside the book's build."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from notebook_checks import images, problems

from bookfiles import ROOT, chapter_files

sys.path.insert(0, str(ROOT / "_ext"))
from myst_notebook import leftover_myst  # noqa: E402

SOURCES = ROOT / "_build" / "html" / "_sources"
EXECUTED = ROOT / "_build" / "jupyter_execute"


def figures_in(path) -> int:
    return len(re.findall(r"^`{3,}\{glue:figure\}", path.read_text(encoding="utf-8"), re.M))


def markdown_outputs(nb) -> int:
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "text/markdown" in output.get("data", {})
    )


def check_learner_notebook(nb, path, executed=None):
    name = path.stem
    assert not leftover_myst(nb), f"{name}: MyST left raw: {leftover_myst(nb)[:3]}"
    assert images(nb) >= figures_in(path), f"{name}: {images(nb)} images for {figures_in(path)}"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert "data-wtc-whatif" not in str(output.get("data", {}).get("text/html", "")), (
                f"{name}: an interactive figure Jupyter cannot run"
            )
    if executed is not None:  # every table the page shows is an output here too
        assert markdown_outputs(nb) == markdown_outputs(executed), name


def executed_pages() -> list[str]:
    """Every page the build executed, chapters and back matter: each offers its notebook."""
    return sorted(
        str(p.relative_to(EXECUTED).with_suffix(""))
        for p in EXECUTED.rglob("*.ipynb")
        if (ROOT / p.relative_to(EXECUTED)).with_suffix(".md").exists()
    )


@pytest.mark.book
@pytest.mark.parametrize("path", chapter_files(), ids=lambda p: p.stem)
def test_downloaded_notebook_shows_what_the_page_shows(built, path):
    assert built.returncode == 0, "the book did not build"
    doc = str(path.relative_to(ROOT).with_suffix(""))
    page = (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8")
    assert f'_sources/{doc}.ipynb"' in page, f"{doc}: the page offers no .ipynb"
    nb = nbformat.read(SOURCES / f"{doc}.ipynb", as_version=4)
    nbformat.validate(nb)
    executed = nbformat.read(EXECUTED / f"{doc}.ipynb", as_version=4)
    check_learner_notebook(nb, path, executed)
    assert any("solution" in c.metadata.get("tags", []) for c in nb.cells), "solutions kept"


@pytest.mark.book
def test_every_downloaded_notebook_reads_as_its_page(built):
    """Read as a learner reads them, the downloads of every executed page show no raw MyST,
    every number the page glues, its citations as the page prints them, and its figures,
    equations and exercises numbered as on the page, each equation once."""
    assert built.returncode == 0, "the book did not build"
    pages = executed_pages()
    assert len(pages) > len(chapter_files()), "the back matter's notebooks are missing"
    found = []
    for doc in pages:
        nb = nbformat.read(SOURCES / f"{doc}.ipynb", as_version=4)
        html = ROOT / "_build" / "html" / f"{doc}.html"
        found += [f"{doc}: {p}" for p in problems(nb, doc, html)]
    assert not found, "\n".join(found[:20])


def repository_copy(tmp_path):
    """The repository's files (not its git history), the build's notebooks and its source
    hash, and the same .venv, in a temporary folder: the working tree is never touched."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    copy = tmp_path / "repo"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    shutil.copytree(SOURCES / "chapters", copy / "_build" / "html" / "_sources" / "chapters")
    shutil.copy2(ROOT / "_build" / ".source-hash", copy / "_build" / ".source-hash")
    (copy / ".venv").symlink_to((ROOT / ".venv").resolve())
    return copy


def make_notebooks(copy, *args):
    # -o: take the environment as it is (never rebuild .venv from the copy's file times)
    p = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.pins", "-o", ".venv/.installed"]
        + ["notebooks", *args],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    assert "building the book first" not in p.stdout, "the build's notebooks were not reused"
    return p.stdout


@pytest.mark.book
def test_make_notebooks_writes_one_way_and_keeps_a_learners_changes(built, tmp_path):
    assert built.returncode == 0, "the book did not build"
    copy = repository_copy(tmp_path)
    chapters = {p.name: p.read_bytes() for p in (copy / "chapters").iterdir()}

    make_notebooks(copy)
    for path in chapter_files():
        nb = nbformat.read(copy / "notebooks" / f"{path.stem}.ipynb", as_version=4)
        check_learner_notebook(nb, path)
    assert (copy / "notebooks" / ".written.json").exists()

    edited = copy / "notebooks" / "01-parameters.ipynb"
    nb = nbformat.read(edited, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("my_answer = 42  # a learner's work"))
    nbformat.write(nb, edited)
    mine = edited.read_bytes()

    out = make_notebooks(copy)
    assert edited.read_bytes() == mine, "make notebooks overwrote the learner's notebook"
    assert "notebooks/01-parameters.ipynb" in out and "FRESH=1" in out, out
    assert {p.name: p.read_bytes() for p in (copy / "chapters").iterdir()} == chapters

    edited.unlink()  # a deleted notebook comes back fresh
    make_notebooks(copy)
    assert b"a learner's work" not in edited.read_bytes()

    nbformat.write(nb, edited)
    make_notebooks(copy, "FRESH=1")
    assert b"a learner's work" not in edited.read_bytes()
    assert {p.name: p.read_bytes() for p in (copy / "chapters").iterdir()} == chapters


def test_a_chapter_run_outside_the_book_shows_its_figures_and_numbers():
    """Run in Jupyter (here nbclient, without WTC_BOOK_BUILD), glue() and figure() show what
    they record."""
    import jupytext
    from nbclient import NotebookClient

    path = ROOT / "chapters" / "01-parameters.md"
    nb = jupytext.read(path)
    env = {k: v for k, v in os.environ.items() if k != "WTC_BOOK_BUILD"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "lib"), env.get("PYTHONPATH")]))
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this environment
    try:
        NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert images(nb) >= figures_in(path) >= 1
    shown = [
        o["data"]["text/markdown"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "text/markdown" in o.get("data", {})
    ]
    assert any(s.startswith("**params-exact** = ") for s in shown), shown[:5]


def test_no_pairing_writes_notebooks_back_into_chapters():
    """jupytext.toml pairs nothing (Jupytext's contents manager would sync a learner's saves
    into chapters/), and every chapter is kept in Jupytext's MyST format."""
    import jupytext

    config = (ROOT / "jupytext.toml").read_text()
    assert not [line for line in config.splitlines() if line.strip().startswith("formats")]
    for path in chapter_files():
        text = path.read_text(encoding="utf-8")
        again = jupytext.writes(jupytext.reads(text, fmt="md:myst"), fmt="md:myst")
        assert again == text, f"{path.name} is not in Jupytext's format"


@pytest.mark.book
def test_every_chapter_launches_in_jupyterlite(built):
    """Each chapter's launch button opens its notebook in the JupyterLite site built with the
    book, which serves the library's wheel; the button and the notebook say that running
    needs the network (Pyodide and its packages come from Pyodide's CDN)."""
    import json

    assert built.returncode == 0, "the book did not build"
    lite = ROOT / "_build" / "html" / "lite"
    assert (lite / "lab" / "index.html").exists()
    index = json.loads((lite / "pypi" / "all.json").read_text())
    assert "inference-math" in index, list(index)
    assert list((lite / "pypi").glob("inference_math-*.whl"))
    for path in chapter_files():
        doc = str(path.relative_to(ROOT).with_suffix(""))
        page = (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8")
        link = f"../lite/lab/index.html?path={doc}.ipynb"
        assert f'href="{link}"' in page, f"{doc}: no JupyterLite launch button"
        assert "JupyterLite (needs the network)" in page, doc
        nb = nbformat.read(lite / "files" / f"{doc}.ipynb", as_version=4)
        assert "needs the network" in nb.cells[0].source and "CDN" in nb.cells[0].source
        assert "%pip install" in nb.cells[1].source
        assert not leftover_myst(nb), doc
