"""The environment a student needs for the assignments (requirements-student.txt): the library,
numpy, sympy, matplotlib, JupyterLab and otter-grader's client, at the book's own versions,
installed with --no-deps. It is built here from its pins and the assignment's wheel, measured,
and an assignment is run in it as a student runs it: every cell, the checks, the export."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from bookfiles import ROOT

STUDENT_PINS = ROOT / "requirements-student.txt"
NEEDED = {"numpy", "sympy", "matplotlib", "jupyterlab", "otter-grader", "ipykernel"}
NOT_FOR_STUDENTS = {"jupyter-book", "sphinx", "myst-nb", "playwright", "ruff", "pytest"}
MB = 1_000_000


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            found[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return found


def test_the_student_pins_are_the_books_and_lean():
    student = pins(STUDENT_PINS)
    book = {**pins(ROOT / "requirements.txt"), **pins(ROOT / "requirements-lab.txt")}
    assert NEEDED <= set(student)
    assert not NOT_FOR_STUDENTS & set(student), NOT_FOR_STUDENTS & set(student)
    assert {n: v for n, v in student.items() if book.get(n) != v} == {}
    assert len(student) < len(pins(ROOT / "requirements.txt"))
    assert "--no-deps" in STUDENT_PINS.read_text(encoding="utf-8")


def size(folder: Path) -> int:
    return sum(
        p.stat().st_size for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )


@pytest.mark.book
def test_an_assignment_runs_in_the_student_environment(assignments, tmp_path):
    folder = tmp_path / "ch01"
    subprocess.run(["cp", "-r", str(assignments / "ch01" / "student"), str(folder)], check=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-compile",
            "-r",
            "requirements.txt",
        ],  # fmt: skip
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    # 326 MB on 2026-12-07: pandas (which `import otter` imports), sympy, numpy, babel (which
    # JupyterLab's server imports), matplotlib and JupyterLab are most of it
    files = size(venv)
    print(f"student environment: {files / MB:.0f} MB of files, before any bytecode")
    assert files < 350 * MB

    # JupyterLab is there and would serve the notebook
    lab = subprocess.run([str(venv / "bin" / "jupyter-lab"), "--version"], capture_output=True)
    assert lab.returncode == 0 and lab.stdout.strip()
    # the notebook, answers filled with numbers, run cell by cell in the student's kernel
    nb = nbformat.read(folder / "ch01.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "otter_answer_cell" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace("= ...", "= 1.0")
    nbformat.write(nb, folder / "ch01.ipynb")
    run = (
        "import nbclient, nbformat\n"
        "nb = nbformat.read('ch01.ipynb', as_version=4)\n"
        "nbclient.NotebookClient(nb, timeout=600, kernel_name='python3',"
        " resources={'metadata': {'path': '.'}}).execute()\n"
        "nbformat.write(nb, 'ran.ipynb')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    p = subprocess.run(
        [str(python), "-c", run], cwd=folder, env=env, capture_output=True, text=True, timeout=900
    )
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    ran = nbformat.read(folder / "ran.ipynb", as_version=4)
    shown = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in ran.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert "is a number" in shown or "passed" in shown, shown[-2000:]
    (export,) = folder.glob("ch01_*.zip")
    with zipfile.ZipFile(export) as z:
        assert "ch01.ipynb" in z.namelist()
