"""The frontier locks beside the classics they claim to beat: the goals judged from one run.

The goals (docs/locks-frontier.md, "The goals in the report"): at `high` with one thread per PU,
hemlock, reciprocating and twa each reach at least 1.0x the throughput of `ck_mcs` and of
`tbb_queuing_mutex` with a handoff ratio at least as high; at `oversubscribed`, the
preemption-tolerant queue lock (`malthusian_mcs`) reaches at least 10x `mcs` and 0.5x
`std_mutex`; in the `lock_combine` scenario (the `high` critical section handed over as a
function, one thread per PU), each combining lock (`flat_combining`, `mcs_combiner`) reaches at
least 1.5x `std_mutex` running the same section with lock/unlock. Every ratio is one run's: the lock's median ops/s over the other's median at the
same level, parameters, thread count and placement, its spread the lock's own spread over that
median (as the relative-throughput bars). A goal whose lock, other lock, level or handoff ratio
is absent from the run reads "not measured" with the reason, never a 0 or a miss.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from synclab.load import Run
from synclab.names import parse_case_name
from synclab.report.absent import run_peers_missing, run_primitives_left_out, why_absent
from synclab.report.families.base import FamilyRun, FamilyTable, Overview, Prepared, Skip
from synclab.report.tables import Row, ScenarioTable, Summary

HIGH, OVERSUBSCRIBED, LOCK_COMBINE = "high", "oversubscribed", "lock_combine"
LEVELS = (HIGH, OVERSUBSCRIBED)  # the figure's
# Scenarios that run the `high` level and count only with one thread per PU.
AT_HIGH = (HIGH, LOCK_COMBINE)
# The 2015-2025 locks of the family (docs/locks-frontier.md): highlighted in the figure.
FRONTIER_LOCKS = ("hemlock", "twa", "reciprocating", "qspinlock", "cna", "malthusian_mcs", "shfl_lock",
                  "shfl_lock_blocking")
OPS, HANDOFF = "ops_per_sec", "handoff_ratio"
MET, MISSED, NOT_MEASURED = "met", "missed", "not measured"
EMULATED = "an emulated run times the emulator, not the machine: goals are judged on hardware runs"


def bar(value: float) -> str:
    """A goal's bar as the goals write it: 1.0×, 0.5×, 10×."""
    return f"{value:.1f}×" if value < 10 else f"{value:g}×"


@dataclass(frozen=True)
class Goal:
    lock: str
    other: str
    level: str
    at_least: float  # the lock's ops/s over the other's must reach this
    handoff_as_high: bool  # and the lock's handoff ratio must be at least the other's

    @property
    def text(self) -> str:
        handoff = " at a handoff ratio as high" if self.handoff_as_high else ""
        return f"{self.lock} ≥ {bar(self.at_least)} {self.other}{handoff}"


GOALS: tuple[Goal, ...] = tuple(
    Goal(lock, other, HIGH, 1.0, True)
    for lock in ("hemlock", "reciprocating", "twa")
    for other in ("ck_mcs", "tbb_queuing_mutex")) + (
    Goal("malthusian_mcs", "mcs", OVERSUBSCRIBED, 10.0, False),
    Goal("malthusian_mcs", "std_mutex", OVERSUBSCRIBED, 0.5, False)) + tuple(
    Goal(lock, "std_mutex", LOCK_COMBINE, 1.5, False)
    for lock in ("flat_combining", "mcs_combiner"))


@dataclass(frozen=True)
class Ratio:
    median: float
    lo: float
    hi: float
    spread: str  # the lock's spread kind: "iqr", "range" or "" (one repetition)


@dataclass(frozen=True)
class Judgement:
    goal: Goal
    where: str  # "t:2 · compact" (and the parameters, where the level has several); "" if absent
    verdict: str  # MET, MISSED or NOT_MEASURED
    why: str  # what decided it: the shortfall, a narrow margin, or why it was not measured
    ratio: Ratio | None = None
    handoffs: tuple[Summary | None, Summary | None] = (None, None)  # the lock's, the other's


