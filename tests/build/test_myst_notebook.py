"""The one converter from the book's MyST to the notebooks it hands out (_ext/myst_notebook.py),
on small pages written here: each role and directive the pages use becomes what the page
shows, solutions are cut across cells, and what it cannot resolve is reported. No book build."""

from __future__ import annotations

import sys

import nbformat
import pytest

from bookfiles import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
from myst_notebook import (  # noqa: E402
    Page,
    cleared,
    convert,
    leftover_myst,
    markdown,
    strip_solutions,
)

PNG = "iVBORw0KGgo="  # what a glued figure's output holds (base64), shortened


def output(**data):
    return {"output_type": "display_data", "metadata": {}, "data": data}


PAGE = Page(
    glued={
        "kv-bytes": output(**{"text/plain": "'327,680'"}),
        "ratio": output(**{"text/plain": "0.5"}),
        "table": output(**{"text/plain": "x", "text/markdown": "**bold**"}),
        "kv-eq": output(**{"text/latex": "$\\displaystyle KV = 2 K L$", "text/plain": "Math"}),
        "fig-kv": output(**{"image/png": PNG, "text/plain": "<Figure>"}),
    },
    roles={
        "{cite:p}`ainslie2023gqa`": "[Ainslie *et al.*, 2023]",
        "{cite:t}`ainslie2023gqa`": "Ainslie *et al.* [2023]",
        "{numref}`fig-ch03-kv`": "Fig. 3.1",
        "{eq}`eq-kv`": "(3.2)",
        "{ref}`ch03`": "Weights and the KV cache",
        "{term}`KV cache <KV cache>`": "KV cache",
        "{doc}`glossary`": "Glossary",
    },
    labels={
        "fig-ch03-kv": {"number": "3.1", "text": "Fig. 3.1"},
        "eq-kv": {"number": "3.2", "text": "(3.2)"},
        "ch03-kv-int8": {"number": "3.4", "text": "Exercise 3.4", "title": "compute · 5 min"},
    },
)


def shown(text: str) -> tuple[str, dict]:
    attachments = {}
    return markdown(text, PAGE, attachments), attachments


@pytest.mark.parametrize(
    "written, expected",
    [
        ("{glue:text}`kv-bytes` bytes", "327,680 bytes"),
        ("{glue}`kv-bytes`", "327,680"),
        ("{glue:text}`ratio:.1%`", "50.0%"),
        ("{glue:md}`table`", "**bold**"),
        ("{glue}`table`", "**bold**"),
        ("{glue:math}`kv-eq`", "$KV = 2 K L$"),
        ("{math}`\\frac{a}{b}`", "$\\frac{a}{b}$"),
        ("attention {cite:p}`ainslie2023gqa`", "attention [Ainslie *et al.*, 2023]"),
        ("{cite:t}`ainslie2023gqa` show", "Ainslie *et al.* [2023] show"),
        ("see {numref}`fig-ch03-kv`", "see Fig. 3.1"),
        ("by {eq}`eq-kv`", "by (3.2)"),
        ("in {ref}`ch03`", "in Weights and the KV cache"),
        ("the {term}`KV cache <KV cache>`", "the KV cache"),
        ("the {doc}`glossary`", "the Glossary"),
    ],
)
def test_each_role_becomes_what_the_page_shows(written, expected):
    assert shown(written)[0] == expected


def test_labelled_dollar_math_gets_its_number():
    assert shown("$$\nKV = 2\n$$ (eq-kv)")[0] == "$$\nKV = 2 \\tag{3.2}\n$$"


def test_what_it_cannot_resolve_stays_and_is_reported():
    text = "an {unknown}`role`, {glue:text}`missing`\n\n```{mermaid}\ngraph LR\n```"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    assert leftover_myst(convert(nb, PAGE)) == [
        "{unknown}`role`",
        "{glue:text}`missing`",
        "```{mermaid}",
    ]


def test_a_glued_equation_appears_once_with_its_number():
    text, _ = shown("Before.\n\n```{glue:math} kv-eq\n:label: eq-kv\n```\n\nAfter.")
    assert text == "Before.\n\n$$\nKV = 2 K L \\tag{3.2}\n$$\n\nAfter."


def test_a_glued_figure_is_attached_with_its_number_and_caption():
    text, attachments = shown(
        "```{glue:figure} fig-kv\n:name: fig-ch03-kv\n:alt: A line [rising]\n\n"
        "The cache grows by {eq}`eq-kv`, {glue:text}`kv-bytes` bytes a token.\n```"
    )
    assert attachments == {"fig-kv.png": {"image/png": PNG}}
    assert text == (
        "![A line (rising)](attachment:fig-kv.png)\n\n"
        "*Fig. 3.1.* The cache grows by (3.2), 327,680 bytes a token."
    )


