"""Grade submissions on this machine, without Docker, with this folder's hidden tests:

    python grade.py [--time-limit SECONDS] [--memory MIB] [--isolation auto|namespaces|basic]
                    SUBMISSION.ipynb|SUBMISSION.zip [...]

It needs the environment the book's requirements.txt installs (otter-grader and the library;
`pip install -r requirements.txt` here makes one). For each submission it writes
SUBMISSION.results.json (Gradescope's format) and prints its score.

How a submission is graded: its notebook runs in a worker process of its own, in a fresh
kernel, under a time limit (--time-limit, default 600 s for the whole notebook) and resource
limits (sandbox.py says which, and what --isolation adds); then the kernel reports the value
of each answer variable, and this process, which never runs a line of the submission,
compares each value with the hidden tests. A submission that patches math.isclose, or
anything else in its kernel, changes only its own kernel: it can choose its answers, not
how they are judged. A notebook that runs past its limit is stopped with everything it
started and scores 0 for every question, saying so; one that is not a notebook at all
scores 0 with the reason.

Exit status: 0 when every submission was graded, 2 for bad usage (one line), 130 when
interrupted (Ctrl-C or SIGTERM): the submission being graded is stopped, no grade is
written for it or for those after it, and one line on stderr says which it was; the grades
written before stay.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sandbox  # noqa: E402
from fallback import questions, zero_results  # noqa: E402

MAX_NOTEBOOK_BYTES = 50 * sandbox.MIB
MAX_RESULT_BYTES = 2 * sandbox.MIB


class Grader:
    """The hidden tests of this folder, read once before any submission runs (so that what
    a submission does to the files on disk cannot change how it is judged), and the limits."""

    def __init__(self, folder: Path, seconds: float, memory_mib: int, isolation: str):
        from otter.test_files import ExceptionTestFile

        import inference_math.book.exercises  # noqa: F401 - the tests' hints, loaded now
        import numpy  # noqa: F401 - the tests import it; loaded before any submission runs

        self.folder, self.seconds, self.memory_mib = folder, seconds, memory_mib
        self.points = questions()
        self.tests = {
            label: ExceptionTestFile.from_file(str(folder / "tests" / f"{label}.py"))
            for label in self.points
        }
        self.variables = {label: label.replace("-", "_") for label in self.points}
        ok, why = sandbox.namespaces_available()
        if isolation == "namespaces" and not ok:
            raise SystemExit(f"grade.py: --isolation namespaces is not available here: {why}")
        self.namespaces = ok and isolation != "basic"
        self.isolation = "namespaces" if self.namespaces else "basic"
        if not ok and isolation == "auto":
            self.isolation += f" (no namespaces here: {why})"

    def plan(self, submissions: list[Path]) -> dict:
        """What the worker is told: the answer variables, and (with namespaces) what it hides
        and what it keeps read-only."""
        import inference_math

        hidden = [str(Path.home()), str(self.folder), *{str(p.parent) for p in submissions}]
        try:
            import inference_math_answers

            hidden += list(inference_math_answers.__path__)
        except ImportError:
            pass
        library = Path(inference_math.__file__).resolve().parent
        read_only = [sys.prefix, sys.base_prefix, str(library.parent)]
        data = library.parents[1] / "data"  # an editable install reads data/ beside lib/
        if data.is_dir():
            read_only.append(str(data))
        return {
            "variables": self.variables,
            "namespaces": self.namespaces,
            "hidden": hidden,
            "keep": [],
            "read_only": read_only,
        }

    def grade(self, submission: Path, plan: dict) -> dict:
        """Gradescope's results for one submission (never raises for a bad submission;
        KeyboardInterrupt propagates)."""
        workdir = Path(tempfile.mkdtemp(prefix="grade-"))
        try:
            try:
                notebook = notebook_bytes(submission)
            except ValueError as err:
                return zero_results(err)
            run = workdir / "run"
            run.mkdir()
            (run / "submission.ipynb").write_bytes(notebook)
            if (self.folder / "public_tests").is_dir():  # what grader.check reads
                shutil.copytree(self.folder / "public_tests", run / "tests")
            (workdir / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
            command = [sys.executable, str(HERE / "worker.py"), str(workdir)]
            outcome = sandbox.run(command, workdir, self.seconds, self.memory_mib, self.namespaces)
            if outcome == "timed out":
                return zero_results(
                    TimeoutError(
                        f"the notebook did not finish within the time limit of "
                        f"{self.seconds:g} s; it was stopped with everything it started"
                    )
                )
            report = read_report(workdir)
            if report is None:
                tail = (workdir / "worker.log").read_bytes()[-400:].decode("utf-8", "replace")
                return zero_results(
                    RuntimeError(f"the notebook's run ended without a report: {tail.strip()}")
                )
            if report.get("failed"):
                return zero_results(RuntimeError(report["failed"]))
            return self.judge(report)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def judge(self, report: dict) -> dict:
        """Each question's score from the reported values and the hidden tests, run here."""
        tests = []
        for label, points in self.points.items():
            var = self.variables[label]
            exported = report["answers"].get(var)
            if exported is None:
                why = report["errors"].get(var)
                why = f"its cell raises {why}" if why else report["unset"].get(var, "not set")
                score, output = 0, f"{var} is not set: {why}"
            elif "type" in exported:
                kind = exported["type"]
                hint = (
                    "replace the ... in `{var} = ...` with your answer"
                    if kind == "ellipsis"
                    else f"{var} should be a number, not {kind}"
                )
                score, output = 0, hint.format(var=var)
            else:
                test = self.tests[label]
                with contextlib.redirect_stdout(io.StringIO()):  # the public test's advice
                    test.run({var: float(exported["number"])})
                score = test.score
                failed = [r.message for r in test.test_case_results if not r.passed]
                # the assertion's own line: "AssertionError: not yet: 36.1 GB; GiB versus GB?"
                output = "\n".join(m.strip().splitlines()[-1] for m in failed)
                output = output or f"{var}: correct"
            tests.append(
                {
                    "name": label,
                    "score": score,
                    "max_score": points,
                    "output": output,
                    "visibility": "after_published",  # Gradescope: once grades are out
                }
            )
        total = sum(t["score"] for t in tests)
        return {"score": total, "output": f"graded by values ({self.isolation})", "tests": tests}


