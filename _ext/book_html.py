"""Small additions to the book's HTML pages (and to the single page `make pdf` prints).

1. Scripts added twice. Jupyter Book 1 loads sphinx-thebe's configuration twice (a `const
   THEBE_JS_URL` declared twice is a JavaScript error on every page), and with a local
   extension it adds MathJax a second time. Keep the first of each.

2. Offer each executed chapter as a .ipynb download, beside the .md source.

MyST-NB writes every executed notebook to <build>/jupyter_execute/. sphinx-book-theme shows a
".ipynb" entry in its download menu only when a launch service (Binder, JupyterHub, ...) is
configured; this book has none, so this extension writes the file and sets the same context
key the theme reads. The file is the executed notebook as a learner should get it, showing
what the page shows (myst_notebook.py): glue roles replaced by their values, references and
citations by their text, glued figures attached to their cells. Beside the executed notebook
this writes <page>.refs.json, what the page shows for its references and numbered objects
(page_refs.py), for the notebooks the tools make after the build. Nothing is executed again.
Pages whose source already is an .ipynb (the student edition) are left alone here: the theme
offers their source, which tools/student_edition.py then replaces by the notebook as shown.

3. Pages with a what-if figure (chapters 9 and 11) load the vendored plotly.js and
   _static/whatif.js, which draws it; no other page does.

4. The theme's JupyterLite launch button (launch_buttons in _config.yml; the site is built
   by tools/lite_site.py) says that running needs the network. The theme's launch buttons
   also copy the executed notebook into _sources/ as it is, so the learner's notebook is
   written after them.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import page_refs
from myst_notebook import Page, convert


def _executed(app, pagename, context) -> Path | None:
    source = context.get("sourcename") or ""
    if not (source.endswith(".md") or source.endswith(".md.txt")):
        return None
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    return executed if executed.exists() else None  # None: nothing was executed


def _offer_notebook(app, pagename, templatename, context, doctree):
    if _executed(app, pagename, context) is not None:
        context["ipynb_source"] = f"{pagename}.ipynb"


def _write_notebook(app, pagename, templatename, context, doctree):
    """After the theme's launch buttons, which copy the executed notebook as it is."""
    executed = _executed(app, pagename, context)
    if executed is None:
        return
    _outputs_from_cache(app, executed)
    refs = executed.with_name(f"{executed.name.removesuffix('.ipynb')}.refs.json")
    shown = json.dumps(page_refs.shown(app, pagename, doctree), indent=1, ensure_ascii=False)
    refs.write_text(shown + "\n", encoding="utf-8")
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(executed, as_version=4)
    nbformat.write(convert(nb, Page.beside(executed)), target)


def _outputs_from_cache(app, path: Path) -> None:
    """MyST-NB writes a page's notebook to jupyter_execute/ with its outputs only when it has
    just executed it: a page re-read from the execution cache (after a change of
    configuration, say) is written without them. Take them from the cache then."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    if any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        return
    cache = app.config.nb_execution_cache_path or str(Path(app.outdir).parent / ".jupyter_cache")
    try:
        from jupyter_cache import get_cache

        _, merged = get_cache(cache).merge_match_into_notebook(nb)
    except Exception:  # no cache, or no record of this notebook: keep it as it is
        return
    nbformat.write(merged, path)


def _lite_button(app, pagename, templatename, context, doctree):
    """The JupyterLite launch button says that running needs the network (Pyodide and the
    chapter's packages come from Pyodide's CDN), and opens the chapter's notebook."""
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "JupyterLite":
                button["text"] = "JupyterLite (needs the network)"
                button["tooltip"] = (
                    "Run this chapter in your browser (JupyterLite, Pyodide): your browser "
                    "fetches Pyodide, numpy, sympy and matplotlib from Pyodide's CDN"
                )
                button["url"] = button["url"].replace("?path=./", "?path=")


def _whatif_assets(app, pagename, templatename, context, doctree):
    """A page with a what-if figure (inference_math.book.whatif) gets plotly.js and the script
    that drives the figure; other pages do not load them."""
    if "data-wtc-whatif" in (context.get("body") or ""):
        app.add_js_file("plotly/plotly-basic.min.js")
        app.add_js_file("whatif.js")
        app.add_css_file("whatif.css")


def _script_key(script):
    filename = getattr(script, "filename", script)
    body = (getattr(script, "attributes", {}) or {}).get("body", "")
    return (filename or "", body)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = _script_key(script)
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def _skip_hidden_cells_in_singlehtml(app):
    """`make pdf` builds one HTML page (singlehtml). sphinx-jupyterbook-latex, which Jupyter
    Book loads for its own PDF route, then turns hidden code cells into a HiddenCellNode that
    it teaches every builder but singlehtml to skip; teach singlehtml too (and myst-nb's
    folded cells)."""
    try:
        from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput
        from sphinx_jupyterbook_latex.nodes import HiddenCellNode, visit_HiddenCellNode
    except ImportError:
        return
    app.add_node(HiddenCellNode, override=True, singlehtml=(visit_HiddenCellNode, None))
    # and myst-nb's folded cells, which it teaches the html builder only
    app.add_node(
        HideCodeCellNode, override=True, singlehtml=(visit_HideCellInput, depart_HideCellInput)
    )


def setup(app):
    _skip_hidden_cells_in_singlehtml(app)
    page_refs.setup(app)
    # every page: wide tables fit or say that they scroll; the what-if box follows dark mode
    app.add_css_file("tables.css")
    app.add_js_file("tables.js")
    # Before sphinx-book-theme builds its header buttons (priority 501), and after.
    app.connect("html-page-context", _offer_notebook, priority=500)
    app.connect("html-page-context", _write_notebook, priority=502)
    app.connect("html-page-context", _lite_button, priority=502)
    app.connect("html-page-context", _whatif_assets, priority=500)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    # A new version rebuilds every page once (Sphinx drops a saved environment that another
    # version wrote): a page written before would have no refs.json beside its notebook.
    return {"env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
