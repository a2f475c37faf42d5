"""The two-command setup: pins agree, Jupyter Book is 1.x, CI runs the README's test command."""

import re

import yaml

from bookfiles import ROOT


def pins(lines):
    return {
        line.strip() for line in lines if re.match(r"^[A-Za-z0-9_.\-\[\]]+==\S+$", line.strip())
    }


def test_requirements_and_environment_agree():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert req == pins(pip_section)
    assert "python=3.11" in env["dependencies"]


def test_every_requirement_is_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, line


def test_jupyter_book_is_version_1():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    jb = next(p for p in req if p.lower().startswith("jupyter-book=="))
    major = int(jb.split("==")[1].split(".")[0])
    assert major == 1


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^make test$", ci, flags=re.M)
    assert "make book" in readme and "make test" in readme


def test_build_is_strict_and_raises_on_errors():
    make = (ROOT / "Makefile").read_text()
    assert "-W -n --keep-going" in make
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert config["only_build_toc_files"] is True
    assert ".venv/**" in config["exclude_patterns"]
