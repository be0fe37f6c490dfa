"""The summary on top of the report: per family and contention level, who wins at what.

At the level's highest thread count, for each placement:
  fastest      the highest median ops/s
  fairest      the highest median Jain index (ties: the faster one); none with one thread,
               where the index is 1 by definition
  best at both the highest median ops/s among the primitives whose Jain index is at least
               BEST_AT_BOTH_JAIN_FRACTION of the best Jain index measured at that level
Each pick carries its throughput as a ratio to the family's baseline at the same thread count
and placement, from the same run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from synclab.report.tables import Row, ScenarioTable, rows_at_top_threads

# "Fair enough": within 10 % of the fairest primitive's Jain index.
BEST_AT_BOTH_JAIN_FRACTION = 0.9


@dataclass(frozen=True)
class Pick:
    primitive: str
    ops_per_sec: float
    fairness: float | None
    ratio: float | None  # ops/s over the baseline's at the same threads and placement


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
    fairness_floor: float | None  # the Jain index a primitive needed to compete for "best at both"
    note: str  # why fairest or best is absent ("" when both are there)

    @property
    def level(self) -> str:
        return self.scenario + (f" / {self.params}" if self.params else "")


def _pick(row: Row) -> Pick:
    ops = row.median("ops_per_sec")
    assert ops is not None
    return Pick(row.primitive, ops, row.median("fairness_jain"), row.ratio)


def pick_winners(rows: Sequence[Row], threads: int,
                 fraction: float = BEST_AT_BOTH_JAIN_FRACTION
                 ) -> tuple[Pick, Pick | None, Pick | None, float | None, str] | None:
    """(fastest, fairest, best at both, fairness floor, note) among rows; None without throughput."""
    measured = [row for row in rows if row.median("ops_per_sec") is not None]
    if not measured:
        return None
    by_speed = sorted(measured, key=lambda r: (-(r.median("ops_per_sec") or 0.0), r.primitive))
    fastest = _pick(by_speed[0])
    if threads <= 1:
        return fastest, None, fastest, None, "one thread: fairness is 1 by definition"
    rated = [row for row in by_speed if row.median("fairness_jain") is not None]
    if not rated:
        return fastest, None, None, None, "no fairness (Jain) measured"
    fairest_row = max(rated, key=lambda r: (r.median("fairness_jain") or 0.0,
                                            r.median("ops_per_sec") or 0.0))
    best_jain = fairest_row.median("fairness_jain") or 0.0
    floor = fraction * best_jain
    best_row = next(row for row in rated if (row.median("fairness_jain") or 0.0) >= floor)
    return fastest, _pick(fairest_row), _pick(best_row), floor, ""


def level_summaries(tables: Iterable[ScenarioTable]) -> list[LevelSummary]:
    """One summary per (family, scenario, parameters, placement), in the tables' order."""
    summaries = []
    for table in tables:
        for placement in table.placements:
            threads, rows = rows_at_top_threads(table, placement)
            winners = pick_winners(rows, threads)
            if winners is None:
                continue
            fastest, fairest, best, floor, note = winners
            base = next((row.median("ops_per_sec") for row in rows if row.is_baseline), None)
            summaries.append(LevelSummary(table.family, table.scenario, table.params, placement,
                                          threads, table.baseline, base, len(rows), fastest,
                                          fairest, best, floor, note))
    return summaries