def ratio_of(lock: Summary, other: Summary) -> Ratio:
    """A rate's ratio (higher is better): the lock's median over the other's, with its spread."""
    return Ratio(lock.median / other.median, lock.lo / other.median, lock.hi / other.median,
                 lock.spread)


def speedup_of(mine: Summary, other: Summary) -> Ratio:
    """A time's ratio (lower is better) as a speed-up: the other's median over mine, with my
    spread (my slowest repetition gives the low end)."""
    return Ratio(other.median / mine.median, other.median / mine.hi, other.median / mine.lo,
                 mine.spread)


def shortfall(ratio: float, at_least: float, other: str) -> str:
    """`0.5× ck_mcs, 2× short of 1.0×`: a ratio below its bar, in words."""
    return (f"{ratio:.3g}× {other}, {at_least / ratio:.3g}× short of {bar(at_least)}"
            if ratio > 0 else f"0× {other}")


def _failed(run: Run, family: str, primitive: str, scenario: str) -> str:
    """Why the primitive's cases of the scenario failed, if one did."""
    for name, case in run.cases.items():
        parsed = parse_case_name(name)
        if parsed and parsed.family == family and parsed.primitive == primitive \
                and parsed.scenario == scenario and case.status != "ok":
            return f"its case {name} failed ({case.message or case.status})"
    return ""


def _mentions(run: Run, primitive: str) -> list[str]:
    """The context's entries (peers not built, ours left out) that name the primitive."""
    found = []
    for _, text in run_peers_missing(run) + run_primitives_left_out(run):
        found += [part.strip() for part in _top_level_parts(text)
                  if re.search(rf"(?<![\w]){re.escape(primitive)}(?![\w])", part)]
    return list(dict.fromkeys(found))


def _top_level_parts(text: str) -> list[str]:
    """`a (x; y); b (z)` -> [`a (x; y)`, `b (z)`]: the entries of a context list."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if char == ";" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [part for part in parts + [text[start:]] if part.strip()]


def absent_reason(run: Run, family: str, tables: Sequence[ScenarioTable], primitive: str,
                  scenario: str, peer: bool = True) -> str:
    """Why `primitive` has no row in `scenario` of `family`, in words; for a `peer`, the
    family's peers not built are named when nothing names the primitive itself."""
    failed = _failed(run, family, primitive, scenario)
    if failed:
        return f"{primitive} at {scenario}: {failed}"
    anywhere = any(row.primitive == primitive for table in tables for row in table.rows)
    text = f"{primitive} was not measured at {scenario} in this run"
    named = _mentions(run, primitive)
    if named and not anywhere:
        return text + f": {'; '.join(named)}"
    text += "" if anywhere else (" (no case of it anywhere in the run: a binary without it, or "
                                 "a filter that left it out)")
    peers = "; ".join(what for name, what in run_peers_missing(run) if name == family)
    return text + (f"; {family} peers not built: {peers}" if peer and peers and not anywhere
                   else "")


def absent_reasons(run: Run, family: str, tables: Sequence[ScenarioTable],
                   primitives: Sequence[str], scenario: str, ours: Sequence[str] = ()) -> str:
    """absent_reason for each of `primitives`, those with the same reason named together."""
    grouped: dict[str, list[str]] = {}
    for name in primitives:
        reason = absent_reason(run, family, tables, name, scenario, peer=name not in ours)
        grouped.setdefault(reason[len(name):] if reason.startswith(name) else reason,
                           []).append(name)
    return "; ".join(_named_together(names, rest) for rest, names in grouped.items())


def _named_together(names: Sequence[str], rest: str) -> str:
    if not rest.startswith(" "):  # a reason that does not start with the name
        return rest
    if len(names) > 1:
        for one, several in ((" was not measured", " were not measured"),
                             ("no case of it anywhere", "no case of them anywhere"),
                             ("a binary without it, or a filter that left it out",
                              "a binary without them, or a filter that left them out")):
            rest = rest.replace(one, several, 1)
    return ", ".join(names) + rest


