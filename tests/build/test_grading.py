"""Grading that a student cannot stall or forge (issue 21): tools/otter/grade.py, run on an
autograder folder written by tools/assignments.py's own `grading_folder` for chapter 1's
exercises, and on notebooks shaped as the student notebook is. No book build is needed; each
submission starts a kernel, so these run in `make test`, not `make check`.

A looping submission is stopped at its limit with everything it started; Ctrl-C (or SIGTERM)
stops the run and writes no grade for the submission in progress; a submission that patches
math.isclose, the grader's helpers or the results file scores what its answers deserve; with
namespaces (where the machine allows them) it can neither read the hidden tests nor reach the
network nor write the grading environment. Limits are generous: no test depends on speed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

import inference_math as im
from bookfiles import ROOT

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "otter"))
import assignments  # noqa: E402
import grade  # noqa: E402
import sandbox  # noqa: E402

NS, NS_WHY = sandbox.namespaces_available()
needs_ns = pytest.mark.skipif(not NS, reason=f"no user namespaces here: {NS_WHY}")
EXERCISES = [e for e in im.exercises.all_exercises() if e.chapter == 1]
RIGHT = {e.label: im.exercises.expected(e.label) for e in EXERCISES}
POINTS = {e.label: e.difficulty for e in EXERCISES}
INT4 = "ch01-int4-gb"
LIMIT = 300  # seconds per notebook: some 30 times what a plain one takes


def notebook(values=None, first="", last="") -> nbformat.NotebookNode:
    """A student notebook as make assignments writes it (setup, answer cells, checks, the
    export cell), answers filled from ``values`` (label -> source), code before and after."""
    values = {k: repr(v) for k, v in RIGHT.items()} if values is None else values
    cells = [nbformat.v4.new_code_cell("import otter\ngrader = otter.Notebook()")]
    if first:
        cells.append(nbformat.v4.new_code_cell(first))
    for i, ex in enumerate(EXERCISES, 1):
        answer, check, *written = assignments.answer_cells(ex, f"1.{i}")
        if ex.label in values:
            answer.source = answer.source.replace("= ...", f"= {values[ex.label]}")
        cells += [answer, check, *written]
    if last:
        cells.append(nbformat.v4.new_code_cell(last))
    export = nbformat.v4.new_code_cell("grader.export(pdf=False, run_tests=True)")
    export.metadata["tags"] = ["otter_ignore"]
    nb = nbformat.v4.new_notebook(cells=[*cells, export])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return nb


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    grader = base / "autograder"
    grader.mkdir()
    assignments.grading_folder(grader, EXERCISES)
    (base / "subs").mkdir()
    (base / "markers").mkdir()
    return base


def write(folder, name, nb) -> Path:
    path = folder / "subs" / name
    nbformat.write(nb, path)
    return path


def run_grade(folder, paths, *args, env=None, timeout=None):
    return subprocess.run(
        [sys.executable, str(folder / "autograder" / "grade.py"), *args, *map(str, paths)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout or LIMIT * (len(paths) + 1),
    )


def results(path: Path) -> dict:
    data = json.loads(path.with_suffix(".results.json").read_text())
    return {t["name"]: (t["score"], t["max_score"], t["output"]) for t in data["tests"]}


def score(path: Path) -> float:
    return sum(v[0] for v in results(path).values())


def alive(tag: str) -> list[int]:
    """Processes whose command line carries ``tag`` (a number no other process uses)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if tag.encode() in cmdline.read_bytes().split(b"\0"):
                found.append(int(cmdline.parent.name))
        except OSError:
            pass
    return found


SPAWN = """
import os, subprocess
subprocess.Popen(["sleep", "{tag}"])
subprocess.Popen(["sleep", "{tag}"], start_new_session=True)
if os.fork() == 0:  # a double fork into a session of its own: the classic daemon
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "{tag}"])
    os._exit(0)
"""

