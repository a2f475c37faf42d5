"""Erlang's delay model (queueing.py, chapter 13): textbook values, the closed form, its
properties, and bad input refused by name."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import inference_math as im
from inference_math import queueing


def erlang_c_exact(c: int, a: Fraction) -> Fraction:
    """Erlang C by its closed form, in exact fractions."""
    top = a**c / math.factorial(c) * Fraction(c) / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(
    "c,a,expected",
    [(1, Fraction(1, 2), Fraction(1, 2)), (2, 1, Fraction(1, 3)), (3, 2, Fraction(4, 9))],
)
def test_textbook_values(c, a, expected):
    assert erlang_c_exact(c, Fraction(a)) == expected
    assert im.erlang_c(c, float(a)) == pytest.approx(float(expected), rel=1e-14)


@pytest.mark.parametrize("c", [1, 2, 5, 17, 40])
@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9, 0.99])
def test_erlang_c_equals_the_closed_form(c, rho):
    a = Fraction(rho).limit_denominator(10**6) * c
    assert im.erlang_c(c, float(a)) == pytest.approx(float(erlang_c_exact(c, a)), rel=1e-12)


def test_one_slot_waits_with_probability_rho():
    rho = np.linspace(0, 0.99, 12)
    assert np.allclose(im.erlang_c(1, rho), rho, rtol=1e-14, atol=0)


def test_properties():
    load = np.linspace(0.5, 15.5, 31)
    c = im.erlang_c(16, load)
    assert np.all((c >= 0) & (c <= 1)) and np.all(np.diff(c) > 0)  # more traffic, more waits
    # more slots at the same utilisation: fewer waits (the economy of scale of pooling)
    slots = np.array([1, 2, 4, 8, 16, 32, 64])
    assert np.all(np.diff(im.erlang_c(slots, 0.8 * slots)) < 0)
    assert im.erlang_c(8, 0.0) == 0.0 and im.erlang_c(8, 7.9999) > 0.999  # C -> 1 as a -> B
    # many slots stay finite and exact (Erlang B's recursion, not factorials)
    assert 0 < im.erlang_c(4000, 3900.0) < 1


def test_waits():
    # M/M/1, lambda = 1, mu = 2: mean wait rho / (mu - lambda) = 0.5 s, P(W > t) = rho e^-t
    assert im.mean_wait(1, 1.0, 2.0) == pytest.approx(0.5, rel=1e-14)
    assert im.wait_quantile(1, 1.0, 2.0, 0.99) == pytest.approx(math.log(50), rel=1e-14)
    # at most 1 - C of arrivals wait at all, so a quantile below 1 - C is zero
    c = im.erlang_c(4, 2.0)
    assert im.wait_quantile(4, 2.0, 1.0, 1 - c - 0.01) == 0.0
    assert im.wait_quantile(4, 2.0, 1.0, 1 - c + 0.01) > 0
    assert im.wait_quantile(4, 0.0, 1.0, 0.99) == 0.0  # no traffic, no wait
    # the tail: P(W > t) = C exp(-(B mu - lambda) t) at the quantile's t
    t = im.wait_quantile(17, 1.2, 0.075, 0.99)
    assert im.erlang_c(17, 1.2 / 0.075) * math.exp(-(17 * 0.075 - 1.2) * t) == pytest.approx(
        0.01, rel=1e-12
    )
    q = np.array([0.5, 0.9, 0.99, 0.999])
    assert np.all(np.diff(im.wait_quantile(17, 1.2, 0.075, q)) > 0)


def test_max_utilisation_inverts_the_quantile():
    mu = 1 / 13.0
    for budget in (0.0, 0.4, 5.0):
        rho = im.max_utilisation(17, mu, budget, 0.99)
        assert 0 < rho < 1
        assert im.wait_quantile(17, rho * 17 * mu, mu, 0.99) <= budget + 1e-9
        assert im.wait_quantile(17, (rho + 1e-6) * 17 * mu, mu, 0.99) > budget
    # zero wait for 99%: C(B, a) = 0.01
    rho = im.max_utilisation(17, mu, 0.0, 0.99)
    assert im.erlang_c(17, rho * 17) == pytest.approx(0.01, rel=1e-6)
    assert np.all(np.diff(im.max_utilisation(np.array([4, 17, 64]), mu, 0.4, 0.99)) > 0)


def test_waits_against_a_simulated_queue():
    """Erlang C's wait against a simulated M/M/2 queue: the mean and the p90 agree."""
    rng = np.random.default_rng(13)
    lam, mu, n = 1.5, 1.0, 200_000
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    service = rng.exponential(1 / mu, n)
    free = np.zeros(2)
    waits = np.empty(n)
    for i in range(n):
        k = int(np.argmin(free))
        start = max(arrivals[i], free[k])
        waits[i] = start - arrivals[i]
        free[k] = start + service[i]
    assert waits.mean() == pytest.approx(im.mean_wait(2, lam, mu), rel=0.05)
    assert np.quantile(waits, 0.9) == pytest.approx(im.wait_quantile(2, lam, mu, 0.9), rel=0.05)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: im.erlang_c(0, 0.5), "servers must be positive, got 0"),
        (lambda: im.erlang_c(2.5, 1.0), "servers must be a whole number, got 2.5"),
        (lambda: im.erlang_c(2, -1.0), "offered_load must not be negative, got -1"),
        (lambda: im.erlang_c(2, 2.0), "offered_load must be below servers"),
        (lambda: im.erlang_c(2, float("nan")), "offered_load must be finite"),
        (lambda: im.erlang_c(np.array([2, 4]), np.array([1.0, 5.0])), "got offered_load 5"),
        (lambda: im.erlang_c(200_000, 1.0), "servers must be at most 100,000"),
        (lambda: im.mean_wait(2, 1.0, 0.0), "service_rate must be positive, got 0"),
        (lambda: im.mean_wait(2, 3.0, 1.0), "offered_load must be below servers"),
        (lambda: im.wait_quantile(2, 1.0, 1.0, 1.0), "q must be in (0, 1), got 1"),
        (lambda: im.wait_quantile(2, 1.0, 1.0, 0), "q must be in (0, 1), got 0"),
        (lambda: im.wait_quantile(2, 1.0, 1.0, "0.99"), "q must be a number"),
        (lambda: im.wait_quantile(2, -1.0, 1.0, 0.5), "arrival_rate must not be negative"),
        (lambda: im.max_utilisation(2, 1.0, -1.0, 0.99), "wait_s must not be negative, got -1"),
    ],
)
def test_bad_input_is_refused_by_name(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)


def test_the_module_names_its_assumptions_and_chapter():
    doc = queueing.__doc__
    assert "Poisson" in doc and "exponential" in doc and "chapter 13" in doc
