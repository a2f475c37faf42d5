"""What a notebook made from a page must show, read as its reader reads it, against the built
HTML page: no raw MyST, the page's glued numbers, its citations as the page prints them (no
bibliography key), and the numbers of its figures, equations and exercises. Shared by the
tests of the learners' downloads, the student edition and the assignments."""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
from bs4 import BeautifulSoup

from bookfiles import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
from myst_notebook import leftover_myst, strip_solutions  # noqa: E402

GLUE_TEXT = re.compile(r"\{glue(?::text)?\}`([^`:]+)`")
CITE = re.compile(r"\{cite:[pt]\}`([^`]+)`")
GLUED_FIGURE = re.compile(r"^(`{3,}|:{3,})\{glue:figure\}", re.M)


@dataclass
class PageShows:
    """What a built page shows: citations, and the numbers of figures, equations, exercises."""

    citations: set[str] = field(default_factory=set)
    figures: list[str] = field(default_factory=list)
    equations: list[str] = field(default_factory=list)
    exercises: dict[str, str] = field(default_factory=dict)  # label -> "Exercise 3.1"


def page_shows(html: Path, outputs: bool = True, solutions: bool = True) -> PageShows:
    """What ``html`` shows in its article; without what cells output, or without solutions,
    for the notebooks that have neither."""
    article = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").select_one("article")
    dropped = ([] if outputs else ["div.cell_output"]) + ([] if solutions else ["div.solution"])
    for selector in dropped:
        for node in article.select(selector):
            node.decompose()
    return PageShows(
        citations={plain(c.get_text()) for c in article.select("span.bibtex-citation")},
        figures=[n.get_text().strip() for n in article.select("figure span.caption-number")],
        equations=[n.get_text().strip().rstrip("#") for n in article.select("span.eqno")],
        exercises={
            box["id"]: box.select_one("span.caption-number").get_text().strip()
            for box in article.select("div.exercise[id]")
        },
    )


def plain(text: str) -> str:
    """Text as read: emphasis marks gone, whitespace collapsed."""
    return " ".join(text.replace("*", "").split())


def markdown_of(nb) -> str:
    """What a reader reads: the Markdown cells and the Markdown the cells output."""
    texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    texts += [
        o["data"]["text/markdown"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    ]
    return "\n".join(texts)


def source_markdown(page: str, solutions: bool = True) -> str:
    """The MyST Markdown of ``page`` ('chapters/03-weights-and-kv-cache'), its solutions cut
    unless ``solutions``."""
    nb = jupytext.read(ROOT / f"{page}.md")
    if not solutions:
        nb = strip_solutions(nb, lambda label: [])
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def glued_texts(page: str, source: str) -> dict[str, str]:
    """key -> the text the page shows, for every {glue:text} role in ``source``."""
    path = ROOT / "_build" / "jupyter_execute" / f"{page}.glue.json"
    glued = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    shown = {}
    for key in set(GLUE_TEXT.findall(source)):
        plain_text = glued[key]["data"]["text/plain"]
        try:
            shown[key] = str(ast.literal_eval(plain_text))
        except (SyntaxError, ValueError):
            shown[key] = plain_text
    return shown


def images(nb) -> int:
    """Figures a reader sees: images attached to Markdown cells, and image outputs."""
    attached = sum(
        1
        for c in nb.cells
        for files in c.get("attachments", {}).values()
        if any(m.startswith("image/") for m in files)
    )
    drawn = sum(
        1
        for c in nb.cells
        for o in c.get("outputs", [])
        if any(m.startswith("image/") for m in o.get("data", {}))
    )
    return attached + drawn


def problems(nb, page: str, html: Path, outputs: bool = True, solutions: bool = True):
    """Every way ``nb``, made from ``page``, fails to show what the page ``html`` shows (the
    notebook has cell outputs and solutions or not)."""
    text = markdown_of(nb)
    read = plain(text)
    source = source_markdown(page, solutions)
    shows = page_shows(html, outputs, solutions)
    found = [f"raw MyST: {m}" for m in leftover_myst(nb)]
    for key, value in sorted(glued_texts(page, source).items()):
        if value not in text:
            found.append(f"glued {key} = {value!r} is not shown")
    keys = {k.strip() for group in CITE.findall(source) for k in group.split(",")}
    # a key as a citation would show it, in brackets or a list of keys (a key may be a word too)
    cited = [k for k in sorted(keys) if re.search(rf"[(\[,;] ?{k}\b|\b{k}[)\],;]", text)]
    found += [f"a citation shows its key {k}" for k in cited]
    found += [f"citation {c} is not shown" for c in sorted(shows.citations) if c not in read]
    found += [f"{f} is not numbered so" for f in shows.figures if f"*{f}.*" not in text]
    for number in shows.equations:
        tags = text.count(f"\\tag{{{number.strip('()')}}}")
        if tags != 1:
            found.append(f"equation {number} is shown {tags} times")
    for label, number in shows.exercises.items():
        if f"**{number}**" not in text:
            found.append(f"{label} is not headed {number}")
    figures = len(GLUED_FIGURE.findall(source))
    if images(nb) < figures:
        found.append(f"{images(nb)} figures shown for {figures} glued")
    return found