def _num_pus(run: Run) -> int | None:
    try:
        value = int(run.context.get("num_cpus", 0))
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _top_rows(table: ScenarioTable, placement: str) -> tuple[int, dict[str, Row]]:
    rows = [row for row in table.rows if row.placement == placement]
    threads = max(row.threads for row in rows)
    return threads, {row.primitive: row for row in rows if row.threads == threads}


def judge(goal: Goal, family: FamilyRun) -> list[Judgement]:
    """The goal at every comparison point the run has: a table of the goal's level holding the
    lock, at its most threads, per placement; one "not measured" judgement where there is none."""
    run = family.run
    if run.emulated:
        return [Judgement(goal, "", NOT_MEASURED, EMULATED)]
    level_tables = [t for t in family.tables if t.scenario == goal.level]
    if not level_tables:
        levels = ", ".join(dict.fromkeys(t.scenario for t in family.tables)) or "none"
        kind = "scenario" if goal.level == LOCK_COMBINE else "level"
        return [Judgement(goal, "", NOT_MEASURED, f"the run has no '{goal.level}' {kind} of "
                                                  f"locks (levels measured: {levels})")]
    with_lock = [t for t in level_tables if goal.lock in t.primitives]
    if not with_lock:
        return [Judgement(goal, "", NOT_MEASURED,
                          absent_reason(run, 'locks', family.tables, goal.lock, goal.level))]
    several = len(with_lock) > 1
    out = []
    for table in with_lock:
        for placement in table.placements:
            threads, rows = _top_rows(table, placement)
            where = f"t:{threads} · {placement}" + (f" · {table.params}" if several and
                                                    table.params else "")
            out.append(_judge_at(goal, run, family.tables, rows, threads, where))
    return out


def _judge_at(goal: Goal, run: Run, tables: Sequence[ScenarioTable], rows: Mapping[str, Row],
              threads: int, where: str) -> Judgement:
    pus = _num_pus(run)
    if goal.level in AT_HIGH and pus is not None and threads < pus:
        return Judgement(goal, where, NOT_MEASURED, f"'{goal.level}' ran at most t:{threads}, "
                                                    f"fewer threads than the machine's {pus} PUs")
    for primitive in (goal.lock, goal.other):
        if primitive not in rows:
            return Judgement(goal, where, NOT_MEASURED,
                             absent_reason(run, 'locks', tables, primitive, goal.level)
                             + f" (at t:{threads}, the level's most threads)")
    lock, other = rows[goal.lock], rows[goal.other]
    handoffs = (lock.metrics.get(HANDOFF), other.metrics.get(HANDOFF))
    for row in (lock, other):
        if OPS not in row.metrics:
            return Judgement(goal, where, NOT_MEASURED, f"{OPS} not measured for "
                                                        f"{row.primitive}: "
                                                        f"{why_absent(run, 'locks', OPS)}",
                             handoffs=handoffs)
    if other.metrics[OPS].median <= 0:
        return Judgement(goal, where, NOT_MEASURED, f"{goal.other} completed no operation, so "
                                                    "there is no ratio", handoffs=handoffs)
    ratio = ratio_of(lock.metrics[OPS], other.metrics[OPS])
    if goal.handoff_as_high:
        for row, summary in zip((lock, other), handoffs):
            if summary is None:
                return Judgement(goal, where, NOT_MEASURED,
                                 f"{HANDOFF} not measured for {row.primitive}: "
                                 f"{why_absent(run, 'locks', HANDOFF)}", ratio, handoffs)
    return _verdict(goal, where, ratio, handoffs)


