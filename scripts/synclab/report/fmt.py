"""Number formatting shared by the text and HTML renderings."""
from __future__ import annotations

from typing import Callable

from synclab.report.tables import Summary

from synclab.numfmt import duration_ns, fixed3, si
from synclab.numfmt import sig3 as _sig3


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
