"""Table computations on known input (synclab.report.tables, problems, fmt, text)."""
from __future__ import annotations

from pathlib import Path

import pytest

from synclab.names import CaseName
from synclab.report import fmt
from synclab.report.figures import primitive_styles
from synclab.load import Record, Run, load, parse
from synclab.report.problems import find_problems
from synclab.report.tables import (Placement, Row, ScenarioTable, Summary, parse_label,
                                   relative_throughput, rows_at_top_threads, scenario_tables,
                                   summarize, throughput_series)
from synclab.report.text import summary_text


def table(tables: list[ScenarioTable], scenario: str) -> ScenarioTable:
    return next(t for t in tables if t.scenario == scenario)


def row(t: ScenarioTable, primitive: str, threads: int) -> Row:
    return next(r for r in t.rows if r.primitive == primitive and r.threads == threads)


def test_summarize() -> None:
    assert summarize([3.0]) == Summary(3.0, 3.0, 3.0, 1, "")
    assert summarize([1.2, 1.0, 1.1]) == Summary(1.1, 1.0, 1.2, 3, "range")
    assert summarize([5.0, 1.0, 4.0, 2.0, 3.0]) == Summary(3.0, 2.0, 4.0, 5, "iqr")
    assert summarize([1.0, 2.0]).median == 1.5
    with pytest.raises(ValueError):
        summarize([])


def test_medians_and_ratios_of_a_complete_run(inputs: Path) -> None:
    tables = scenario_tables(load(inputs / "complete.json").records)
    assert [t.scenario for t in tables] == ["uncontended", "high"]
    high = table(tables, "high")
    assert high.baseline == "std_mutex" and high.missing_baseline == ()
    assert [(r.primitive, r.threads) for r in high.rows] == [
        ("std_mutex", 1), ("std_mutex", 2), ("futex_mutex3", 1), ("futex_mutex3", 2),
        ("tas_spin", 1), ("tas_spin", 2)]
    std = row(high, "std_mutex", 2)
    assert std.metrics["ops_per_sec"] == Summary(1.1e6, 1.0e6, 1.2e6, 3, "range")  # aggregates ignored
    assert std.is_baseline and std.ratio == pytest.approx(1.0)
    assert row(high, "futex_mutex3", 2).ratio == pytest.approx(2.0)
    assert row(high, "tas_spin", 2).ratio == pytest.approx(0.5)
    assert row(high, "tas_spin", 1).ratio == pytest.approx(2.0)
    uncontended = table(tables, "uncontended")
    assert row(uncontended, "tas_spin", 1).ratio == pytest.approx(2.0)
    assert row(uncontended, "futex_mutex3", 1).ratio == pytest.approx(13 / 11)


def test_missing_baseline_and_failed_cases(inputs: Path) -> None:
    run = load(inputs / "partial.json")
    high = table(scenario_tables(run.records), "high")
    assert high.missing_baseline == ((2, "compact"),)
    assert {(r.primitive, r.threads) for r in high.rows} == {("std_mutex", 1), ("tas_spin", 1),
                                                               ("tas_spin", 2)}
    assert row(high, "tas_spin", 2).ratio is None
    assert row(high, "tas_spin", 1).ratio == pytest.approx(2.0)
    assert "futex_waits_per_op" not in row(high, "tas_spin", 1).metrics
    assert row(high, "tas_spin", 1).metrics["ops_per_sec"].spread == ""


def test_family_without_a_baseline() -> None:
    case = CaseName("padding", "padded64", "high", 2, "compact")
    record = Record(name="padding/padded64/high/t:2/place:compact",
                    run_name="padding/padded64/high/t:2/place:compact", case=case, run_type="iteration",
                    aggregate_name="", repetition_index=0, status="ok", error_message="", label="",
                    values={"ops_per_sec": 5.0})
    tables = scenario_tables([record])
    assert tables[0].baseline is None and tables[0].rows[0].ratio is None
    assert relative_throughput(tables[0]) == []
    # No baseline by design is not a problem of the run; a baseline that did not run is.
    problems = find_problems(Run("x.json", {}, {}, (record,)), tables)
    assert problems.missing_baselines == () and problems.count == 0


