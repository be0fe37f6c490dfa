"""Number formatting shared by the text and HTML renderings."""
from __future__ import annotations

import math
from typing import Callable

from synclab.report.tables import Summary

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
_TIME = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"))


def _sig3(value: float) -> str:
    """Three significant digits without exponent for ordinary magnitudes."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    return f"{value:.{digits}f}"


def si(value: float) -> str:
    """1234567 -> '1.23 M'."""
    for scale, prefix in _SI:
        if abs(value) >= scale:
            return f"{_sig3(value / scale)} {prefix}"
    return _sig3(value)


def duration_ns(value: float) -> str:
    """81.3 -> '81.3 ns', 1250 -> '1.25 µs'."""
    for scale, unit in _TIME:
        if abs(value) >= scale:
            return f"{_sig3(value / scale)} {unit}"
    return f"{_sig3(value)} ns"


def fixed3(value: float) -> str:
    return f"{value:.3f}"


def general(value: float) -> str:
    """Small per-op counts: 0.00123 -> '0.00123', 12.3 -> '12.3'."""
    if value == 0:
        return "0"
    if abs(value) < 1e-4 or abs(value) >= 1e5:
        return f"{value:.2e}"
    return _sig3(value)


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


METRIC_FORMATS: dict[str, Callable[[float], str]] = {
    "ops_per_sec": si, "handoffs_per_sec": si,
    "ns_per_op": duration_ns, "cpu_ns_per_op": duration_ns,
    "lat_p50_ns": duration_ns, "lat_p99_ns": duration_ns, "lat_p999_ns": duration_ns,
    "lat_max_ns": duration_ns,
    "fairness_jain": fixed3, "share_min": fixed3, "share_max": fixed3,
    "ctx_switches_per_op": general, "futex_waits_per_op": general, "futex_wakes_per_op": general,
}


def metric(name: str, summary: Summary | None) -> str:
    """The median of a metric, formatted for its kind; '—' when absent."""
    if summary is None:
        return "—"
    return METRIC_FORMATS.get(name, general)(summary.median)


def spread(name: str, summary: Summary | None) -> str:
    """'lo–hi' of the repetitions ('' for a single value), with what kind of spread it is."""
    if summary is None or not summary.spread:
        return ""
    fmt = METRIC_FORMATS.get(name, general)
    kind = "IQR" if summary.spread == "iqr" else "min–max"
    return f"{kind} {fmt(summary.lo)}–{fmt(summary.hi)}"


def clock(seconds: float) -> str:
    """73 -> '1:13'; 3725 -> '1:02:05'."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
