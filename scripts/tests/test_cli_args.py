"""run_suite's argument validation and --list, against the fake binary."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FAKE_BENCH, REPO, RUN_SUITE, assert_one_line_error, clean_env, run_cli, run_suite

BAD_ARGS = [
    (["--bogus"], "unrecognized arguments"),
    (["extra"], "unrecognized arguments"),
    (["--threads", "0"], "--threads"),
    (["--threads", "x"], "--threads"),
    (["--threads", "1,,2"], "--threads"),
    (["--repetitions", "0"], "--repetitions"),
    (["--repetitions", "two"], "--repetitions"),
    (["--duration", "fast"], "--duration"),
    (["--duration", "0ms"], "--duration"),
    (["--duration", "200"], "--duration"),
    (["--contention", "extreme"], "--contention"),
    (["--contention", "high,bogus"], "bogus"),
    (["--profile", "huge"], "--profile"),
    (["--profile"], "--profile"),
    (["--placement", "everywhere"], "--placement"),
    (["--placement", "cpus:"], "--placement"),
    (["--placement", "cpus:999"], "CPU 999 does not exist"),
    (["--profile", "smoke", "--threads", "1,4"], "exceed"),
    (["--filter", "("], "--filter"),
    (["--filter", "no_such_case"], "--filter 'no_such_case' matches none of the 9 cases"),
    (["--case-timeout", "0"], "--case-timeout"),
    (["--case-timeout", "soon"], "--case-timeout"),
    (["--jobs", "0"], "--jobs"),
    (["--prof", "smoke"], "unrecognized arguments"),
    (["--sweeps", "some"], "--sweeps"),
    (["--counters", "x y"], "--counters"),
    (["--counters", "no_such_event"], "unknown counter set or event"),
]


@pytest.mark.parametrize("args, needle", BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_input_is_one_line_and_exit_2(args: list[str], needle: str, tmp_path: Path) -> None:
    proc = run_suite(*args, "--list", "--out", str(tmp_path / "run"), timeout=30)
    line = assert_one_line_error(proc, "run_suite")
    assert needle in line
    assert proc.stdout == ""
    assert not (tmp_path / "run").exists()


def test_missing_bench_binary(tmp_path: Path) -> None:
    line = assert_one_line_error(run_suite("--bench", str(tmp_path / "nope"), "--list", bench=None),
                                 "run_suite")
    assert "no such file" in line
    not_executable = tmp_path / "bench"
    not_executable.write_text("")
    line = assert_one_line_error(run_suite("--bench", str(not_executable), "--list", bench=None),
                                 "run_suite")
    assert "not executable" in line


def test_no_build_without_a_build() -> None:
    line = assert_one_line_error(run_suite("--no-build", "--preset", "no_such_preset", "--list",
                                           bench=None), "run_suite")
    assert "--no-build" in line


def test_list_prints_every_case_and_a_count(tmp_path: Path) -> None:
    proc = run_suite("--profile", "smoke", "--list", "--out", str(tmp_path / "run"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    table = lines.index("families and levels (from the table in docs/contention.md):")
    assert lines[:table] == [f"locks/{p}/{level}/t:{t}/place:compact"
                             for p in ("std_mutex", "futex_mutex3", "tas_spin")
                             for level, threads in (("uncontended", (1,)), ("high", (1, 2)))
                             for t in threads]
    assert lines[table + 2].split() == ["locks", "uncontended*", "low", "medium", "high*",
                                        "oversubscribed", "oversub_sweep", "yes", "9"]
    assert lines[-1].startswith("9 cases")
    assert not (tmp_path / "run").exists()


def test_list_with_filter_and_options() -> None:
    proc = run_suite("--list", "--filter", "tas_spin/(low|high)", "--threads", "1",
                     "--placement", "cpus:1", "--contention", "low,high")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["locks/tas_spin/low/t:1/place:cpus:1", "locks/tas_spin/high/t:1/place:cpus:1"]
    assert lines[-1].startswith("2 cases (about ") and lines[-1].endswith(" at 40 x 20ms (one thread), 10 x 40ms (more threads))")


def test_list_with_the_hang_case() -> None:
    proc = run_suite("--profile", "smoke", "--list", "--test-hang-case", "--filter", "never")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "locks/test_never_unlocks/high/t:2/place:compact"


def test_help_shows_the_profiles() -> None:
    proc = run_suite("--help", bench=None)
    assert proc.returncode == 0 and proc.stderr == ""
    for needle in ("smoke", "quick", "full", "uncontended,high", "100ms", "200ms", "1s",
                   "--case-timeout", "--test-hang-case"):
        assert needle in proc.stdout, needle


def test_wrapper_script_lists() -> None:
    proc = run_cli([str(REPO / "scripts" / "run_suite"), "--bench", str(FAKE_BENCH), "--profile",
                    "smoke", "--list"], env=clean_env(SYNCLAB_SKIP_DEPS="1"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("9 cases")
    bad = run_cli([str(REPO / "scripts" / "run_suite"), "--threads", "0"],
                  env=clean_env(SYNCLAB_SKIP_DEPS="1"))
    assert_one_line_error(bad, "run_suite")


def test_nothing_runs_at_import() -> None:
    code = ("import sys; sys.path.insert(0, 'scripts'); import synclab.runner.cli, "
            "synclab.report.cli, synclab.compare.cli, synclab.history.cli, synclab.census.cli, "
            "synclab.report.build; print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                          cwd=REPO)
    assert proc.returncode == 0 and proc.stdout == "ok\n" and proc.stderr == ""
    assert RUN_SUITE.read_text().startswith("#!/usr/bin/python3\n")


def test_list_counters_prints_the_binary_table() -> None:
    proc = run_suite("--list-counters")
    assert proc.returncode == 0, proc.stderr
    assert "task_clock_ns" in proc.stdout and "unavailable" in proc.stdout