def test_only_a_metric_a_case_lacks_beside_its_peers_is_missing() -> None:
    entries = [{"name": "locks/std_mutex/high/t:2/place:compact", "run_type": "iteration",
                "ops_per_sec": 1.0, "handoffs_per_sec": 1.0},
               {"name": "locks/tas_spin/high/t:2/place:compact", "run_type": "iteration",
                "ops_per_sec": 2.0},
               {"name": "padding/ch7/store/t:2/place:compact", "run_type": "iteration",
                "ns_per_op": 3.0}]
    run = parse({"context": {"schema_version": 2}, "benchmarks": entries}, "r.json")
    problems = find_problems(run, scenario_tables(run.records))
    missing = {m.metric: m.cases for m in problems.missing_counters}
    # tas_spin lacks what std_mutex reports at its level: a gap. The padding case reports no
    # throughput and no handoffs at all, as no case of its level does: what it measures.
    assert missing == {"handoffs_per_sec": ("locks/tas_spin/high/t:2/place:compact",)}


def test_aggregates_only_falls_back_to_the_median(inputs: Path) -> None:
    high = table(scenario_tables(load(inputs / "aggregates_only.json").records), "high")
    std = row(high, "std_mutex", 2)
    assert std.metrics["ops_per_sec"] == Summary(1.1e6, 1.1e6, 1.1e6, 1, "")
    assert row(high, "tas_spin", 2).ratio == pytest.approx(0.5)


def test_series_and_relative_bars(inputs: Path) -> None:
    high = table(scenario_tables(load(inputs / "complete.json").records), "high")
    series = throughput_series(high)
    assert [(s.primitive, [t for t, _ in s.points]) for s in series] == [
        ("futex_mutex3", [1, 2]), ("std_mutex", [1, 2]), ("tas_spin", [1, 2])]
    [bars] = relative_throughput(high)
    assert (bars.baseline, bars.threads, bars.placement) == ("std_mutex", 2, "compact")
    assert [(name, round(value, 6)) for name, value, _, _ in bars.bars] == [
        ("futex_mutex3", 2.0), ("std_mutex", 1.0), ("tas_spin", 0.5)]


def test_problems(inputs: Path) -> None:
    complete = load(inputs / "complete.json")
    assert find_problems(complete, scenario_tables(complete.records)).count == 0
    partial = load(inputs / "partial.json")
    problems = find_problems(partial, scenario_tables(partial.records))
    assert [(f.status, f.name.split("/")[1]) for f in problems.failed] == [
        ("timed_out", "futex_mutex3"), ("failed", "std_mutex")]
    missing = {m.metric: m for m in problems.missing_counters}
    assert set(missing) == {"lat_p50_ns", "lat_p99_ns", "lat_p999_ns", "lat_max_ns",
                            "futex_waits_per_op", "futex_wakes_per_op"}
    assert len(missing["lat_p99_ns"].cases) == 2 and missing["lat_p99_ns"].total == 3
    assert len(problems.missing_baselines) == 1
    assert any("Single repetition" in note for note in problems.notes)


def test_styles_are_stable_by_name() -> None:
    one = primitive_styles(["tas_spin", "std_mutex", "futex_mutex3"])
    two = primitive_styles(["futex_mutex3", "tas_spin", "std_mutex", "tas_spin"])
    assert one == two
    assert len({s.colour for s in one.values()}) == 3
    many = primitive_styles(f"p{i:02d}" for i in range(15))
    assert len({s.colour for s in many.values()}) == 15


def test_formatting() -> None:
    assert fmt.ratio(None) == "—" and fmt.ratio(2) == "2.00×"
    assert fmt.metric("ops_per_sec", Summary(2e6, 1e6, 3e6, 3, "range")) == "2.00 M"
    assert fmt.metric("lat_p99_ns", None) == "—"
    assert fmt.spread("ops_per_sec", Summary(2e6, 1e6, 3e6, 3, "range")) == "min–max 1.00 M–3.00 M"
    assert fmt.spread("ops_per_sec", Summary(2e6, 2e6, 2e6, 1, "")) == ""


def test_summary_text(inputs: Path) -> None:
    text = summary_text(scenario_tables(load(inputs / "complete.json").records))
    assert "locks / high" in text and "vs std_mutex" in text
    line = next(line for line in text.splitlines() if "futex_mutex3" in line and " 2 " in line)
    assert "2.20 M" in line and "2.00×" in line


def test_placement_labels() -> None:
    pair = parse_label("pus=0,1 class=cross_l3")
    assert pair == Placement((0, 1), "cross_l3", ()) and pair.text == "PUs 0,1 · cross L3"
    over = parse_label("pus=0,1,0,1,0,1,0,1 class=same_core oversubscribed")
    assert over is not None and over.text == "PUs 0,1 ×4 · same core · oversubscribed"
    one = parse_label("pus=3 class=same_pu")
    assert one is not None and one.text == "PU 3 · same PU"
    assert parse_label("") is None and parse_label("something else") is None


