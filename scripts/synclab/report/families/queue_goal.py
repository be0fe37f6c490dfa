"""The queue goal of the channels family, judged from one run (docs/channels.md, "The queue goals").

The goal: at `mpmc` t:2 and at `mpmc_oversub` t:4 (more threads than PUs on the 2-PU machine the
goal was set on), with 8-byte messages and capacity 1024 (the unbounded queues at theirs), the
best of the lab's new queues (scq, lprq, lcrq, faa_array_queue, bbq_mpmc) reaches at least 1.0x
the messages received per second of the best atomic_queue variant and 1.0x moodycamel's. Each
ratio is one run's: the best queue's median over the other's median at the same scenario,
threads and placement, its spread the queue's own spread over that median (frontier.py). A side
absent from the run reads "not measured" with the reason (a queue left out on this machine,
a peer not built), never a 0 or a miss.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from synclab.report.absent import why_absent
from synclab.report.families.base import FamilyRun, FamilyTable
from synclab.report.families.frontier import (EMULATED, MET, MISSED, NOT_MEASURED, Ratio, bar,
                                              absent_reasons, met_margin, missed_margin,
                                              ratio_cell, ratio_of, shortfall)
from synclab.report.tables import Row, ScenarioTable

FAMILY = "channels"
OURS = ("scq", "lprq", "lcrq", "faa_array_queue", "bbq_mpmc")
ATOMIC_QUEUE = ("aq_atomic", "aq_atomic_b", "aq_atomic2", "aq_atomic_b2")
MOODYCAMEL = "moodycamel"
MESSAGES = "messages_per_sec"  # received
CAPACITIES, PAYLOAD = ("cap:1024", "cap:unbounded"), "payload:8"
AT_LEAST = 1.0


@dataclass(frozen=True)
class QueueGoal:
    scenario: str
    threads: int
    others: tuple[str, ...]  # compared with the best of these
    other_name: str  # how the goal names them

    @property
    def text(self) -> str:
        return f"best new queue ≥ {bar(AT_LEAST)} {self.other_name}"

    @property
    def at(self) -> str:
        return f"{self.scenario} t:{self.threads}"


GOALS: tuple[QueueGoal, ...] = tuple(
    QueueGoal(scenario, threads, others, name)
    for scenario, threads in (("mpmc", 2), ("mpmc_oversub", 4))
    for others, name in ((ATOMIC_QUEUE, "the best atomic_queue variant"),
                         ((MOODYCAMEL,), MOODYCAMEL)))


@dataclass(frozen=True)
class QueueJudgement:
    goal: QueueGoal
    where: str  # "compact"; "" if absent
    verdict: str
    why: str
    best: str = ""  # our best queue at the point
    other: str = ""  # the queue it was compared with
    ratio: Ratio | None = None


def _goal_tables(family: FamilyRun, scenario: str) -> list[ScenarioTable]:
    return [t for t in family.tables if t.scenario == scenario
            and PAYLOAD in t.params.split("/")
            and any(cap in t.params.split("/") for cap in CAPACITIES)]


def _rows_by_placement(tables: Sequence[ScenarioTable], threads: int) -> dict[str, dict[str, Row]]:
    found: dict[str, dict[str, Row]] = {}
    for table in tables:
        for row in table.rows:
            if row.threads == threads:
                found.setdefault(row.placement, {})[row.primitive] = row
    return found


def _best(rows: Mapping[str, Row], names: Sequence[str]) -> Row | None:
    measured = [rows[name] for name in names if name in rows and MESSAGES in rows[name].metrics]
    if not measured:
        return None
    return max(measured, key=lambda row: row.metrics[MESSAGES].median)


def _unmeasured(family: FamilyRun, rows: Mapping[str, Row], names: Sequence[str],
                scenario: str) -> str:
    """Why those of `names` without a throughput at the point have none ("" if all have it)."""
    missing = [name for name in names if name not in rows]
    parts = [absent_reasons(family.run, FAMILY, family.tables, missing, scenario, OURS)] \
        if missing else []
    parts += [f"{MESSAGES} not measured for {name}: {why_absent(family.run, FAMILY, MESSAGES)}"
              for name in names if name in rows and MESSAGES not in rows[name].metrics]
    return "; ".join(parts)


def judge(goal: QueueGoal, family: FamilyRun) -> list[QueueJudgement]:
    """The goal at each placement the run has at the goal's scenario and threads; one "not
    measured" judgement where there is none."""
    if family.run.emulated:
        return [QueueJudgement(goal, "", NOT_MEASURED, EMULATED)]
    tables = _goal_tables(family, goal.scenario)
    if not tables:
        return [QueueJudgement(goal, "", NOT_MEASURED, f"the run has no '{goal.scenario}' "
                               f"scenario of channels with {PAYLOAD} at {' or '.join(CAPACITIES)}")]
    placements = _rows_by_placement(tables, goal.threads)
    if not placements:
        ran = sorted({row.threads for table in tables for row in table.rows})
        return [QueueJudgement(goal, "", NOT_MEASURED, f"'{goal.scenario}' ran at "
                               f"{', '.join(f't:{t}' for t in ran)}, not t:{goal.threads}")]
    return [_judge_at(goal, family, placement, rows) for placement, rows in
            sorted(placements.items())]


