"""A table cell of the report: the median of a metric and its spread, in the metric's unit."""
from __future__ import annotations

from synclab.metrics import describe
from synclab.numfmt import factor
from synclab.report.tables import Summary


def metric(name: str, summary: Summary | None) -> str:
    """The median of a metric, written in its unit (synclab/metrics.py); '—' when absent."""
    if summary is None:
        return "—"
    return describe(name).format(summary.median)


def spread(name: str, summary: Summary | None) -> str:
    """'lo–hi' of the repetitions ('' for a single value), with what kind of spread it is."""
    if summary is None or not summary.spread:
        return ""
    row = describe(name)
    kind = "IQR" if summary.spread == "iqr" else "min–max"
    return f"{kind} {row.format(summary.lo)}–{row.format(summary.hi)}"


def ratio(value: float | None) -> str:
    """A primitive's throughput over the baseline's: '2.00×'; '—' without one."""
    return "—" if value is None else factor(value)
