"""Every value a built book glues into its pages, as one JSON file, to compare two builds.

    python tools/glued_values.py [BUILD_DIR] > values.json
    python tools/glued_values.py --check BUILD_DIR   # compare with the committed snapshot

BUILD_DIR defaults to _build. ``--check`` compares every page the build holds (a private
build of a few pages, tools/build_pages.sh, works too) with tests/data/glued-values.json and
lists what moved; exit status 1 if anything did.

For each page, each glue key maps to the text the page shows (a number formatted as prose,
or LaTeX for an equation); a figure maps to "figure WxH". A key ending in "-raw" holds the
number behind the formatted text at full precision: two builds are compared on it to a part
in a billion, so a drift that rounding would hide (0.3% of a value shown to two figures)
still counts as moved. tests/build/test_glued_values.py compares a fresh build with the committed
snapshot, so a refactoring that changes a number the reader sees cannot pass unnoticed.
"""

from __future__ import annotations

import base64
import io
import json
import pathlib
import sys


ROOT = pathlib.Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "data" / "glued-values.json"

# Chapter 7 measures the CPU that builds the book: these values differ from run to run.
MEASURED_HERE = {
    "chapters/07-own-machine": {
        "b-below",
        "b-max",
        "b1-measured",
        "b1-predicted",
        "b1-words",
        "bandwidth",
        "blas",
        "bw-spread",
        "compute-words",
        "context",
        "cpus",
        "decode-ratio",
        "decode-slope-above",
        "decode-slope-below",
        "decode-words",
        "fig-roofline",
        "flops",
        "flops-spread",
        "int-ridge",
        "int-slower",
        "int-verdict",
        "lc-bound",
        "lc-time",
        "jump",
        "jump-words",
        "llc",
        "llc-words",
        "load",
        "long-words",
        "mid-ratio",
        "mid-words",
        "n-max",
        "ops-per-byte",
        "overhead",
        "overhead-share",
        "prefill-ratio",
        "prefill-slope",
        "prefill-words",
        "ridge-batch",
        "ridge-prompt",
        "rough-cpu",
        "rounds",
        "run-s",
        "shape-words",
        "skinny-2",
        "skinny-8",
        "skinny-verdict",
        "threads-words",
        "top-words",
    }
}


# Two full values agree when they differ by less than this share: float arithmetic done in
# another order moves the last digits, a changed formula or constant moves far more.
RAW_TOLERANCE = 1e-9


def same(key: str, a: str, b: str) -> bool:
    """Whether two snapshot entries agree: text exactly, a ``-raw`` number to
    ``RAW_TOLERANCE``."""
    if a == b:
        return True
    if not key.endswith("-raw"):
        return False
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return abs(x - y) <= RAW_TOLERANCE * max(abs(x), abs(y))


def moved(now: dict, before: dict, changed: dict | None = None, pages=None) -> list[str]:
    """What ``now`` shows differently from ``before`` on ``pages`` (default: all of
    ``before``), skipping values measured on the building machine and the keys ``changed``
    lists (page -> {key: reason}); a key's ``-raw`` value is skipped with it."""
    out = []
    for page in pages or before:
        skip = MEASURED_HERE.get(page, set()) | set((changed or {}).get(page, {}))
        for key, text in before.get(page, {}).items():
            shown = now.get(page, {}).get(key, "<missing>")
            if key.removesuffix("-raw") not in skip and not same(key, text, shown):
                out.append(f"{page} {key}: {text[:60]!r} -> {shown[:60]!r}")
    return out


def glued_values(build: pathlib.Path) -> dict[str, dict[str, str]]:
    root = build / "jupyter_execute"
    out: dict[str, dict[str, str]] = {}
    for path in sorted(root.rglob("*.glue.json")):
        page = str(path.relative_to(root)).removesuffix(".glue.json")
        values = {}
        for key, output in json.loads(path.read_text(encoding="utf-8")).items():
            data = output.get("data", {})
            if "image/png" in data:
                from PIL import Image

                with Image.open(io.BytesIO(base64.b64decode(data["image/png"]))) as im:
                    values[key] = f"figure {im.width}x{im.height}"
            elif "text/latex" in data:
                values[key] = data["text/latex"]
            elif "text/markdown" in data:
                values[key] = data["text/markdown"]
            else:
                values[key] = data.get("text/plain", "")
        out[page] = dict(sorted(values.items()))
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--check"]
    build = pathlib.Path(args[0]) if args else pathlib.Path("_build")
    values = glued_values(build)
    if "--check" in sys.argv:
        before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        pages = [p for p in values if p.startswith("chapters/") and p in before]
        diff = moved(values, before, pages=pages)
        print("\n".join(diff) or f"unchanged: {', '.join(pages)}")
        sys.exit(1 if diff else 0)
    json.dump(values, sys.stdout, indent=1, ensure_ascii=False)
    print()
