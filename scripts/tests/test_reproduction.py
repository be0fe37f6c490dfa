"""The book's experiments, reproduced: each verdict sees a planted effect and does not flag a null;
a case the run lacks is said to be absent with the command that runs it, never a 0; the filter
alias selects exactly the cases an experiment reads."""
from __future__ import annotations

import re
from typing import Any

import pytest

from synclab import cases
from synclab.load import parse
from synclab.report import reproduction
from synclab.report.reproduction import (BY_ID, FAILS, HOLDS, NO_FIGURE, NO_VERDICT, NOT_IN_RUN,
                                         filter_regex, render_html, reproduce)


def entry(name: str, rep: int = 0, **metrics: float) -> dict[str, Any]:
    return {"name": name, "run_name": name, "run_type": "iteration", "repetition_index": rep,
            **metrics}


def rows_of(entries: list[dict[str, Any]], arch: str = "x86_64",
            emulated: bool = False) -> dict[str, reproduction.Row]:
    context = {"schema_version": 2, "arch": arch, "emulated": str(emulated).lower()}
    run = parse({"context": context, "benchmarks": entries}, "r.json")
    return {row.experiment.id: row for row in reproduce(run)}


def locks(two_ns: float, three_ns: float) -> list[dict[str, Any]]:
    # Three repetitions each, one an outlier: the verdict reads medians.
    return [entry(f"locks/{p}/uncontended/t:1/place:compact", rep, ns_per_op=ns * scale)
            for p, ns in (("futex_mutex2", two_ns), ("futex_mutex3", three_ns))
            for rep, scale in enumerate((1.0, 1.02, 5.0))]


def test_r10_sees_a_factor_ten_and_not_equal_costs() -> None:
    planted = rows_of(locks(200.0, 20.0))["R-10"]
    assert planted.verdict == HOLDS and "10.00×" in planted.ours
    null = rows_of(locks(20.0, 20.0))["R-10"]
    assert null.verdict == FAILS and "1.00×" in null.ours


def ch7(none: float, store_same: float, store_padded: float,
        store_neighbour: float | None = None) -> list[dict[str, Any]]:
    out = [entry("padding/ch7/none/t:1/place:compact", ns_per_op=none),
           entry("padding/ch7/store/t:2/place:compact/target:same", ns_per_op=store_same),
           entry("padding/ch7/store/t:2/place:compact/target:padded", ns_per_op=store_padded)]
    if store_neighbour is not None:
        out.append(entry("padding/ch7/store/t:2/place:compact/target:neighbour",
                         ns_per_op=store_neighbour))
    return out


def test_r6_to_r9_see_a_contended_line_and_its_cure() -> None:
    planted = rows_of(ch7(0.3, 3.0, 0.3, 3.0))
    assert planted["R-6"].verdict == HOLDS and planted["R-8"].verdict == HOLDS
    assert planted["R-9"].verdict == HOLDS and planted["R-4"].verdict == HOLDS
    null = rows_of(ch7(0.3, 0.31, 0.3, 0.3))
    assert null["R-6"].verdict == FAILS and null["R-8"].verdict == FAILS
    # A second busy thread slowing every load (a VM) is not taken for a contended line ...
    busy = rows_of(ch7(0.3, 0.9, 0.9, 0.9))
    assert busy["R-6"].verdict == FAILS
    # ... and it is what makes the cure fail: padding does not bring back the lone figure.
    assert busy["R-9"].verdict == FAILS


def test_absent_cases_say_how_to_run_them_never_zero() -> None:
    found = rows_of(locks(200.0, 20.0))
    for experiment_id in ("R-4", "R-6", "R-11", "R-13", "R-20", "R-21", "R-22"):
        row = found[experiment_id]
        assert row.verdict == NOT_IN_RUN
        assert f"scripts/run_suite --filter 'reproduction/{experiment_id}'" in row.ours
        assert not re.search(r"\b0(\.0+)?\b", row.ours)
    # Half an experiment is still absent: R-10 needs both mutexes.
    half = rows_of([e for e in locks(200.0, 20.0) if "futex_mutex2" in e["name"]])
    assert half["R-10"].verdict == NOT_IN_RUN