@pytest.mark.parametrize("fence", ["```", ":::", "::::"])
def test_admonitions_become_quotes_under_their_title(fence):
    text, _ = shown(
        f"{fence}{{admonition}} Takeaway\n:class: note\n\nIt takes {{glue:text}}`kv-bytes`."
        f"\n{fence}\n\n{fence}{{note}}\nPlain.\n{fence}"
    )
    assert text == "> **Takeaway**\n>\n> It takes 327,680.\n\n> **Note**\n>\n> Plain."


def test_a_fence_inside_a_longer_fence_is_read_as_nested():
    text, attachments = shown(
        "::::{admonition} Box\n```{glue:math} kv-eq\n:label: eq-kv\n```\n\n"
        "```python\nx = '{glue:text}`kv-bytes`'\n```\n::::"
    )
    assert text == (
        "> **Box**\n>\n> $$\n> KV = 2 K L \\tag{3.2}\n> $$\n>\n"
        "> ```python\n> x = '{glue:text}`kv-bytes`'\n> ```"
    )  # a code block is code: the role in it stays as written


def test_exercise_and_solution_markers_become_numbered_headings():
    text, _ = shown(
        "(ch03-ex)=\n```{exercise-start}\n:label: ch03-kv-int8\n```\n\nHow many?\n\n"
        "```{exercise-end}\n```\n\n```{solution-start} ch03-kv-int8\n:class: dropdown\n```\n"
        "Twice.\n```{solution-end}\n```"
    )
    assert text == (
        "**Exercise 3.4** (compute · 5 min)\n\nHow many?\n\n**Solution to Exercise 3.4**\nTwice."
    )


def test_a_glossary_becomes_a_list_of_terms_in_order():
    text, _ = shown(
        "```{glossary}\n:sorted:\nKV cache\n  The keys and values, {glue:text}`kv-bytes` a"
        "\n  token.\n\nBatch\n  Sequences served together.\n```"
    )
    assert text == (
        "- **Batch**: Sequences served together.\n"
        "- **KV cache**: The keys and values, 327,680 a token."
    )


def exercise_notebook():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return nbformat.v4.new_notebook(
        cells=[
            md(
                "```{exercise-start}\n:label: ch03-kv-int8\n```\n\nHow many?\n\n"
                "```{exercise-end}\n```\n\n```{solution-start} ch03-kv-int8\n```\n"
                "Worked:"
            ),  # fmt: skip
            code("answer = 2", metadata={"tags": ["solution"]}),
            md("Explained.\n\n```{solution-end}\n```\n\nAfter {glue:text}`kv-bytes`."),
            code("print(1)", outputs=[nbformat.v4.new_output("stream", text="1\n")]),
        ]
    )


def test_solutions_are_cut_across_cells_and_the_exercise_ends_in_the_given_cells():
    def check(label):
        return [nbformat.v4.new_code_cell(f'im.check("{label}", ...)')]

    nb = strip_solutions(exercise_notebook(), check)
    sources = [c.source for c in nb.cells]
    assert sources == [
        "```{exercise-start}\n:label: ch03-kv-int8\n```\n\nHow many?",
        'im.check("ch03-kv-int8", ...)',
        "```{exercise-end}\n```",
        "After {glue:text}`kv-bytes`.",
        "print(1)",
    ]  # the check inside the exercise, before its end, so a page built from it shows it there
    student = cleared(convert(nb, PAGE))
    assert [c.source for c in student.cells] == [
        "**Exercise 3.4** (compute · 5 min)\n\nHow many?",
        'im.check("ch03-kv-int8", ...)',
        "After 327,680.",
        "print(1)",
    ]
    assert student.cells[-1].outputs == [] and nb.cells[-1].outputs, "outputs cleared on a copy"
    assert len({c.id for c in student.cells}) == len(student.cells)


def test_a_learner_keeps_solutions_and_outputs():
    nb = convert(exercise_notebook(), PAGE)
    assert "Worked:" in nb.cells[0].source and "**Solution to Exercise 3.4**" in nb.cells[0].source
    assert nb.cells[1].source == "answer = 2" and nb.cells[-1].outputs
    assert not leftover_myst(nb)


def test_the_table_of_contents_becomes_nothing():
    """The site's sidebar lists the pages; a notebook has none to list."""
    text = "Read on.\n\n```{tableofcontents}\n```\n\nThe end."
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    assert convert(nb, PAGE).cells[0].source == "Read on.\n\nThe end."
