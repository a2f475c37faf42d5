"""One converter from the book's pages (MyST) to the notebooks it hands out.

MyST-NB executes each page into <build>/jupyter_execute/<page>.ipynb. Beside it lie the values
the page glued (<page>.glue.json, written by MyST-NB) and what the page shows for each
reference and numbered object (<page>.refs.json, written by page_refs.py). Jupyter shows MyST
as raw text ({glue:text}`kv-bytes`, {cite:p}`ainslie2023gqa`, ```{glue:figure} ...);
``convert`` rewrites a page's Markdown as plain Markdown that shows what the page shows:

- glue roles become their text ({glue:math} inline LaTeX); a {glue:math} directive becomes
  display math tagged with the page's equation number;
- cross-references and citations ({numref}, {ref}, {eq}, {doc}, {term}, {cite:p}, {cite:t})
  become the text the page shows for them ("Fig. 3.1", "(3.2)", "[Ainslie *et al.*, 2023]");
- a {glue:figure} becomes an image attached to its Markdown cell (so it survives cleared
  outputs), under it the page's number and the caption;
- admonitions become block quotes under their title, a glossary a list of terms, exercise and
  solution markers bold headings with the page's number ("Exercise 3.1"); targets (label)= go.

Markup it cannot resolve is left as written, so that ``leftover_myst`` (which the tests call)
finds it. Three kinds of notebook are made with it: the learner's download (book_html.py:
solutions and outputs kept), the student edition's (tools/student_edition.py) and the
assignments' (tools/assignments.py), both with solutions cut by ``strip_solutions`` and
outputs cleared by ``cleared``. Nothing here imports Sphinx.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

# A fence opens a directive (```{name} argument) or a code block (```python); it closes at
# the first line of the same character at least as long, so longer outer fences nest.
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})[ \t]*(?P<info>.*?)[ \t]*$")
DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.-]+)\}[ \t]*(?P<argument>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<content>[^`]*)`")
TARGET = re.compile(r"^\([\w.:-]+\)=[ \t]*$")
LABELLED_MATH = re.compile(r"\$\$(?P<body>[^$]+)\$\$[ \t]*\((?P<label>[\w.:-]+)\)")
WHATIF_MARK = "data-wtc-whatif"

# Directives that draw a titled box on the page; a notebook shows them as a quote.
BOXES = {
    "admonition": "",
    "attention": "Attention",
    "caution": "Caution",
    "danger": "Danger",
    "dropdown": "",
    "error": "Error",
    "hint": "Hint",
    "important": "Important",
    "note": "Note",
    "seealso": "See also",
    "tip": "Tip",
    "topic": "",
    "warning": "Warning",
}
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}


@dataclass(frozen=True)
class Page:
    """What the build knows about one page. ``glued``: key -> the output it glued.
    ``roles``: a reference or citation role as written -> the Markdown the page shows for it.
    ``labels``: a numbered object's label -> {"number": "3.1", "text": "Fig. 3.1"}, and for an
    exercise the "title" beside its number."""

    glued: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)

    @classmethod
    def beside(cls, executed: Path) -> Page:
        """The page whose executed notebook is ``executed`` (<build>/jupyter_execute/x.ipynb),
        from the two files the build writes beside it."""
        stem = executed.name.removesuffix(".ipynb")
        glue_path = executed.with_name(f"{stem}.glue.json")
        refs_path = executed.with_name(f"{stem}.refs.json")
        if not refs_path.exists():
            raise FileNotFoundError(f"{refs_path} is missing: run `make book` first")
        glued = json.loads(glue_path.read_text(encoding="utf-8")) if glue_path.exists() else {}
        refs = json.loads(refs_path.read_text(encoding="utf-8"))
        return cls(glued, refs["roles"], refs["labels"])


# --- reading MyST -------------------------------------------------------------------------


@dataclass
class Block:
    """A run of prose, a code block or a directive, as written (``raw``)."""

    raw: str
    directive: str | None = None
    argument: str = ""
    body: list[str] = field(default_factory=list)
    code: bool = False


def blocks(text: str) -> list[Block]:
    """``text`` as a list of top-level blocks; a directive's body is left unparsed."""
    lines = text.split("\n")
    found, prose = [], []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            prose.append(lines[i])
            i += 1
            continue
        if prose:
            found.append(Block("\n".join(prose)))
            prose = []
        fence = opening["fence"]
        closing = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), len(lines))
        raw = "\n".join(lines[i : end + 1])
        directive = DIRECTIVE.match(opening["info"])
        if directive is None:
            found.append(Block(raw, code=True))
        else:
            body = lines[i + 1 : end]
            found.append(Block(raw, directive["name"], directive["argument"].strip(), body))
        i = end + 1
    if prose:
        found.append(Block("\n".join(prose)))
    return found


