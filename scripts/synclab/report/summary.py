"""The summary on top of the report: per family and contention level, who wins at what.

At the level's highest thread count, for each placement:
  fastest      the highest median ops/s
  fairest      the fairest primitive by the criterion chosen (--fair-by, CRITERIA below);
               none with one thread, where every primitive is fair by definition
  best at both the highest median ops/s among the primitives that are fair enough: within the
               criterion's margin of the fairest (FAIR_ENOUGH_FRACTION of the best index, or
               FAIR_ENOUGH_P99_FACTOR times the lowest p99)
Each pick carries its throughput as a ratio to the family's baseline at the same thread count
and placement, from the same run. Ties (values equal to three significant digits, as the report
writes them) go to the criterion's tie-break metric, then to the faster primitive.

When no primitive of a level has the criterion's metric (short-term fairness is recorded only by
lock-like families; latency percentiles only with sampling on), the verdict falls back to Jain's
index over the window and says so, with the reason the metric is absent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from synclab.metrics import describe, format_value
from synclab.report.tables import Row, ScenarioTable, rows_at_top_threads

JAIN, HANDOFF, P99 = "jain", "handoff", "p99"
FAIR_BY: tuple[str, ...] = (HANDOFF, P99, JAIN)
# Short-term fairness by default: it is what batching cannot game, and unlike the p99 latency it
# is a ratio, independent of the level's critical section and of a single preemption on a
# loaded machine, and it does not need latency sampling.
DEFAULT_FAIR_BY = HANDOFF
# "Fair enough" for an index (Jain, short-term Jain): within 10 % of the fairest primitive's.
FAIR_ENOUGH_FRACTION = 0.9
# "Fair enough" by tail latency: a p99 at most twice the lowest one measured at the level.
FAIR_ENOUGH_P99_FACTOR = 2.0
# Values equal to this many significant digits are ties.
TIE_DIGITS = 3
# What a pick shows besides its throughput, in this order, when measured.
PICK_METRICS: tuple[tuple[str, str], ...] = (
    ("fairness_jain", "Jain"), ("fairness_jain_short", "short-term Jain"),
    ("handoff_ratio", "handoff ratio"), ("lat_p99_ns", "p99"))


@dataclass(frozen=True)
class Criterion:
    """How fairness is judged: the metric ranked, which way, and what is fair enough."""
    name: str
    metric: str
    higher_is_fairer: bool
    label: str  # what it ranks, for people
    means: str  # what that is, in a few words
    tie_break: str | None = None  # the metric that orders ties (higher is fairer)

    def floor(self, best: float) -> float:
        """The least fair value that is still fair enough, given the fairest one."""
        return FAIR_ENOUGH_FRACTION * best if self.higher_is_fairer \
            else FAIR_ENOUGH_P99_FACTOR * best

    def fair_enough(self, value: float, floor: float) -> bool:
        return value >= floor if self.higher_is_fairer else value <= floor

    @property
    def margin(self) -> str:
        """How far from the fairest is still fair enough: '0.9 × the fairest'."""
        return f"{FAIR_ENOUGH_FRACTION:g} × the fairest" if self.higher_is_fairer \
            else f"{FAIR_ENOUGH_P99_FACTOR:g} × the lowest"

    @property
    def rule(self) -> str:
        """How 'best at both' is decided, in words."""
        most = "at least" if self.higher_is_fairer else "at most"
        return f"the fastest primitive whose {self.label} is {most} {self.margin}"

    @property
    def bound(self) -> str:
        return "≥" if self.higher_is_fairer else "≤"

    def text(self, value: float) -> str:
        return format_value(self.metric, value)


CRITERIA: dict[str, Criterion] = {
    HANDOFF: Criterion(HANDOFF, "fairness_jain_short", True, "short-term Jain index",
                       "Jain's index over blocks of 64 × t consecutive acquisitions, averaged; "
                       "ties go to the higher handoff ratio", "handoff_ratio"),
    P99: Criterion(P99, "lat_p99_ns", False, "p99 latency",
                   "the 99th percentile of one operation's latency (acquire to release), the "
                   "wait a thread sees behind batches"),
    JAIN: Criterion(JAIN, "fairness_jain", True, "Jain index",
                    "Jain's index over each thread's operations in the whole window"),
}

# Why a metric is absent from a family's level: (family, metric) -> reason.
WhyAbsent = Callable[[str, str], str]


def registry_reason(family: str, metric: str) -> str:
    """The metric registry's reason a case may lack the metric (synclab/metrics.py)."""
    return describe(metric).absent or "not reported by these cases"


def parse_fair_by(text: str) -> str:
    if text not in CRITERIA:
        raise ValueError(f"invalid fairness criterion {text!r} (choose from "
                         f"{', '.join(FAIR_BY)})")
    return text


@dataclass(frozen=True)
class Pick:
    primitive: str
    ops_per_sec: float
    fairness: float | None  # the value of the criterion's metric (None: not rated)
    ratio: float | None  # ops/s over the baseline's at the same threads and placement
    shown: Mapping[str, float] = field(default_factory=dict)  # PICK_METRICS measured


