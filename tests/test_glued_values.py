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

# page -> {key: why its value changed on purpose}
CHANGED: dict[str, dict[str, str]] = {}


def test_glued_values_match_the_snapshot(built):
    from glued_values import SNAPSHOT, glued_values, moved

    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    diff = moved(glued_values(ROOT / "_build"), before, CHANGED)
    assert not diff, "glued values changed:\n" + "\n".join(diff)
