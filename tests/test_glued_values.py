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

# Chapter 8 compares GPUs at one provider's prices of one day (issue 12).
SAME_DAY = (
    "GPUs are now compared at one provider's prices of one day (Hyperstack on-demand, "
    "2026-08-26), not at catalog defaults of different providers and months"
)
# The values of chapter 12's old comparison section that no longer exist.
_CH12_OLD_TODAY = (
    "the old 'comparison redone for today' was a dated scenario with the article's step "
    "model at a fixed static batch of 64 (Llama-2-70B and Llama-3-70B against "
    "gpt-3.5-turbo-0125 and gpt-4o-mini); the section now serves Llama-3.3-70B and "
    "DeepSeek-V3 with the per-op model, continuous batching and a batch chosen under "
    "chat's latency targets, so this value is gone"
)

# page -> {key: why its value changed on purpose}
CHANGED: dict[str, dict[str, str]] = {
    "for-instructors": {
        "n-exercises": "26 exercises added: a napkin-math and a hard one per chapter (issue 14)",
        "n-numeric": "the 26 new exercises all have a numeric answer",
        "total-hours": "the 26 new exercises' minutes",
    },
    "chapters/04-roofline": {
        "m-ridge-eq": "the ops:byte ratio is written I*, as the ridge is elsewhere (R is a rate)",
    },
    "chapters/08-prompt-tokens-cheap": {
        "h100-hour": SAME_DAY,
        "h100-usd": SAME_DAY,
        "h100-flops-gain": SAME_DAY + "; the A100 it is compared with is the same day's",
        "h100-later-ratio": SAME_DAY,
        "h200-hour": SAME_DAY,
        "h200-usd": SAME_DAY,
        "h100-date": "removed: one date for all GPUs, glued as quote-date",
        "h200-date": "removed: one date for all GPUs, glued as quote-date",
    },
    "chapters/12-closed-models-cheaper": {
        "fig-today": "redrawn for the new comparison: cost per 1K prompt and completion "
        "tokens of five fp8 deployments against nine dated API prices",
        "api35-date": _CH12_OLD_TODAY,
        "api35-in": _CH12_OLD_TODAY,
        "api35-out": _CH12_OLD_TODAY,
        "api4o-date": _CH12_OLD_TODAY,
        "api4o-in": _CH12_OLD_TODAY,
        "api4o-out": _CH12_OLD_TODAY,
        "t-mfu": _CH12_OLD_TODAY,
        "t-min-tps": _CH12_OLD_TODAY,
        "today-best-completion": _CH12_OLD_TODAY,
        "today-best-date": _CH12_OLD_TODAY,
        "today-best-price": _CH12_OLD_TODAY,
        "today-best-prompt": _CH12_OLD_TODAY,
        "today-best-prompt-vs-4omini": _CH12_OLD_TODAY,
        "today-best-vs-35": _CH12_OLD_TODAY,
        "today-best-vs-4omini": _CH12_OLD_TODAY,
        "today-h100-completion": _CH12_OLD_TODAY,
        "today-h100-gpus": _CH12_OLD_TODAY,
        "today-h100-vs-35": _CH12_OLD_TODAY,
    },
    "chapters/13-pitfalls": {
        "n-pitfalls": "seven pitfalls added: static batching, tensor-parallel communication "
        "(issue 15); the minimum monthly bill, tail latency under load, quantization quality, "
        "tokens of different tokenizers, API discounts (issue 12)",
        "n-flatter": "six of the added pitfalls flatter self-hosting: tensor-parallel "
        "communication, the monthly bill, tail latency, quantization quality, tokenizers, "
        "API discounts",
        "fig-factors": "taller (8 x 6.4 inches instead of 8 x 4.8) to hold seventeen bars",
    },
}


def test_glued_values_match_the_snapshot(built):
    from glued_values import SNAPSHOT, glued_values, moved

    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    diff = moved(glued_values(ROOT / "_build"), before, CHANGED)
    assert not diff, "glued values changed:\n" + "\n".join(diff)