def notebook_bytes(path: Path) -> bytes:
    """The submission's notebook: the file itself, or the one .ipynb in the zip that
    grader.export() writes. A ValueError says why there is none."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                names = [
                    i
                    for i in z.infolist()
                    if i.filename.endswith(".ipynb") and "/" not in i.filename.strip("/")
                ]
                if len(names) != 1:
                    raise ValueError(f"the zip holds {len(names)} notebooks at its top, not one")
                if names[0].file_size > MAX_NOTEBOOK_BYTES:
                    raise ValueError("the notebook in the zip is larger than 50 MiB")
                return z.read(names[0])
        if not path.is_file():
            raise ValueError(f"{path.name} is not a file")
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"{path.name} is larger than 50 MiB")
        return path.read_bytes()
    except (OSError, zipfile.BadZipFile) as err:
        raise ValueError(f"cannot read {path.name}: {err}") from None


def read_report(workdir: Path) -> dict | None:
    """The worker's result.json, if it is there and has the shape worker.py writes."""
    path = workdir / "result.json"
    try:
        if path.stat().st_size > MAX_RESULT_BYTES:
            return None
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict):
        return None
    if report.get("failed"):
        return {"failed": str(report["failed"])[:400]}
    parts = [report.get(k) for k in ("answers", "errors", "unset")]
    if not all(isinstance(p, dict) for p in parts):
        return None
    for name, value in report["answers"].items():
        if not (isinstance(value, dict) and len(value) == 1):
            return None
        ((kind, text),) = value.items()
        if kind == "number":
            try:
                float(text)
            except (TypeError, ValueError):
                return None
        elif kind != "type" or not isinstance(text, str):
            return None
    return report


def write_results(path: Path, results: dict) -> None:
    """Whole or not at all: a temporary file renamed over the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="grade.py", description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="*", type=Path)
    parser.add_argument("--time-limit", type=float, default=sandbox.TIME_LIMIT_S)
    parser.add_argument("--memory", type=int, default=sandbox.MEMORY_MIB, help="MiB")
    parser.add_argument("--isolation", choices=("auto", "namespaces", "basic"), default="auto")
    args = parser.parse_args(argv)
    if not args.submissions:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if not (math.isfinite(args.time_limit) and args.time_limit > 0) or args.memory < 256:
        print("grade.py: --time-limit must be positive, --memory at least 256", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    sandbox.become_subreaper()
    done, path = 0, None
    try:
        grader = Grader(HERE, args.time_limit, args.memory, args.isolation)
        plan = grader.plan(args.submissions)
        print(f"grade.py: isolation {grader.isolation}", file=sys.stderr, flush=True)
        for path in args.submissions:
            results = grader.grade(path, plan)
            write_results(path.with_suffix(".results.json"), results)
            done += 1
            tests = [t for t in results["tests"] if t.get("max_score") is not None]
            score = sum(t.get("score") or 0 for t in tests)
            possible = sum(t["max_score"] for t in tests)
            print(f"{path.name}: {score:g} / {possible:g}", flush=True)
    except KeyboardInterrupt:
        where = f"while grading {path.name}" if path else "before grading"
        print(
            f"grade.py: interrupted {where}: no grade written for it or those after it; "
            f"{done} graded before keep theirs",
            file=sys.stderr,
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
