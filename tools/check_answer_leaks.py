"""Which exercises' answers can a student read on the page, outside the solutions?

    .venv/bin/python tools/check_answer_leaks.py HTML_ROOT chapters/04-roofline [...]

HTML_ROOT is a build's html folder (_build/html, or the private one tools/build_pages.sh
makes). The student edition's test (tests/build/test_editions.py) fails on the same finding.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))
from bookfiles import ROOT, answers_shown, exercise_labels, text_without_solutions  # noqa: E402

import inference_math as im  # noqa: E402


def main(html_root: str, *docs: str) -> int:
    leaks = 0
    for doc in docs:
        doc = doc.removesuffix(".md")
        text = text_without_solutions(pathlib.Path(html_root) / f"{doc}.html")
        for label in exercise_labels(ROOT / f"{doc}.md"):
            if im.exercises.get(label).answer is None:
                continue
            found = answers_shown(label, text)
            if found:
                leaks += 1
                print(f"{doc}: {label}: answer {found} is on the page outside the solution")
    print("no answers on the pages" if not leaks else f"{leaks} exercise(s) give their answer away")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
