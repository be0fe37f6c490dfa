"""How numbers are written: three significant digits, with SI prefixes or time units.

These are the formatters of the units in synclab/metrics.py; every report, comparison and
history page writes a metric through that table, so one unit always reads the same.
"""
from __future__ import annotations

import math

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
_TIME = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"))


def sig3(value: float) -> str:
    """Three significant digits without exponent for ordinary magnitudes."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    return f"{value:.{digits}f}"


def si(value: float) -> str:
    """1234567 -> '1.23 M'."""
    for scale, prefix in _SI:
        if abs(value) >= scale:
            return f"{sig3(value / scale)} {prefix}"
    return sig3(value)


def duration_ns(value: float) -> str:
    """81.3 -> '81.3 ns', 1250 -> '1.25 µs'."""
    for scale, unit in _TIME:
        if abs(value) >= scale:
            return f"{sig3(value / scale)} {unit}"
    return f"{sig3(value)} ns"


def duration_ms(value: float) -> str:
    """0.05 -> '50.0 µs', 200 -> '200 ms'."""
    return duration_ns(value * 1e6)


def fixed3(value: float) -> str:
    """Indices and shares between 0 and about 1: 0.9876 -> '0.988'."""
    return f"{value:.3f}"


def fixed2(value: float) -> str:
    """Deterministic counts whose fraction matters: 41.234 -> '41.23'."""
    return f"{value:.2f}"


def general(value: float) -> str:
    """Small counts per operation: 0.00123 -> '0.00123', 12.3 -> '12.3', 1.2e-5 -> '1.20e-05'.

    Beyond four decades either side the exponent form keeps the same three significant digits.
    """
    if value == 0:
        return "0"
    if abs(value) < 1e-4 or abs(value) >= 1e5:
        return f"{value:.2e}"
    return sig3(value)


def count(value: float) -> str:
    """Whole counts exactly (64 -> '64', 1234567 -> '1234567'); fractional ones as general()."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return general(value)


def factor(value: float) -> str:
    """A multiple of a reference: 2 -> '2.00×'."""
    return f"{value:.2f}×"


def clock(seconds: float) -> str:
    """73 -> '1:13'; 3725 -> '1:02:05'."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
