"""The numbers a reader sees do not move by accident.

``tests/data/glued-values.json`` holds every value the book glued into its pages when it was
last checked (``python tools/glued_values.py``): the text each page shows and, under the
``-raw`` keys, the full value behind it. A fresh build must show the same text for every key
and the same full values to a part in a billion, except values measured on the machine that
builds the book (chapter 7 times this CPU) and the deliberate changes listed in ``CHANGED``
with the reason for each. New keys are fine; a key that disappears must be listed too. When a
change is meant, regenerate the snapshot and empty ``CHANGED`` in the same commit.
"""

from __future__ import annotations

import json
import sys

import pytest

from bookfiles import ROOT

sys.path.insert(0, str(ROOT / "tools"))

# page -> {key: why its value changed on purpose}
CHANGED: dict[str, dict[str, str]] = {}


@pytest.mark.book
def test_glued_values_match_the_snapshot(built):
    from glued_values import SNAPSHOT, glued_values, moved

    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    diff = moved(glued_values(ROOT / "_build"), before, CHANGED)
    assert not diff, "glued values changed:\n" + "\n".join(diff)


def test_a_drift_that_rounding_hides_still_counts_as_moved():
    from glued_values import moved

    before = {"p": {"cost": "$0.0042", "cost-raw": "0.0042"}}
    drifted = {"p": {"cost": "$0.0042", "cost-raw": "0.0042126"}}
    reordered = {"p": {"cost": "$0.0042", "cost-raw": str(0.0042 * (1 + 1e-13))}}
    assert moved(drifted, before) == ["p cost-raw: '0.0042' -> '0.0042126'"]
    assert moved(reordered, before) == []


def test_a_listed_change_skips_the_key_and_its_full_value():
    from glued_values import moved

    before = {"p": {"cost": "$0.0042", "cost-raw": "0.0042"}}
    now = {"p": {"cost": "$0.0050", "cost-raw": "0.005"}}
    assert len(moved(now, before)) == 2
    assert moved(now, before, {"p": {"cost": "a new price"}}) == []