# ----- one run over many submissions ---------------------------------------------------------

SECRET = "grader-secret-token-4711"


@pytest.fixture(scope="module")
def batch(folder):
    """One grade.py run (the isolation it finds) over every submission below."""
    wrong = {k: repr(v * 3 + 1) for k, v in RIGHT.items()}
    tol = next(e.rel_tol for e in EXERCISES if e.label == INT4)
    hidden_test = folder / "autograder" / "tests" / f"{INT4}.py"
    forged = folder / "subs" / "forged-file.results.json"
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    patch_all = (
        "import math, builtins, numpy, otter\n"
        "math.isclose = lambda *a, **k: True\n"
        "numpy.isclose = lambda *a, **k: True\n"
        "otter.Notebook.check = lambda self, *a, **k: None\n"
        "builtins.AssertionError = type('Never', (Exception,), {})\n"
    )
    subs = {
        "correct": notebook({**{k: repr(v) for k, v in RIGHT.items()},
                             INT4: repr(RIGHT[INT4] * (1 + tol / 2))}),
        "partial": notebook({**{k: repr(v) for k, v in RIGHT.items()},
                             INT4: repr(RIGHT[INT4] * 1.024**3), "ch01-gpus-gpt3": "1 / 0"}),
        "forger": notebook(wrong, first=patch_all),
        "honest-patcher": notebook(first=patch_all),
        "forged-file": notebook(wrong, last=(
            "import json, pathlib\n"
            "fake = {'score': 10, 'tests': [{'name': n, 'score': 3, 'max_score': 3} "
            f"for n in {list(RIGHT)!r}]}}\n"
            f"for p in ['forged-file.results.json', {str(forged)!r}]:\n"
            "    try:\n        pathlib.Path(p).write_text(json.dumps(fake))\n"
            "    except OSError:\n        pass\n")),
        "reader": notebook({INT4: f"float(__import__('re').search(r'right, rel_tol = ([^,]+),', "
                                  f"open({str(hidden_test)!r}).read()).group(1))"}),
        "registry": notebook({INT4: f"__import__('inference_math').exercises.expected({INT4!r})"}),
        "answers-package": notebook({INT4: f"{RIGHT[INT4]!r} if not found else 0.0"}, first=(
            "try:\n    import inference_math_answers.ch01\n    found = True\n"
            "except ImportError:\n    found = False\n")),
        "environment": notebook({INT4: f"{RIGHT[INT4]!r} if {SECRET!r} not in str(os.environ) "
                                       f"and os.environ['HOME'] != {str(Path.home())!r} else 0.0"},
                                first="import os"),
        "network": notebook({INT4: f"{RIGHT[INT4]!r} if not connected else 0.0"}, first=(
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=10).close()\n"
            "    connected = True\nexcept OSError:\n    connected = False\n")),
        "read-only": notebook({INT4: f"{RIGHT[INT4]!r} if not wrote else 0.0"}, first=(
            "import os, sys\ntry:\n"
            "    open(os.path.join(sys.prefix, 'submission-was-here'), 'w').close()\n"
            "    wrote = True\nexcept OSError:\n    wrote = False\n")),
        "memory": notebook({INT4: f"{RIGHT[INT4]!r} if refused else 0.0"}, first=(
            "import numpy\ntry:\n    big = numpy.empty(64 << 30, dtype=numpy.uint8)\n"
            "    refused = False\nexcept MemoryError:\n    refused = True\n")),
        "detacher": notebook(first=SPAWN.format(tag="987651")),
        "untouched": notebook({}),
        "wrong-types": notebook({INT4: '"35.3"', "ch01-gpus-gpt3": "float('nan')",
                                 "ch01-mha-params": "[1, 2]", "ch01-embed-share": "True",
                                 "ch01-rule-of-thumb": "10**400"}),
    }  # fmt: skip
    paths = {name: write(folder, f"{name}.ipynb", nb) for name, nb in subs.items()}
    zipped = folder / "subs" / "zipped.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.write(paths["correct"], "ch01.ipynb")
        z.writestr("ch01.pdf", b"%PDF")
    two = folder / "subs" / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.write(paths["correct"], "a.ipynb")
        z.write(paths["correct"], "b.ipynb")
    broken = folder / "subs" / "broken.ipynb"
    broken.write_text("this is not a notebook")
    paths.update(zipped=zipped, two=two, broken=broken)
    p = run_grade(folder, list(paths.values()), "--time-limit", str(LIMIT),
                  env={"SUPER_SECRET": SECRET})  # fmt: skip
    try:
        listener.accept()
        reached = True
    except BlockingIOError:
        reached = False
    listener.close()
    return p, paths, reached


