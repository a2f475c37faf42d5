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

A damaged notebooks/.written.json (truncated, not JSON, not a map of names to SHA-256
hashes, unreadable, a folder) is rebuilt from what is on disk: a notebook identical to the
build's is recorded as written by this command, and every other is kept as the learner's;
one line on stderr says so. The file is written whole or not at all (a temporary file
renamed over it), so an interrupted run cannot truncate it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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


SHA256 = re.compile(r"[0-9a-f]{64}")


def read_manifest(path: Path) -> tuple[dict[str, str], str | None]:
    """(name -> SHA-256 of the notebook this command wrote, None), or ({}, why) when the
    file is damaged: the caller then rebuilds it from the notebooks on disk."""
    if not path.exists() and not path.is_symlink():
        return {}, None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        why = getattr(err, "strerror", None) or type(err).__name__
        return {}, f"it cannot be read as JSON ({why})"
    if not isinstance(data, dict):
        return {}, f"it holds a JSON {type(data).__name__}, not a map of notebooks"
    bad = [k for k, v in data.items() if not (isinstance(v, str) and SHA256.fullmatch(v))]
    if bad:
        return {}, f"its entry {ascii(bad[0])[:60]} is not a SHA-256 hash"
    return data, None


def write_manifest(path: Path, written: dict[str, str]) -> None:
    """Write the record whole or not at all: a temporary file renamed over the old one."""
    if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
        path.rmdir()  # an empty folder in its place: the record replaces it
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dict(sorted(written.items())), indent=1) + "\n")
    os.replace(tmp, path)


def update(built: Path, out: Path, names: list[str], fresh: bool = False):
    """Copy each notebook ``names`` from ``built`` to ``out`` unless the learner changed it:
    (how many were written, the names kept, why the record was rebuilt or None)."""
    out.mkdir(exist_ok=True)
    manifest = out / MANIFEST.name
    written, damaged = read_manifest(manifest)
    kept, wrote = [], 0
    for name in names:
        data = (built / name).read_bytes()
        target = out / name
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
    write_manifest(manifest, written)
    return wrote, kept, damaged


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

    names = [f"{md.stem}.ipynb" for md in chapters]
    try:
        wrote, kept, damaged = update(BUILT, OUT, names, fresh)
    except OSError as err:
        print(f"notebooks: cannot write {err.filename}: {err.strerror}", file=sys.stderr)
        return 1
    shown = OUT.relative_to(ROOT) if OUT.is_relative_to(ROOT) else OUT
    if damaged:
        print(
            f"notebooks: {shown}/{MANIFEST.name} was damaged ({damaged}); rebuilt it "
            "from the notebooks on disk: those identical to the build are recorded, every "
            "other is kept as yours",
            file=sys.stderr,
        )
    print(f"notebooks: {wrote} written to {shown}/, {len(chapters)} in all")
    if kept:
        print(f"notebooks: kept {len(kept)} you changed (not overwritten):")
        for name in kept:
            print(f"  {shown}/{name}")
        print(
            "notebooks: for a fresh copy of one, delete it and run `make notebooks` again; "
            "`make notebooks FRESH=1` overwrites them all"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
