"""Waiting for a free slot: the queue in front of a deployment (chapter 13).

A server that batches continuously keeps up to B requests in flight; a request that arrives
while all B slots are busy waits. How long it waits is a queueing question, and the answer
here is Erlang's delay model (M/M/c, with the B slots as its c servers). Its assumptions,
which chapter 13 states where it uses them:

- requests arrive as a Poisson stream of ``arrival_rate`` (lambda) per second;
- each holds one slot for a service time drawn, independently, from an exponential
  distribution of mean 1 / ``service_rate`` (mu);
- a request that finds every slot busy waits in one first-come, first-served queue.

The offered load a = lambda / mu counts the slots the traffic keeps busy on average; the
utilisation a / B must be below 1, or the queue grows without end. Erlang's C formula gives
the probability that an arrival has to wait,

    C(B, a) = (a^B / B!) (B / (B - a)) / (sum_{k < B} a^k / k! + (a^B / B!) (B / (B - a))),

computed here through Erlang's B formula, E(0) = 1, E(k) = a E(k-1) / (k + a E(k-1)), and
C = E / (1 - (a / B)(1 - E)), which stays exact in float64 for thousands of slots. The wait W
of an arrival then has P(W > t) = C exp(-(B mu - lambda) t): a mean of C / (B mu - lambda) and
a q-quantile of ln(C / (1 - q)) / (B mu - lambda), or 0 when C <= 1 - q. Every function
broadcasts over numpy arrays.
"""

from __future__ import annotations

import numpy as np

from ..core import checks

# Erlang's recursion runs once per slot; no server keeps more requests in flight than this.
MAX_SERVERS = 100_000


def _servers(servers) -> np.ndarray:
    return checks.count("servers", servers, maximum=MAX_SERVERS)


def _stable(servers, load) -> None:
    """Refuse an offered load at or above the slots: no steady state, the queue grows."""
    s, a = np.broadcast_arrays(servers, load)
    bad = a >= s
    if np.any(bad):
        raise ValueError(
            f"offered_load must be below servers (utilisation under 1, or the queue grows "
            f"without end), got offered_load {a[bad].flat[0]:g} with servers {s[bad].flat[0]:g}"
        )


def erlang_c(servers, offered_load):
    """The probability that a request waits for a slot: Erlang's C formula for ``servers``
    slots (the batch a server keeps in flight) and an ``offered_load`` of a = lambda / mu
    slots busy on average, 0 <= a < servers. Poisson arrivals and exponential service times
    (the module's docstring). C(1, a) = a; C(2, 1) = 1/3; C(3, 2) = 4/9. Chapter 13 uses it."""
    s = _servers(servers)
    a = checks.nonnegative("offered_load", offered_load)
    _stable(s, a)
    s, a = np.broadcast_arrays(s, a)
    erlang_b = np.ones(s.shape)
    for k in range(1, int(s.max(initial=1)) + 1):  # Erlang B, one slot at a time
        erlang_b = np.where(k <= s, a * erlang_b / (k + a * erlang_b), erlang_b)
    c = erlang_b / (1.0 - (a / s) * (1.0 - erlang_b))
    return c if c.ndim else float(c)


def _rates(servers, arrival_rate, service_rate):
    s = _servers(servers)
    lam = checks.nonnegative("arrival_rate", arrival_rate)
    mu = checks.positive("service_rate", service_rate)
    _stable(s, lam / mu)
    return s, lam, mu


def mean_wait(servers, arrival_rate, service_rate):
    """Mean seconds a request waits for a slot: C(B, a) / (B mu - lambda), with
    ``arrival_rate`` lambda requests per second, ``service_rate`` mu per second per slot and
    B = ``servers``. One slot, lambda = 1, mu = 2: 0.5 s. Chapter 13 uses it."""
    s, lam, mu = _rates(servers, arrival_rate, service_rate)
    return erlang_c(s, lam / mu) / (s * mu - lam)


def wait_quantile(servers, arrival_rate, service_rate, q):
    """Seconds within which a fraction ``q`` of requests get a slot: the q-quantile of the
    wait, ln(C / (1 - q)) / (B mu - lambda), or 0 when at least q of requests find a free slot
    (C <= 1 - q). ``q`` = 0.99 gives the p99. Poisson arrivals and exponential service times
    are assumptions (the module's docstring). Chapter 13 uses it."""
    s, lam, mu = _rates(servers, arrival_rate, service_rate)
    quantile = checks.number("q", q)
    if np.any((quantile <= 0) | (quantile >= 1)):
        bad = quantile[(quantile <= 0) | (quantile >= 1)].flat[0]
        raise ValueError(f"q must be in (0, 1), got {bad:g}")
    c = erlang_c(s, lam / mu)
    with np.errstate(divide="ignore"):  # C = 0 (no traffic): log of 0 is clipped to 0 below
        t = np.log(c / (1.0 - quantile)) / (s * mu - lam)
    t = np.maximum(t, 0.0)
    return t if t.ndim else float(t)


def max_utilisation(servers, service_rate, wait_s, q, tolerance=1e-12):
    """The highest utilisation rho = lambda / (B mu) at which the q-quantile of the wait for a
    slot is at most ``wait_s`` seconds (``wait_quantile``), found by bisection: the quantile
    rises with the traffic. ``wait_s`` = 0 asks that a fraction q of requests never wait.
    ``q`` = "mean" bounds the mean wait instead (``mean_wait``). Chapters 11 and 13 use it."""
    mean = isinstance(q, str) and q.strip().lower() == "mean"
    s = _servers(servers)
    mu = checks.positive("service_rate", service_rate)
    limit = checks.nonnegative("wait_s", wait_s)
    tol = float(checks.positive("tolerance", tolerance))
    s, mu, limit = np.broadcast_arrays(s, mu, limit)
    lo, hi = np.zeros(s.shape), np.ones(s.shape)
    while np.any(hi - lo > tol):
        mid = (lo + hi) / 2
        lam = mid * s * mu
        ok = (mean_wait(s, lam, mu) if mean else wait_quantile(s, lam, mu, q)) <= limit
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return lo if lo.ndim else float(lo)