def options_and_content(body: list[str]) -> tuple[dict, list[str]]:
    """A directive's leading ``:key: value`` lines, and the lines after them."""
    options = {}
    for n, line in enumerate(body):
        option = OPTION.match(line)
        if option is None:
            return options, body[n:]
        options[option["key"]] = option["value"].strip()
    return options, []


# --- what the page shows ------------------------------------------------------------------


def latex(data: dict) -> str:
    """A glued equation's LaTeX without the $ ... $ and \\displaystyle IPython wraps it in."""
    text = data.get("text/latex", "").strip().strip("$").strip()
    return re.sub(r"^\\displaystyle\s*", "", text)


def glued_text(role: str, content: str, glued: dict) -> str | None:
    """What {glue}, {glue:text}, {glue:md} or {glue:math} shows for ``content`` (a key, with
    a format spec after a colon for {glue:text}), as MyST-NB renders it; None: not glued."""
    from myst_nb.core.variables import format_plain_text

    key, spec = content.rsplit(":", 1) if ":" in content else (content, "")
    output = glued.get(key)
    if output is None:
        return None
    data = output.get("data", {})
    best = role in ("glue", "glue:any")  # {glue} shows the richest form it has
    if role == "glue:md" or (best and "text/markdown" in data):
        return data.get("text/markdown", "")
    if role == "glue:math" or (best and "text/latex" in data):
        return f"${latex(data)}$"
    return format_plain_text(data.get("text/plain", ""), spec)


def role_text(match: re.Match, page: Page) -> str:
    name, content = match["name"], match["content"]
    if name == "glue" or name.startswith("glue:"):
        shown = glued_text(name, content, page.glued)
    elif name == "math":
        shown = f"${content}$"
    else:
        shown = page.roles.get(match.group(0))
    return match.group(0) if shown is None else shown


def tag(label: str | None, page: Page) -> str:
    number = page.labels.get(label or "", {}).get("number")
    return f" \\tag{{{number}}}" if number else ""


def prose(text: str, page: Page) -> str:
    """Prose with its roles resolved, targets dropped and labelled $$ math tagged."""
    text = "\n".join(line for line in text.split("\n") if not TARGET.match(line))
    text = LABELLED_MATH.sub(lambda m: f"$${m['body'].rstrip()}{tag(m['label'], page)}\n$$", text)
    return ROLE.sub(lambda m: role_text(m, page), text)


def glued_math(block: Block, page: Page) -> str:
    options, _ = options_and_content(block.body)
    output = page.glued.get(block.argument)
    if output is None:
        return block.raw
    label = options.get("label") or options.get("name")
    return f"$$\n{latex(output.get('data', {}))}{tag(label, page)}\n$$"


def glued_figure(block: Block, page: Page, attachments: dict) -> str:
    """The figure as an image attached to the cell, and under it its number and caption."""
    options, caption = options_and_content(block.body)
    output = page.glued.get(block.argument)
    data = (output or {}).get("data", {})
    mime = next((m for m in IMAGE_TYPES if m in data), None)
    if mime is None:
        return block.raw
    name = f"{block.argument}.{IMAGE_TYPES[mime]}"
    attachments[name] = {mime: data[mime]}
    alt = " ".join(options.get("alt", block.argument).split())
    alt = alt.replace("[", "(").replace("]", ")")  # brackets would end the image's text
    number = page.labels.get(options.get("name", ""), {}).get("text")
    text = markdown(prose_of(caption), page, attachments).strip()
    if number:
        text = f"*{number}.* {text}".strip()
    return f"![{alt}](attachment:{name})" + (f"\n\n{text}" if text else "")


