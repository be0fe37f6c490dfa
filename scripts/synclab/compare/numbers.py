"""Number formatting of comparisons: three significant digits, with SI or time units."""
from __future__ import annotations

from typing import Callable

from synclab.numfmt import duration_ns, fixed3, si, sig3

__all__ = ["duration_ns", "fixed3", "si", "sig3", "general"]


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
