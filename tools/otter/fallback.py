"""Zero for every question, with the error: the result of a submission Otter cannot grade at all
(not a notebook, not JSON, ...), so that the grader reports it instead of failing.

Copied by tools/assignments.py into each autograder (beside questions.json, which lists the
questions and their points), where run_otter.py (Gradescope) and grade.py (local) use it.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def questions() -> dict[str, float]:
    return json.loads((HERE / "questions.json").read_text(encoding="utf-8"))


def zero_results(error: BaseException) -> dict:
    """Gradescope's results format: every question 0 of its points, the error in the output."""
    lines = traceback.format_exception_only(type(error), error)
    message = "".join(lines).strip() or type(error).__name__
    text = f"This submission could not be graded, so it scores 0:\n{message}"
    return {
        "score": 0,
        "output": text,
        "tests": [
            {"name": name, "score": 0, "max_score": points, "output": text, "visibility": "visible"}
            for name, points in questions().items()
        ],
    }
