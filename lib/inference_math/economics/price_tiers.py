"""What a GPU-hour costs by how it is bought: on demand, reserved for a term, or owned
(chapters 11 and 12).

A verdict that sets a self-hosted cost against an API's price depends on the GPU's price as
much as on anything the earlier chapters derive, and that price is not one number. The same
H100 rented by the hour in September 2026 cost $3.90 at one provider and $6.16 at another;
reserved for a year, or bought and run in a rented rack, it costs a half or a third of that.
``GPU_PRICE_TIERS`` holds the dated, sourced prices of each tier; ``gpu_prices`` gathers, for
one GPU, those in force around a date together with the on-demand quotes of
``prices.GPU_HOUR_QUOTES`` of that date.

Where a tier has no source it is absent, never filled in: no reserved or owned price of a
2023 A100 and no owned (total-cost-of-ownership) price of an H200 or a B200 was found, so
those tiers are missing for those GPUs, and a verdict's range covers only what was found.

The owned tier is a published total cost of ownership per GPU-hour: the purchase (GPU, server,
network share) spread over its life, power, and hosting. ``owned_usd_per_gpu_hour`` computes
one from those inputs, so that a reader can change them; ``H100_OWNED_INPUTS`` are the
sourced inputs, which give $1.49 against the $1.65 break-even the same source publishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import checks
from ..hardware.gpus import get_gpu
from .prices import GPU_HOUR_QUOTES

TIERS = ("on-demand", "reserved", "owned")
# How directly a price was read: the provider's own page; a dated third-party copy of it
# that records the page and the day; a third party's article; a relay of a paywalled one;
# an entry of prices.GPU_HOUR_QUOTES, whose source says how it was read.
CONFIDENCE = ("primary", "transcribed", "secondary", "relayed", "quoted")
HOURS_A_YEAR = 8760.0


@dataclass(frozen=True)
class GpuPrice:
    """One GPU-hour price of one tier, from one source, on one date (chapters 11 and 12).
    ``term_years``: the commitment of a reserved price (None where the provider does not
    state it); for an owned price, the years its purchase is spread over."""

    gpu: str
    tier: str  # one of TIERS
    usd_per_gpu_hour: float
    provider: str
    date: str  # read or in force, ISO (a month where only the month is known)
    source: str
    confidence: str  # one of CONFIDENCE
    term_years: float | None = None

    @property
    def label(self) -> str:
        """'reserved 1 y, SemiAnalysis (2026-03): $2.35'."""
        term = f" {self.term_years:g} y" if self.term_years and self.tier != "owned" else ""
        return f"{self.tier}{term}, {self.provider} ({self.date}): ${self.usd_per_gpu_hour:.2f}"


_API_EVANGELIST = (
    "the provider's pricing page as transcribed on 2026-09-20 by a third party "
    "(github.com/api-evangelist/{repo}, plans/{repo}-plans-pricing.yml)"
)
_LAMBDA = _API_EVANGELIST.format(repo="lambda-labs") + "; per GPU-hour of an 8-GPU instance"
_COREWEAVE = _API_EVANGELIST.format(repo="coreweave") + "; the 8-GPU instance's price over 8"
_CRUSOE = _API_EVANGELIST.format(repo="crusoe")
_HYPERSTACK_RESERVED = (
    "Hyperstack's 'Reserved' contract price, 'from' (hyperstack.cloud/gpu-pricing, transcribed "
    "verbatim on 2026-08-26 by a third party, api-evangelist/nexgen-cloud); the term is not "
    "stated"
)
_SEMIANALYSIS_LEASE = (
    "SemiAnalysis, 'The Great GPU Shortage: Rental Capacity' (2026-03): a one-year H100 SXM "
    "lease at $2.35 per GPU-hour (cycle low $1.70 in October 2025), as relayed by two public "
    "summaries; the article itself is paywalled"
)
_NEXT_PLATFORM = (
    "The Next Platform, 'H100 GPU Instance Pricing On AWS: Grin And Bear It' (2023-07-27): "
    "p5.48xlarge $43.16/hour for 8 GPUs on a published three-year reservation"
)
_CHEAH = (
    "E. Cheah, '$2 H100s: How the GPU Bubble Burst', Latent Space (2024-10), as relayed: an "
    "H100 owned and hosted for five years (about $50,000 of GPU, server and network each, "
    "plus electricity and hosting) {what}"
)
# fmt: off
GPU_PRICE_TIERS: tuple[GpuPrice, ...] = (
    # on demand, several providers on one day (the 2026 snapshot the verdicts use)
    GpuPrice("a100-80gb-sxm", "on-demand", 2.79, "Lambda", "2026-09-20", _LAMBDA, "transcribed"),
    GpuPrice("h100-sxm", "on-demand", 3.99, "Lambda", "2026-09-20", _LAMBDA, "transcribed"),
    GpuPrice("b200", "on-demand", 6.69, "Lambda", "2026-09-20", _LAMBDA, "transcribed"),
    GpuPrice("a100-80gb-sxm", "on-demand", 21.60 / 8, "CoreWeave", "2026-09-20", _COREWEAVE,
             "transcribed"),
    GpuPrice("h100-sxm", "on-demand", 49.24 / 8, "CoreWeave", "2026-09-20", _COREWEAVE,
             "transcribed"),
    GpuPrice("h200-sxm", "on-demand", 50.44 / 8, "CoreWeave", "2026-09-20", _COREWEAVE,
             "transcribed"),
    GpuPrice("b200", "on-demand", 68.80 / 8, "CoreWeave", "2026-09-20", _COREWEAVE,
             "transcribed"),
    GpuPrice("a100-80gb-sxm", "on-demand", 2.30, "Crusoe", "2026-09-20", _CRUSOE, "transcribed"),
    GpuPrice("h100-sxm", "on-demand", 3.90, "Crusoe", "2026-09-20", _CRUSOE, "transcribed"),
    GpuPrice("h200-sxm", "on-demand", 4.29, "Crusoe", "2026-09-20", _CRUSOE, "transcribed"),
    # reserved
    GpuPrice("a100-80gb-sxm", "reserved", 1.36, "Hyperstack", "2026-08-26",
             _HYPERSTACK_RESERVED, "transcribed"),
    GpuPrice("h100-sxm", "reserved", 2.72, "Hyperstack", "2026-08-26", _HYPERSTACK_RESERVED,
             "transcribed"),
    GpuPrice("h200-sxm", "reserved", 2.79, "Hyperstack", "2026-08-26", _HYPERSTACK_RESERVED,
             "transcribed"),
    GpuPrice("b200", "reserved", 5.10, "Hyperstack", "2026-08-26", _HYPERSTACK_RESERVED,
             "transcribed"),
    GpuPrice("h100-sxm", "reserved", 2.35, "SemiAnalysis (market)", "2026-03",
             _SEMIANALYSIS_LEASE, "relayed", term_years=1),
    GpuPrice("h100-sxm", "reserved", 43.16 / 8, "AWS p5.48xlarge", "2023-07", _NEXT_PLATFORM,
             "secondary", term_years=3),
    # owned: a published total cost of ownership per GPU-hour
    GpuPrice("h100-sxm", "owned", 1.65, "Latent Space (break-even)", "2024-10",
             _CHEAH.format(what="recoups its cost at a rental of about $1.65 per GPU-hour"),
             "relayed", term_years=5),
    GpuPrice("h100-sxm", "owned", 2.85, "Latent Space (with a market return)", "2024-10",
             _CHEAH.format(what="returns what the stock market would at about $2.85 per "
                                "GPU-hour: the cost of the capital included"),
             "relayed", term_years=5),
)
# fmt: on


def _month(date: str) -> str:
    return date[:7]


def _within(date: str, since: str | None, until: str | None) -> bool:
    """Whether ``date`` falls from ``since`` to ``until``, both included, comparing only as
    many characters as the shorter date has (a month includes its days)."""
    early = since is None or date[: len(since)] >= since[: len(date)]
    late = until is None or date[: len(until)] <= until[: len(date)]
    return early and late


def gpu_prices(
    gpu,
    on_demand_date: str | tuple[str, ...] | None = None,
    tiers=TIERS,
    since: str | None = None,
    until: str | None = None,
) -> list[GpuPrice]:
    """Every price of ``gpu`` in ``tiers``, cheapest first: the reserved and owned prices of
    ``GPU_PRICE_TIERS`` dated from ``since`` to ``until`` (ISO days or months, both ends
    included; None: no bound), each with its own date, and the on-demand quotes read on
    ``on_demand_date`` (an ISO day, a month "2023-07", or several) from ``GPU_PRICE_TIERS`` and
    from ``prices.GPU_HOUR_QUOTES``, so that the on-demand tier is several providers on one
    date (None: every on-demand quote). A tier with no price for this GPU is simply absent.
    Chapters 11 and 12 use it."""
    name = get_gpu(gpu).name
    wanted = [checks.canonical("tier", t, {k: k for k in TIERS}) for t in tiers]
    quotes = [
        GpuPrice(q.gpu, "on-demand", q.usd_per_gpu_hour, q.provider, q.date, q.source, "quoted")
        for q in GPU_HOUR_QUOTES
    ]
    found = []
    for p in (*GPU_PRICE_TIERS, *quotes):
        if p.gpu != name or p.tier not in wanted:
            continue
        if p.tier == "on-demand" and on_demand_date is not None:
            days = (on_demand_date,) if isinstance(on_demand_date, str) else on_demand_date
            same = any(p.date == d or (len(d) == 7 and _month(p.date) == d) for d in days)
            if not same:
                continue
        if p.tier != "on-demand" and not _within(p.date, since, until):
            continue
        found.append(p)
    if not found:
        raise ValueError(
            f"no {'/'.join(wanted)} price of {name} "
            + (f"on {on_demand_date} " if on_demand_date else "")
            + "in the catalog; prices are never filled in where no source was found"
        )
    return sorted(found, key=lambda p: (p.usd_per_gpu_hour, p.provider))


@dataclass(frozen=True)
class OwnedInputs:
    """What owning a GPU costs, per GPU (chapter 12): the purchase (GPU, its share of the
    server and the network), the years it is spread over, the power it draws at the wall
    (cooling included), the price of that power and of the rack space it takes."""

    capex_usd: float
    years: float
    kw_at_the_wall: float
    usd_per_kwh: float
    hosting_usd_per_kw_month: float
    source: str


H100_OWNED_INPUTS = OwnedInputs(
    50_000.0, 5.0, 7.4 / 8, 0.10, 200.0,
    "capex and life: Cheah (Latent Space, 2024-10), $47,000-52,000 per H100 with its server "
    "and InfiniBand share, five years; power: 7.4 kW per 8-GPU node at the wall (8 x 700 W, "
    "host and network, PUE 1.2; a public datacentre-economics note, 2026); electricity "
    "$0.06-0.12 per kWh and colocation $150-250 per kW-month (a public GPU TCO page, 2026): "
    "the middle of each range",
)  # fmt: skip


def owned_usd_per_gpu_hour(inputs: OwnedInputs = H100_OWNED_INPUTS, utilisation=1.0):
    """USD per GPU-hour of owning a GPU: the purchase spread evenly over its life, the
    power it draws and the space it is hosted in, over the hours it works (``utilisation``
    of all of them). No cost of capital, staff or spares, so it is a floor: with
    ``H100_OWNED_INPUTS``, $1.49, against the $1.65 break-even its source publishes.
    Chapter 12 uses it."""
    u = checks.fraction("utilisation", utilisation)
    per_hour = (
        inputs.capex_usd / (inputs.years * HOURS_A_YEAR)
        + inputs.kw_at_the_wall * inputs.usd_per_kwh
        + inputs.kw_at_the_wall * inputs.hosting_usd_per_kw_month * 12 / HOURS_A_YEAR
    )
    return per_hour / u
