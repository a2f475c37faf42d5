"""The book's edition, from one place: pyproject.toml's version and its [tool.book] edition
date, with the repository's address from [project.urls]. This extension shows the edition in
every page's footer (pointing to the errata page) and offers it to the pages as the MyST
substitution {{ edition }}; tools/pdf.py prints it in the PDF's footer. CITATION.cff, the
README and _config.yml repeat the version, date and address, and tests/build/test_publishing.py
checks that they agree with pyproject.toml.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

# The checkout: the folder above _ext/ (or, for the student edition, which builds from a copy
# of _ext/ under _build/, the first folder above it that holds pyproject.toml).
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def version() -> str:
    return project()["project"]["version"]


def edition_date() -> str:
    return str(project()["tool"]["book"]["edition-date"])


def repository() -> str:
    return project()["project"]["urls"]["Repository"]


def authors() -> list[str]:
    """The authors' names, in order."""
    return [a["name"] for a in project()["project"].get("authors", [])]


def edition_line() -> str:
    """ "edition 0.2.0 (2026-12-08)"."""
    return f"edition {version()} ({edition_date()})"


def _configure(app, config):
    line = edition_line()
    subs = dict(config.myst_substitutions or {})
    subs["edition"] = line
    config.myst_substitutions = subs
    options = dict(config.html_theme_options or {})
    options["extra_footer"] = (
        f'<p class="edition">What a Token Costs, {line}; its corrections are on the errata '
        "page, at the end of the contents.</p>"
    )
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", _configure, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
