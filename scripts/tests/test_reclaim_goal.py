"""The reclamation goal in the reclaim section: planted runs where a scheme of ours reads 6x as
fast as atomic_shared_ptr within its bound (met), past its bound or without one (missed, the bound
named), at 4x within its bound (missed, by how much), or cannot be judged (a scheme left out, the
reference not built, an emulated run); a real run's verdict; and the built page."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from conftest import INPUTS
from synclab.load import Run, load, parse
from synclab.report.build import build_report
from synclab.report.families import reclaim_goal
from synclab.report.families.base import FamilyRun
from synclab.report.families.frontier import MET, MISSED, NOT_MEASURED
from synclab.report.tables import families, scenario_tables

if str(INPUTS) not in sys.path:  # the builders of the report tests' inputs
    sys.path.insert(0, str(INPUTS))
from make_inputs import context, entry  # noqa: E402

REFERENCE_NS = 60.0  # atomic_shared_ptr's ns per read (CPU: half of it)
# (ns per read, awaiting peak): hazard_pointers 6x within R = 20, qsbr 7.5x without a bound,
# ebr 4x without one.
SCHEMES = {"atomic_shared_ptr": (REFERENCE_NS, 2.0), "hazard_pointers": (10.0, 20.0),
           "qsbr": (8.0, 19470.0), "ebr": (15.0, 14860.0)}


def reclaim_entries(schemes: dict[str, tuple[float, float]], reps: int = 3) -> list[dict[str, Any]]:
    out = []
    for scheme, (ns, peak) in schemes.items():
        name = f"reclaim/{scheme}/read_mostly/t:2/place:compact"
        for rep in range(reps):
            wiggle = 1.0 + (rep - (reps - 1) / 2) * 0.02
            out.append(entry(name, rep, reps, "pus=0,1 class=same_core", {
                "ns_per_read": ns * wiggle, "cpu_ns_per_read": ns * wiggle / 2,
                "awaiting_objects_peak": peak, "ops_per_sec": 1e9 / ns}))
    return out


def planted(schemes: dict[str, tuple[float, float]] = SCHEMES, **overrides: Any) -> Run:
    ctx = context(num_cpus=2, **overrides)
    ctx["schema_version"] = 2
    return parse({"context": ctx, "benchmarks": reclaim_entries(schemes)}, "planted.json")


def verdict(run: Run) -> reclaim_goal.ReclaimJudgement:
    tables = tuple(families(scenario_tables(run.records)).get("reclaim", []))
    found = reclaim_goal.judge(FamilyRun("reclaim", tables, run))
    assert len(found) == 1  # one placement
    return found[0]


def test_a_scheme_6x_as_fast_within_its_bound_meets_the_goal_and_is_named() -> None:
    found = verdict(planted())
    assert found.verdict == MET and found.where == "t:2 · compact"
    assert found.why == ("hazard_pointers: readers 6.0× (CPU 6.0×), bound held "
                         "(peak 20 ≤ R = 20)")
    hp = next(c for c in found.candidates if c.scheme == "hazard_pointers")
    assert hp.readers is not None and abs(hp.readers.median - 6.0) < 1e-9 and hp.bound == 20


def test_6x_past_the_bound_is_missed_naming_the_bound() -> None:
    found = verdict(planted(dict(SCHEMES, hazard_pointers=(10.0, 25.0))))
    assert found.verdict == MISSED
    assert "hazard_pointers: readers 6.0× (CPU 6.0×) but bound exceeded (peak 25 > R = 20)" \
        in found.why
    assert "qsbr: readers 7.5× (CPU 7.5×) but no bound: peak 19,470 objects" in found.why


def test_one_repetition_past_the_bound_misses_it_although_the_median_holds() -> None:
    entries = reclaim_entries(SCHEMES)
    hp = [e for e in entries if e["name"].startswith("reclaim/hazard_pointers/")]
    hp[-1]["awaiting_objects_peak"] = 21.0  # one window of three went past R
    ctx = context(num_cpus=2)
    ctx["schema_version"] = 2
    found = verdict(parse({"context": ctx, "benchmarks": entries}, "planted.json"))
    assert found.verdict == MISSED
    assert "hazard_pointers: readers 6.0× (CPU 6.0×) but bound exceeded (peak 21 > R = 20)" \
        in found.why


def test_4x_within_the_bound_is_missed_by_how_much() -> None:
    found = verdict(planted(dict(SCHEMES, hazard_pointers=(REFERENCE_NS / 4, 20.0))))
    assert found.verdict == MISSED
    assert "hazard_pointers: bound held (peak 20 ≤ R = 20) but readers 4.0× (CPU 4.0×), " \
           "20 % short of 5.0×" in found.why
    assert "ebr: readers 4.0× (CPU 4.0×), 20 % short of 5.0×, and no bound: peak 14,860 " \
           "objects" in found.why


def test_the_asymmetric_scheme_left_out_is_named_with_its_reason() -> None:
    why = "hazard_pointers_asym (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): ENOSYS)"
    found = verdict(planted(reclaim_primitives_left_out=why))
    assert found.verdict == MET  # judged on the schemes measured
    asym = next(c for c in found.candidates if c.scheme == "hazard_pointers_asym")
    assert asym.absent == ("hazard_pointers_asym was not measured at read_mostly in this run: "
                           + why)
    alone = verdict(planted({"atomic_shared_ptr": (REFERENCE_NS, 2.0)},
                            reclaim_primitives_left_out=why))
    assert alone.verdict == NOT_MEASURED and why in alone.why


def test_the_reference_absent_and_an_emulated_run_are_not_measured() -> None:
    ours = {s: v for s, v in SCHEMES.items() if s != "atomic_shared_ptr"}
    why = "atomic_shared_ptr (libstdc++ 12's lock bit is invisible to ThreadSanitizer)"
    tsan = verdict(planted(ours, reclaim_peers_missing=why))
    assert tsan.verdict == NOT_MEASURED and tsan.candidates == ()
    assert tsan.why == f"atomic_shared_ptr was not measured at read_mostly in this run: {why}"
    emulated = verdict(planted(emulated="true"))
    assert emulated.verdict == NOT_MEASURED and "emulated run" in emulated.why


def test_a_real_run_qsbr_has_the_readers_and_hazard_pointers_the_bound() -> None:
    # read_mostly t:2 of a whole-family run on the 2-PU VM (docs/reclaim.md, "second run"):
    # medians of 5 repetitions, aggregates only.
    found = verdict(load(INPUTS / "reclaim_read_mostly.json"))
    assert found.verdict == MISSED
    assert "qsbr: readers 5.8× (CPU 5.8×) but no bound: peak 28,729 objects" in found.why
    assert "hazard_pointers: bound held (peak 20 ≤ R = 20) but readers 4.3× (CPU 4.2×), " \
           "13 % short of 5.0×" in found.why
    assert "hazard_pointers_asym was not measured" in found.why


def test_the_goal_table_in_a_built_report(tmp_path: Path) -> None:
    run = planted(dict(SCHEMES, hazard_pointers=(10.0, 25.0)))
    index = build_report([run], tmp_path / "report", generated="2024-06-01T10:00:00+00:00")
    page = index.read_text(encoding="utf-8")
    assert "The reclamation goal, judged from this run</caption>" in page
    assert page.count("<tr class=flag>") == 1
    assert "bound exceeded (peak 25 &gt; R = 20)" in page
