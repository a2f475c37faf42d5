"""The back matter: the formula sheet names a numeric function for every formula, and the built
formula sheet, catalog and glossary show everything the library holds."""

import numpy as np
import pytest
import sympy as sp

import inference_math as im
import inference_math.symbolic as s
from bookfiles import page_text


def test_every_formula_has_a_numeric_function():
    assert set(s.NUMERIC_FUNCTIONS) == set(s.FORMULAS)
    for name in s.FORMULAS:
        assert callable(s.numeric_function(name)), name


def test_numeric_function_lookup_rejects_unknown_names():
    with pytest.raises(ValueError, match="formula"):
        s.numeric_function("no such formula")


def test_numeric_functions_compute_their_formulas():
    """Spot checks that the mapping points at the right functions (test_symbolic.py checks
    the rest of the formulas against the library in depth)."""
    weights = s.numeric_function("weight bytes")(68_976_648_192, "bf16")
    assert float(s.weight_bytes().subs({s.P: 68_976_648_192, s.b_w: 2})) == weights
    assert s.numeric_function("KV bytes per token")("llama-2-70b") == 327_680
    assert np.isclose(s.numeric_function("ops:byte")("a100-80gb-sxm"), 312e12 / 2.039e12)
    tokens = float(s.speculative_tokens_per_step().subs({s.alpha_acc: 0.8, s.gamma_d: 4}))
    assert np.isclose(s.numeric_function("speculative tokens per step")(0.8, 4), tokens)
    per_token = s.usd_per_token_at_utilisation()
    assert np.isclose(float(per_token.subs(s.rho, sp.Rational(1, 2)) / per_token.subs(s.rho, 1)),
                      s.numeric_function("cost at utilisation")(1.0, 0.5))
    assert s.numeric_function("matmul FLOPs") is im.lab.linear


@pytest.mark.book
def test_formula_sheet_shows_every_formula(built):
    text = page_text("formula-sheet")
    for name, meaning, _ in s.formula_sheet():
        assert name in text, f"formula {name!r} missing from the formula sheet"
        assert meaning.replace("'", "’") in text or meaning in text, meaning
        assert f"im.{s.NUMERIC_FUNCTIONS[name]}" in text, name
    assert "{glue" not in text


@pytest.mark.book
def test_catalog_shows_every_entry(built):
    text = page_text("catalog")
    names = list(im.MODELS) + list(im.GPUS) + list(im.API_PRICES)
    names += [q.provider for q in im.GPU_HOUR_QUOTES]
    for name in names:
        assert name in text, f"{name!r} missing from the catalog"
    for value in ["68,976,648,192", "327,680 B (320 KiB)", "85,899,345,920", "81,920 MiB",
                  "2,039 GB/s", "624 TFLOP/s", "$2.21"]:
        assert value in text, value
    assert "{glue" not in text


@pytest.mark.book
def test_glossary_is_glued(built):
    text = page_text("glossary")
    for term in ["MFU", "MBU", "KV cache", "Grouped-query attention", "Time to first token",
                 "Dense versus sparse FLOP/s", "1,073,741,824", "1,024"]:
        assert term in text, term
    assert "{glue" not in text
