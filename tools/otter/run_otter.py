"""Grades a submission on Gradescope (replaces the run_otter.py `otter generate` writes) the
way grade.py grades one locally: the notebook runs in a worker process under the time and
resource limits (sandbox.py), and its answers are judged here, outside its kernel, by the
hidden tests, so that a submission cannot change how it is judged. A submission that cannot
be graded at all scores 0 for every question, with the error, instead of failing the
autograder.

AUTOGRADER_ROOT (default /autograder) and GRADE_TIME_LIMIT (seconds, default grade.py's)
may be set to try it away from Gradescope.
"""

import json
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    sys.path.insert(0, str(root / "source"))
    from fallback import zero_results

    results_file = root / "results" / "results.json"
    try:
        import grade
        import sandbox

        sandbox.become_subreaper()
        limit = float(os.environ.get("GRADE_TIME_LIMIT", sandbox.TIME_LIMIT_S))
        grader = grade.Grader(root / "source", limit, sandbox.MEMORY_MIB, "auto")
        found = sorted((root / "submission").glob("*.ipynb")) or sorted(
            (root / "submission").glob("*.zip")
        )
        if len(found) != 1:
            raise ValueError(f"expected one .ipynb (or .zip) in the submission, found {len(found)}")
        results = grader.grade(found[0], grader.plan(found))
    except BaseException as error:  # noqa: B036 - whatever happened, Gradescope gets a result
        results = zero_results(error)
    results_file.parent.mkdir(parents=True, exist_ok=True)
    with open(results_file, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