def _verdict(goal: Goal, where: str, ratio: Ratio,
             handoffs: tuple[Summary | None, Summary | None]) -> Judgement:
    short = []
    if ratio.median < goal.at_least:
        short.append(f"throughput {shortfall(ratio.median, goal.at_least, goal.other)}")
    mine, theirs = handoffs
    if goal.handoff_as_high and mine is not None and theirs is not None \
            and mine.median < theirs.median:
        short.append(f"handoff ratio {mine.median:.3f} below {goal.other}'s "
                     f"{theirs.median:.3f}")
    if short:
        return Judgement(goal, where, MISSED, "; ".join(short) + missed_margin(ratio, goal.at_least),
                         ratio, handoffs)
    return Judgement(goal, where, MET, met_margin(ratio, goal.at_least), ratio, handoffs)


def missed_margin(ratio: Ratio, at_least: float) -> str:
    """What a missed verdict adds when the ratio's spread reaches the bar."""
    return "; its spread reaches the bar" if ratio.hi >= at_least > ratio.median else ""


def met_margin(ratio: Ratio, at_least: float) -> str:
    """What a met verdict says when the ratio's spread reaches below the bar."""
    return f"by the median; its spread reaches below {bar(at_least)}" if ratio.lo < at_least \
        else ""


def judgements(family: FamilyRun) -> list[Judgement]:
    return [j for goal in GOALS for j in judge(goal, family)]


# ---- the goal table ------------------------------------------------------------------------

def ratio_cell(ratio: Ratio | None) -> str:
    if ratio is None:
        return "—"
    if not ratio.spread:
        return f"{ratio.median:.3g}× (one repetition)"
    kind = "IQR" if ratio.spread == "iqr" else "min–max"
    return f"{ratio.median:.3g}× ({kind} {ratio.lo:.3g}–{ratio.hi:.3g}×)"


def _handoff_cell(handoffs: tuple[Summary | None, Summary | None]) -> str:
    if handoffs == (None, None):
        return "—"
    return " vs ".join("—" if h is None else f"{h.median:.3f}" for h in handoffs)


def goal_table(family: FamilyRun) -> FamilyTable:
    found = judgements(family)
    rows = tuple((j.goal.text, f"{j.goal.level}" + (f" {j.where}" if j.where else ""),
                  ratio_cell(j.ratio), _handoff_cell(j.handoffs),
                  j.verdict + (f": {j.why}" if j.why else "")) for j in found)
    return FamilyTable(
        "The frontier's goals, judged from this run",
        ("goal", "level", "throughput ratio (median, spread)", "handoff ratio (lock vs other)",
         "verdict"),
        rows, tuple(j.verdict == MISSED for j in found),
        ("The ratio is the lock's median ops/s over the other lock's median, both from this run "
         "at the same level, thread count and placement; its spread is the lock's own spread "
         "over the other's median. 'high' counts only with one thread per PU.",
         "A goal is met when the median ratio reaches the bar and, where the goal asks for it, "
         "the lock's median handoff ratio (share of acquisitions that changed owner) is at "
         "least the other's: a faster lock that hands over less often is batching, not "
         "winning. Missed rows (red) say by how much.") + unplaced_note(figure_data(family)))


def tables(family: FamilyRun) -> list[FamilyTable]:
    return [goal_table(family)]


# ---- the figure: throughput against handoff ratio ------------------------------------------

@dataclass(frozen=True)
class Point:
    primitive: str
    ops: Summary
    handoff: float
    role: str  # "frontier", "other" (a lock a goal compares with) or "" (the rest)


@dataclass(frozen=True)
class LevelPoints:
    level: str
    threads: int
    points: tuple[Point, ...]
    goal_ops: float | None  # least ops/s that meets every goal of the level (shaded region)
    goal_handoff: float | None  # least handoff ratio that does
    unplaced: tuple[str, ...]  # locks of the level without a handoff ratio


@dataclass(frozen=True)
class FrontierFigure:
    levels: tuple[LevelPoints, ...]


