"""The metric registry (synclab.metrics): every metric the harness writes has one row, one
direction and one way of being written, wherever it is shown."""
from __future__ import annotations

import json

import pytest

from conftest import INPUTS, REPO
from synclab import metrics, numfmt
from synclab.metrics import HIGHER, LOWER

# Names the harness and the benches write today (harness/src/metrics.cpp, the workloads under
# harness/include/synclab/harness/workloads/, benches/*.cpp), with the unit and direction each
# must have. A new name the table does not cover fails test_every_written_name_has_a_row.
WRITTEN: dict[str, tuple[str, str | None]] = {
    "ops_per_sec": ("ops/s", HIGHER), "ns_per_op": ("ns", LOWER),
    "fairness_jain": ("index", HIGHER), "share_min": ("share", HIGHER),
    "share_max": ("share", LOWER), "lat_p50_ns": ("ns", LOWER), "lat_max_ns": ("ns", LOWER),
    "lat_samples": ("count", None), "handoffs_per_sec": ("1/s", HIGHER),
    "cpu_ns_per_op": ("ns", LOWER), "ctx_switches_per_op": ("1/op", LOWER),
    "futex_waits_per_op": ("1/op", LOWER), "futex_wakes_per_op": ("1/op", LOWER),
    "threads_run": ("count", None), "pin_violations": ("count", LOWER),
    "counter_scaling_min": ("fraction", None), "counter_groups_failed": ("count", LOWER),
    "cycles_per_op": ("1/op", LOWER), "task_clock_ns_per_op": ("ns", LOWER),
    "instructions_per_op": ("instructions", LOWER), "oneway_ns": ("ns", LOWER),
    "handoff_efficiency": ("fraction", HIGHER), "roundtrip_ns": ("ns", LOWER),
    "oneway_best_ns": ("ns", LOWER), "round_trips": ("count", None),
    # rwlocks, seqlock, semaphores, refcount
    "read_ops_per_sec": ("1/s", HIGHER), "write_ops_per_sec": ("1/s", HIGHER),
    "reader_wait_p99_ns": ("ns", LOWER), "read_retries_per_read": ("1/read", LOWER),
    "max_holders": ("count", None), "permits": ("count", None),
    "upgrades_per_sec": ("1/s", HIGHER), "upgrade_success_ratio": ("fraction", HIGHER),
    # condvars
    "signals_per_sec": ("1/s", HIGHER), "signal_lat_p99_ns": ("ns", LOWER),
    "empty_wakeup_ratio": ("fraction", LOWER), "signal_slept_ratio": ("fraction", None),
    "taken_after_sleep_ratio": ("fraction", None), "wakeups_per_round": ("1/round", None),
    "spurious_wakeups_per_round": ("1/round", LOWER), "futex_calls_per_round": ("1/round", LOWER),
    # channels
    "messages_per_sec": ("1/s", HIGHER), "ns_per_msg": ("ns", LOWER),
    "cpu_ns_per_msg": ("ns", LOWER), "producer_cpu_ns_per_msg": ("ns", LOWER),
    "futex_waits_per_msg": ("1/msg", LOWER), "failed_sends_per_msg": ("1/msg", LOWER),
    "ns_per_round_trip": ("ns", LOWER), "futex_wakes_per_round_trip": ("1/round trip", LOWER),
    "e2e_lat_p999_ns": ("ns", LOWER), "e2e_lat_samples": ("count", None),
    "rtt_p50_ns": ("ns", LOWER), "producer_fairness_jain": ("index", HIGHER),
    "capacity_msgs": ("count", None), "payload_bytes": ("bytes", None),
    "producers": ("count", None), "primed": ("count", None),
    # padding, ordering, litmus
    "interference_bytes": ("bytes", None), "baseline_ns_per_op": ("ns", LOWER),
    "max_slowdown": ("×", LOWER), "slowdown_at_64": ("×", LOWER),
    "hardware_destructive_interference_size": ("bytes", None),
    "coherency_line_size": ("bytes", None), "reference_bytes": ("bytes", None),
    "point_window_ms": ("ms", None), "threshold": ("×", None),
    "background_ops_per_sec": ("1/s", HIGHER), "bytes_per_element": ("bytes", None),
    "bytes_per_ring": ("bytes", None), "messages_per_sec_pad_128": ("1/s", HIGHER),
    "slowdown_pad_128": ("×", LOWER), "bytes_per_ring_pad_128": ("bytes", None),
    "default_padding_bytes": ("bytes", None), "bytes": ("bytes", None),
    "outcome_01": ("count", None), "trials": ("count", None),
    "forbidden_observed": ("count", LOWER), "non_sc_observed": ("count", None),
    "trials_per_sec": ("1/s", HIGHER), "lost_increments": ("count", None),
    "lost_ratio": ("fraction", None),
    # callgrind (run_suite --mode instructions)
    "instructions_fixed": ("instructions", None), "window_ops_short": ("count", None),
    # short-term fairness of lock-like families
    "handoff_ratio": ("fraction", HIGHER), "run_length_mean": ("acquisitions", LOWER),
    "run_length_max": ("acquisitions", LOWER), "fairness_jain_short": ("index", HIGHER),
}


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_every_written_name_has_a_row(name: str) -> None:
    row = metrics.lookup(name)
    assert row is not None, f"{name}: add a row to METRICS in scripts/synclab/metrics.py"
    assert (row.unit, row.better) == WRITTEN[name]
    assert row.name == name and "<" not in row.label and row.label