@dataclass(frozen=True)
class Verdict:
    """How fairest and best at both were decided at one level."""
    criterion: Criterion  # the one used
    asked: Criterion  # the one asked for (differs when it fell back to Jain)
    fallback: str  # why the asked one's metric is absent; "" when it was used
    floor: float | None  # the value a primitive needed to be fair enough
    unrated: tuple[tuple[str, str], ...]  # (primitive, why) without the criterion's metric

    @property
    def statement(self) -> str:
        """'by short-term Jain index; fair enough: ≥ 0.899' for the summary."""
        text = f"by {self.criterion.label}"
        if self.fallback:
            text += (f" ({self.asked.label} not measured at this level: {self.fallback})")
        if self.floor is not None:
            text += f"; fair enough: {self.criterion.bound} {self.criterion.text(self.floor)}"
        return text


@dataclass(frozen=True)
class LevelSummary:
    family: str
    scenario: str
    params: str
    placement: str
    threads: int
    baseline: str | None
    baseline_ops: float | None  # None: the baseline was not measured here
    primitives: int  # how many were compared
    fastest: Pick
    fairest: Pick | None
    best: Pick | None
    verdict: Verdict | None  # None with one thread or without any fairness measured
    note: str  # why fairest or best is absent ("" when both are there)

    @property
    def level(self) -> str:
        return self.scenario + (f" / {self.params}" if self.params else "")

    @property
    def fairness_floor(self) -> float | None:
        return self.verdict.floor if self.verdict else None


def _rounded(value: float | None) -> float:
    return float(f"{value:.{TIE_DIGITS}g}") if value is not None else float("-inf")


def _pick(row: Row, criterion: Criterion | None) -> Pick:
    ops = row.median("ops_per_sec")
    assert ops is not None
    shown = {metric: value for metric, _ in PICK_METRICS
             if (value := row.median(metric)) is not None}
    return Pick(row.primitive, ops, row.median(criterion.metric) if criterion else None,
                row.ratio, shown)


def _fairness_key(row: Row, criterion: Criterion) -> tuple[float, float, float, str]:
    """Sort key, fairest first: the criterion, its tie-break, then throughput and name."""
    value = _rounded(row.median(criterion.metric))
    tie = _rounded(row.median(criterion.tie_break)) if criterion.tie_break else 0.0
    return (-value if criterion.higher_is_fairer else value, -tie,
            -(row.median("ops_per_sec") or 0.0), row.primitive)


@dataclass(frozen=True)
class Winners:
    fastest: Pick
    fairest: Pick | None
    best: Pick | None
    verdict: Verdict | None
    note: str

    @property
    def floor(self) -> float | None:
        return self.verdict.floor if self.verdict else None


def _usable(rows: Sequence[Row], asked: Criterion, family: str,
            why: WhyAbsent) -> tuple[Criterion, str]:
    """The criterion asked for, or Jain's index when no row has the asked one's metric."""
    if any(row.median(asked.metric) is not None for row in rows) or asked.name == JAIN:
        return asked, ""
    return CRITERIA[JAIN], why(family, asked.metric)


def pick_winners(rows: Sequence[Row], threads: int, fair_by: str = DEFAULT_FAIR_BY, *,
                 family: str = "", why: WhyAbsent = registry_reason) -> Winners | None:
    """Fastest, fairest and best at both among rows; None without throughput."""
    measured = [row for row in rows if row.median("ops_per_sec") is not None]
    if not measured:
        return None
    by_speed = sorted(measured, key=lambda r: (-(r.median("ops_per_sec") or 0.0), r.primitive))
    fastest = _pick(by_speed[0], None)
    if threads <= 1:
        return Winners(fastest, None, fastest, None, "one thread: fairness is 1 by definition")
    asked = CRITERIA[fair_by]
    criterion, fallback = _usable(measured, asked, family, why)
    rated = [row for row in by_speed if row.median(criterion.metric) is not None]
    if not rated:
        return Winners(fastest, None, None, None,
                       f"no fairness measured ({criterion.metric} absent)")
    fairest_row = min(rated, key=lambda row: _fairness_key(row, criterion))
    values = [row.median(criterion.metric) or 0.0 for row in rated]
    floor = criterion.floor(max(values) if criterion.higher_is_fairer else min(values))
    best_row = next(row for row in rated
                    if criterion.fair_enough(row.median(criterion.metric) or 0.0, floor))
    unrated = tuple((row.primitive, why(family, criterion.metric))
                    for row in by_speed if row.median(criterion.metric) is None)
    verdict = Verdict(criterion, asked, fallback, floor, unrated)
    return Winners(fastest, _pick(fairest_row, criterion), _pick(best_row, criterion), verdict,
                   "")


def level_summaries(tables: Iterable[ScenarioTable], fair_by: str = DEFAULT_FAIR_BY,
                    why: WhyAbsent = registry_reason) -> list[LevelSummary]:
    """One summary per (family, scenario, parameters, placement), in the tables' order."""
    summaries = []
    for table in tables:
        for placement in table.placements:
            threads, rows = rows_at_top_threads(table, placement)
            winners = pick_winners(rows, threads, fair_by, family=table.family, why=why)
            if winners is None:
                continue
            base = next((row.median("ops_per_sec") for row in rows if row.is_baseline), None)
            summaries.append(LevelSummary(table.family, table.scenario, table.params, placement,
                                          threads, table.baseline, base, len(rows),
                                          winners.fastest, winners.fairest, winners.best,
                                          winners.verdict, winners.note))
    return summaries
