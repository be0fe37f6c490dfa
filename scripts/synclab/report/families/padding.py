"""The padding family: the distance curve (slowdown against the distance between two written
variables) with the measured interference distance marked, above the levels' tables.

The curve comes from the `padding/distance/write/.../bytes:N` cases when the run has them
(`full` profile, or --sweeps), else from the summary case's slowdown_at_0/8/64/128. The
interference distance is the summary case's `interference_bytes`; without a summary case it is
found in the sweep by the same rule (docs/padding.md): the smallest distance from which no
distance is slowed down, a distance counting as slowed down when it and the next shorter one are
both slower than the threshold x the baseline (the median of the four largest distances).
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from synclab.report.families.base import FamilyPanel, FamilyRun, Overview, Skip
from synclab.report.families.plots import THROUGHPUT_LINES
from synclab.report.tables import ScenarioTable, Summary, case_samples, summarize

DISTANCE = "distance"
SWEEP, SUMMARY = "write", "summary"
THRESHOLD = 1.25  # the harness's kInterferenceThreshold, for runs whose summary lacks it
SUMMARY_POINTS = (0, 8, 64, 128)  # the summary case's slowdown_at_N
# (label, context or summary metric): the constants the measured distance is compared with.
REFERENCES = (("compiler's destructive size", "hardware_destructive_interference_size"),
              ("cache line (sysfs)", "coherency_line_size"))


@dataclass(frozen=True)
class CurvePoint:
    bytes: int
    slowdown: float  # ns_per_op / baseline (median of the repetitions)
    lo: float
    hi: float


@dataclass(frozen=True)
class DistanceCurve:
    """The sweep at one placement, and where false sharing ends."""
    placement: str
    points: tuple[CurvePoint, ...]
    source: str  # "sweep" (the write cases) or "summary" (the summary case's four points)
    interference: int | None  # the interference distance; None: slowed even at the largest
    interference_from: str  # where it comes from, for the caption
    threshold: float


@dataclass(frozen=True)
class DistanceData:
    curves: tuple[DistanceCurve, ...]
    references: tuple[tuple[str, int], ...]  # (what, bytes)


def interference_distance(points: Sequence[tuple[int, float]], threshold: float) -> int | None:
    """The harness's rule on (bytes, slowdown) points; None when even the largest is slowed."""
    ordered = sorted(points)
    slowed = [s > threshold for _, s in ordered]
    for i in range(len(ordered) - 1, -1, -1):
        if slowed[i] and (i == 0 or slowed[i - 1]):
            return None if i + 1 == len(ordered) else ordered[i + 1][0]
    return ordered[0][0] if ordered else None


def _bytes_of(table: ScenarioTable) -> int | None:
    key, _, value = table.params.partition(":")
    return int(value) if key == "bytes" and value.isdigit() else None


def _sweep(tables: Sequence[ScenarioTable], placement: str) -> list[tuple[int, Any]]:
    """(bytes, ns_per_op summary) of the write cases at the placement, by distance."""
    points = []
    for table in tables:
        distance = _bytes_of(table)
        if table.scenario != SWEEP or distance is None:
            continue
        for row in table.rows:
            if row.primitive == DISTANCE and row.placement == placement and "ns_per_op" in row.metrics:
                points.append((distance, row.metrics["ns_per_op"]))
    return sorted(points, key=lambda p: p[0])


def _summary(values: list[float] | None) -> Summary | None:
    return summarize(values) if values else None


def _mode(values: Sequence[float]) -> int:
    """The value most repetitions agree on (the larger on a tie)."""
    counts = Counter(int(v) for v in values)
    return max(counts, key=lambda v: (counts[v], v))


