"""The what-if grids (chapters 9 and 11): each point is what the library computes for that
choice, and the page's lookup finds it."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest

import inference_math as im

from bookfiles import estimate_from
from inference_math.book import whatif_grid as whatif
from inference_math.book.whatif_figure import _whatif_figure, whatif_key
from inference_math.book.whatif_figure import sig3 as _sig
from inference_math.economics import verdicts
from inference_math.serving.intervals import interval_factors


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
        fits = r["fits"]
        if choice["batching"] == "continuous":  # the requests in flight admitted whole
            assert p["queues"]
            fits = fits & (r["admitted"] >= whatif.SEARCH)
        assert top == 0 or (fits[top - 1] and (top == 4096 or not fits[top]))
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


def test_chapter_9s_batching_control_changes_the_figure(grids):
    """Batched continuously the batch is the requests in flight: more are admitted than a
    static batch holds (each holds its prompt and half its completion on average), the rest
    queue, and past the most admitted the price stops falling (correction 9 of issue 23)."""
    spec = grids["completion-cost"]
    choice = choices(spec)[0]
    static = whatif.lookup(spec, **{**choice, "batching": "static"})
    continuous = whatif.lookup(spec, **{**choice, "batching": "continuous"})
    assert not static["queues"] and continuous["queues"]
    assert (static["max_fit"], continuous["max_fit"]) == (49, 66)
    assert static["usd"] != continuous["usd"] and static["fits"] != continuous["fits"]
    r = estimate_from(**{**choice, "batching": "continuous"}, batch=whatif.SEARCH)
    assert r["admitted"].max() == continuous["max_fit"]
    flat = np.array(continuous["usd"][7:])  # batches of 128 and more: the same admitted
    assert np.all(flat == flat[0])
    key = whatif_key("completion-cost", spec, continuous)
    assert key.startswith("The server admits at most 66 requests at once and the rest queue")


def test_the_marked_batch_lies_on_the_line_drawn_within_the_targets(grids):
    """The cheapest batch within the targets (51 for 128-token prompts on two H100s at $4,
    batched statically) falls between two of the batches drawn (32 meets the targets, 64
    does not): the solid line runs to it, so the marker is not on the part drawn as missing
    them (correction 9 of issue 23)."""
    spec = grids["verdict"]
    choice = dict(choices(spec)[0], gpu="h100-sxm", usd_per_gpu_hour=4.0, prompt=128)
    point = whatif.lookup(spec, **choice)
    assert point["best"] == 51 and point["ok"] == 0b111111  # batches 1 to 32
    fig = _whatif_figure("verdict", spec, point)
    solid = fig.axes[0].lines[1]
    assert list(solid.get_xdata())[-2:] == [32, 51]
    assert solid.get_ydata()[-1] == point["best_usd"]
    plt.close(fig)


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


@pytest.mark.parametrize(
    ("low", "high", "says"),
    [
        (0.5, 0.9, "Cheaper: self-hosted, across the interval."),
        (1.1, 1.5, "Cheaper: api, across the interval."),
        (0.8, 1.2, "Cheaper: self-hosted at the estimate; the serving model's error turns it."),
    ],
)
def test_the_verdict_key_gives_the_interval_and_whether_it_turns(low, high, says):
    spec = {"api": "api", "interval_level": 0.8}
    point = {"best": 12, "best_usd": 0.95, "best_low": low, "best_high": high, "api_usd": 1.0}
    key = whatif_key("verdict", spec, point)
    assert f"(${_sig(low)} to ${_sig(high)} over the serving model's 80% interval)" in key
    assert key.endswith(says)


def test_the_grid_s_interval_is_the_verdicts(grids):
    spec = grids["verdict"]
    point = whatif.lookup(spec, **choices(spec)[0])
    low, high = interval_factors(
        "usd_per_1k_completion", "llama-2-70b", "a100-80gb-sxm", "bf16", 0.8
    )
    assert spec["interval_level"] == verdicts.INTERVAL_LEVEL
    assert point["best_low"] == pytest.approx(point["best_usd"] * low, rel=1e-3)
    assert point["best_high"] == pytest.approx(point["best_usd"] * high, rel=1e-3)
