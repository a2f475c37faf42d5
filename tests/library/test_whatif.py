"""The what-if grids (chapters 9 and 11): each point is what the library computes for that
choice, and the page's lookup finds it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import inference_math as im

from bookfiles import estimate_from
from inference_math.book import whatif_grid as whatif
from inference_math.book.whatif_figure import sig3 as _sig


@pytest.fixture(scope="module")
def grids():
    return {name: whatif.grid(name) for name in whatif.AXES}


def choices(spec, n=6):
    """A few choices spread over the grid, the default first."""
    options = [[v for v, _ in a["options"]] for a in spec["axes"]]
    every = list(itertools.product(*options))
    picks = [every[0]] + [every[i] for i in np.linspace(1, len(every) - 1, n - 1).astype(int)]
    return [dict(zip([a["name"] for a in spec["axes"]], p)) for p in picks]


def test_grid_sizes(grids):
    assert len(grids["completion-cost"]["points"]) == 1944
    assert len(grids["verdict"]["points"]) == 1944  # times three latency targets inside


def test_lookup_finds_the_point_computed_alone(grids):
    for name, point in (
        ("completion-cost", whatif.completion_point),
        ("verdict", whatif.verdict_point),
    ):
        for choice in choices(grids[name]):
            assert whatif.lookup(grids[name], **choice) == point(**choice), (name, choice)


def test_completion_cost_is_estimates(grids):
    for choice in choices(grids["completion-cost"]):
        p = whatif.lookup(grids["completion-cost"], **choice)
        r = estimate_from(**choice, batch=whatif.SEARCH)
        cost = r["usd_per_1k_completion"]
        assert np.allclose(p["usd"], cost[whatif.SHOWN - 1], rtol=1e-3)
        top = p["max_fit"]
        assert top == 0 or (r["fits"][top - 1] and (top == 4096 or not r["fits"][top]))
        if top:
            assert np.isclose(p["max_fit_usd"], cost[top - 1], rtol=1e-5)
        even = p["even"]
        api = im.get_api_price(im.ARTICLE_API).usd_per_1k_output
        if even:
            assert cost[even - 1] <= api and (even == 1 or cost[even - 2] > api)


def test_verdict_with_static_batching_is_price_workload(grids):
    for choice in choices(grids["verdict"], 8):
        choice["batching"] = "static"
        p = whatif.lookup(grids["verdict"], **choice)
        kw = dict(choice)
        mix = (kw.pop("prompt"), kw.pop("completion"))
        name = kw.pop("targets")
        kw.pop("batching")
        limits = (None, None)
        if name != "none":
            w = im.get_workload(name)
            limits = (w.ttft_target_s, w.tokens_per_s_target)
        w = im.Workload("what-if", *mix, *limits, "a test", "test", "2026")
        priced = im.price_workload(w, **kw)
        assert p["best"] == priced.batch, choice
        if priced.batch:
            assert np.isclose(p["best_usd"], priced.usd_per_request, rtol=1e-5)
        assert np.isclose(p["api_usd"], priced.api_usd_per_request, rtol=1e-5)


def test_continuous_batching_changes_the_price(grids):
    spec = grids["verdict"]
    choice = choices(spec)[0]
    static = whatif.lookup(spec, **{**choice, "batching": "static"})
    continuous = whatif.lookup(spec, **{**choice, "batching": "continuous"})
    assert static["usd"] != continuous["usd"]


@pytest.mark.parametrize(
    "x, text",
    [
        (0.002, "0.00200"),
        (0.00148461, "0.00148"),
        (0.0652, "0.0652"),
        (1.5, "1.50"),
        (123.4, "123"),
    ],
)
def test_prices_are_written_as_the_page_writes_them(x, text):
    assert _sig(x) == text  # JavaScript's x.toPrecision(3)


def test_the_printed_figure_states_its_default_choice():
    """In print the controls go and the static figure of the first option of every control
    takes their place, under a line naming that choice (whatif.css hides either by medium)."""
    from inference_math.book.whatif_figure import _whatif_html, default_choice

    spec = {
        "axes": [
            {"name": "model", "label": "model", "options": [["llama-2-70b", "Llama-2-70B"]]},
            {"name": "gpus", "label": "GPUs", "options": [[2, "2"], [8, "8"]]},
        ],
        "points": [{}, {}],
        "api": "gpt-3.5-turbo",
    }
    assert default_choice(spec) == "model Llama-2-70B, GPUs 2"
    html = _whatif_html("completion-cost", spec, "key", png="iVBORw0KGgo=")
    assert '<img class="wtc-print"' in html and "base64,iVBORw0KGgo=" in html
    assert "as printed are for the default choice (model Llama-2-70B, GPUs 2)" in html
    without = _whatif_html("completion-cost", spec, "key")  # no image: no empty <img>
    assert "<img" not in without and "wtc-print-note" in without