def prose_of(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def exercise_heading(label: str, page: Page) -> str:
    shown = page.labels.get(label, {})
    number = shown.get("text", "Exercise")
    title = f" ({shown['title']})" if shown.get("title") else ""
    return f"**{number}**{title}"


def solution_heading(label: str, page: Page) -> str:
    return f"**Solution to {page.labels.get(label, {}).get('text', 'the exercise')}**"


def box(block: Block, page: Page, attachments: dict) -> str:
    """An admonition as a quote: its title in bold, then its content."""
    _, content = options_and_content(block.body)
    title = block.argument or BOXES[block.directive] or block.directive.capitalize()
    lines = [f"**{prose(title, page)}**", ""]
    lines += markdown(prose_of(content), page, attachments).split("\n")
    return "\n".join(f"> {line}".rstrip() for line in lines)


def glossary(block: Block, page: Page, attachments: dict) -> str:
    """Each term in bold with its definition (indented under it in MyST), as a list."""
    options, content = options_and_content(block.body)
    entries = []
    for line in content:
        if line.strip() and not line[:1].isspace():
            entries.append([line.strip(), []])
        elif entries:
            entries[-1][1].append(line.strip())
    if "sorted" in options:
        entries.sort(key=lambda entry: entry[0].lower())
    items = []
    for term, definition in entries:
        text = markdown(" ".join(filter(None, definition)), page, attachments)
        items.append(f"- **{prose(term, page)}**: {text}")
    return "\n".join(items)


def directive(block: Block, page: Page, attachments: dict) -> str:
    name = block.directive
    if name == "glue:math":
        return glued_math(block, page)
    if name == "glue:figure":
        return glued_figure(block, page, attachments)
    if name == "exercise-start":
        return exercise_heading(options_and_content(block.body)[0].get("label", ""), page)
    if name == "solution-start":
        return solution_heading(block.argument, page)
    if name in ("exercise-end", "solution-end"):
        return ""
    if name == "glossary":
        return glossary(block, page, attachments)
    if name == "tableofcontents":  # the site's sidebar; a notebook has no pages to list
        return ""
    if name in BOXES:
        return box(block, page, attachments)
    return block.raw


def markdown(text: str, page: Page, attachments: dict) -> str:
    """MyST Markdown as plain Markdown; glued figures are added to ``attachments``."""
    parts = []
    for block in blocks(text):
        if block.code:
            parts.append(block.raw)
        elif block.directive is None:
            parts.append(prose(block.raw, page))
        else:
            parts.append(directive(block, page, attachments))
    # a marker or target that became nothing leaves its blank lines behind
    return re.sub(r"\n{3,}", "\n\n", "\n".join(parts)).strip("\n")


# --- notebooks ----------------------------------------------------------------------------


def plain_outputs(cell, page: Page) -> None:
    """Tables a cell shows are MyST too (they may cite); an interactive what-if figure needs
    the book's scripts, which Jupyter does not run: keep its static image."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "text/markdown" in data:
            data["text/markdown"] = markdown(data["text/markdown"], page, {})
        if WHATIF_MARK in str(data.get("text/html", "")) and any(
            m.startswith("image/") for m in data
        ):
            del data["text/html"]


def convert(nb, page: Page):
    """A copy of ``nb`` (a page's notebook, its Markdown in MyST) that shows in Jupyter what
    the page shows; outputs are kept."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            attachments = {}
            cell.source = markdown(cell.source, page, attachments).strip("\n")
            if not cell.source.strip():
                continue
            if attachments:
                cell.attachments = attachments
        elif cell.cell_type == "code":
            plain_outputs(cell, page)
        cells.append(cell)
    nb.cells = cells
    return renumbered(nb)


def renumbered(nb):
    """Cells numbered in order (cells were split and dropped, so the old ids no longer fit),
    the same on every run; the line map of the original cells dropped."""
    nb.metadata.pop("source_map", None)
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    nbformat.validate(nb)
    return nb


def cleared(nb):
    """A copy of ``nb`` with no outputs and no execution counts."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def strip_solutions(nb, cells_for):
    """``nb`` (MyST Markdown) without its solutions, which may span Markdown and code cells,
    and with the cells ``cells_for(label)`` returns placed at the end of each exercise, just
    before its end marker, so that a page built from it shows them inside the exercise."""
    nb = copy.deepcopy(nb)
    cells, inside, exercise, kept = [], False, None, []

    def flush():
        if "\n".join(kept).strip():
            cells.append(nbformat.v4.new_markdown_cell("\n".join(kept).strip("\n")))
        kept.clear()

    for cell in nb.cells:
        if cell.cell_type != "markdown":
            if not inside and "solution" not in cell.metadata.get("tags", []):
                flush()
                cells.append(cell)
            continue
        for block in blocks(cell.source):
            if block.directive == "solution-start":
                inside = True
            elif block.directive == "solution-end":
                inside = False
            elif inside:
                continue
            elif block.directive == "exercise-start":
                exercise = options_and_content(block.body)[0].get("label")
                kept.append(block.raw)
            elif block.directive == "exercise-end":
                flush()
                cells.extend(cells_for(exercise))
                kept.append(block.raw)
            else:
                kept.append(block.raw)
        flush()
    nb.cells = cells
    return renumbered(nb)


# --- what is left -------------------------------------------------------------------------

LEFTOVER = re.compile(
    r"\{[\w:.-]+\}`[^`]*`"  # a role
    r"|^[ \t>]*(?:`{3,}|:{3,})[ \t]*\{[\w:.-]+\}.*$"  # a directive, maybe inside a quote
    r"|^[ \t>]*\([\w.:-]+\)=[ \t]*$",  # a target
    re.M,
)


def leftover_myst(nb) -> list[str]:
    """MyST that Jupyter would show as raw text, in ``nb``'s Markdown cells and the Markdown
    its cells output."""
    texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    texts += [
        output["data"]["text/markdown"]
        for c in nb.cells
        if c.cell_type == "code"
        for output in c.get("outputs", [])
        if "text/markdown" in output.get("data", {})
    ]
    return [m.group(0) for text in texts for m in LEFTOVER.finditer(text)]
