"""How long each page took to execute in the last `make book`, against its time budget.

Issue 3 asks each chapter to execute in at most 20 s on a two-core machine (chapter 7, which
measures the machine, 45 s). Reported, never asserted in the tests: timings depend on the
machine and on whatever else it is doing.

    make book && python benchmarks/chapter_times.py
"""

import pathlib
import sys

from jupyter_cache import get_cache

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUDGET_S = {"chapters/07-own-machine": 45.0}
DEFAULT_BUDGET_S = 20.0


def main() -> int:
    cache_path = ROOT / "_build" / ".jupyter_cache"
    if not cache_path.exists():
        print("no execution cache: run `make book` first")
        return 1
    records = get_cache(str(cache_path)).list_cache_records()
    over = 0
    for r in sorted(records, key=lambda r: r.uri):
        doc = str(pathlib.Path(r.uri).resolve().relative_to(ROOT).with_suffix(""))
        seconds = r.data.get("execution_seconds", float("nan"))
        budget = BUDGET_S.get(doc, DEFAULT_BUDGET_S) if doc.startswith("chapters/") else None
        flag = "" if budget is None else ("  over budget" if seconds > budget else "")
        over += bool(flag)
        budget_text = f"(budget {budget:.0f} s)" if budget else ""
        print(f"{seconds:6.1f} s  {doc} {budget_text}{flag}")
    print(
        f"total {sum(r.data.get('execution_seconds', 0) for r in records):.1f} s; "
        f"{over} chapter(s) over budget"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
