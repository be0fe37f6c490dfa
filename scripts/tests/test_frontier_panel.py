"""The frontier panel of the locks section: planted runs where each goal is met, missed, or cannot
be judged (a lock, a level, a peer or a metric absent), the figure's data, and the built page."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from conftest import INPUTS
from synclab.load import Run, parse
from synclab.report.build import build_report
from synclab.report.families import frontier
from synclab.report.families.base import FamilyRun, Skip
from synclab.report.tables import families, scenario_tables

if str(INPUTS) not in sys.path:  # the builders of the report tests' inputs
    sys.path.insert(0, str(INPUTS))
from make_inputs import context, lock_entries  # noqa: E402

# ops/s at high t:2 and the handoff ratio of each lock: every high goal met (hemlock and twa
# just at the bar, reciprocating well above), malthusian_mcs 12x mcs and 0.6x std_mutex.
HIGH = {"std_mutex": 3.0e6, "ck_mcs": 1.0e6, "tbb_queuing_mutex": 0.8e6, "hemlock": 1.0e6,
        "twa": 1.5e6, "reciprocating": 2.0e6, "tas_spin": 6.0e6}
OVERSUBSCRIBED = {"std_mutex": 2.0e6, "mcs": 0.1e6, "malthusian_mcs": 1.2e6, "tas_spin": 0.05e6}
# ops/s in the lock_combine scenario at t:2: flat_combining 1.75x std_mutex (met), mcs_combiner
# 1.2x (missed).
COMBINE = {"std_mutex": 2.0e6, "flat_combining": 3.5e6, "mcs_combiner": 2.4e6, "ticket": 1.5e6}
HANDOFFS = {"std_mutex": 0.05, "ck_mcs": 0.98, "tbb_queuing_mutex": 0.97, "hemlock": 0.98,
            "twa": 0.99, "reciprocating": 0.99, "tas_spin": 0.01, "mcs": 0.95,
            "malthusian_mcs": 0.97}


def planted(high: dict[str, float] | None = None, oversubscribed: dict[str, float] | None = None,
            handoffs: dict[str, float] | None = None, high_threads: int = 2,
            extra: tuple[dict[str, Any], ...] = (), combine: dict[str, float] | None = None,
            combine_threads: int = 2, **overrides: Any) -> Run:
    """A locks run of three repetitions (medians exactly the numbers given) on a 2-PU machine,
    with `extra` entries (a failed case), the lock_combine scenario's ops/s and context
    `overrides`."""
    levels: dict[str, dict[int, dict[str, tuple[float, float]]]] = {}
    if high is not None:
        levels["high"] = {high_threads: {p: (ops, 0.9) for p, ops in high.items()}}
    if oversubscribed is not None:
        levels["oversubscribed"] = {8: {p: (ops, 0.9) for p, ops in oversubscribed.items()}}
    if combine is not None:
        levels["lock_combine"] = {combine_threads: {p: (ops, 0.9) for p, ops in combine.items()}}
    entries = lock_entries(levels, reps=3, events=False)
    ratios = HANDOFFS if handoffs is None else handoffs
    for entry in entries:
        primitive = entry["name"].split("/")[1]
        if primitive in ratios:
            entry["handoff_ratio"] = ratios[primitive]
    ctx = context(num_cpus=2, **overrides)
    ctx["schema_version"] = 2
    return parse({"context": ctx, "benchmarks": [*extra, *entries]}, "planted.json")


def locks(run: Run) -> FamilyRun:
    return FamilyRun("locks", tuple(families(scenario_tables(run.records)).get("locks", [])), run)


def verdicts(run: Run) -> dict[str, frontier.Judgement]:
    found = frontier.judgements(locks(run))
    assert len(found) == len(frontier.GOALS)  # one comparison point per goal here
    return {j.goal.text: j for j in found}


def goal(lock: str, other: str) -> str:
    return next(g.text for g in frontier.GOALS if (g.lock, g.other) == (lock, other))


def test_goals_met_are_judged_met_with_their_ratio_and_handoffs() -> None:
    found = verdicts(planted(HIGH, OVERSUBSCRIBED, combine=dict(COMBINE, mcs_combiner=3.0e6)))
    assert {j.verdict for j in found.values()} == {frontier.MET}
    at_bar = found[goal("hemlock", "ck_mcs")]  # 1.0x, the same handoff ratio: the bar is met
    assert at_bar.ratio is not None and abs(at_bar.ratio.median - 1.0) < 1e-9
    assert at_bar.ratio.spread == "range" and at_bar.ratio.lo < 1.0 < at_bar.ratio.hi
    assert "spread reaches below 1.0×" in at_bar.why
    assert at_bar.where == "t:2 · compact"
    assert [h.median if h else None for h in at_bar.handoffs] == [0.98, 0.98]
    malthusian = found[goal("malthusian_mcs", "mcs")]
    assert malthusian.ratio is not None and abs(malthusian.ratio.median - 12.0) < 1e-9
    assert malthusian.where == "t:8 · compact" and malthusian.why == ""


def test_goals_missed_say_by_how_much() -> None:
    slow = dict(HIGH, reciprocating=0.5e6)  # 0.5x ck_mcs: twice too slow
    fast_but_batching = dict(HANDOFFS, twa=0.40)  # twa faster than both, but hands over less
    found = verdicts(planted(slow, dict(OVERSUBSCRIBED, malthusian_mcs=0.5e6),
                             fast_but_batching))
    reciprocating = found[goal("reciprocating", "ck_mcs")]
    assert reciprocating.verdict == frontier.MISSED
    assert "throughput 0.5× ck_mcs, 2× short of 1.0×" in reciprocating.why
    twa = found[goal("twa", "tbb_queuing_mutex")]
    assert twa.verdict == frontier.MISSED and twa.ratio and twa.ratio.median > 1
    assert twa.why == "handoff ratio 0.400 below tbb_queuing_mutex's 0.970"
    mcs, std = found[goal("malthusian_mcs", "mcs")], found[goal("malthusian_mcs", "std_mutex")]
    assert mcs.verdict == std.verdict == frontier.MISSED
    assert "5× mcs, 2× short of 10×" in mcs.why and "0.25× std_mutex, 2× short of 0.5×" in std.why
    # The goals that still hold are not dragged along.
    assert found[goal("hemlock", "ck_mcs")].verdict == frontier.MET


def test_a_run_without_the_frontier_locks_is_not_measured_and_says_why() -> None:
    classics = {p: ops for p, ops in HIGH.items() if p not in ("hemlock", "twa", "reciprocating")}
    found = verdicts(planted(classics, {"std_mutex": 2.0e6, "mcs": 0.1e6},
                             combine={"std_mutex": 2.0e6}))
    for text, judgement in found.items():
        assert judgement.verdict == frontier.NOT_MEASURED, text
        assert judgement.ratio is None
        assert "was not measured at" in judgement.why and "no case of it anywhere" in judgement.why


def test_the_lock_combine_goals_met_missed_and_not_measured() -> None:
    found = verdicts(planted(HIGH, OVERSUBSCRIBED, combine=COMBINE))
    flat, mcs = found[goal("flat_combining", "std_mutex")], found[goal("mcs_combiner", "std_mutex")]
    assert flat.goal.text == "flat_combining ≥ 1.5× std_mutex" and flat.goal.level == "lock_combine"
    assert flat.verdict == frontier.MET and flat.ratio is not None
    assert abs(flat.ratio.median - 1.75) < 1e-9 and flat.where == "t:2 · compact"
    assert flat.handoffs[0] is None  # the goal asks for no handoff ratio
    assert mcs.verdict == frontier.MISSED
    assert "throughput 1.2× std_mutex, 1.25× short of 1.5×" in mcs.why
    # The scenario absent: not measured, with the levels the run has.
    absent = verdicts(planted(HIGH, OVERSUBSCRIBED))[goal("flat_combining", "std_mutex")]
    assert absent.verdict == frontier.NOT_MEASURED and absent.ratio is None
    assert absent.why == ("the run has no 'lock_combine' scenario of locks (levels measured: "
                          "high, oversubscribed)")
    # One thread on a 2-PU machine: no combining to judge.
    alone = verdicts(planted(HIGH, OVERSUBSCRIBED, combine=COMBINE, combine_threads=1))
    assert alone[goal("mcs_combiner", "std_mutex")].why == (
        "'lock_combine' ran at most t:1, fewer threads than the machine's 2 PUs")
    # std_mutex absent from the scenario: the combiner's goal is not measured, naming it.
    no_std = {p: ops for p, ops in COMBINE.items() if p != "std_mutex"}
    flat = verdicts(planted(HIGH, OVERSUBSCRIBED, combine=no_std))[goal("flat_combining",
                                                                         "std_mutex")]
    assert flat.verdict == frontier.NOT_MEASURED
    assert flat.why.startswith("std_mutex was not measured at lock_combine in this run")


def test_a_run_without_the_level_is_not_measured_and_names_the_levels_it_has() -> None:
    found = verdicts(planted(HIGH))
    mcs = found[goal("malthusian_mcs", "mcs")]
    assert mcs.verdict == frontier.NOT_MEASURED and mcs.ratio is None
    assert mcs.why == "the run has no 'oversubscribed' level of locks (levels measured: high)"
    assert found[goal("twa", "ck_mcs")].verdict == frontier.MET


def test_a_missing_peer_and_a_missing_handoff_ratio_are_not_measured() -> None:
    no_tbb = {p: ops for p, ops in HIGH.items() if p != "tbb_queuing_mutex"}
    no_handoff = {p: r for p, r in HANDOFFS.items() if p != "ck_mcs"}
    found = verdicts(planted(no_tbb, OVERSUBSCRIBED, no_handoff,
                             locks_peers_missing="tbb: libtbb-dev not found"))
    tbb = found[goal("hemlock", "tbb_queuing_mutex")]
    assert tbb.verdict == frontier.NOT_MEASURED
    assert "tbb_queuing_mutex was not measured at high" in tbb.why
    assert "locks peers not built: tbb: libtbb-dev not found" in tbb.why
    ck = found[goal("hemlock", "ck_mcs")]
    assert ck.verdict == frontier.NOT_MEASURED and ck.ratio is not None  # the ratio is shown
    assert ck.why.startswith("handoff_ratio not measured for ck_mcs: ")
    # The oversubscribed goals ask for no handoff ratio.
    assert found[goal("malthusian_mcs", "mcs")].verdict == frontier.MET


def test_high_with_fewer_threads_than_pus_a_failed_case_and_an_emulated_run() -> None:
    one_thread = verdicts(planted(HIGH, high_threads=1))[goal("twa", "ck_mcs")]
    assert one_thread.verdict == frontier.NOT_MEASURED
    assert one_thread.why == "'high' ran at most t:1, fewer threads than the machine's 2 PUs"
    failed = {"name": "locks/twa/high/t:2/place:compact", "run_type": "iteration",
              "error_occurred": True, "error_message": "watchdog: no progress for 1 s"}
    run = planted({p: ops for p, ops in HIGH.items() if p != "twa"}, OVERSUBSCRIBED,
                  extra=(failed,))
    twa = verdicts(run)[goal("twa", "ck_mcs")]
    assert twa.verdict == frontier.NOT_MEASURED
    assert "failed (watchdog: no progress for 1 s)" in twa.why
    emulated = verdicts(planted(HIGH, OVERSUBSCRIBED, emulated="true"))
    assert {j.verdict for j in emulated.values()} == {frontier.NOT_MEASURED}


def test_the_figure_highlights_the_frontier_and_shades_where_the_goals_hold() -> None:
    data = frontier.figure_data(locks(planted(HIGH, OVERSUBSCRIBED)))
    assert isinstance(data, frontier.FrontierFigure)
    high, over = data.levels
    assert (high.level, high.threads, over.level, over.threads) == ("high", 2, "oversubscribed", 8)
    roles = {p.primitive: p.role for p in high.points}
    assert roles["hemlock"] == "frontier" and roles["ck_mcs"] == "other"
    assert roles["tas_spin"] == "" and roles["std_mutex"] == ""  # not compared with at high
    assert high.goal_ops == 1.0e6 and high.goal_handoff == 0.98
    assert over.goal_ops == 1.0e6 and over.goal_handoff is None  # max(10 x mcs, 0.5 x std)
    classics = frontier.figure_data(locks(planted({"std_mutex": 1e6, "ck_mcs": 1e6})))
    assert isinstance(classics, Skip) and "none of hemlock" in classics.reason


def test_the_panel_in_a_built_report(tmp_path: Path) -> None:
    from PIL import Image

    run = planted(dict(HIGH, reciprocating=0.5e6), OVERSUBSCRIBED)
    index = build_report([run], tmp_path / "report", generated="2024-06-01T10:00:00+00:00")
    page = index.read_text(encoding="utf-8")
    assert "goals, judged from this run</caption>" in page
    assert '<img src="locks-frontier.png"' in page
    # reciprocating's two goals are the missed ones, in red; the six others are not.
    assert page.count("<tr class=flag>") == 2 and page.count("<td>met") == 6
    assert "missed: throughput 0.5× ck_mcs" in page
    assert "missed: throughput 0.625× tbb_queuing_mutex" in page
    with Image.open(tmp_path / "report" / "locks-frontier.png") as image:
        assert image.mode == "P"  # the palette PNG every report figure is
