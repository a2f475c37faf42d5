"""Chapter 8, Prompt tokens are cheap: the sympy derivation against the library, the article's
figure computed both ways, the chapter's other numbers, and what the built page must show."""

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s

ARTICLE = im.deployment(scenario="article-2023")
API = im.get_api_price(im.ARTICLE_API)
DOC = "chapters/08-prompt-tokens-cheap"


def chapter_formula():
    """The chapter's derivation, step by step."""
    f = sp.Symbol("f", positive=True)
    seconds = s.N * f / (s.G * s.F * s.MFU)
    per_1k = sp.cancel(seconds * s.G * s.c_h / 3600 / (s.N / 1000))
    return f, per_1k


def test_derivation_equals_symbolic_module_and_cancels_gpus():
    f, per_1k = chapter_formula()
    assert sp.cancel(per_1k - s.usd_per_1k_prompt_compute_bound(f)) == 0
    assert sp.cancel(per_1k - sp.Rational(1000, 3600) * s.c_h * f / (s.F * s.MFU)) == 0
    assert sp.diff(per_1k, s.G) == 0 and sp.diff(per_1k, s.N) == 0


@pytest.mark.parametrize("gpu", ["a100-80gb-sxm", "h100-sxm", "h200-sxm"])
def test_derivation_equals_library(gpu):
    f, per_1k = chapter_formula()
    mfu = np.array([0.2, 200 / 312, 0.9])
    price = np.array([[1.0], [2.21], [4.54]])
    dep = im.deployment(scenario="article-2023", gpu=gpu, mfu=mfu, usd_per_gpu_hour=price)
    fn = sp.lambdify((s.c_h, s.MFU), per_1k.subs({f: 140e9, s.F: im.matmul_rate(gpu)}))
    assert np.allclose(im.usd_per_1k_prompt(dep, 2048), fn(price, mfu), rtol=1e-12)


def test_article_figure_both_ways():
    per_s = float(ARTICLE.usd_per_second)
    tokens_per_s = float(ARTICLE.achieved_flops) / ARTICLE.flops_per_token
    assert tokens_per_s == pytest.approx(2857.142857, rel=1e-9)  # "2.86K tokens/s"
    exact = float(im.usd_per_1k_prompt(ARTICLE, 2048))
    assert exact == pytest.approx(4.42 / 3600 / tokens_per_s * 1000, rel=1e-12)
    assert im.units.fmt_usd(exact, 3) == "$0.000430"
    printed = im.units.round_sig(per_s, 2) / tokens_per_s * 1000  # $0.0012/s, rounded
    assert im.units.fmt_usd(printed, 2) == "$0.00042"
    assert API.usd_per_1k_input / exact == pytest.approx(3.4906, rel=1e-4)
    assert API.usd_per_1k_input / 0.00042 == pytest.approx(3.5714, rel=1e-4)


def test_even_price_and_shortest_prompt():
    _, per_1k = chapter_formula()
    c_even = sp.solve(sp.Eq(per_1k, API.usd_per_1k_input), s.c_h)[0]
    value = float(
        c_even.subs({sp.Symbol("f", positive=True): 140e9, s.F: 312e12, s.MFU: 200 / 312})
    )
    assert value == pytest.approx(2.21 * 0.0015 / 0.00042972222, rel=1e-6)  # $7.71
    # the exercise asks for the H100 (989 TFLOP/s dense bf16): the even price scales with F
    h100 = float(c_even.subs({sp.Symbol("f", positive=True): 140e9, s.F: 989e12, s.MFU: 200 / 312}))
    assert h100 == pytest.approx(value * 989 / 312, rel=1e-12)  # $24.45
    assert h100 == pytest.approx(im.exercises.expected("ch08-even-price"), rel=1e-9)
    # batch 1: 140e9 B at 2.6e12 B/s is $0.0661 per prompt token-thousand at one token;
    # it falls as 1/N, so the first N at or below $0.0015 is ceil(0.066111 / 0.0015) = 45
    lengths = np.arange(1, 200)
    costs = im.usd_per_1k_prompt(ARTICLE, lengths)
    assert lengths[costs <= API.usd_per_1k_input][0] == 45
    assert float(im.compute_bound_prompt(ARTICLE)) == pytest.approx(200 / 1.3, rel=1e-12)


def test_catalog_gpus_prices_are_dated():
    for name in ["h100-sxm", "h200-sxm"]:
        g = im.get_gpu(name)
        assert g.price_date and g.price_source
    h100 = im.deployment(scenario="article-2023", gpu="h100-sxm", usd_per_gpu_hour=3.99)
    assert float(im.usd_per_1k_prompt(h100, 2048)) == pytest.approx(
        3.99 * 2 / 3600 * 140e9 / (2 * 989e12 * 200 / 312) * 1000, rel=1e-12
    )


def test_exercise_answers():
    # eight one-token prompts share one read of 140e9 B at 2.6e12 B/s, on $4.42 an hour
    assert im.exercises.expected("ch08-one-token") == pytest.approx(
        140e9 / 2.6e12 * 4.42 / 3600 * 1000 / 8, rel=1e-12
    )
    # H100s at AWS's p5 price of July 2023, $98.32 an hour for 8 GPUs
    assert im.exercises.expected("ch08-h100-prompt") == pytest.approx(
        98.32 / 8 * 2 / 3600 * 140e9 / (2 * 989e12 * 200 / 312) * 1000, rel=1e-12
    )
    assert im.exercises.expected("ch08-later-api") == pytest.approx(
        0.0005 / 0.00042972222, rel=1e-6
    )
    kinds = {
        im.exercises.get(line).kind
        for line in ["ch08-h100-prompt", "ch08-even-price", "ch08-one-token", "ch08-later-api"]
    }
    assert kinds == {"compute", "derive", "explain", "extend"}


def test_gpus_compared_at_one_provider_on_one_day():
    quotes = {q.gpu: q for q in im.GPU_HOUR_QUOTES if q.provider == "Hyperstack"}
    assert {q.date for q in quotes.values()} == {"2026-08-26"}

    def cost(gpu):
        price = quotes[gpu].usd_per_gpu_hour
        dep = im.deployment(scenario="article-2023", gpu=gpu, usd_per_gpu_hour=price)
        return float(im.usd_per_1k_prompt(dep, 2048))

    # two GPUs at $3.20 an hour, 140 GFLOP per token at 200/312 of 989 TFLOP/s each
    assert cost("h100-sxm") == pytest.approx(
        3.20 * 2 / 3600 * 140e9 / (2 * 989e12 * 200 / 312) * 1000, rel=1e-12
    )
    costs = {g: cost(g) for g in quotes}
    assert min(costs, key=costs.get) == "b200"  # 2,250 TFLOP/s at $6.00
    assert costs["h200-sxm"] > costs["h100-sxm"]  # the same peak, a higher price
    assert max(costs.values()) < float(im.usd_per_1k_prompt(ARTICLE, 2048))
