"""The queue goal in the channels section: planted runs where the best new queue beats both peers
(met), falls short of moodycamel (missed, by how much), or cannot be judged (the new queue left out
on this machine, a peer not built, a scenario not run, an emulated run), and the built page."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from conftest import INPUTS
from synclab.load import Run, parse
from synclab.report.build import build_report
from synclab.report.families import queue_goal
from synclab.report.families.base import FamilyRun
from synclab.report.families.frontier import MET, MISSED, NOT_MEASURED
from synclab.report.tables import families, scenario_tables

if str(INPUTS) not in sys.path:  # the builders of the report tests' inputs
    sys.path.insert(0, str(INPUTS))
from make_inputs import context, entry  # noqa: E402

UNBOUNDED = {"faa_array_queue", "lprq", "lcrq", "moodycamel"}
# messages/s received: faa_array_queue 1.2x the best atomic_queue variant (aq_atomic2) and 1.2x
# moodycamel; scq slower than both.
MPMC = {"faa_array_queue": 6.0e6, "scq": 3.0e6, "aq_atomic": 4.0e6, "aq_atomic2": 5.0e6,
        "aq_atomic_b": 2.0e6, "aq_atomic_b2": 1.0e6, "moodycamel": 5.0e6}


def channel_entries(scenario: str, threads: int, rates: dict[str, float],
                    reps: int = 3) -> list[dict[str, Any]]:
    out = []
    for primitive, rate in rates.items():
        cap = "unbounded" if primitive in UNBOUNDED else "1024"
        name = f"channels/{primitive}/{scenario}/t:{threads}/place:compact/cap:{cap}/payload:8"
        for rep in range(reps):
            wiggle = 1.0 + (rep - (reps - 1) / 2) * 0.02
            out.append(entry(name, rep, reps, "pus=0,1 class=same_core",
                             {"messages_per_sec": rate * wiggle, "ops_per_sec": rate * wiggle}))
    return out


def planted(mpmc: dict[str, float] | None = MPMC, oversub: dict[str, float] | None = MPMC,
            **overrides: Any) -> Run:
    entries = (channel_entries("mpmc", 2, mpmc) if mpmc else []) + (
        channel_entries("mpmc_oversub", 4, oversub) if oversub else [])
    ctx = context(num_cpus=2, **overrides)
    ctx["schema_version"] = 2
    return parse({"context": ctx, "benchmarks": entries}, "planted.json")


def verdicts(run: Run) -> dict[tuple[str, str], queue_goal.QueueJudgement]:
    tables = tuple(families(scenario_tables(run.records)).get("channels", []))
    found = queue_goal.judgements(FamilyRun("channels", tables, run))
    assert len(found) == len(queue_goal.GOALS)  # one comparison point per goal here
    return {(j.goal.scenario, j.goal.other_name): j for j in found}


AQ = "the best atomic_queue variant"


def test_the_best_new_queue_ahead_of_both_peers_is_met_and_named() -> None:
    found = verdicts(planted())
    assert {j.verdict for j in found.values()} == {MET}
    aq = found[("mpmc", AQ)]
    assert (aq.best, aq.other, aq.where) == ("faa_array_queue", "aq_atomic2", "compact")
    assert aq.ratio is not None and abs(aq.ratio.median - 1.2) < 1e-9
    assert aq.why.startswith("faa_array_queue 1.2× aq_atomic2")
    assert "lprq, lcrq, bbq_mpmc were not measured at mpmc" in aq.why  # named, not judged
    moody = found[("mpmc_oversub", "moodycamel")]
    assert moody.goal.at == "mpmc_oversub t:4" and moody.other == "moodycamel"


def test_a_new_queue_short_of_moodycamel_is_missed_by_how_much() -> None:
    slow = dict(MPMC, moodycamel=6.0e6 / 0.9)  # faa_array_queue at 0.9x moodycamel
    found = verdicts(planted(oversub=slow))
    moody = found[("mpmc_oversub", "moodycamel")]
    assert moody.verdict == MISSED and moody.best == "faa_array_queue"
    assert moody.why.startswith("faa_array_queue 0.9× moodycamel, 1.11× short of 1.0×")
    # The other goals are not dragged along.
    assert found[("mpmc_oversub", AQ)].verdict == MET
    assert found[("mpmc", "moodycamel")].verdict == MET


def test_the_new_queue_left_out_is_not_measured_with_the_reason() -> None:
    why = "lcrq (this CPU has no cmpxchg16b (CPUID.01H:ECX.CX16 = 0): no double-width CAS)"
    peers = {p: r for p, r in MPMC.items() if p not in queue_goal.OURS}
    found = verdicts(planted(peers, peers, channel_primitives_left_out=why))
    for judgement in found.values():
        assert judgement.verdict == NOT_MEASURED and judgement.ratio is None
        assert f"lcrq was not measured at {judgement.goal.scenario} in this run: {why}" \
            in judgement.why
        assert "scq, lprq, faa_array_queue, bbq_mpmc were not measured" in judgement.why


def test_a_peer_not_built_and_a_scenario_not_run_are_not_measured() -> None:
    no_moody = {p: r for p, r in MPMC.items() if p != "moodycamel"}
    found = verdicts(planted(no_moody, None,
                             channels_peers_missing="moodycamel: concurrentqueue.h not found"))
    moody = found[("mpmc", "moodycamel")]
    assert moody.verdict == NOT_MEASURED
    assert moody.why == ("moodycamel was not measured at mpmc in this run: moodycamel: "
                         "concurrentqueue.h not found")  # the context's entry that names it
    assert moody.best == "faa_array_queue" and moody.ratio is None  # our side is still named
    assert found[("mpmc", AQ)].verdict == MET
    assert found[("mpmc_oversub", AQ)].why == (
        "the run has no 'mpmc_oversub' scenario of channels with payload:8 at cap:1024 or "
        "cap:unbounded")


def test_other_thread_counts_and_an_emulated_run_are_not_measured() -> None:
    entries = channel_entries("mpmc", 4, MPMC)
    run = parse({"context": dict(context(num_cpus=2), schema_version=2), "benchmarks": entries},
                "t4.json")
    tables = tuple(families(scenario_tables(run.records))["channels"])
    mpmc = queue_goal.judge(queue_goal.GOALS[0], FamilyRun("channels", tables, run))
    assert [(j.verdict, j.why) for j in mpmc] == [(NOT_MEASURED, "'mpmc' ran at t:4, not t:2")]
    emulated = verdicts(planted(emulated="true"))
    assert {j.verdict for j in emulated.values()} == {NOT_MEASURED}
    assert all("emulated run" in j.why for j in emulated.values())


def test_the_goal_table_in_a_built_report(tmp_path: Path) -> None:
    run = planted(oversub=dict(MPMC, moodycamel=7.5e6))  # 0.8x moodycamel at mpmc_oversub
    index = build_report([run], tmp_path / "report", generated="2024-06-01T10:00:00+00:00")
    page = index.read_text(encoding="utf-8")
    assert "The queue goal, judged from this run</caption>" in page
    assert page.count("<tr class=flag>") == 1 and page.count("<td>met") == 3
    assert "missed: faa_array_queue 0.8× moodycamel, 1.25× short of 1.0×" in page
