"""Every value a built book glues into its pages, as one JSON file, to compare two builds.

    python tools/glued_values.py [BUILD_DIR] > values.json

BUILD_DIR defaults to _build. For each page, each glue key maps to the text the page shows
(a number formatted as prose, or LaTeX for an equation); a figure maps to "figure WxH". Keys
ending in "-raw" (unformatted values kept for the tests) are left out: the page never shows
them. tests/test_glued_values.py compares a fresh build with the committed snapshot, so a
refactoring that changes a number the reader sees cannot pass unnoticed.
"""

from __future__ import annotations

import base64
import io
import json
import pathlib
import sys


def glued_values(build: pathlib.Path) -> dict[str, dict[str, str]]:
    root = build / "jupyter_execute"
    out: dict[str, dict[str, str]] = {}
    for path in sorted(root.rglob("*.glue.json")):
        page = str(path.relative_to(root)).removesuffix(".glue.json")
        values = {}
        for key, output in json.loads(path.read_text(encoding="utf-8")).items():
            if key.endswith("-raw"):
                continue
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
    build = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path("_build")
    json.dump(glued_values(build), sys.stdout, indent=1, ensure_ascii=False)
    print()
