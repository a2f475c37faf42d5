"""Grade submissions on this machine, without Docker, with this folder's autograder.zip:

    python grade.py SUBMISSION.ipynb [SUBMISSION.ipynb ...]

It needs the environment the book's requirements.txt installs (otter-grader and the library;
`pip install -r requirements.txt` here makes one). For each submission it writes
SUBMISSION.results.json (Gradescope's format) and prints its score; a submission Otter cannot
grade at all scores 0 for every question, with the error. Exit status 0 unless no file was
given.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fallback import zero_results  # noqa: E402


def grade(submission: Path) -> dict:
    from otter.run import main as otter_run

    with tempfile.TemporaryDirectory() as out:
        try:
            log = io.StringIO()
            with contextlib.redirect_stdout(log):
                otter_run(
                    str(submission),
                    autograder=str(HERE / "autograder.zip"),
                    output_dir=out,
                    no_logo=True,
                )
            return json.loads((Path(out) / "results.json").read_text(encoding="utf-8"))
        except BaseException as error:  # noqa: B036 - a submission never stops the grader
            return zero_results(error)


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for path in map(Path, paths):
        results = grade(path)
        tests = [t for t in results["tests"] if t.get("max_score") is not None]
        score = sum(t.get("score") or 0 for t in tests)
        possible = sum(t["max_score"] for t in tests)
        path.with_suffix(".results.json").write_text(json.dumps(results, indent=2))
        print(f"{path.name}: {score:g} / {possible:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