def test_every_submission_was_graded(batch):
    p, paths, _ = batch
    assert p.returncode == 0, p.stderr[-3000:]
    for name, path in paths.items():
        assert path.with_suffix(".results.json").exists(), name
        assert f"{path.name}: " in p.stdout


def test_right_answers_score_full_marks(batch):
    _, paths, _ = batch
    assert {k: v[:2] for k, v in results(paths["correct"]).items()} == {
        k: (p, p) for k, p in POINTS.items()
    }
    assert score(paths["zipped"]) == sum(POINTS.values())


def test_a_wrong_answer_gets_its_hint_and_a_failing_cell_its_error(batch):
    _, paths, _ = batch
    r = results(paths["partial"])
    assert r[INT4][0] == 0 and "GiB versus GB" in r[INT4][2]
    assert r["ch01-gpus-gpt3"][0] == 0
    assert "its cell raises ZeroDivisionError: division by zero" in r["ch01-gpus-gpt3"][2]
    assert 0 < score(paths["partial"]) < sum(POINTS.values())


def test_patching_math_isclose_and_the_grader_changes_nothing(batch):
    _, paths, _ = batch
    assert score(paths["forger"]) == 0
    assert all("not yet" in v[2] for v in results(paths["forger"]).values())
    assert score(paths["honest-patcher"]) == sum(POINTS.values())


def test_a_forged_results_file_is_overwritten(batch):
    _, paths, _ = batch
    assert score(paths["forged-file"]) == 0
    assert json.loads(paths["forged-file"].with_suffix(".results.json").read_text())["score"] == 0


def test_the_answers_registry_is_off_in_the_kernel(batch):
    r = results(batch[1]["registry"])
    assert r[INT4][0] == 0
    assert "its cell raises" in r[INT4][2]


def test_the_graders_environment_and_home_are_not_passed_on(batch):
    assert results(batch[1]["environment"])[INT4][0] == POINTS[INT4]


def test_memory_is_limited(batch):
    assert results(batch[1]["memory"])[INT4][0] == POINTS[INT4]


def test_processes_a_submission_detaches_are_stopped(batch):
    assert score(batch[1]["detacher"]) == sum(POINTS.values())
    assert alive("987651") == []


@pytest.mark.parametrize(
    "name,words",
    [
        ("untouched", "replace the ... in `ch01_int4_gb = ...`"),
        ("broken", "could not be graded"),
        ("two", "holds 2 notebooks"),
    ],
)
def test_what_is_not_an_answer_scores_zero_with_the_reason(batch, name, words):
    r = results(batch[1][name])
    assert all(v[0] == 0 for v in r.values())
    assert words in r[INT4][2]


def test_values_of_the_wrong_kind_score_zero_with_the_reason(batch):
    r = results(batch[1]["wrong-types"])
    assert r[INT4][:1] == (0,) and "should be a number, not str" in r[INT4][2]
    assert r["ch01-gpus-gpt3"][0] == 0 and "not a finite number" in r["ch01-gpus-gpt3"][2]
    assert "not list" in r["ch01-mha-params"][2] and "not bool" in r["ch01-embed-share"][2]
    assert r["ch01-rule-of-thumb"][0] == 0  # an integer beyond float64 is not finite
    assert "not a finite number" in r["ch01-rule-of-thumb"][2]


