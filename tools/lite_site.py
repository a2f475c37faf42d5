"""The JupyterLite site behind each chapter's launch button: _build/html/lite/.

    .venv/bin/python tools/lite_site.py        (make book runs it after the HTML build)

JupyterLite runs the chapters in the reader's browser with the Pyodide kernel; there is no
server. Its files come from the build: each chapter's learner notebook (the page's .ipynb
download, _build/html/_sources/chapters/), the data the library reads, and a wheel of
inference_math built here, served with the site (piplite installs it from the site itself).
Each notebook gets a first cell that says what the browser will fetch and installs the
library. Pyodide and the packages the chapters import (numpy, sympy, matplotlib) are not
served with the site: the browser fetches them from Pyodide's CDN the first time a notebook
starts, so running (not reading) needs the network.

The site is built with the pinned packages of requirements-lite.txt in .venv-lite, and only
when its inputs changed (a cached rebuild of the book skips it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LEARNER = ROOT / "_build" / "html" / "_sources" / "chapters"
WORK = ROOT / "_build" / "lite"
SITE = ROOT / "_build" / "html" / "lite"
LITE_BIN = ROOT / ".venv-lite" / "bin"
STAMP = SITE / ".built-from"

NOTICE = (
    "**Running in JupyterLite.** This notebook runs in your browser (Pyodide, Python compiled "
    "to WebAssembly); nothing runs on a server. The first time it starts, your browser "
    "downloads Pyodide and the packages the chapter imports (numpy, sympy, matplotlib) from "
    "Pyodide's CDN, so it needs the network; `inference_math` comes from a wheel served with "
    "this book. Run the next cell first. Chapter 7 measures the machine it runs on: here "
    "that is WebAssembly in a browser tab, far slower than the CPU."
)
SETUP = (
    "# Install the book's library from this site and point it at the book's data.\n"
    "%pip install -q inference_math\n"
    "import os\n\n"
    'os.environ["INFERENCE_MATH_DATA"] = "/drive/data"'
)


def lite_notebook(path: Path):
    nb = nbformat.read(path, as_version=4)
    notice = nbformat.v4.new_markdown_cell(NOTICE)
    setup = nbformat.v4.new_code_cell(SETUP)
    notice["id"], setup["id"] = "lite-notice", "lite-setup"
    nb.cells = [notice, setup, *nb.cells]
    nb.metadata["kernelspec"] = {"display_name": "Python (Pyodide)", "language": "python",
                                 "name": "python"}  # fmt: skip
    return nb


def stage() -> Path:
    """Contents and wheel in _build/lite/; the wheel's path."""
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "contents" / "chapters").mkdir(parents=True)
    for path in sorted(LEARNER.glob("*.ipynb")):
        nbformat.write(lite_notebook(path), WORK / "contents" / "chapters" / path.name)
    shutil.copytree(ROOT / "data", WORK / "contents" / "data")
    # The wheel is built from a copy, so that setuptools' build/ folder never lands in the
    # working tree.
    source = WORK / "src"
    shutil.copytree(ROOT / "lib", source / "lib", ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info"))  # fmt: skip
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "-w", str(WORK / "wheels"), str(source)],
        check=True,
    )  # fmt: skip
    (wheel,) = (WORK / "wheels").glob("inference_math-*.whl")
    return wheel


def fingerprint(wheel: Path) -> str:
    h = hashlib.sha256((ROOT / "requirements-lite.txt").read_bytes())
    for path in sorted((WORK / "contents").rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(WORK)).encode() + path.read_bytes())
    # the wheel's bytes carry file times; its files' contents are what matter
    import zipfile

    with zipfile.ZipFile(wheel) as z:
        for name in sorted(z.namelist()):
            h.update(name.encode() + z.read(name))
    return h.hexdigest()


def main() -> int:
    if not LEARNER.exists():
        print("lite: build the book first (make book)", file=sys.stderr)
        return 2
    wheel = stage()
    print_ = fingerprint(wheel)
    if STAMP.exists() and STAMP.read_text().strip() == print_:
        print("lite: _build/html/lite is up to date")
        return 0
    shutil.rmtree(SITE, ignore_errors=True)
    build = subprocess.run(
        [str(LITE_BIN / "jupyter"), "lite", "build", "--lite-dir", str(WORK),
         "--contents", str(WORK / "contents"), "--piplite-wheels", str(wheel),
         "--output-dir", str(SITE)],
        cwd=WORK, capture_output=True, text=True,
    )  # fmt: skip
    if build.returncode:
        print(build.stdout[-3000:] + build.stderr[-3000:], file=sys.stderr)
        return build.returncode
    STAMP.write_text(print_ + "\n")
    index = json.loads((SITE / "jupyter-lite.json").read_text())
    name = index.get("jupyter-config-data", {}).get("appName", "JupyterLite")
    print(f"lite: {name} with {len(list(LEARNER.glob('*.ipynb')))} chapters in {SITE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
