"""The notebook a learner downloads: the executed chapter, showing what its page shows.

MyST-NB executes each chapter once and writes it to <build>/jupyter_execute/<page>.ipynb,
with the values the chapter glued in <page>.glue.json beside it. As it stands that notebook
shows raw roles ({glue:text}`kv-bytes` where the page shows 327,680) and no figure (figures
are glued with display off). ``learner_notebook`` rewrites it, executing nothing:

- every glue role in Markdown becomes its value: ``{glue:text}`` (and ``{glue}``, ``{glue:md}``)
  the formatted text, ``{glue:math}`` inline LaTeX;
- a ``{glue:math}`` directive becomes display math ($$ ... $$);
- a ``{glue:figure}`` directive becomes an image output in a cell of its own, where the page
  shows the figure, followed by its caption;
- other MyST markup Jupyter would show raw (admonitions, exercise and solution markers,
  citations, cross-references, page labels) becomes plain Markdown;
- an interactive what-if figure (HTML that needs the book's scripts, which Jupyter does not
  run) is shown by the static image that comes with it.

Tables that cells display are outputs already and stay. The book's extension (book_html.py)
offers the result as each chapter's .ipynb download; `make notebooks` copies it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

# {glue}`key`, {glue:text}`key`, {glue:text}`key:.2f`, {glue:md}`key`, {glue:math}`key`
ROLE = re.compile(r"\{glue(?::(any|text|md|math))?\}`([^`]+)`")
# a ```{glue:figure} key or ```{glue:math} key directive (also with ::: fences), to its end
DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{glue:(?P<kind>figure|math)\}[ \t]*(?P<key>\S+)[ \t]*\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$\n?",
    flags=re.M | re.S,
)
WHATIF_MARK = "data-wtc-whatif"

# MyST markup Jupyter shows as raw text, and what a reader of a notebook sees instead.
TARGET = re.compile(r"^\([\w.:-]+\)=[ \t]*\n?", re.M)
ADMONITION = re.compile(
    r"^(?P<fence>:{3,})\{(?P<kind>[a-z]+)\}[ \t]*(?P<title>[^\n]*)\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
EXERCISE = re.compile(
    r"^`{3,}\{exercise-start\}[ \t]*\n:label:[ \t]*(\S+)[ \t]*\n`{3,}[ \t]*$", re.M
)
SOLUTION = re.compile(
    r"^`{3,}\{solution-start\}[ \t]*(\S+)[ \t]*\n(?::[\w-]+:[^\n]*\n)*`{3,}[ \t]*$", re.M
)
END = re.compile(r"^`{3,}\{(?:exercise|solution)-end\}[ \t]*\n`{3,}[ \t]*\n?", re.M)
CITE = re.compile(r"\{cite:[pt]\}`([^`]+)`")
REF = re.compile(r"\{(?:ref|numref|doc|term)\}`(?:([^`<]*?)\s*<[^`>]+>|([^`]+))`")
EQ = re.compile(r"\{eq\}`([^`]+)`")


def _plain(data: dict) -> str:
    text = data.get("text/plain", "")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]  # a glued string's repr
    return text


def _latex(data: dict) -> str:
    text = data.get("text/latex", "").strip()
    text = text.strip("$").strip()
    return re.sub(r"^\\displaystyle\s*", "", text)


def _role_text(kind: str | None, key: str, glued: dict) -> str | None:
    name, _, spec = key.partition(":")
    output = glued.get(name)
    if output is None:
        return None
    data = output.get("data", {})
    if kind == "math" or (kind in (None, "any") and "text/latex" in data):
        return f"${_latex(data)}$"
    if kind == "md" or (kind in (None, "any") and "text/markdown" in data):
        return data.get("text/markdown", _plain(data))
    text = _plain(data)
    if spec:
        try:
            text = format(float(text), spec)
        except ValueError:
            pass
    return text


def replace_roles(text: str, glued: dict) -> str:
    def sub(m):
        value = _role_text(m.group(1), m.group(2), glued)
        return m.group(0) if value is None else value

    return ROLE.sub(sub, text)


def _admonition(m) -> str:
    body = "\n".join(line for line in m.group("body").splitlines() if not line.startswith(":"))
    lines = body.strip("\n").splitlines()
    title = m.group("title").strip() or m.group("kind").capitalize()
    return "\n".join([f"> **{title}**", ">"] + [f"> {line}".rstrip() for line in lines])


def plain_markdown(text: str) -> str:
    """MyST markup that Jupyter shows as raw text, rewritten as plain Markdown: admonitions
    as quotes, exercise and solution markers as headings in bold, citations and
    cross-references as text, page labels removed."""
    text = TARGET.sub("", text)
    text = ADMONITION.sub(_admonition, text)
    text = EXERCISE.sub(lambda m: f"**Exercise** `{m.group(1)}`", text)
    text = SOLUTION.sub(lambda m: f"**Solution** to `{m.group(1)}`", text)
    text = END.sub("", text)
    text = CITE.sub(lambda m: "(" + m.group(1).replace(",", ", ") + ")", text)
    text = EQ.sub(lambda m: f"equation `{m.group(1)}`", text)
    return REF.sub(lambda m: (m.group(1) or m.group(2)).strip(), text)


def _options_and_caption(body: str) -> tuple[dict, str]:
    options, caption = {}, []
    for line in body.splitlines():
        found = re.match(r"^:([\w-]+):\s*(.*)$", line)
        if found and not caption:
            options[found.group(1)] = found.group(2)
        else:
            caption.append(line)
    return options, "\n".join(caption).strip()


def _figure_cell(key: str, options: dict, output: dict):
    data = {m: v for m, v in output.get("data", {}).items() if m.startswith("image/")}
    data["text/plain"] = options.get("alt", f"<figure {key}>")
    name = options.get("name", key)
    cell = nbformat.v4.new_code_cell(
        f'# Figure {name}: drawn by the cell above that glues "{key}".\n'
        "# Run the notebook yourself and it shows there; this cell only holds the copy."
    )
    cell.metadata["tags"] = ["glued-figure"]
    cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
    return cell


def _split_markdown(source: str, glued: dict) -> list:
    """A Markdown cell's source, roles replaced, as one or more cells: each glued figure
    becomes an image cell where the page shows it."""
    cells, rest = [], source
    while True:
        m = DIRECTIVE.search(rest)
        if m is None:
            break
        before, after = rest[: m.start()], rest[m.end() :]
        key, kind = m.group("key"), m.group("kind")
        options, caption = _options_and_caption(m.group("body"))
        output = glued.get(key)
        if output is None:  # not glued: leave it as written
            cells.append(("markdown", before + m.group(0)))
        elif kind == "math":
            cells.append(("markdown", f"{before}$$\n{_latex(output['data'])}\n$$\n"))
        else:
            if before.strip():
                cells.append(("markdown", before))
            cells.append(("figure", (key, options, output)))
            if caption:
                cells.append(("markdown", f"*Figure {options.get('name', key)}.* {caption}"))
        rest = after
    if rest.strip() or not cells:
        cells.append(("markdown", rest))

    out = []
    for kind, content in cells:
        if kind == "figure":
            out.append(_figure_cell(*content))
        else:
            text = plain_markdown(replace_roles(content, glued)).strip("\n")
            if text.strip():
                if out and out[-1].cell_type == "markdown":  # join text split by math
                    out[-1].source += "\n\n" + text
                else:
                    out.append(nbformat.v4.new_markdown_cell(text))
    return out


def _static_outputs(cell) -> None:
    """Interactive what-if figures need the book's scripts: keep their static image."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if WHATIF_MARK in str(data.get("text/html", "")) and any(
            m.startswith("image/") for m in data
        ):
            del data["text/html"]


def learner_notebook(executed: Path):
    """The executed notebook at ``executed`` as a learner should get it (see the module)."""
    nb = nbformat.read(executed, as_version=4)
    glue_path = executed.with_name(executed.name.removesuffix(".ipynb") + ".glue.json")
    glued = json.loads(glue_path.read_text(encoding="utf-8")) if glue_path.exists() else {}
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cells += _split_markdown(cell.source, glued)
        else:
            if cell.cell_type == "code":
                _static_outputs(cell)
            cells.append(cell)
    for cell in cells:
        cell.pop("id", None)  # renumbered below: the split cells are new
    nb.cells = cells
    nb.metadata.pop("source_map", None)  # line numbers of the original cells, now wrong
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    nbformat.validate(nb)
    return nb


def leftover_roles(nb) -> list[str]:
    """Glue, cross-reference and glossary roles or glue directives still in the Markdown of
    ``nb``, which Jupyter would show as raw text (the tests use it)."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return re.findall(r"\{(?:glue(?::\w+)?|ref|numref|doc|term|eq|cite:[pt])\}`?[^\s`]*`?", text)
