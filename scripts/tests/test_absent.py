"""Why a metric is absent (synclab.report.absent): the reasons in their order, never a 0."""
from __future__ import annotations

import json
from typing import Any

from synclab.load import Run, parse
from synclab.metrics import LOCK_LIKE_ONLY, SAMPLING_OFF
from synclab.report.absent import (NO_SAMPLES, NOT_REPORTED, NOWHERE, run_peers_missing,
                                   run_primitives_left_out, why_absent)


def run_with(context: dict[str, Any], metrics: dict[str, float]) -> Run:
    entry: dict[str, Any] = {"name": "locks/a/high/t:2/place:compact", "run_type": "iteration",
                             **metrics}
    return parse({"context": {"schema_version": 2, **context}, "benchmarks": [entry]}, "r.json")


def test_the_file_s_own_reason_comes_first() -> None:
    run = run_with({"not_measured": json.dumps({"cycles_per_op": "said so"}),
                    "counters_unavailable": "cycles: no PMU"}, {"cycles_per_op": 1.0})
    assert why_absent(run, "locks", "cycles_per_op") == "said so"


def test_an_event_the_harness_could_not_open() -> None:
    run = run_with({"counters_unavailable": "cycles: no hardware PMU; xsnp_hitm: not here"},
                   {"ops_per_sec": 1.0})
    assert why_absent(run, "locks", "cycles_per_op") == "cycles could not be counted: no hardware PMU"


def test_latency_percentiles_with_sampling_off_and_on() -> None:
    off = run_with({"latency_sampling": "off"}, {"ops_per_sec": 1.0})
    assert why_absent(off, "locks", "lat_p99_ns") == SAMPLING_OFF
    on = run_with({"latency_sampling": "on, 1 in 64 operations"}, {"lat_p99_ns": 1.0})
    assert why_absent(on, "locks", "lat_p99_ns") == NO_SAMPLES


def test_the_registry_s_reason_and_a_metric_nobody_reported() -> None:
    run = run_with({}, {"handoff_ratio": 0.5, "cpu_ns_per_op": 10.0})
    assert why_absent(run, "locks", "handoff_ratio") == LOCK_LIKE_ONLY
    assert why_absent(run, "locks", "cpu_ns_per_op") == NOT_REPORTED
    nowhere = why_absent(run, "locks", "fairness_jain_short")
    assert nowhere == f"{NOWHERE}; {LOCK_LIKE_ONLY}"


def test_peers_not_built_are_found_in_every_family() -> None:
    doc = {"context": {"schema_version": 2, "lock_peers_missing": "tbb: not installed",
                       "synclab_families": {
                           "channels": {"cases": 2, "context": {},
                                        "varies": {"channel_peers_missing": ["ck: no", None]}}}},
           "benchmarks": []}
    assert run_peers_missing(parse(doc, "r.json")) == [("lock", "tbb: not installed"),
                                                       ("channel", "ck: no")]


def test_primitives_left_out_are_found_for_reclaim_as_for_channels() -> None:
    reason = "hazard_pointers_asym (membarrier treated as absent (SYNCLAB_ASSUME_NO_MEMBARRIER))"
    doc = {"context": {"schema_version": 2, "synclab_families": {
               "channels": {"cases": 1, "context": {"channel_primitives_left_out": "lcrq (no cx16); "},
                            "varies": {}},
               "reclaim": {"cases": 1, "context": {"reclaim_primitives_left_out": reason}, "varies": {}}}},
           "benchmarks": []}
    assert run_primitives_left_out(parse(doc, "r.json")) == [("channel", "lcrq (no cx16)"), ("reclaim", reason)]
