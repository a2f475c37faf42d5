"""The library's shape: small modules on floors that only import downwards, no module reaching
into another's private names, and every public function saying which chapter derives it."""

from __future__ import annotations

import ast
import inspect
import pathlib
import re

import pytest

import inference_math as im

PACKAGE = pathlib.Path(im.__file__).parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 450

# Each module may import only from its own floor or the floors below (the package docstring
# explains the order). A module not listed here fails the test until it is given a floor.
FLOORS = [
    {"units", "checks", "datafiles"},
    {"models", "architecture", "hfconfig", "gpus", "prices", "token_counts", "quant_quality"},
    {"formulas"},
    {"roofline", "efficiency"},
    {"deployment"},
    {"steps", "batching"},
    {"serving"},
    {"memory", "breakeven", "workloads", "speculative", "queueing", "whatif"},
    {"article", "appendix", "calibration", "errata", "lab", "gpu_run", "measurements"},
    {"formula_records", "symbolic", "symbolic_serving"},
    {"exercises", "book", "cli", "__main__", "__init__"},
]
FLOOR = {name: level for level, names in enumerate(FLOORS) for name in names}


def module_name(path: pathlib.Path) -> str:
    """The top-level room of the package a file belongs to: 'lab' for lab/model.py."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_the_size_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines (at most {MAX_LINES})"


def relative_imports(path: pathlib.Path):
    """(imported room, names) for each relative import of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    depth = len(path.relative_to(PACKAGE).parts) - 1
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.level - 1 > depth:
                continue
            inside = path.relative_to(PACKAGE).parts[: depth - (node.level - 1)]
            target = (*inside, *(node.module.split(".") if node.module else ()))
            names = [a.name for a in node.names]
            if target:
                yield target[0], names
            else:  # "from . import x": a room if x is one, else a name from the front door
                for name in names:
                    is_room = (PACKAGE / f"{name}.py").exists() or (PACKAGE / name).is_dir()
                    yield (name, [name]) if is_room else ("__init__", [name])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_downwards_and_never_to_private_names(path):
    room = module_name(path)
    assert room in FLOOR, f"{room} has no floor in tests/test_library.py"
    for target, names in relative_imports(path):
        if target == room:
            continue
        assert target in FLOOR, f"{path.name} imports {target}, which has no floor"
        if FLOOR[room] < FLOOR[target]:
            pytest.fail(
                f"{path.name} (floor {FLOOR[room]}) imports upwards from {target} "
                f"(floor {FLOOR[target]})"
            )
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{path.name} imports private names {private} from {target}"


def public_objects():
    seen = {}
    for namespace, prefix in ((im, "im."), (im.lab, "im.lab.")):
        for name in dir(namespace):
            obj = getattr(namespace, name)
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if getattr(obj, "__module__", "").startswith("inference_math"):
                seen[prefix + name] = obj
    return seen


@pytest.mark.parametrize("name", sorted(public_objects()))
def test_every_public_function_names_its_chapter(name):
    doc = inspect.getdoc(public_objects()[name]) or ""
    assert re.search(r"\b[Cc]hapters? \d+", doc), f"{name}'s docstring names no chapter"


def test_the_floors_cover_every_room():
    rooms = {module_name(p) for p in MODULES}
    assert rooms == set(FLOOR), rooms ^ set(FLOOR)
