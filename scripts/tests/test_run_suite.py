"""End-to-end runs of run_suite with the fake binary: results, report, watchdogs, Ctrl-C."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from conftest import FAKE_BENCH, RUN_SUITE, clean_env, run_suite


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def wait_for(predicate: Callable[[], bool], timeout: float, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        assert proc.poll() is None, "run_suite ended early"
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def benchmark_count(path: Path) -> int:
    try:
        return len(load(path)["benchmarks"])
    except (OSError, ValueError):
        return 0


def test_smoke_run_writes_results_report_and_latest(tmp_path: Path) -> None:
    run_dir = tmp_path / "run1"
    proc = run_suite("--profile", "smoke", "--out", str(run_dir), timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = load(run_dir / "results.json")
    names = [b["name"] for b in doc["benchmarks"]]
    assert len(names) == 9 and all(not b.get("error_occurred") for b in doc["benchmarks"])
    assert names[0] == "locks/std_mutex/uncontended/t:1/place:compact"
    context = doc["context"]
    assert context["cpu_model"] and context["delay_iters_per_us"] == "412.5"  # one shared calibration
    info = context["synclab_run"]
    assert (info["profile"], info["cases_planned"], info["cases_done"], info["cases_timed_out"],
            info["cases_failed"], info["interrupted"]) == ("smoke", 9, 9, 0, 0, False)
    assert info["finished"] and info["argv"][0] == "run_suite" and info["run_id"].count("-") >= 3
    index = run_dir / "index.html"
    assert index.is_file() and list(run_dir.glob("*.png"))
    referenced = re.findall(r'<img[^>]+src="([^"]+)"', index.read_text())
    assert referenced and all((run_dir / src).is_file() for src in referenced)
    assert sorted(os.listdir(run_dir)) == sorted(["results.json", "index.html"] +
                                                 [p.name for p in run_dir.glob("*.png")])
    latest = tmp_path / "latest"
    assert latest.is_symlink() and os.readlink(latest) == "run1"
    progress = [line for line in proc.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == 9 and progress[0].startswith("[1/9] locks/std_mutex/uncontended/t:1")
    assert " ... done " in progress[0] and "ops/s" in progress[0] and "eta" in progress[0]
    assert "vs std_mutex" in proc.stdout and f"report: {index}" in proc.stdout


def test_hung_case_times_out_and_the_suite_goes_on(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    results = run_dir / "results.json"
    # The hang case is listed last; while it hangs, the finished cases are already on disk.
    proc = subprocess.Popen(
        [sys.executable, str(RUN_SUITE), "--bench", str(FAKE_BENCH), "--profile", "smoke",
         "--filter", "high/t:2", "--test-hang-case", "--case-timeout", "3", "--no-report",
         "--out", str(run_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
    try:
        wait_for(lambda: benchmark_count(results) == 3, 30, proc)
        assert load(results)["context"]["synclab_run"]["cases_done"] == 3
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 1, err
    doc = load(results)
    entries = {b["name"].split("/")[1]: b for b in doc["benchmarks"]}
    assert set(entries) == {"std_mutex", "futex_mutex3", "tas_spin", "test_never_unlocks"}
    hung = entries["test_never_unlocks"]
    assert hung["synclab_status"] == "timed_out" and hung["error_occurred"] is True
    assert hung["error_message"].startswith("timed out:")
    info = doc["context"]["synclab_run"]
    assert (info["cases_done"], info["cases_timed_out"], info["interrupted"]) == (4, 1, False)
    assert "TIMED OUT" in err and "locks/test_never_unlocks/high/t:2/place:compact: timed out:" in out
    assert not (run_dir / "index.html").exists()


def test_crashed_case_is_recorded_as_failed(tmp_path: Path) -> None:
    proc = run_suite("--profile", "smoke", "--filter", "high", "--out", str(tmp_path / "run"),
                     env=clean_env(FAKE_BENCH_CRASH="tas_spin/high/t:1"))
    assert proc.returncode == 1, proc.stderr
    doc = load(tmp_path / "run" / "results.json")
    failed = [b for b in doc["benchmarks"] if b.get("error_occurred")]
    assert [b["name"] for b in failed] == ["locks/tas_spin/high/t:1/place:compact"]
    assert failed[0]["synclab_status"] == "failed"
    assert "SIGKILL" in failed[0]["error_message"] and "simulated crash" in failed[0]["error_message"]
    assert doc["context"]["synclab_run"]["cases_failed"] == 1
    assert len(doc["benchmarks"]) == 6
    assert "locks/tas_spin/high/t:1/place:compact" in (tmp_path / "run" / "index.html").read_text()


def test_sigint_keeps_finished_cases_and_marks_the_run_interrupted(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    results = run_dir / "results.json"
    proc = subprocess.Popen(
        [sys.executable, str(RUN_SUITE), "--bench", str(FAKE_BENCH), "--repetitions", "1",
         "--duration", "400ms", "--out", str(run_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
    try:
        wait_for(lambda: benchmark_count(results) >= 1, 30, proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    doc = load(results)
    info = doc["context"]["synclab_run"]
    assert info["interrupted"] is True and info["finished"]
    # The default profile: 3 primitives at uncontended, high (t:2) and oversubscribed.
    assert 1 <= info["cases_done"] < info["cases_planned"] == 9
    assert len(doc["benchmarks"]) == info["cases_done"]
    assert all(not b.get("error_occurred") for b in doc["benchmarks"])
    assert (run_dir / "index.html").is_file() and "interrupted" in (run_dir / "index.html").read_text()
    assert (tmp_path / "latest").is_symlink()
    errors = [line for line in err.splitlines() if line.startswith("run_suite: error:")]
    assert len(errors) == 1 and "interrupted" in errors[0]
    assert "Traceback" not in err


def test_every_family_s_context_reaches_results_json(tmp_path: Path) -> None:
    """Each case runs in its own process, whose context carries its family's own keys: all of
    them are kept, per family, and the report shows them."""
    run_dir = tmp_path / "run"
    proc = run_suite("--profile", "smoke", "--fair-by", "p99", "--out", str(run_dir),
                     env=clean_env(FAKE_BENCH_FAMILIES="locks,channels,padding"))
    assert proc.returncode == 0, proc.stderr
    doc = load(run_dir / "results.json")
    context = doc["context"]
    assert context["schema_version"] == 2
    assert {b["name"].split("/")[0] for b in doc["benchmarks"]} == {"locks", "channels", "padding"}
    per_family = context["synclab_families"]
    assert per_family["locks"]["context"]["lock_peers_missing"].startswith("tbb_spin_mutex")
    channels = per_family["channels"]["context"]
    assert json.loads(channels["channel_semantics"])["spsc_ring"] == {"bounded": True}
    assert channels["channel_peers_missing"] == "crossbeam_like: not built"
    padding = {"hardware_destructive_interference_size": "64",
               "hardware_constructive_interference_size": "64", "coherency_line_size": "64",
               "padding_default_bytes": "128"}
    assert {key: per_family["padding"]["context"].get(key) for key in padding} == padding
    assert sum(entry["cases"] for entry in per_family.values()) == len(doc["benchmarks"])
    for key in ("channel_semantics", "padding_default_bytes", "lock_peers_missing",
                "channel_peers_missing", "cpu_model"):
        assert key in context, key  # flat too, where a reader of one context looks
    for entry in per_family.values():  # shared keys are not repeated per family
        assert "cpu_model" not in entry["context"] and "cpu_model" not in entry["varies"]
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    for needle in ("Family channels (", "channel_semantics", "Family padding (",
                   "padding_default_bytes", "<b>channel peers not built</b>: crossbeam_like",
                   "<b>lock peers not built</b>: tbb_spin_mutex",
                   "<b>channel primitives left out</b>: lcrq (this CPU has no cmpxchg16b)<",
                   "Fairness criterion: <b>p99</b>"):
        assert needle in page, needle
    assert "fairness by p99" in proc.stdout
