"""The numbers a reader sees do not move by accident.

``tests/data/glued-values.json`` holds every value the book glued into its pages when it was
last checked (``python tools/glued_values.py``). A fresh build must show the same text for
every key, except values measured on the machine that builds the book (chapter 7 times this
CPU) and the deliberate changes listed in ``CHANGED`` with the reason for each. New keys are
fine; a key that disappears must be listed too. When a change is meant, regenerate the
snapshot and empty ``CHANGED`` in the same commit.
"""

from __future__ import annotations

import json
import sys

import pytest

from bookfiles import ROOT

pytestmark = pytest.mark.book
sys.path.insert(0, str(ROOT / "tools"))

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
        "flat-growth",
        "flat-top",
        "flops",
        "flops-spread",
        "jump",
        "jump-words",
        "llc",
        "llc-words",
        "load",
        "long-b",
        "long-cost",
        "long-share",
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
        "ridge-eq",
        "ridge-prompt",
        "rough-cpu",
        "rounds",
        "run-s",
        "seq-flops",
        "seq-read",
        "shape-words",
        "skinny-2",
        "skinny-8",
        "skinny-verdict",
        "threads-words",
        "top-words",
    }
}

# page -> {key: why its value changed on purpose}
CHANGED: dict[str, dict[str, str]] = {}


def test_glued_values_match_the_snapshot(built):
    from glued_values import glued_values

    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = glued_values(ROOT / "_build")
    moved = []
    for page, values in before.items():
        skip = MEASURED_HERE.get(page, set()) | set(CHANGED.get(page, {}))
        for key, text in values.items():
            if key in skip:
                continue
            shown = now.get(page, {}).get(key, "<missing>")
            if shown != text:
                moved.append(f"{page} {key}: {text[:60]!r} -> {shown[:60]!r}")
    assert not moved, "glued values changed:\n" + "\n".join(moved)