def test_one_experiment_reads_one_placement() -> None:
    scattered = [{**e, "name": e["name"].replace("compact", "scatter"),
                  "run_name": e["name"].replace("compact", "scatter")}
                 for e in locks(20.0, 20.0)]
    row = rows_of(locks(200.0, 20.0) + scattered)["R-10"]
    assert row.verdict == HOLDS and "10.00×" in row.ours
    row = rows_of(scattered + locks(200.0, 20.0))["R-10"]
    assert row.verdict == FAILS and "1.00×" in row.ours


def test_a_failed_case_gives_no_figure_and_says_why() -> None:
    entries = locks(200.0, 20.0)
    entries[0] = {**entries[0], "error_occurred": True, "error_message": "timed out after 30 s"}
    row = rows_of(entries)["R-10"]
    assert row.verdict == NO_FIGURE and "futex_mutex2" in row.ours


def spinning(plain: float, spin: float) -> list[dict[str, Any]]:
    return [entry(f"locks/{p}/high/t:{t}/place:compact", ops_per_sec=ops * (t if t == 2 else 1))
            for p, ops in (("futex_mutex3", plain), ("futex_mutex3_spin", spin))
            for t in (1, 2)]


def test_r11_flags_a_decisive_winner_and_reads_the_most_threads() -> None:
    close = rows_of(spinning(4e6, 4.6e6))["R-11"]
    assert close.verdict == HOLDS and close.ours.startswith("t:2") and "faster" in close.ours
    decisive = rows_of(spinning(1e6, 3e6))["R-11"]
    assert decisive.verdict == FAILS and "3.00×" in decisive.ours


def spinlock(lost: list[float]) -> list[dict[str, Any]]:
    return [entry("litmus/relaxed_spinlock/relaxed/t:2/place:compact", rep, trials=1e6,
                  lost_increments=value, lost_ratio=value / 1e6)
            for rep, value in enumerate(lost)]


def test_r13_flags_one_lost_increment_on_x86_and_passes_none() -> None:
    assert rows_of(spinlock([0, 0, 0]))["R-13"].verdict == HOLDS
    lost = rows_of(spinlock([0, 1, 0]))["R-13"]
    assert lost.verdict == FAILS and "1 lost" in lost.ours
    assert rows_of(spinlock([0, 4000, 0]), arch="aarch64")["R-13"].verdict == NO_VERDICT


def orderings(seq_cst_store: float, acquire_load: float = 1.0) -> list[dict[str, Any]]:
    out = []
    for op, orders in reproduction.ORDERINGS.items():
        for order in orders:
            ns = 1.0
            if (op, order) == ("store", "seq_cst"):
                ns = seq_cst_store
            elif (op, order) == ("load", "acquire"):
                ns = acquire_load
            out.append(entry(f"ordering/{op}/{order}/t:1/place:compact", ns_per_op=ns))
    return out


def test_r20_follows_the_x86_code_generation() -> None:
    assert rows_of(orderings(seq_cst_store=12.0))["R-20"].verdict == HOLDS
    flat = rows_of(orderings(seq_cst_store=1.0))["R-20"]
    assert flat.verdict == FAILS and "store seq_cst 1.00×" in flat.reason
    dear = rows_of(orderings(seq_cst_store=12.0, acquire_load=3.0))["R-20"]
    assert dear.verdict == FAILS and "load acquire 3.00×" in dear.reason
    assert rows_of(orderings(12.0), arch="aarch64")["R-20"].verdict == NO_VERDICT


def costs(arc: float, mutex: float, read: float) -> dict[str, reproduction.Row]:
    return rows_of([entry("refcount/arc/uncontended/t:1/place:compact", ns_per_op=arc),
                    entry("refcount/rc/uncontended/t:1/place:compact", ns_per_op=1.0),
                    entry("locks/std_mutex/uncontended/t:1/place:compact", ns_per_op=mutex),
                    entry("rwlocks/std_shared_mutex/uncontended/t:1/place:compact/reads:100",
                          ns_per_op=read)])


def test_r21_r22_judge_claims_within_a_factor() -> None:
    near = costs(arc=12.0, mutex=15.0, read=25.0)
    assert near["R-21"].verdict == HOLDS and near["R-22"].verdict == HOLDS
    far = costs(arc=200.0, mutex=15.0, read=250.0)
    assert far["R-21"].verdict == FAILS and far["R-22"].verdict == FAILS
    assert costs(arc=12.0, mutex=100.0, read=25.0)["R-22"].verdict == FAILS


