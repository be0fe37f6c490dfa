"""'What to use on this machine': a fast but unfair primitive is passed over and said to be; a
fast and fair one is recommended; one thread is judged by speed alone."""
from __future__ import annotations

from typing import Any

from synclab.load import parse
from synclab.report.advice import advise
from synclab.report.tables import scenario_tables


def case(primitive: str, level: str, threads: int, ops: float, **metrics: float) -> dict[str, Any]:
    return {"name": f"locks/{primitive}/{level}/t:{threads}/place:compact",
            "run_type": "iteration", "ops_per_sec": ops, **metrics}


def advice_for(entries: list[dict[str, Any]], fair_by: str = "handoff") -> dict[str, Any]:
    run = parse({"context": {"schema_version": 2}, "benchmarks": entries}, "r.json")
    return {a.situation.label: a for a in advise(scenario_tables(run.records), fair_by)}


FAIR = {"fairness_jain": 1.0, "fairness_jain_short": 0.99, "handoff_ratio": 0.98}
BATCHING = {"fairness_jain": 0.99, "fairness_jain_short": 0.5, "handoff_ratio": 0.02}


def test_a_fast_batching_lock_is_passed_over_and_named() -> None:
    found = advice_for([case("std_mutex", "high", 2, 6e6, **BATCHING),
                        case("tas_spin", "high", 2, 9e6, **BATCHING),
                        case("mcs", "high", 2, 1e6, **FAIR),
                        case("ticket", "high", 2, 0.8e6, **FAIR)])
    contended = found["contended"]
    assert contended.recommended.primitive == "mcs"
    assert contended.runner_up is not None and contended.runner_up.primitive == "ticket"
    assert contended.baseline_row is not None and contended.baseline_row.primitive == "std_mutex"
    assert "tas_spin is 9.00× faster but unfair" in contended.why
    assert "the baseline too: std_mutex is 6.00× faster but unfair" in contended.why


def test_the_fastest_is_recommended_when_it_is_fair() -> None:
    found = advice_for([case("std_mutex", "high", 2, 6e6, **FAIR),
                        case("tas_spin", "high", 2, 9e6, **FAIR),
                        case("mcs", "high", 2, 1e6, **FAIR)])
    contended = found["contended"]
    assert contended.recommended.primitive == "tas_spin"
    assert contended.runner_up is not None and contended.runner_up.primitive == "std_mutex"
    assert contended.why.startswith("fast and fair: the fastest")
    assert "unfair" not in contended.why


def test_the_criterion_decides_what_counts_as_fair() -> None:
    entries = [case("std_mutex", "high", 2, 6e6, **BATCHING), case("mcs", "high", 2, 1e6, **FAIR)]
    assert advice_for(entries, "handoff")["contended"].recommended.primitive == "mcs"
    # Over the whole window both are fair: Jain cannot see the batching.
    assert advice_for(entries, "jain")["contended"].recommended.primitive == "std_mutex"


def test_one_thread_is_judged_by_speed_and_absent_situations_are_left_out() -> None:
    found = advice_for([case("std_mutex", "uncontended", 1, 2e7),
                        case("tas_spin", "uncontended", 1, 5e7)])
    assert list(found) == ["uncontended"]
    alone = found["uncontended"]
    assert alone.recommended.primitive == "tas_spin" and alone.runner_up is not None
    assert alone.runner_up.primitive == "std_mutex" and "one thread" in alone.why


def test_where_no_primitive_is_fair_the_fastest_is_recommended() -> None:
    # Oversubscribed: every lock batches; "fair enough" would pick the slowest of the unfair.
    unfair = {"fairness_jain": 0.9, "fairness_jain_short": 0.28, "handoff_ratio": 0.1}
    less = {"fairness_jain": 0.9, "fairness_jain_short": 0.15, "handoff_ratio": 0.05}
    found = advice_for([case("std_mutex", "oversubscribed", 8, 2e6, **less),
                        case("futex_mutex3", "oversubscribed", 8, 3e6, **less),
                        case("mcs", "oversubscribed", 8, 2e4, **unfair)])
    over = found["oversubscribed"]
    assert over.recommended.primitive == "futex_mutex3"
    assert over.runner_up is not None and over.runner_up.primitive == "std_mutex"
    assert "no primitive is fair here (the fairest, mcs, has short-term Jain index 0.280" in over.why
