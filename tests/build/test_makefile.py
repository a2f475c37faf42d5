"""The Makefile's promises: a changed pin re-keys the chapter cache and rebuilds the
environment from nothing (so a package dropped from the pins does not linger)."""

from __future__ import annotations

import shutil
import subprocess

from bookfiles import ROOT


def make(*args, cwd=ROOT):
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def test_a_changed_pin_rekeys_the_chapter_cache(tmp_path):
    for name in ("Makefile", "requirements.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("lib", "answers", "data"):
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    before = make("-s", "source-hash", cwd=tmp_path).strip()
    assert before == make("-s", "source-hash").strip()
    pins = tmp_path / "requirements.txt"
    pins.write_text(pins.read_text().replace("numpy==", "numpy>="))
    assert make("-s", "source-hash", cwd=tmp_path).strip() != before


def test_a_changed_pin_rebuilds_the_environment_from_nothing():
    # -n prints what would run without running it; -W pretends requirements.txt changed
    plan = make("-n", "-W", "requirements.txt", ".venv/.pins")
    lines = [line.strip() for line in plan.splitlines()]
    assert lines[0] == "rm -rf .venv"
    assert any(line.endswith("-m venv .venv") for line in lines)
    assert any("pip install" in line and "-r requirements.txt" in line for line in lines)
