import os
import pathlib
import subprocess

import pytest
from bookfiles import make_target

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


# Hypothesis: deterministic and without deadlines, so no test depends on the machine's speed.
from hypothesis import settings  # noqa: E402

settings.register_profile("book", deadline=None, derandomize=True, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "book"))


@pytest.fixture(scope="session")
def built():
    """``make book`` once per test session: the strict build, every chapter executed."""
    return subprocess.run(
        ["make", "--no-print-directory", "book"],
        cwd=ROOT,
        # one stream, in order, so a test can tell Sphinx's part of the log from pip's
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="session")
def assignments(built):
    """``make assignments`` once per test session; its output folder."""
    assert built.returncode == 0, "the book did not build"
    make_target("assignments")
    return ROOT / "_build" / "assignments"


# Each folder of tests is a marker: `make check` runs library and chapters (no book build)
# but not the slow ones, `make test` everything.
FOLDERS = ("library", "chapters", "build", "browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = pathlib.Path(str(item.fspath)).parent.name
        if folder in FOLDERS:
            item.add_marker(getattr(pytest.mark, folder))
        if "grids" in getattr(item, "fixturenames", ()):  # every what-if grid, built once
            item.add_marker(pytest.mark.slow)
