"""Number formatting shared by reports and comparisons: three significant digits, SI or time units."""
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


def fixed3(value: float) -> str:
    return f"{value:.3f}"
