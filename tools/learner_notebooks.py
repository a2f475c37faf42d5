"""Learner copies of the chapters, one way: from the book's build to notebooks/.

    .venv/bin/python tools/learner_notebooks.py [--fresh]     (make notebooks [FRESH=1])

Each chapter's notebook is the one its page offers for download (_build/html/_sources/
chapters/NN-x.ipynb): executed when the book was built, with every glued number and figure
shown (_ext/myst_notebook.py). If the build is missing or older than a chapter or the
library, `make book` runs first (it executes only what changed). Nothing is ever written to
chapters/.

A notebook the learner has changed is never overwritten. notebooks/.written.json records the
SHA-256 of every notebook this command wrote; a notebook whose contents no longer match (or
that this command did not write) is kept, and the command lists it and says how to get a
fresh copy: delete it, or run `make notebooks FRESH=1`, which overwrites every notebook.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / "_build" / "html" / "_sources" / "chapters"
OUT = ROOT / "notebooks"
MANIFEST = OUT / ".written.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_hash() -> str:
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "source-hash"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def stale(chapters: list[Path]) -> list[str]:
    """Why the build's notebooks cannot be used as they are (empty: they can)."""
    recorded = ROOT / "_build" / ".source-hash"
    if not recorded.exists() or recorded.read_text().strip() != source_hash():
        return ["the library, its data or the pins changed since the last build"]
    why = []
    for md in chapters:
        built = BUILT / f"{md.stem}.ipynb"
        if not built.exists():
            why.append(f"{md.name} has not been built")
        elif built.stat().st_mtime < md.stat().st_mtime:
            why.append(f"{md.name} changed since it was built")
    return why


def main(argv: list[str]) -> int:
    fresh = "--fresh" in argv
    chapters = sorted((ROOT / "chapters").glob("*.md"))
    why = stale(chapters)
    if why:
        print(f"notebooks: building the book first ({'; '.join(why[:3])})")
        build = subprocess.run(["make", "--no-print-directory", "book"], cwd=ROOT)
        if build.returncode:
            return build.returncode
        if stale(chapters):
            print("notebooks: the build did not produce every chapter", file=sys.stderr)
            return 1

    OUT.mkdir(exist_ok=True)
    written = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    kept, wrote = [], 0
    for md in chapters:
        name = f"{md.stem}.ipynb"
        data = (BUILT / name).read_bytes()
        target = OUT / name
        if target.exists() and not fresh:
            now = sha256(target.read_bytes())
            if now == sha256(data):
                written[name] = now
                continue
            if written.get(name) != now:  # changed since we wrote it, or not ours
                kept.append(name)
                continue
        target.write_bytes(data)
        written[name] = sha256(data)
        wrote += 1
    MANIFEST.write_text(json.dumps(dict(sorted(written.items())), indent=1) + "\n")

    print(f"notebooks: {wrote} written to {OUT.relative_to(ROOT)}/, {len(chapters)} in all")
    if kept:
        print(f"notebooks: kept {len(kept)} you changed (not overwritten):")
        for name in kept:
            print(f"  notebooks/{name}")
        print(
            "notebooks: for a fresh copy of one, delete it and run `make notebooks` again; "
            "`make notebooks FRESH=1` overwrites them all"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