def test_an_emulated_run_gets_figures_but_no_verdict() -> None:
    row = rows_of(locks(200.0, 20.0), emulated=True)["R-10"]
    assert row.verdict == NO_VERDICT and "10.00×" in row.ours


NAMES = [
    "locks/futex_mutex2/uncontended/t:1/place:compact",
    "locks/futex_mutex2/high/t:2/place:compact",
    "locks/futex_mutex3/uncontended/t:1/place:cpus:0,1",
    "locks/futex_mutex3/high/t:2/place:compact",
    "locks/futex_mutex3_spin/uncontended/t:1/place:compact",
    "locks/futex_mutex3_spin/high/t:2/place:compact",
    "locks/futex_mutex3_spin10/high/t:2/place:compact",
    "padding/ch7/none/t:1/place:compact",
    "padding/ch7/store/t:2/place:compact/target:same",
    "padding/ch7/store/t:2/place:compact/target:padded",
    "padding/ch7/store/t:2/place:compact/target:neighbour",
    "padding/padded_locks/futex_mutex3/t:1/place:compact/pad:0",
    "litmus/relaxed_spinlock/relaxed/t:2/place:compact",
    "litmus/sb/relaxed/t:2/place:compact",
    "refcount/arc/uncontended/t:1/place:compact",
    "refcount/arc_acqrel/uncontended/t:1/place:compact",
]


def selected(alias: str) -> list[str]:
    return cases.filter_cases(NAMES, cases.parse_filter(alias))


def test_the_alias_selects_exactly_an_experiments_cases() -> None:
    assert selected("reproduction/R-10") == [NAMES[0], NAMES[2]]
    assert selected("reproduction/R-11") == [NAMES[3], NAMES[5]]
    assert selected("reproduction/R-9") == [NAMES[7], NAMES[9]]
    assert selected("reproduction/R-13") == [NAMES[12]]
    everything = selected("reproduction/")
    assert "litmus/sb/relaxed/t:2/place:compact" not in everything
    assert "locks/futex_mutex3_spin10/high/t:2/place:compact" not in everything
    assert "refcount/arc_acqrel/uncontended/t:1/place:compact" not in everything
    assert set(everything) >= set(selected("reproduction/R-10") + selected("reproduction/R-8"))


def test_the_alias_is_one_table_with_the_rows() -> None:
    # Every case a row reads is selected by its alias: the table drives both.
    for experiment in reproduction.runnable():
        assert experiment.cases, experiment.id
        regex = re.compile(filter_regex(f"reproduction/{experiment.id}"))
        assert all(regex.pattern.count(pattern) for pattern in experiment.cases)


def test_the_alias_rejects_unknown_and_unrun_experiments() -> None:
    with pytest.raises(ValueError, match="no experiment 'R-99'"):
        cases.parse_filter("reproduction/R-99")
    with pytest.raises(ValueError, match="R-1 is not run"):
        cases.parse_filter("reproduction/R-1")
    assert cases.parse_filter("^locks/") == "^locks/"
    with pytest.raises(ValueError):
        cases.parse_filter("(")


def test_every_experiment_the_lab_does_not_run_says_why() -> None:
    skipped = [e for e in reproduction.EXPERIMENTS if e.measure is None]
    assert {"R-1", "R-2", "R-3", "R-12", "R-14", "R-25"} <= {e.id for e in skipped}
    assert all(e.not_run and not e.cases for e in skipped)
    assert all(e.rule and e.cases for e in reproduction.runnable())
    assert len(BY_ID) == 25


def test_the_section_renders_rows_and_the_experiments_not_run() -> None:
    run = parse({"context": {"schema_version": 2, "arch": "x86_64"},
                 "benchmarks": locks(200.0, 20.0)}, "r.json")
    page = render_html(reproduce(run), "run-1")
    assert "id=\"run-1-reproduction\"" in page and "R-10" in page and "R-25" in page
    assert "<code>scripts/run_suite --filter &#x27;reproduction/R-4&#x27;</code>" in page
    nothing = parse({"context": {"schema_version": 2},
                     "benchmarks": [entry("channels/x/spsc/t:2/place:compact", ns_per_op=1.0)]},
                    "r.json")
    assert "None of the cases" in render_html(reproduce(nothing), "run-1")