def test_every_field_of_the_recorded_results_has_a_row() -> None:
    structural = {"family_index", "per_family_instance_index", "repetitions", "repetition_index",
                  "threads", "iterations"}
    for path in sorted(INPUTS.glob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except ValueError:
            continue  # corrupt.json
        for entry in doc.get("benchmarks", []):
            for key, value in entry.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) \
                        and key not in structural:
                    assert metrics.lookup(key) is not None, (path.name, key)


def test_every_metric_of_the_case_contract_has_a_row() -> None:
    """tests/contract/cases.golden lists the metrics every case publishes (the binary's own
    contract); each needs a row here, or the report, compare and history cannot judge it."""
    golden = REPO / "tests" / "contract" / "cases.golden"
    if not golden.is_file():
        pytest.skip(f"no case contract at {golden}")
    section, names = "", set()
    for line in golden.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line
        elif section == "[metric sets]" and line.strip():
            names.update(line.split()[1:])
    assert names
    assert sorted(name for name in names if metrics.lookup(name) is None) == []


def test_an_unknown_name_is_not_guessed() -> None:
    assert metrics.lookup("mystery") is None
    unknown = metrics.describe("mystery")
    assert unknown.better is None and unknown.unit == "" and unknown.arrow == ""
    assert metrics.format_value("mystery", 0.000012) == "1.20e-05"


def test_patterns_fill_their_placeholders_and_the_narrower_wins() -> None:
    event = metrics.lookup("l1d_load_misses_per_op")
    assert event is not None and event.label == "l1d load misses per operation"
    assert event.absent == metrics.EVENT_UNAVAILABLE
    assert metrics.describe("task_clock_ns_per_op").unit == "ns"  # not the wider <event>_per_op
    assert metrics.describe("futex_waits_per_round_trip").unit == "1/round trip"  # not _per_round
    padded = metrics.lookup("messages_per_sec_pad_64")
    assert padded is not None and padded.label == "messages per second at 64-byte padding"


def test_every_unit_has_one_formatter_and_every_row_a_unit() -> None:
    assert {row.unit for row in metrics.METRICS} <= set(metrics.UNIT_FORMATS)
    assert {row.better for row in metrics.METRICS} <= {LOWER, HIGHER, None}
    written = {"ns": (1250.0, "1.25 µs"), "ms": (200.0, "200 ms"), "ops/s": (1234567.0, "1.23 M"),
               "index": (0.98765, "0.988"), "1/op": (0.00012, "0.000120"),
               "instructions": (41.234, "41.23"), "count": (1234567.0, "1234567"),
               "bytes": (64.0, "64"), "×": (2.0, "2.00×")}
    for unit, (value, text) in written.items():
        assert metrics.UNIT_FORMATS[unit](value) == text, unit


def test_one_format_per_unit_whoever_writes_it() -> None:
    """The report's cell and compare's value of the same number are the same text."""
    from synclab.compare import render
    from synclab.report import fmt
    from synclab.report.tables import Summary

    for name, value in (("futex_waits_per_op", 1.5e-6), ("instructions_per_op", 41.234),
                        ("oneway_ns", 81.25), ("signals_per_sec", 4.5e6)):
        report_text = fmt.metric(name, Summary(value, value, value, 1, ""))
        assert report_text == render.value(metrics.describe(name), value)
        assert report_text == metrics.format_value(name, value)


def test_core_and_latency_sets() -> None:
    assert metrics.CORE[:2] == ("ops_per_sec", "ns_per_op") and len(metrics.CORE) == 14
    assert metrics.LATENCY == {"lat_p50_ns", "lat_p99_ns", "lat_p999_ns", "lat_max_ns"}
    assert all(metrics.lookup(name) is not None for name in metrics.CORE)


def test_numbers() -> None:
    assert numfmt.si(1234567) == "1.23 M" and numfmt.si(999) == "999" and numfmt.si(45600) == "45.6 k"
    assert numfmt.duration_ns(81.25) == "81.2 ns" and numfmt.duration_ns(1250) == "1.25 µs"
    assert numfmt.general(0.00012) == "0.000120" and numfmt.general(0) == "0"
    assert numfmt.general(2.5e5) == "2.50e+05"
    assert numfmt.count(3.5) == "3.50" and numfmt.count(7.0) == "7"
    assert numfmt.clock(73) == "1:13" and numfmt.clock(3725) == "1:02:05"

