"""The summary's fairness verdicts (synclab.report.summary): a lock that batches must not win
"fairest" or "best at both" by short-term fairness or by p99 latency, a FIFO lock at a similar
speed must, and `--fair-by jain` keeps the rule the report had before."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import INPUTS, assert_one_line_error, report
from synclab.load import Run, load, parse
from synclab.metrics import LOCK_LIKE_ONLY, SAMPLING_OFF
from synclab.report.summary import (FAIR_BY, LevelSummary, Pick, level_summaries, parse_fair_by,
                                    pick_winners)
from synclab.report.tables import Row, rows_at_top_threads, scenario_tables
from synclab.report.text import summary_text

# primitive -> metrics at locks/high/t:2: the batching lock is the fastest, and by window Jain
# as fair as anyone; its short-term fairness, handoff ratio and p99 give it away.
BATCHING = {"ops_per_sec": 16.0e6, "fairness_jain": 0.98, "handoff_ratio": 0.001,
            "fairness_jain_short": 0.52, "run_length_mean": 1000.0, "lat_p99_ns": 15000.0}
FIFO = {"ops_per_sec": 15.0e6, "fairness_jain": 0.999, "handoff_ratio": 0.999,
        "fairness_jain_short": 0.999, "run_length_mean": 1.0, "lat_p99_ns": 650.0}
BASELINE = {"ops_per_sec": 10.0e6, "fairness_jain": 0.95, "handoff_ratio": 0.05,
            "fairness_jain_short": 0.70, "run_length_mean": 20.0, "lat_p99_ns": 5000.0}
PLANTED = {"std_mutex": BASELINE, "tbb_spin_mutex": BATCHING, "ticket": FIFO}


def entries(family: str, level: str, threads: int,
            primitives: dict[str, dict[str, float]], reps: int = 3) -> list[dict[str, Any]]:
    out = []
    for primitive, metrics in primitives.items():
        name = f"{family}/{primitive}/{level}/t:{threads}/place:compact"
        for rep in range(reps):
            wiggle = 1.0 + 0.01 * (rep - 1)
            values = {k: v * wiggle if k == "ops_per_sec" else v for k, v in metrics.items()}
            out.append({"name": name, "run_name": name, "run_type": "iteration",
                        "repetitions": reps, "repetition_index": rep, "threads": 1,
                        "iterations": 1, "label": "pus=0,1 class=same_core",
                        "ns_per_op": 1e9 / values["ops_per_sec"], **values})
    return out


def run_of(*groups: list[dict[str, Any]], context: dict[str, Any] | None = None) -> Run:
    doc = {"context": {"schema_version": 2, **(context or {})},
           "benchmarks": [entry for group in groups for entry in group]}
    return parse(doc, "planted.json")


def summary(run: Run, fair_by: str, level: str = "high") -> LevelSummary:
    found = [s for s in level_summaries(scenario_tables(run.records), fair_by)
             if s.scenario == level and s.threads > 1]
    assert len(found) == 1
    return found[0]


def name(pick: Pick | None) -> str | None:
    return pick.primitive if pick else None


PLANTED_RUN = run_of(entries("locks", "high", 2, PLANTED))


@pytest.mark.parametrize("fair_by", ["handoff", "p99"])
def test_batching_does_not_win_fairness_by_short_term_measures(fair_by: str) -> None:
    s = summary(PLANTED_RUN, fair_by)
    assert name(s.fastest) == "tbb_spin_mutex"
    assert name(s.fairest) == "ticket" and name(s.best) == "ticket"
    assert s.verdict is not None and s.verdict.criterion.name == fair_by
    assert s.verdict.fallback == "" and s.verdict.unrated == ()


def test_window_jain_alone_lets_batching_win_as_before() -> None:
    s = summary(PLANTED_RUN, "jain")
    assert name(s.fairest) == "ticket" and name(s.best) == "tbb_spin_mutex"
    assert s.verdict is not None and s.verdict.floor == pytest.approx(0.9 * 0.999)


def test_the_margins_are_those_documented() -> None:
    handoff, p99 = summary(PLANTED_RUN, "handoff"), summary(PLANTED_RUN, "p99")
    assert handoff.verdict and handoff.verdict.floor == pytest.approx(0.9 * 0.999)
    assert p99.verdict and p99.verdict.floor == pytest.approx(2 * 650.0)
    assert "fair enough: ≤ 1.30 µs" in p99.verdict.statement
    assert "by short-term Jain index; fair enough: ≥ 0.899" == handoff.verdict.statement


def test_fair_locks_only_keep_the_fastest_as_best_at_both() -> None:
    """Null: with nobody batching, short-term criteria pick the same best at both as Jain."""
    fair = {"ticket": FIFO, "mcs": {**FIFO, "ops_per_sec": 17.0e6, "fairness_jain_short": 0.995,
                                    "handoff_ratio": 0.98, "lat_p99_ns": 700.0},
            "std_mutex": {**BASELINE, "fairness_jain_short": 0.96, "handoff_ratio": 0.4,
                          "lat_p99_ns": 900.0}}
    run = run_of(entries("locks", "high", 2, fair))
    for fair_by in FAIR_BY:
        assert name(summary(run, fair_by).best) == "mcs", fair_by


def old_rule(rows: tuple[Row, ...]) -> tuple[str, str]:
    """The summary's rule before --fair-by: fairest by Jain (ties: faster), best at both the
    fastest with Jain >= 0.9 x the best."""
    rated = [r for r in rows if r.median("fairness_jain") is not None
             and r.median("ops_per_sec") is not None]
    fairest = max(rated, key=lambda r: (r.median("fairness_jain"), r.median("ops_per_sec")))
    floor = 0.9 * (fairest.median("fairness_jain") or 0.0)
    best = max((r for r in rated if (r.median("fairness_jain") or 0.0) >= floor),
               key=lambda r: r.median("ops_per_sec") or 0.0)
    return fairest.primitive, best.primitive


@pytest.mark.parametrize("run", [PLANTED_RUN, load(INPUTS / "showcase.json"),
                                 load(INPUTS / "complete.json")], ids=["planted", "showcase",
                                                                        "complete"])
def test_fair_by_jain_reproduces_the_old_rule(run: Run) -> None:
    checked = 0
    for table in scenario_tables(run.records):
        for placement in table.placements:
            threads, rows = rows_at_top_threads(table, placement)
            winners = pick_winners(rows, threads, "jain")
            if threads < 2 or winners is None:
                continue
            assert (name(winners.fairest), name(winners.best)) == old_rule(rows)
            checked += 1
    assert checked


def test_a_level_without_the_metric_falls_back_to_jain_and_says_why() -> None:
    channels = {p: {k: v for k, v in m.items() if k not in ("handoff_ratio", "fairness_jain_short",
                                                             "run_length_mean")}
                for p, m in PLANTED.items()}
    run = run_of(entries("channels", "spsc", 2, channels))
    s = summary(run, "handoff", "spsc")
    assert s.verdict is not None and s.verdict.criterion.name == "jain"
    assert name(s.best) == "tbb_spin_mutex"  # by Jain, as the statement says
    assert s.verdict.fallback == LOCK_LIKE_ONLY  # the registry's reason
    assert s.verdict.statement.startswith("by Jain index (short-term Jain index not measured")


def test_p99_with_sampling_off_falls_back_and_names_the_reason() -> None:
    without = {p: {k: v for k, v in m.items() if k != "lat_p99_ns"} for p, m in PLANTED.items()}
    run = run_of(entries("locks", "high", 2, without), context={"latency_sampling": "off"})
    from synclab.report.absent import why_absent
    found = level_summaries(scenario_tables(run.records), "p99",
                            lambda family, metric: why_absent(run, family, metric))
    s = next(s for s in found if s.threads == 2)
    assert s.verdict is not None and s.verdict.criterion.name == "jain"
    assert s.verdict.fallback == SAMPLING_OFF


def test_a_primitive_without_the_metric_is_not_rated_and_named() -> None:
    planted = {**PLANTED, "fast_unknown": {"ops_per_sec": 30e6, "fairness_jain": 1.0}}
    s = summary(run_of(entries("locks", "high", 2, planted)), "handoff")
    assert name(s.fastest) == "fast_unknown" and name(s.best) == "ticket"
    assert s.verdict is not None and [n for n, _ in s.verdict.unrated] == ["fast_unknown"]


def test_ties_to_three_digits_go_to_the_handoff_ratio_then_the_faster() -> None:
    tied = {"a": {**FIFO, "fairness_jain_short": 0.9994, "handoff_ratio": 0.90},
            "b": {**FIFO, "fairness_jain_short": 0.9991, "handoff_ratio": 0.99,
                  "ops_per_sec": 1e6}}
    assert name(summary(run_of(entries("locks", "high", 2, tied)), "handoff").fairest) == "b"
    tied["b"]["handoff_ratio"] = 0.90
    assert name(summary(run_of(entries("locks", "high", 2, tied)), "handoff").fairest) == "a"


def test_one_thread_has_no_fairest_under_any_criterion() -> None:
    run = run_of(entries("locks", "high", 1, PLANTED))
    for fair_by in FAIR_BY:
        s = level_summaries(scenario_tables(run.records), fair_by)[0]
        assert s.fairest is None and s.verdict is None and "one thread" in s.note


def test_parse_fair_by() -> None:
    assert [parse_fair_by(x) for x in FAIR_BY] == list(FAIR_BY)
    with pytest.raises(ValueError, match="choose from handoff, p99, jain"):
        parse_fair_by("nope")


def test_the_text_summary_states_the_criterion() -> None:
    text = summary_text(scenario_tables(PLANTED_RUN.records), "p99")
    assert "fairness by p99 (p99 latency; best at both: ≤ 2 × the lowest):" in text
    assert "fairest ticket 1.50×, best at both ticket 1.50×" in text


def write(tmp_path: Path, run: Run) -> Path:
    path = tmp_path / "planted.json"
    benchmarks: list[dict[str, Any]] = [
        {"name": r.name, "run_name": r.run_name, "run_type": r.run_type,
         "repetition_index": r.repetition_index, "label": r.label, **r.values}
        for r in run.records]
    path.write_text(json.dumps({"context": dict(run.context), "benchmarks": benchmarks}))
    return path


@pytest.mark.parametrize("fair_by, fairest, best, statement", [
    ("handoff", "ticket", "ticket", "by short-term Jain index; fair enough: ≥ 0.899"),
    ("p99", "ticket", "ticket", "by p99 latency; fair enough: ≤ 1.30 µs"),
    ("jain", "ticket", "tbb_spin_mutex", "by Jain index; fair enough: ≥ 0.899"),
])
def test_the_report_page_states_the_criterion(tmp_path: Path, fair_by: str, fairest: str,
                                              best: str, statement: str) -> None:
    proc = report(str(write(tmp_path, PLANTED_RUN)), "--out", str(tmp_path / "out"),
                  "--fair-by", fair_by)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    summary_table = page[page.index("<table class=summary>"):]
    summary_table = summary_table[:summary_table.index("</table>")]
    cells = summary_table.split("<td class=pick>")
    assert f"<b>{fairest}</b>" in cells[2] and f"<b>{best}</b>" in cells[3]
    assert statement in summary_table
    assert f"Fairness criterion: <b>{fair_by}</b>" in page


def test_report_refuses_an_unknown_criterion_in_one_line(tmp_path: Path) -> None:
    proc = report(str(write(tmp_path, PLANTED_RUN)), "--fair-by", "nope")
    line = assert_one_line_error(proc, "report")
    assert "--fair-by" in line and "nope" in line
    assert not (tmp_path / "index.html").exists()