def test_rows_at_top_threads(inputs: Path) -> None:
    high = table(scenario_tables(load(inputs / "complete.json").records), "high")
    threads, rows = rows_at_top_threads(high, "compact")
    assert threads == 2 and [r.primitive for r in rows] == ["std_mutex", "futex_mutex3", "tas_spin"]
    assert rows_at_top_threads(high, "scatter") == (0, ())


def test_limits_are_not_a_family_and_every_counter_is_kept(inputs: Path) -> None:
    run = load(inputs / "showcase.json")
    tables = scenario_tables(run.records)
    assert {t.family for t in tables} == {"locks"}
    row_ = row(table(tables, "high"), "tas_spin", 2)
    assert row_.metrics["cycles_per_op"].n == 2 and "real_time" not in row_.metrics
    assert row_.median("no_such_counter") is None


def test_summary_text_ends_with_the_winners(inputs: Path) -> None:
    text = summary_text(scenario_tables(load(inputs / "showcase.json").records), "jain")
    assert ("  locks / high t:2: fastest tas_spin 4.00×, fairest ticket 0.50×, "
            "best at both futex_mutex3 2.00×") in text.splitlines()
    assert "fairest — (one thread: fairness is 1 by definition)" in text
    assert "fairness by jain (Jain index; best at both: ≥ 0.9 × the fairest):" in text


def test_summary_text_says_when_a_level_falls_back_to_jain(inputs: Path) -> None:
    """showcase.json predates short-term fairness: the default criterion says it used Jain."""
    lines = summary_text(scenario_tables(load(inputs / "showcase.json").records)).splitlines()
    high = next(line for line in lines if line.startswith("  locks / high t:2:"))
    assert high == ("  locks / high t:2: fastest tas_spin 4.00×, fairest ticket 0.50×, "
                    "best at both futex_mutex3 2.00× [by jain: no fairness_jain_short]")


def test_a_busy_machine_is_noted() -> None:
    from synclab.report.problems import machine_busy

    assert "load average 5.1 on 2 CPUs" in machine_busy({"load_avg": [5.14, 6.0], "num_cpus": 2})
    assert machine_busy({"load_avg": [0.5], "num_cpus": 2}) == ""
    assert machine_busy({}) == "" and machine_busy({"load_avg": "x", "num_cpus": 2}) == ""


def channel_run(cases: dict[str, float]) -> list[Record]:
    entries = [{"name": name, "run_type": "iteration", "ops_per_sec": ops}
               for name, ops in cases.items()]
    return list(parse({"context": {"schema_version": 2}, "benchmarks": entries}, "r.json").records)


def test_bounded_channels_are_compared_with_the_bounded_baseline_at_their_capacity() -> None:
    tables = scenario_tables(channel_run({
        "channels/mutex_ring/high/t:2/place:compact/cap:16/payload:8": 1e6,
        "channels/spsc_ring/high/t:2/place:compact/cap:16/payload:8": 5e6,
        "channels/mutex_ring/high/t:2/place:compact/cap:1024/payload:8": 2e6,
        "channels/spsc_ring/high/t:2/place:compact/cap:1024/payload:8": 8e6,
        "channels/mutex_queue/high/t:2/place:compact/cap:unbounded/payload:8": 4e6,
        "channels/mpsc_unbounded/high/t:2/place:compact/cap:unbounded/payload:8": 2e6,
        "channels/rendezvous/high/t:2/place:compact/cap:0/payload:8": 1e5}))
    by_params = {t.params: t for t in tables}
    assert by_params["cap:16/payload:8"].baseline == "mutex_ring"
    assert row(by_params["cap:16/payload:8"], "spsc_ring", 2).ratio == pytest.approx(5.0)
    assert row(by_params["cap:1024/payload:8"], "spsc_ring", 2).ratio == pytest.approx(4.0)
    unbounded = by_params["cap:unbounded/payload:8"]
    assert unbounded.baseline == "mutex_queue"
    assert row(unbounded, "mpsc_unbounded", 2).ratio == pytest.approx(0.5)
    # No mutex channel hands over without a buffer: a rendezvous table has no baseline, so it
    # is not listed as missing one.
    rendezvous = by_params["cap:0/payload:8"]
    assert rendezvous.baseline is None and rendezvous.missing_baseline == ()
    assert row(rendezvous, "rendezvous", 2).ratio is None
