"""Number formatting of comparisons: three significant digits, with SI or time units."""
from __future__ import annotations

import math
from typing import Callable

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
_TIME = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"))


def sig3(value: float) -> str:
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


def general(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) < 1e-4 or abs(value) >= 1e5:
        return f"{value:.3g}"
    return sig3(value)


def clock(seconds: float) -> str:
    """73 -> '1:13'; 3725 -> '1:02:05'."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def formatter(metric: str) -> Callable[[float], str]:
    """The format of a metric by its name."""
    if metric.endswith("_per_sec"):
        return si
    if metric.endswith("_ns") or metric in ("ns_per_op", "cpu_ns_per_op", "task_clock_ns_per_op"):
        return duration_ns
    if metric in ("fairness_jain", "share_min", "share_max"):
        return fixed3
    if metric == "instructions_per_op":
        return lambda v: f"{v:.2f}"
    return general
