"""The library's shape: rooms in the order of the book's argument, each module importing only
from its own room and the rooms before it (``inference_math.ROOMS``), no circle, no star or
lazy import to hide one, small modules, no module reaching into another's private names,
every public function saying which chapter derives it, and every dotted reference in a
docstring or comment pointing at something that exists."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import re

import pytest

import inference_math as im

PACKAGE = pathlib.Path(im.__file__).parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 400
MAX_TOP_MODULES = 12
# After the rooms: the command line and the front door, which may import every room.
TOP = ("cli", "__main__", "__init__")


def dotted(path: pathlib.Path) -> str:
    """'serving.steps' for serving/steps.py, 'book' for book/__init__.py, '' for the front
    door."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(name: str) -> str:
    """The room a dotted module name belongs to: its first part ('__init__' for the front
    door)."""
    return name.split(".")[0] if name else "__init__"


RANK = {r: i for i, r in enumerate((*im.ROOMS, *TOP))}


def resolve(path: pathlib.Path, node: ast.ImportFrom) -> list[str]:
    """The modules of the package a relative import reads: 'model.catalog' for ``from
    ..model.catalog import get_model``; for ``from . import x``, the module x if it is one."""
    base = dotted(path).split(".") if dotted(path) else []
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    target = [*base, *(node.module.split(".") if node.module else [])]
    out = []
    if node.module:
        out.append(".".join(target))
    for alias in node.names:
        candidate = ".".join([*target, alias.name])
        file = PACKAGE.joinpath(*candidate.split("."))
        if file.with_suffix(".py").exists() or (file / "__init__.py").exists():
            out.append(candidate)
        elif not node.module:
            out.append(".".join(target))
    return out


def imports(path: pathlib.Path, tree=None):
    """(node, targets) for every relative import of a file, wherever it stands."""
    tree = tree or ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            yield node, resolve(path, node)


GRAPH = {dotted(p): {t for _, ts in imports(p) for t in ts} for p in MODULES}


def test_the_rooms_are_the_package_folders_in_the_docstrings_order():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(im.ROOMS)
    listed = re.findall(r"^- ``(\w+)``", im.__doc__, flags=re.M)
    assert listed == list(im.ROOMS), "the package docstring lists the rooms in another order"


def test_at_most_twelve_modules_stand_directly_in_the_package():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= MAX_TOP_MODULES, top


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_the_size_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines (at most {MAX_LINES})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_come_from_this_room_or_an_earlier_one(path):
    here = room(dotted(path))
    assert here in RANK, f"{here} is not a room of inference_math.ROOMS"
    for node, targets in imports(path):
        for target in targets:
            there = room(target)
            assert RANK[there] <= RANK[here], (
                f"{path.relative_to(PACKAGE)} (room {here}) imports {target} from the later "
                f"room {there}"
            )
        private = [a.name for a in node.names if a.name.startswith("_")]
        assert not private, f"{path.name} imports private names {private}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_star_import_and_no_import_of_the_package_inside_a_function(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    for node, _ in imports(path, tree):
        assert all(a.name != "*" for a in node.names), f"{path.name}: a star import"
        assert id(node) in top, f"{path.name}, line {node.lineno}: an import inside a function"


def test_no_import_makes_a_circle():
    seen, stack, circles = set(), [], []

    def visit(name):
        if name in stack:
            circles.append(stack[stack.index(name) :] + [name])
            return
        if name in seen:
            return
        seen.add(name)
        stack.append(name)
        for target in sorted(GRAPH.get(name, ())):
            visit(target)
        stack.pop()

    for name in sorted(GRAPH):
        visit(name)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


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


# ----- dotted references in docstrings and comments -----------------------------------------

BASENAMES: dict[str, list[str]] = {}
for _name in GRAPH:
    if _name:
        BASENAMES.setdefault(_name.split(".")[-1], []).append(_name)
REFERENCE = re.compile(r"(?<![\w./-])((?:inference_math|im|[a-z_]+)(?:\.[A-Za-z_]\w*)+)")


def text_of(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, text) of every docstring and comment of a file."""
    source = path.read_text(encoding="utf-8")
    out = [(n, line.split("#", 1)[1]) for n, line in enumerate(source.splitlines(), 1)
           if "#" in line]  # fmt: skip
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                out.append((getattr(node, "lineno", 1), doc))
    return out


def lookup_reference(ref: str, here: str):
    """The object ``ref`` names, read as the package reads it: from the front door
    (``im.x``, ``inference_math.x``), a room (``serving.steps.x``), or a module named by its
    file (``steps.x``), first in this module's room. None when it names nothing; the string
    'skip' when it is not a reference to the package."""
    head, *rest = ref.split(".")
    if rest == ["py"]:  # a file of the package, named as a file
        return head if head in BASENAMES or head in im.ROOMS else None
    if head in ("im", "inference_math"):
        starts = ["inference_math"]
    elif head in im.ROOMS:
        starts = [f"inference_math.{head}"]
    elif head in BASENAMES:
        mine = [m for m in BASENAMES[head] if room(m) == room(here)]
        starts = [f"inference_math.{m}" for m in (mine or BASENAMES[head])]
    else:
        return "skip"
    for start in starts:
        obj, parts = importlib.import_module(start), list(rest)
        while parts:
            nxt = getattr(obj, parts[0], None)
            if nxt is None and inspect.ismodule(obj):
                try:
                    nxt = importlib.import_module(f"{obj.__name__}.{parts[0]}")
                except ImportError:
                    nxt = None
            if nxt is None:
                break
            obj, parts = nxt, parts[1:]
        if not parts:
            return obj
    return None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_dotted_reference_in_a_docstring_resolves(path):
    broken = []
    for line, text in text_of(path):
        for ref in REFERENCE.findall(text):
            ref = ref.rstrip(".")
            if lookup_reference(ref, dotted(path)) is None:
                broken.append(f"line {line}: {ref}")
    assert not broken, f"{path.relative_to(PACKAGE)} names what does not exist: {broken}"
