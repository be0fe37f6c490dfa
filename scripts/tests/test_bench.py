"""Running the bench binary (synclab.bench), against the fake binary."""
from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from conftest import FAKE_BENCH
from synclab import bench
from synclab.errors import UsageError


def test_exact_filter_matches_only_that_name() -> None:
    name = "locks/a.b+c/high/t:2/place:cpus:0-1,3/cs:0.5us"
    pattern = bench.exact_filter(name)
    assert pattern == r"^locks/a\.b\+c/high/t:2/place:cpus:0-1,3/cs:0\.5us$"
    assert re.search(pattern, name)
    assert not re.search(pattern, name + "/x") and not re.search(pattern, "locks/aXb+c" + name[8:])


def test_describe_exit() -> None:
    assert bench.describe_exit(-signal.SIGKILL) == "killed by signal SIGKILL"
    assert bench.describe_exit(4) == "exit status 4"


def test_run_process_kills_the_whole_group_on_timeout(tmp_path: Path) -> None:
    marker = tmp_path / "survivor"
    script = f"(sleep 2; touch {marker}) & sleep 30"
    start = time.monotonic()
    result = bench.run_process(["/bin/sh", "-c", script], timeout_s=0.3)
    assert result.timed_out and result.returncode is None
    assert time.monotonic() - start < 10
    time.sleep(2.5)
    assert not marker.exists(), "a child of the timed-out process survived"


def test_run_process_stops_when_asked() -> None:
    start = time.monotonic()
    result = bench.run_process(["/bin/sh", "-c", "sleep 30"],
                               should_stop=lambda: time.monotonic() - start > 0.2)
    assert result.stopped and not result.timed_out
    assert result.elapsed_s < 10


def test_list_and_calibrate_with_the_fake() -> None:
    names = bench.list_cases(FAKE_BENCH, ["--synclab_contention=high", "--synclab_threads=1,2"])
    assert len(names) == 6 and all("/high/" in n for n in names)
    assert bench.calibrate(FAKE_BENCH) == 412.5


def test_bad_input_of_the_binary_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="CPU 999 does not exist"):
        bench.list_cases(FAKE_BENCH, ["--synclab_placement=cpus:999"])


def test_run_case_ok() -> None:
    outcome = bench.run_case(FAKE_BENCH, "locks/std_mutex/high/t:2/place:compact", repetitions=2,
                             flags=["--synclab_duration_ms=10"], timeout_s=30)
    assert outcome.status == "ok", outcome.message
    assert outcome.context["cpu_model"]
    iterations = [b for b in outcome.benchmarks if b["run_type"] == "iteration"]
    assert [b["repetition_index"] for b in iterations] == [0, 1]


def test_run_case_inner_watchdog_is_a_timeout() -> None:
    outcome = bench.run_case(FAKE_BENCH, "locks/test_never_unlocks/high/t:2/place:compact",
                             repetitions=1, timeout_s=30,
                             flags=["--synclab_test_cases", "--synclab_watchdog_s=0.2",
                                    "--synclab_duration_ms=10"])
    assert outcome.status == "timed_out"
    assert "watchdog" in outcome.message and outcome.elapsed_s < 20


def test_run_case_crash_keeps_the_stderr_tail() -> None:
    os.environ["FAKE_BENCH_CRASH"] = "tas_spin"
    try:
        outcome = bench.run_case(FAKE_BENCH, "locks/tas_spin/high/t:1/place:compact",
                                 repetitions=1, flags=["--synclab_duration_ms=10"], timeout_s=30)
    finally:
        del os.environ["FAKE_BENCH_CRASH"]
    assert outcome.status == "failed"
    assert "SIGKILL" in outcome.message and "simulated crash" in outcome.message


def test_run_case_that_matches_nothing_fails() -> None:
    outcome = bench.run_case(FAKE_BENCH, "locks/nothing/high/t:1/place:compact", repetitions=1,
                             flags=["--synclab_duration_ms=10"], timeout_s=30)
    assert outcome.status == "failed" and "no benchmark" in outcome.message
