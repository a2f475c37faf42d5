"""What a page shows for its references and its numbered objects, read from the build, for the
notebooks made from it (myst_notebook.py). book_html.py writes it beside the page's executed
notebook, as <build>/jupyter_execute/<page>.refs.json, which the tools run after the build
(the student edition, the assignments) read. Two parts:

- "roles": each cross-reference or citation role as written in the page's MyST
  ("{cite:p}`ainslie2023gqa`") and the Markdown of what the page shows for it ("[Ainslie
  *et al.*, 2023]"). Once Sphinx has resolved a reference nothing says which role made it, so
  a post-transform resolves a copy of each, with the same domain, just before Sphinx
  resolves the page's own.
- "labels": each numbered object on the page (figure, equation, exercise) by label: its
  number, its name as the page shows it ("Fig. 3.1", "(3.2)", "Exercise 3.1") and, for an
  exercise, the title the page shows beside the number (the level exercise_levels.py adds).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

# where the post-transform leaves its map, on the page's doctree, until the page is written
ROLES_SHOWN = "wtc_roles_shown"
# MyST gives a role's node the raw text ":cite:p:`key`" for {cite:p}`key`
RAW_ROLE = re.compile(r":(?P<name>[^`]+):`(?P<content>.*)`", re.S)


def markdown_text(node: nodes.Node) -> str:
    """A resolved reference's text in Markdown, keeping the emphasis a citation has."""
    if isinstance(node, nodes.Text):
        return str(node)
    inner = "".join(markdown_text(child) for child in node.children)
    if isinstance(node, nodes.emphasis):
        return f"*{inner}*"
    if isinstance(node, nodes.strong):
        return f"**{inner}**"
    if isinstance(node, nodes.literal):
        return f"`{inner}`"
    if isinstance(node, nodes.math):
        return f"${inner}$"
    return inner


class RecordRolesShown(SphinxPostTransform):
    # after sphinx-exercise turns {ref}s to exercises into {numref}s (priority 5), before
    # Sphinx's ReferencesResolver (10) replaces the pending references
    default_priority = 8
    formats = ("html",)

    def run(self, **kwargs) -> None:
        shown = {}
        # a reference that does not resolve warns when the page resolves it; not twice
        with logging.suppress_logging():
            for node in self.document.findall(addnodes.pending_xref):
                raw = RAW_ROLE.fullmatch(node.rawsource or "")
                if raw is not None:
                    written = f"{{{raw['name']}}}`{raw['content']}`"
                    shown[written] = markdown_text(self.resolved(node)).strip()
        self.document[ROLES_SHOWN] = shown

    def resolved(self, node: addnodes.pending_xref) -> nodes.Node:
        """What the page shows for ``node``: what its domain resolves it to or, for a
        reference that does not resolve, its own text, as Sphinx leaves it."""
        try:
            domain = self.env.get_domain(node.get("refdomain") or "")
        except ExtensionError:  # no domain: the 'any' role, or a reference MyST resolves
            return node[0]
        found = domain.resolve_xref(
            self.env,
            node.get("refdoc", self.env.docname),
            self.app.builder,
            node["reftype"],
            node["reftarget"],
            node.deepcopy(),
            node[0].deepcopy(),
        )
        return node[0] if found is None else found


def labels_shown(app, docname: str, doctree: nodes.document) -> dict:
    """label -> {"number", "text"} for each numbered object of the page, as Sphinx numbers
    them; exercises also get the "title" shown beside the number."""
    labels = {}
    numbered = app.env.toc_fignumbers.get(docname, {})
    for kind, numbers in numbered.items():
        for node_id, number in numbers.items():
            dotted = ".".join(map(str, number))
            if kind == "displaymath":  # Sphinx's equation ids are "equation-" + the label
                label, name = node_id.removeprefix("equation-"), f"({dotted})"
            else:
                label, name = node_id, app.config.numfig_format.get(kind, "%s") % dotted
            labels[label] = {"number": dotted, "text": name}
    for node in doctree.findall(nodes.Element):
        label = node.get("label")
        if isinstance(label, str) and label in labels and "exercise" in node.get("classes", []):
            title = node.children[0] if node.children else None
            if isinstance(title, nodes.title) and title.astext().strip():
                labels[label]["title"] = markdown_text(title).strip()
    return labels


def shown(app, docname: str, doctree: nodes.document) -> dict:
    """The page's map (see the module), from its doctree once Sphinx has resolved it."""
    return {"roles": doctree.get(ROLES_SHOWN, {}), "labels": labels_shown(app, docname, doctree)}


def setup(app) -> None:
    app.add_post_transform(RecordRolesShown)