def _curve(tables: Sequence[ScenarioTable], summary: Mapping[str, list[float]] | None,
           placement: str) -> DistanceCurve | None:
    summary = summary or {}
    threshold = statistics.median(summary["threshold"]) if summary.get("threshold") else THRESHOLD
    sweep = _sweep(tables, placement)
    if len(sweep) >= 2:
        tail = sorted(s.median for _, s in sweep[-4:])
        baseline = statistics.median(tail)
        points = tuple(CurvePoint(b, s.median / baseline, s.lo / baseline, s.hi / baseline)
                       for b, s in sweep)
        source = "sweep"
    elif any(summary.get(f"slowdown_at_{b}") for b in SUMMARY_POINTS):
        points = tuple(CurvePoint(b, s.median, s.lo, s.hi) for b in SUMMARY_POINTS
                       if (s := _summary(summary.get(f"slowdown_at_{b}"))) is not None)
        source = "summary"
    else:
        return None
    if summary.get("interference_bytes"):
        distance: int | None = _mode(summary["interference_bytes"])
        found = "the summary case (the whole sweep in one process, best of two passes)"
    elif summary.get("interference_beyond_bytes"):
        distance, found = None, "the summary case"
    elif source == "sweep":
        distance = interference_distance([(p.bytes, p.slowdown) for p in points], threshold)
        found = "this sweep, by the summary case's rule (no summary case in this run)"
    else:
        return None
    return DistanceCurve(placement, points, source, distance, found, threshold)


def _summaries(family: FamilyRun) -> dict[str, Mapping[str, list[float]]]:
    """The summary case's metrics per placement: every repetition's value."""
    return {case.placement: values
            for case, (_, _, values) in case_samples(family.run.records).items()
            if case.family == family.family and case.primitive == DISTANCE
            and case.scenario == SUMMARY}


def distance_data(family: FamilyRun) -> DistanceData | Skip:
    summaries = _summaries(family)
    placements = sorted({row.placement for t in family.tables
                         if t.scenario in (SWEEP, SUMMARY) for row in t.rows})
    curves = [c for p in placements if (c := _curve(family.tables, summaries.get(p), p))]
    if not curves:
        return Skip("distance curve: neither the distance sweep (padding/distance/write/…) nor "
                    "its summary case (padding/distance/summary/…) was measured in this run")
    return DistanceData(tuple(curves), tuple(_references(family, summaries)))


def _references(family: FamilyRun, summaries: Mapping[str, Mapping[str, list[float]]]
                ) -> list[tuple[str, int]]:
    """The constants recorded in the context (or, failing that, by the summary case)."""
    references = []
    for what, key in REFERENCES:
        value: Any = family.run.context.get(key)
        if value in (None, ""):
            value = next((s[key][0] for s in summaries.values() if s.get(key)), None)
        try:
            bytes_ = int(float(value)) if value is not None else 0
        except (TypeError, ValueError):
            continue
        if bytes_ > 0:
            references.append((what, bytes_))
    return references


def _draw_distance(data: DistanceData, ax: Any, title: str, emulated: bool) -> None:
    from synclab.report.figures.padding import plot_distance_curve
    plot_distance_curve(data, ax=ax, title=title, emulated=emulated)


DISTANCE_CURVE = Overview(
    "distance", "the distance curve",
    "Each point: how much slower one thread's writes are when the other thread writes a "
    "variable that many bytes away, against far apart (1× = no interference; the dotted line "
    "is the threshold a distance must exceed, with the next shorter one, to count as slowed "
    "down). The red line marks the measured interference distance: pad shared data to at "
    "least that much. Grey lines: the compiler's constant and the cache line size, for "
    "comparison.",
    distance_data, _draw_distance, "false sharing: slowdown against distance",
    lambda data: (6.4, 3.3))

PANEL = FamilyPanel(
    about="How far apart two written variables must be for their writers not to slow each "
          "other down (false sharing), the book's chapter 7 experiments, and what Padded<T, N> "
          "buys in arrays of counters, locks and a ring (docs/padding.md). The distance curve "
          "opens the section; the levels below hold every case's numbers.",
    speed=(THROUGHPUT_LINES,),
    overview=(DISTANCE_CURVE,),
)