def _main_table(tables: Sequence[ScenarioTable], level: str) -> ScenarioTable | None:
    """The level's table of plain locks: the one with the most frontier locks (then no params)."""
    candidates = [t for t in tables if t.scenario == level]
    if not candidates:
        return None
    return max(candidates, key=lambda t: (len(set(FRONTIER_LOCKS) & set(t.primitives)),
                                          not t.params, len(t.rows)))


def _level_points(table: ScenarioTable) -> LevelPoints:
    placement = max(table.placements, key=lambda p: sum(r.placement == p for r in table.rows))
    threads, rows = _top_rows(table, placement)
    others = {goal.other for goal in GOALS if goal.level == table.scenario}
    points, unplaced = [], []
    for name, row in sorted(rows.items()):
        ops, handoff = row.metrics.get(OPS), row.metrics.get(HANDOFF)
        if ops is None or handoff is None:
            unplaced.append(name)
            continue
        role = "frontier" if name in FRONTIER_LOCKS else "other" if name in others else ""
        points.append(Point(name, ops, handoff.median, role))
    goal_ops, goal_handoff = _goal_region(table.scenario, rows)
    return LevelPoints(table.scenario, threads, tuple(points), goal_ops, goal_handoff,
                       tuple(unplaced))


def _goal_region(level: str, rows: Mapping[str, Row]) -> tuple[float | None, float | None]:
    ops_bars, handoff_bars = [], []
    for goal in GOALS:
        other = rows.get(goal.other)
        if goal.level != level or other is None or OPS not in other.metrics:
            continue
        ops_bars.append(goal.at_least * other.metrics[OPS].median)
        if goal.handoff_as_high and HANDOFF in other.metrics:
            handoff_bars.append(other.metrics[HANDOFF].median)
    return max(ops_bars, default=None), max(handoff_bars, default=None)


def figure_data(family: FamilyRun) -> Prepared:
    measured = {row.primitive for t in family.tables if t.scenario in LEVELS for row in t.rows}
    if not measured & set(FRONTIER_LOCKS):
        return Skip("frontier locks against handoff ratio: none of "
                    f"{', '.join(FRONTIER_LOCKS)} was measured at 'high' or 'oversubscribed'")
    levels = [_level_points(table) for level in LEVELS
              if (table := _main_table(family.tables, level)) is not None]
    levels = [level for level in levels if level.points]
    if not levels:
        return Skip("frontier locks against handoff ratio: no lock reported a handoff ratio "
                    f"at 'high' or 'oversubscribed' ({why_absent(family.run, 'locks', HANDOFF)})")
    return FrontierFigure(tuple(levels))


def _draw(data: FrontierFigure, ax: Any, title: str, emulated: bool) -> None:
    from synclab.report.figures.frontier import plot_frontier
    plot_frontier(data, ax=ax, title=title, emulated=emulated)


FRONTIER_FIGURE = Overview(
    "frontier", "the frontier locks: throughput against handoff ratio",
    "One point per lock at 'high' (one thread per PU) and at 'oversubscribed': x = handoff "
    "ratio (1 = every acquisition changed owner, near 0 = one thread keeps the lock), y = "
    "ops/s (log) with the spread over repetitions. The 2015–2025 locks are coloured and "
    "named, the locks their goals compare with are named in black, the rest are grey. The "
    "green region is where every goal of the level is met: at least as fast as the bar "
    "and, at 'high', handing over at least as often as the queue locks compared with.",
    figure_data, _draw, "the frontier locks: throughput against handoff ratio",
    lambda data: (5.2 * len(data.levels) + 0.4, 5.4))


def unplaced_note(data: Prepared) -> tuple[str, ...]:
    """For the goal table's notes: the locks the figure could not place, and why."""
    if not isinstance(data, FrontierFigure):
        return ()
    return tuple(f"Not in the {level.level} figure (no handoff ratio): "
                 f"{', '.join(level.unplaced)}." for level in data.levels if level.unplaced)