def _judge_at(goal: QueueGoal, family: FamilyRun, placement: str,
              rows: Mapping[str, Row]) -> QueueJudgement:
    ours, other = _best(rows, OURS), _best(rows, goal.others)
    for best, names in ((ours, OURS), (other, goal.others)):
        if best is None:
            return QueueJudgement(goal, placement, NOT_MEASURED,
                                  _unmeasured(family, rows, names, goal.scenario),
                                  ours.primitive if ours else "")
    assert ours is not None and other is not None
    if other.metrics[MESSAGES].median <= 0:
        return QueueJudgement(goal, placement, NOT_MEASURED, f"{other.primitive} received no "
                              "message, so there is no ratio", ours.primitive, other.primitive)
    ratio = ratio_of(ours.metrics[MESSAGES], other.metrics[MESSAGES])
    unmeasured = _unmeasured(family, rows, OURS, goal.scenario)
    left = f"; not in the comparison: {unmeasured}" if unmeasured else ""
    if ratio.median < AT_LEAST:
        why = f"{ours.primitive} {shortfall(ratio.median, AT_LEAST, other.primitive)}" \
            + missed_margin(ratio, AT_LEAST)
        return QueueJudgement(goal, placement, MISSED, why + left, ours.primitive,
                              other.primitive, ratio)
    margin = met_margin(ratio, AT_LEAST)
    why = f"{ours.primitive} {ratio.median:.3g}× {other.primitive}" + (f", {margin}" if margin
                                                                         else "")
    return QueueJudgement(goal, placement, MET, why + left, ours.primitive, other.primitive, ratio)


def judgements(family: FamilyRun) -> list[QueueJudgement]:
    return [j for goal in GOALS for j in judge(goal, family)]


def goal_table(family: FamilyRun) -> FamilyTable:
    found = judgements(family)
    rows = tuple((j.goal.text, j.goal.at + (f" · {j.where}" if j.where else ""),
                  j.best or "—", j.other or "—", ratio_cell(j.ratio),
                  j.verdict + (f": {j.why}" if j.why else "")) for j in found)
    return FamilyTable(
        "The queue goal, judged from this run",
        ("goal", "scenario", "best new queue", "compared with", "ratio (median, spread)",
         "verdict"),
        rows, tuple(j.verdict == MISSED for j in found),
        (f"New queues: {', '.join(OURS)}; atomic_queue variants: {', '.join(ATOMIC_QUEUE)}. "
         f"Throughput is {MESSAGES} (received) with 8-byte messages, capacity 1024 for the "
         "bounded queues (the unbounded ones at theirs).",
         "The ratio is the best new queue's median over the best compared queue's median, both "
         "from this run at the same scenario, thread count and placement; its spread is the "
         "new queue's own spread over the other's median. Missed rows (red) say by how much; "
         "a queue this run lacks is named with the reason."))


def tables(family: FamilyRun) -> list[FamilyTable]:
    return [goal_table(family)]
