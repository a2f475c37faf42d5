"""Units and the one place that turns numbers into prose.

Everything inside the library is in base units: bytes, FLOPs, seconds, US dollars.
Decimal prefixes (KB, GB, TB) are powers of 1000; binary prefixes (KiB, GiB) powers of 1024.
Chapters glue the strings these functions return, so every page formats alike.
"""

from __future__ import annotations

import math

KB, MB, GB, TB = 1e3, 1e6, 1e9, 1e12
KiB, MiB, GiB, TiB = 2**10, 2**20, 2**30, 2**40
TERA, GIGA = 1e12, 1e9
SECONDS_PER_HOUR = 3600.0

BYTE_UNITS = {
    "B": 1,
    "KB": KB,
    "MB": MB,
    "GB": GB,
    "TB": TB,
    "KiB": KiB,
    "MiB": MiB,
    "GiB": GiB,
    "TiB": TiB,
}
_SI_PREFIXES = {"µ": 1e-6, "m": 1e-3, "": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


def _plain(x) -> float:
    # numpy 2 scalars print as np.float64(...) in some contexts; prose wants plain floats
    return float(x)


def round_sig(x: float, sig: int = 3) -> float:
    """``x`` rounded to ``sig`` significant digits."""
    x = _plain(x)
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, sig - 1 - math.floor(math.log10(abs(x))))


def fmt_sig(x: float, sig: int = 3) -> str:
    """``x`` with ``sig`` significant digits, never in scientific notation, no trailing zeros
    beyond the significant ones (0.00043, 18.6, 140, 2,870)."""
    x = _plain(x)
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    r = round_sig(x, sig)
    decimals = max(0, sig - 1 - math.floor(math.log10(abs(r))))
    return f"{r:,.{decimals}f}"


def fmt_int(n) -> str:
    """An exact integer with thousands separators: 68,976,648,192."""
    if float(n) != int(n):
        raise ValueError(f"fmt_int needs a whole number, got {n!r}")
    return f"{int(n):,}"


def fmt_fixed(x: float, decimals: int) -> str:
    """``x`` with a fixed number of decimals (137.95)."""
    return f"{_plain(x):,.{decimals}f}"


def fmt_bytes(n: float, unit: str = "GB", sig: int | None = 3, decimals: int | None = None) -> str:
    """Bytes in a named unit: ``fmt_bytes(137953296384, "GB", decimals=2)`` gives '137.95 GB'.

    The unit is always named by the caller: KB and KiB are different numbers and the book
    never lets a formatter choose between them silently.
    """
    if unit not in BYTE_UNITS:
        raise ValueError(f"unknown byte unit {unit!r}; allowed: {', '.join(BYTE_UNITS)}")
    value = _plain(n) / BYTE_UNITS[unit]
    text = fmt_fixed(value, decimals) if decimals is not None else fmt_sig(value, sig)
    return f"{text} {unit}"


def fmt_si(
    x: float, unit: str, prefix: str = "", sig: int | None = 3, decimals: int | None = None
) -> str:
    """A quantity with an SI prefix chosen by the caller: ``fmt_si(1.4e11, "FLOP", "G")``
    gives '140 GFLOP'; ``fmt_si(3.12e14, "FLOP/s", "T")`` gives '312 TFLOP/s'."""
    if prefix not in _SI_PREFIXES:
        raise ValueError(f"unknown SI prefix {prefix!r}; allowed: {', '.join(_SI_PREFIXES)}")
    value = _plain(x) / _SI_PREFIXES[prefix]
    text = fmt_fixed(value, decimals) if decimals is not None else fmt_sig(value, sig)
    return f"{text} {prefix}{unit}"


def fmt_seconds(s: float, sig: int = 3) -> str:
    """A duration: milliseconds below one second, seconds above ('179 ms', '2.87 s')."""
    s = _plain(s)
    if not math.isfinite(s):
        return "n/a"
    if abs(s) < 1:
        return f"{fmt_sig(s * 1e3, sig)} ms"
    return f"{fmt_sig(s, sig)} s"


def fmt_usd(x: float, sig: int = 2) -> str:
    """Dollars with ``sig`` significant digits: '$0.00043', '$2.21', '$4.42'."""
    x = _plain(x)
    if not math.isfinite(x):
        return "n/a"
    if x < 0:
        return "-" + fmt_usd(-x, sig)
    return "$" + fmt_sig(x, sig)


def fmt_tokens_per_s(x: float, sig: int = 3) -> str:
    return f"{fmt_sig(x, sig)} tokens/s"


def fmt_percent(fraction: float, sig: int = 2) -> str:
    """A fraction as a percentage: 0.0927 gives '9.3%'."""
    return f"{fmt_sig(100 * _plain(fraction), sig)}%"


def fmt_ratio(x: float, sig: int = 2) -> str:
    """A multiplier: 3.5 gives '3.5×'. A ratio that is not one never reads as one: 1.026 gives
    '1.03×' and 0.996 '0.996×', since a verdict turns on which side of one it lies."""
    x = _plain(x)
    text = fmt_sig(x, sig)
    if math.isfinite(x) and x != 1:
        while float(text.replace(",", "")) == 1 and sig < 6:
            sig += 1
            text = fmt_sig(x, sig)
    return f"{text}×"
