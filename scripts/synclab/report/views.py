"""What a family's plots show at one contention level: pure selections from the scenario tables.

A LevelView is one family at one level and placement, narrowed to the level's highest thread
count, which is where primitives differ most. Each function below returns the data of one plot.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from synclab.report.summary import (DEFAULT_FAIR_BY, Criterion, WhyAbsent, pick_winners,
                                    registry_reason)
from synclab.report.tables import (Row, ScenarioTable, Series, parse_label, rows_at_top_threads,
                                   throughput_series)

OVERSUBSCRIBED = "oversubscribed"
# The level oversubscription is compared with: the same work, one thread per PU.
COLLAPSE_REFERENCE = "high"


@dataclass(frozen=True)
class LevelView:
    table: ScenarioTable
    placement: str
    threads: int  # the highest thread count measured at this level and placement
    rows: tuple[Row, ...]  # the rows at that thread count
    family_tables: tuple[ScenarioTable, ...]  # every level of the family, from the same run
    fair_by: str = DEFAULT_FAIR_BY  # the summary's fairness criterion (summary.py)
    why: WhyAbsent = registry_reason  # why a metric is absent, for what is left out

    @property
    def thread_counts(self) -> list[int]:
        return sorted({row.threads for row in self.table.rows if row.placement == self.placement})


def level_views(table: ScenarioTable, family_tables: Sequence[ScenarioTable],
                fair_by: str = DEFAULT_FAIR_BY, why: WhyAbsent = registry_reason) -> list[LevelView]:
    """One view per placement of the table."""
    views = []
    for placement in table.placements:
        threads, rows = rows_at_top_threads(table, placement)
        views.append(LevelView(table, placement, threads, rows, tuple(family_tables), fair_by,
                               why))
    return views


def series_at(view: LevelView) -> list[Series]:
    return [s for s in throughput_series(view.table) if s.placement == view.placement]


@dataclass(frozen=True)
class FairnessPoint:
    primitive: str
    fairness: float  # the criterion's metric
    ops_per_sec: float


@dataclass(frozen=True)
class Fairness:
    points: tuple[FairnessPoint, ...]
    criterion: Criterion  # what the x axis shows (summary.py)
    floor: float  # the value needed to compete for "best at both"
    best: str  # the "best at both" primitive
    left_out: tuple[str, ...] = ()  # primitives without the criterion's metric


def fairness_points(view: LevelView) -> Fairness | None:
    """The summary's fairness criterion against throughput per primitive; None when there is
    nothing to compare."""
    winners = pick_winners(view.rows, view.threads, view.fair_by, family=view.table.family,
                           why=view.why)
    if view.threads <= 1 or winners is None or winners.verdict is None or winners.best is None:
        return None
    criterion = winners.verdict.criterion
    points = [FairnessPoint(row.primitive, value, ops) for row in view.rows
              if (value := row.median(criterion.metric)) is not None
              and (ops := row.median("ops_per_sec")) is not None]
    if not points or winners.verdict.floor is None:
        return None
    return Fairness(tuple(points), criterion, winners.verdict.floor, winners.best.primitive,
                    tuple(name for name, _ in winners.verdict.unrated))


@dataclass(frozen=True)
class LatencyRange:
    primitive: str
    p50: float
    p99: float | None
    p999: float | None
    max: float | None


def latency_ranges(view: LevelView) -> list[LatencyRange]:
    """Latency percentiles per primitive (those with at least a median latency)."""
    ranges = []
    for row in view.rows:
        p50 = row.median("lat_p50_ns")
        if p50 is not None:
            ranges.append(LatencyRange(row.primitive, p50, row.median("lat_p99_ns"),
                                       row.median("lat_p999_ns"), row.median("lat_max_ns")))
    return ranges


@dataclass(frozen=True)
class CpuCost:
    primitive: str
    cpu_ns: float  # CPU time of all workers per operation
    capacity_ns: float  # wall time per operation x CPUs the threads had: the most they could use
    threads: int
    pus: int  # PUs the threads ran on (fewer than threads when oversubscribed)

    @property
    def busy(self) -> float:
        """Share of the available CPU time the workers used: near 1 means waiters spin."""
        return self.cpu_ns / self.capacity_ns if self.capacity_ns > 0 else 0.0


def cpu_costs(view: LevelView) -> list[CpuCost]:
    """CPU time per operation against wall time x threads (x PUs when threads outnumber them)."""
    costs = []
    for row in view.rows:
        cpu, wall = row.median("cpu_ns_per_op"), row.median("ns_per_op")
        if cpu is None or wall is None:
            continue
        placement = parse_label(row.label)
        distinct = len(set(placement.pus)) if placement and placement.pus else row.threads
        pus = min(row.threads, distinct)
        costs.append(CpuCost(row.primitive, cpu, wall * pus, row.threads, pus))
    return costs


@dataclass(frozen=True)
class Collapse:
    """Throughput when oversubscribed over throughput at `high` with one thread per PU."""
    threads: int  # oversubscribed
    reference_threads: int  # high, the most threads measured
    bars: tuple[tuple[str, float], ...]  # primitive, ratio; lowest first


def collapse(view: LevelView) -> Collapse | None:
    """Only for the oversubscribed level, against `high` at the same placement and parameters."""
    if view.table.scenario != OVERSUBSCRIBED:
        return None
    reference = next((t for t in view.family_tables if t.scenario == COLLAPSE_REFERENCE
                      and t.params == view.table.params), None)
    if reference is None:
        return None
    ref_threads, ref_rows = rows_at_top_threads(reference, view.placement)
    base = {row.primitive: ops for row in ref_rows if (ops := row.median("ops_per_sec"))}
    bars = [(row.primitive, ops / base[row.primitive]) for row in view.rows
            if (ops := row.median("ops_per_sec")) is not None and row.primitive in base]
    if not bars:
        return None
    bars.sort(key=lambda bar: (bar[1], bar[0]))
    return Collapse(view.threads, ref_threads, tuple(bars))
