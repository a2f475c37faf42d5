"""The back matter: the formula sheet names a numeric function for every formula, and the built
formula sheet, catalog and glossary show everything the library holds."""

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s
from bookfiles import page_text


def test_every_formula_carries_its_numeric_function():
    for name, f in s.FORMULAS.items():
        assert f.name == name and callable(f.expression)
        fn = getattr(f.numeric, "func", None) or getattr(f.numeric, "fget", None) or f.numeric
        assert callable(fn), name
        assert s.get_formula(name.upper()) is f  # looked up case-insensitively


def test_formula_lookup_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown formula 'no such formula'"):
        s.get_formula("no such formula")


def test_numeric_functions_compute_their_formulas():
    """Spot checks that each record points at the right function (test_symbolic.py checks
    the formulas against the library in depth)."""
    weights = s.get_formula("weight bytes").numeric(68_976_648_192, "bf16")
    assert float(s.weight_bytes().subs({s.P: 68_976_648_192, s.b_w: 2})) == weights
    assert s.get_formula("KV bytes per token").numeric("llama-2-70b") == 327_680
    assert np.isclose(s.get_formula("ops:byte").numeric("a100-80gb-sxm"), 312e12 / 2.039e12)
    tokens = float(s.speculative_tokens_per_step().subs({s.alpha: 0.8, s.gamma: 4}))
    assert np.isclose(s.get_formula("speculative tokens per step").numeric(0.8, 4), tokens)
    per_token = s.usd_per_token_at_utilisation()
    assert np.isclose(
        float(per_token.subs(s.rho, sp.Rational(1, 2)) / per_token.subs(s.rho, 1)),
        s.get_formula("cost at utilisation").numeric(1.0, 0.5),
    )
    assert s.get_formula("matmul FLOPs").numeric is im.lab.linear
    assert s.get_formula("matmul FLOPs").numeric_name == "im.lab.linear"
    capacity = s.get_formula("KV capacity (tokens)")
    assert capacity.numeric_name == "Deployment.kv_capacity_tokens"
    dep = im.deployment(scenario="article-2023")
    assert capacity.numeric.func(dep) == dep.kv_capacity_tokens == 61_035
    assert (
        s.get_formula("parameters (dense Llama)").numeric.fget(im.get_model("llama-2-7b"))
        == 6_738_415_616
    )


@pytest.mark.book
def test_formula_sheet_shows_every_formula(built):
    text = page_text("formula-sheet")
    for name, meaning, _ in s.formula_sheet():
        assert name in text, f"formula {name!r} missing from the formula sheet"
        assert meaning.replace("'", "’") in text or meaning in text, meaning
        assert s.get_formula(name).numeric_name in text, name
    assert "{glue" not in text


@pytest.mark.book
def test_catalog_shows_every_entry(built):
    text = page_text("catalog")
    names = list(im.MODELS) + list(im.GPUS) + list(im.API_PRICES)
    names += [q.provider for q in im.GPU_HOUR_QUOTES]
    for name in names:
        assert name in text, f"{name!r} missing from the catalog"
    for value in [
        "68,976,648,192",
        "327,680 B (320 KiB)",
        "85,899,345,920",
        "81,920 MiB",
        "2,039 GB/s",
        "624 TFLOP/s",
        "$2.21",
    ]:
        assert value in text, value
    assert "{glue" not in text


@pytest.mark.book
def test_glossary_is_glued(built):
    text = page_text("glossary")
    for term in [
        "MFU",
        "MBU",
        "KV cache",
        "Grouped-query attention",
        "Time to first token",
        "Dense versus sparse FLOP/s",
        "1,073,741,824",
        "1,024",
    ]:
        assert term in text, term
    assert "{glue" not in text
