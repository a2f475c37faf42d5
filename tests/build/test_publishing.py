"""Publishing: the repository's address in one place (pyproject.toml) that _config.yml, the
README and CITATION.cff agree with; the edition (version and date) shown in the book and in
the citation; the errata page keyed by edition; the GitHub Pages workflow."""

from __future__ import annotations

import re
import sys
import tomllib

import pytest
import yaml

from bookfiles import ROOT, page_text, toc_files

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPO = PROJECT["project"]["urls"]["Repository"]
VERSION = PROJECT["project"]["version"]
DATE = str(PROJECT["tool"]["book"]["edition-date"])


def test_the_repository_address_agrees_everywhere():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert config["repository"]["url"] == REPO
    assert citation["repository-code"] == REPO
    assert citation["url"] == PROJECT["project"]["urls"]["Homepage"]
    assert REPO in (ROOT / "README.md").read_text()
    # no other address of a repository of the book anywhere in these files
    for name in ("_config.yml", "README.md", "CITATION.cff"):
        for url in re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", (ROOT / name).read_text()):
            assert url == REPO, f"{name}: {url}"


def test_the_citation_names_this_edition():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == VERSION
    assert str(citation["date-released"]) == DATE
    assert citation["title"] == yaml.safe_load((ROOT / "_config.yml").read_text())["title"]


def test_the_authors_agree_everywhere():
    """The title page (tools/pdf.py), the citation and the HTML book's author name the same
    people, from pyproject.toml."""
    sys.path.insert(0, str(ROOT / "_ext"))
    import edition

    names = [a["name"] for a in PROJECT["project"]["authors"]]
    assert names and edition.authors() == names
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert [a["name"] for a in citation["authors"]] == names
    assert yaml.safe_load((ROOT / "_config.yml").read_text())["author"] == ", ".join(names)


def test_the_edition_comes_from_pyproject():
    sys.path.insert(0, str(ROOT / "_ext"))
    import edition

    assert edition.edition_line() == f"edition {VERSION} ({DATE})"
    assert edition.repository() == REPO


def test_the_errata_page_is_keyed_by_edition_and_in_the_toc():
    assert "errata" in toc_files()
    text = (ROOT / "errata.md").read_text()
    headings = re.findall(r"^## Edition (\S+) \((\d{4}-\d\d-\d\d)\)$", text, flags=re.M)
    assert (VERSION, DATE) in headings, "the current edition has no section on the errata page"


@pytest.mark.book
def test_the_built_book_shows_its_edition(built):
    assert built.returncode == 0
    line = f"edition {VERSION} ({DATE})"
    for doc in ("intro", "errata", "chapters/01-parameters"):
        assert line in page_text(doc), f"{doc} does not show the edition"


def test_the_pages_workflow_builds_with_the_readme_command_and_publishes():
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    on = flow.get("on", flow.get(True))  # YAML reads a bare `on` as True
    assert on["push"]["branches"] == ["main"]
    steps = [s for job in flow["jobs"].values() for s in job["steps"]]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert re.search(r"^make book$", runs, flags=re.M) and "make pdf" in runs
    readme = (ROOT / "README.md").read_text()
    assert "make book" in readme
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "_build/html"
    assert "actions/deploy-pages" in uses
    assert uses["actions/upload-artifact"]["with"]["path"].endswith(".pdf")
    assert flow["permissions"]["pages"] == "write"
