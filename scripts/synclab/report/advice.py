"""What to use on this machine: one recommendation per family and situation, from one run.

A situation is a family's level (and parameters) that answers a question people ask: a lock
nobody else wants (uncontended), one every thread wants (high), more threads than PUs
(oversubscribed); a read-mostly rwlock; a bounded or unbounded channel with one or many threads
on each side. For each, at the level's highest thread count and first placement:
  recommended  the summary's "best at both": the fastest primitive whose fairness, by the
               criterion chosen (--fair-by), is fair enough; on one thread simply the fastest;
               and the fastest where no primitive is fair at all (the fairest index below
               FAIR_AT_ALL: at oversubscription every lock batches, and "fair enough" would
               only pick the slowest of the unfair)
  runner-up    the next fastest that is also fair enough (on one thread: the next fastest)
  baseline     the family's reference primitive and its throughput, from the same run
  why          one sentence: fast and fair, or which faster primitive was passed over as unfair
Nothing here is measured anew: the figures are the tables' medians, the verdicts the summary's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from synclab.metrics import format_value
from synclab.report.summary import (DEFAULT_FAIR_BY, Winners, WhyAbsent, pick_winners,
                                    registry_reason)
from synclab.report.tables import Row, ScenarioTable, rows_at_top_threads


# Below this index (Jain or short-term Jain) even the fairest primitive of a level is not fair:
# with two threads 0.5 is one thread taking every acquisition of a block.
FAIR_AT_ALL = 0.5


@dataclass(frozen=True)
class Situation:
    family: str
    label: str  # for people: "contended", "read-mostly, contended", "mpmc, bounded"
    scenario: str
    params: str  # the cases' parameters, as in their names ("" for none)


def _levels(family: str, params: str = "", prefix: str = "") -> tuple[Situation, ...]:
    return tuple(Situation(family, prefix + label, scenario, params) for label, scenario in
                 (("uncontended", "uncontended"), ("contended", "high"),
                  ("oversubscribed", "oversubscribed")))


def _channel(shape: str, bounds: str, params: str) -> Situation:
    return Situation("channels", f"{shape}, {bounds}", shape, params)


SITUATIONS: tuple[Situation, ...] = (
    *_levels("locks"),
    *_levels("rwlocks", "reads:99", "read-mostly, "),
    Situation("rwlocks", "write-heavy, contended", "high", "reads:50"),
    _channel("spsc", "bounded", "cap:1024/payload:8"),
    _channel("mpmc", "bounded", "cap:1024/payload:8"),
    _channel("spsc", "unbounded", "cap:unbounded/payload:8"),
    _channel("mpmc", "unbounded", "cap:unbounded/payload:8"),
    Situation("condvars", "wake one waiter", "notify_one", ""),
    Situation("condvars", "wake every waiter", "notify_all", ""),
    Situation("refcount", "one thread", "uncontended", ""),
    Situation("refcount", "shared by every thread", "shared", ""),
)


@dataclass(frozen=True)
class Advice:
    situation: Situation
    threads: int
    placement: str
    recommended: Row
    runner_up: Row | None
    baseline: str | None
    baseline_row: Row | None  # None: no baseline, or not measured at this thread count
    why: str


def _ops(row: Row) -> float:
    return row.median("ops_per_sec") or 0.0


def _fair_enough(rows: Sequence[Row], winners: Winners) -> list[Row]:
    """Rows by speed that the verdict counts as fair enough (all of them without a verdict)."""
    verdict = winners.verdict
    if verdict is None:
        return list(rows)
    metric = verdict.criterion.metric
    return [row for row in rows if (value := row.median(metric)) is not None
            and verdict.floor is not None and verdict.criterion.fair_enough(value, verdict.floor)]


def _passed_over(recommended: Row, other: Row, winners: Winners) -> str:
    """'std_mutex is 6.84× faster but unfair (short-term Jain index 0.512, fair enough ≥ 0.900)'."""
    verdict = winners.verdict
    assert verdict is not None
    criterion = verdict.criterion
    theirs = other.median(criterion.metric)
    faster = _ops(other) / _ops(recommended) if _ops(recommended) else float("inf")
    unfair = f"{criterion.label} {criterion.text(theirs)}" if theirs is not None else "unrated"
    floor = criterion.text(verdict.floor) if verdict.floor is not None else "?"
    return (f"{other.primitive} is {faster:.2f}× faster but unfair ({unfair}, fair enough "
            f"{criterion.bound} {floor})")


def fairness_out_of_reach(winners: Winners) -> bool:
    """Even the fairest primitive of the level falls below FAIR_AT_ALL (an index criterion)."""
    verdict, fairest = winners.verdict, winners.fairest
    return (verdict is not None and fairest is not None and fairest.fairness is not None
            and verdict.criterion.higher_is_fairer and fairest.fairness < FAIR_AT_ALL)


def _why(recommended: Row, fastest: Row, baseline: Row | None, threads: int,
         winners: Winners) -> str:
    if threads <= 1:
        return "the fastest on one thread, where fairness does not arise"
    verdict = winners.verdict
    if verdict is None:
        return f"the fastest; fairness not judged ({winners.note})"
    if fairness_out_of_reach(winners):
        assert winners.fairest is not None and winners.fairest.fairness is not None
        return (f"the fastest: no primitive is fair here (the fairest, {winners.fairest.primitive}, "
                f"has {verdict.criterion.label} {verdict.criterion.text(winners.fairest.fairness)} "
                f"< {FAIR_AT_ALL:g})")
    criterion = verdict.criterion
    mine = recommended.median(criterion.metric)
    said = f"{criterion.label} {criterion.text(mine)}" if mine is not None else criterion.label
    if recommended is fastest:
        return f"fast and fair: the fastest, and fair enough ({said})"
    text = f"fast and fair ({said}); {_passed_over(recommended, fastest, winners)}"
    if baseline is not None and baseline is not fastest and _ops(baseline) > _ops(recommended):
        text += f"; the baseline too: {_passed_over(recommended, baseline, winners)}"
    return text


def advise_one(table: ScenarioTable, situation: Situation, fair_by: str,
               why: WhyAbsent) -> Advice | None:
    placement = table.placements[0] if table.placements else ""
    threads, rows = rows_at_top_threads(table, placement)
    winners = pick_winners(rows, threads, fair_by, family=table.family, why=why)
    if winners is None:
        return None
    by_speed = sorted((r for r in rows if r.median("ops_per_sec") is not None),
                      key=lambda r: (-_ops(r), r.primitive))
    speed_only = threads <= 1 or fairness_out_of_reach(winners)
    chosen = winners.fastest if speed_only else (winners.best or winners.fastest)
    recommended = next(r for r in by_speed if r.primitive == chosen.primitive)
    eligible = by_speed if speed_only else _fair_enough(by_speed, winners)
    runner_up = next((r for r in eligible if r is not recommended), None)
    baseline_row = next((r for r in by_speed if r.is_baseline), None)
    return Advice(situation, threads, placement, recommended, runner_up, table.baseline,
                  baseline_row, _why(recommended, by_speed[0], baseline_row, threads, winners))


def advise(tables: Iterable[ScenarioTable], fair_by: str = DEFAULT_FAIR_BY,
           why: WhyAbsent = registry_reason,
           situations: Sequence[Situation] = SITUATIONS) -> list[Advice]:
    """One Advice per situation this run measured, in the order of `situations`."""
    by_level = {(t.family, t.scenario, t.params): t for t in tables}
    found = []
    for situation in situations:
        table = by_level.get((situation.family, situation.scenario, situation.params))
        if table is not None and (advice := advise_one(table, situation, fair_by, why)):
            found.append(advice)
    return found


def describe_row(row: Row | None) -> str:
    """'mcs 12.3M ops/s (1.52× baseline)' for a cell."""
    if row is None:
        return "—"
    text = f"{row.primitive} {format_value('ops_per_sec', _ops(row))} ops/s"
    return text + (f" ({row.ratio:.2f}× baseline)" if row.ratio is not None else "")
