"""Runs Otter-Grader's autograding on Gradescope (replaces the run_otter.py `otter generate`
writes): a submission Otter cannot grade at all scores 0 for every question, with the error,
instead of failing the autograder."""

import json
import sys

if __name__ == "__main__":
    sys.path.insert(0, "/autograder/source")
    from fallback import zero_results

    try:
        from otter.run.run_autograder import main as run_autograder

        run_autograder("/autograder")
    except BaseException as error:  # noqa: B036 - whatever happened, Gradescope gets a result
        with open("/autograder/results/results.json", "w", encoding="utf-8") as f:
            json.dump(zero_results(error), f, indent=2)