@needs_ns
def test_with_namespaces_the_hidden_tests_cannot_be_read(batch):
    r = results(batch[1]["reader"])
    assert r[INT4][0] == 0 and "its cell raises FileNotFoundError" in r[INT4][2]
    assert results(batch[1]["answers-package"])[INT4][0] == POINTS[INT4]


@needs_ns
def test_with_namespaces_there_is_no_network(batch):
    _, paths, reached = batch
    assert results(paths["network"])[INT4][0] == POINTS[INT4]
    assert not reached


@needs_ns
def test_with_namespaces_the_environment_is_read_only(batch):
    assert results(batch[1]["read-only"])[INT4][0] == POINTS[INT4]
    assert not (Path(sys.prefix) / "submission-was-here").exists()


def test_the_isolation_used_is_said(batch):
    p = batch[0]
    assert f"isolation {'namespaces' if NS else 'basic'}" in p.stderr


# ----- time limits and interrupts ---------------------------------------------------------------

LOOP = SPAWN + "open({marker!r}, 'w').close()\nwhile True:\n    pass\n"


def test_a_looping_submission_is_stopped_at_its_limit(folder):
    loop = write(folder, "loop.ipynb", notebook(first=LOOP.format(
        tag="987652", marker=str(folder / "markers" / "loop"))))  # fmt: skip
    after = write(folder, "after-loop.ipynb", notebook())
    p = run_grade(folder, [loop, after], "--time-limit", "30", timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    r = results(loop)
    assert all(v[0] == 0 for v in r.values())
    assert "did not finish within the time limit of 30 s" in r[INT4][2]
    assert score(after) == sum(POINTS.values())  # grading went on
    assert alive("987652") == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_stops_the_run_and_writes_no_grade(folder, tmp_path, sig):
    tag = "98765" + str(int(sig))
    marker = folder / "markers" / f"interrupt-{int(sig)}"
    first = write(folder, f"first-{int(sig)}.ipynb", notebook())
    loop = write(folder, f"hang-{int(sig)}.ipynb",
                 notebook(first=LOOP.format(tag=tag, marker=str(marker))))  # fmt: skip
    last = write(folder, f"last-{int(sig)}.ipynb", notebook())
    temp = tmp_path / "tmp"
    temp.mkdir()
    command = [sys.executable, str(folder / "autograder" / "grade.py"), str(first), str(loop)]
    p = subprocess.Popen(
        [*command, str(last), "--time-limit", str(LIMIT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
        # as from a terminal: a shell's background job ignores Ctrl-C, and Python started
        # with SIGINT ignored never turns it into KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 3 * LIMIT
    while not marker.exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert marker.exists(), "the looping cell never started"
    p.send_signal(sig)
    out, err = p.communicate(timeout=LIMIT)
    assert p.returncode == 130
    lines = [line for line in err.splitlines() if not line.startswith("grade.py: isolation")]
    assert len(lines) == 1 and f"interrupted while grading {loop.name}" in lines[0], err
    assert "no grade written" in lines[0] and "1 graded before keep theirs" in lines[0]
    assert first.with_suffix(".results.json").exists()
    assert not loop.with_suffix(".results.json").exists()
    assert not last.with_suffix(".results.json").exists()
    assert f"{first.name}: 10 / 10" in out and loop.name not in out
    assert alive(tag) == [] and list(temp.iterdir()) == []


# ----- basic isolation, Gradescope, usage ------------------------------------------------------


def test_basic_isolation_still_judges_outside_the_kernel(folder):
    """Without namespaces the values are still judged here; but, as the instructors' page
    says, the submission can read what the grading user can: the hidden tests too."""
    wrong = {k: repr(v * 3 + 1) for k, v in RIGHT.items()}
    patch = "import math\nmath.isclose = lambda *a, **k: True\n" + SPAWN.format(tag="987650")
    forger = write(folder, "basic-forger.ipynb", notebook(wrong, first=patch))
    hidden_test = folder / "autograder" / "tests" / f"{INT4}.py"
    reader = write(folder, "basic-reader.ipynb", notebook({
        INT4: f"float(__import__('re').search(r'right, rel_tol = ([^,]+),', "
              f"open({str(hidden_test)!r}).read()).group(1))"}))  # fmt: skip
    p = run_grade(folder, [forger, reader], "--isolation", "basic", "--time-limit", str(LIMIT))
    assert p.returncode == 0 and "isolation basic" in p.stderr
    assert score(forger) == 0
    assert results(reader)[INT4][0] == POINTS[INT4]  # the limit the page documents
    assert alive("987650") == []  # detached processes are found without namespaces too


def test_gradescope_grades_the_same_way(folder, tmp_path):
    root = tmp_path / "autograder"
    shutil.copytree(folder / "autograder", root / "source")
    (root / "submission").mkdir()
    wrong = {k: repr(v * 3 + 1) for k, v in RIGHT.items()}
    nbformat.write(notebook(wrong, first="import math\nmath.isclose = lambda *a, **k: True"),
                   root / "submission" / "ch01.ipynb")  # fmt: skip
    shutil.copy2(ROOT / "tools" / "otter" / "run_otter.py", root / "source")
    p = subprocess.run(
        [sys.executable, str(root / "source" / "run_otter.py")],
        env={**os.environ, "AUTOGRADER_ROOT": str(root), "GRADE_TIME_LIMIT": str(LIMIT)},
        capture_output=True,
        text=True,
        timeout=3 * LIMIT,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and {t["name"] for t in data["tests"]} == set(POINTS)
    assert all("not yet" in t["output"] for t in data["tests"])


@pytest.mark.parametrize(
    "args,words",
    [([], "Grade submissions"), (["x.ipynb", "--time-limit", "0"], "--time-limit must be")],
    ids=["no-files", "zero-limit"],
)
def test_bad_usage_is_status_2(folder, args, words):
    p = subprocess.run(
        [sys.executable, str(folder / "autograder" / "grade.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2 and words in p.stderr


# ----- the report a worker writes, read strictly --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"answers": [], "errors": {}, "unset": {}}',
        '{"answers": {"x": {"number": "twelve"}}, "errors": {}, "unset": {}}',
        '{"answers": {"x": {"number": "1", "type": "str"}}, "errors": {}, "unset": {}}',
        '{"answers": {"x": {"code": "import os"}}, "errors": {}, "unset": {}}',
        '{"answers": {"x": 35.3}, "errors": {}, "unset": {}}',
        '{"answers": {}, "errors": {}}',
    ],
    ids=["text", "list", "answers-list", "bad-number", "two-keys", "other-key", "bare", "short"],
)
def test_a_report_of_the_wrong_shape_is_not_read(tmp_path, text):
    (tmp_path / "result.json").write_text(text)
    assert grade.read_report(tmp_path) is None


def test_a_report_larger_than_allowed_is_not_read(tmp_path):
    (tmp_path / "result.json").write_text(" " * (grade.MAX_RESULT_BYTES + 1) + "{}")
    assert grade.read_report(tmp_path) is None


def test_the_limits_are_stated_on_the_instructors_page():
    page = (ROOT / "for-instructors.md").read_text()
    assert f"{sandbox.TIME_LIMIT_S} s" in page and "--time-limit" in page
    assert f"{sandbox.MEMORY_MIB:,} MiB" in page and "--isolation" in page
    assert f"{sandbox.FILE_MIB} MiB" in page and "--memory" in page
    assert math.isfinite(sandbox.TIME_LIMIT_S)
