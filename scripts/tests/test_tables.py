"""Table computations on known input (synclab.report.tables, problems, fmt, text)."""
from __future__ import annotations

from pathlib import Path

import pytest

from synclab.names import CaseName
from synclab.report import fmt
from synclab.report.figures import primitive_styles
from synclab.report.load import Record, Run, load_run
from synclab.report.problems import find_problems
from synclab.report.tables import (Row, ScenarioTable, Summary, relative_throughput, scenario_tables,
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
    tables = scenario_tables(load_run(inputs / "complete.json").records)
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
    run = load_run(inputs / "partial.json")
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
    record = Record(name="padding/padded64/high/t:2/place:compact", case=case, run_type="iteration",
                    aggregate_name="", repetition_index=0, status="ok", error_message="", label="",
                    values={"ops_per_sec": 5.0})
    tables = scenario_tables([record])
    assert tables[0].baseline is None and tables[0].rows[0].ratio is None
    assert relative_throughput(tables[0]) == []
    problems = find_problems(Run("x.json", {}, {}, (record,)), tables)
    assert any("no baseline" in line for line in problems.missing_baselines)


def test_aggregates_only_falls_back_to_the_median(inputs: Path) -> None:
    high = table(scenario_tables(load_run(inputs / "aggregates_only.json").records), "high")
    std = row(high, "std_mutex", 2)
    assert std.metrics["ops_per_sec"] == Summary(1.1e6, 1.1e6, 1.1e6, 1, "")
    assert row(high, "tas_spin", 2).ratio == pytest.approx(0.5)


def test_series_and_relative_bars(inputs: Path) -> None:
    high = table(scenario_tables(load_run(inputs / "complete.json").records), "high")
    series = throughput_series(high)
    assert [(s.primitive, [t for t, _ in s.points]) for s in series] == [
        ("futex_mutex3", [1, 2]), ("std_mutex", [1, 2]), ("tas_spin", [1, 2])]
    [bars] = relative_throughput(high)
    assert (bars.baseline, bars.threads, bars.placement) == ("std_mutex", 2, "compact")
    assert [(name, round(value, 6)) for name, value, _, _ in bars.bars] == [
        ("futex_mutex3", 2.0), ("std_mutex", 1.0), ("tas_spin", 0.5)]


def test_problems(inputs: Path) -> None:
    complete = load_run(inputs / "complete.json")
    assert find_problems(complete, scenario_tables(complete.records)).count == 0
    partial = load_run(inputs / "partial.json")
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
    assert fmt.si(1234567) == "1.23 M" and fmt.si(999) == "999" and fmt.si(45600) == "45.6 k"
    assert fmt.duration_ns(81.25) == "81.2 ns" and fmt.duration_ns(1250) == "1.25 µs"
    assert fmt.ratio(None) == "—" and fmt.ratio(2) == "2.00×"
    assert fmt.general(0.00012) == "0.000120" and fmt.general(0) == "0"
    assert fmt.clock(73) == "1:13" and fmt.clock(3725) == "1:02:05"
    assert fmt.spread("ops_per_sec", Summary(2e6, 1e6, 3e6, 3, "range")) == "min–max 1.00 M–3.00 M"
    assert fmt.spread("ops_per_sec", Summary(2e6, 2e6, 2e6, 1, "")) == ""


def test_summary_text(inputs: Path) -> None:
    text = summary_text(scenario_tables(load_run(inputs / "complete.json").records))
    assert "locks / high" in text and "vs std_mutex" in text
    line = next(line for line in text.splitlines() if "futex_mutex3" in line and " 2 " in line)
    assert "2.20 M" in line and "2.00×" in line
