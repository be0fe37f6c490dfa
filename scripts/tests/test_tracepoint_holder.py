"""The futex tracepoints are held by one process beside a run's cases (bench.py,
futex_tracepoints_held), so no case's process is the one whose exit unregisters them."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import FAKE_BENCH, REPO, clean_env, run_suite
from synclab import bench

REAL_BENCH = REPO / "build" / "release" / "benches" / "synclab_bench"


@pytest.fixture
def holder_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "log.txt"
    for key in [k for k in os.environ if k.startswith("FAKE_BENCH_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("FAKE_BENCH_EVENTS", str(log))
    return log


def test_held_while_the_block_runs_and_released_after(holder_env: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_BENCH_TRACEPOINTS", "available: /fake/tracing, sys_enter_futex")
    with bench.futex_tracepoints_held(FAKE_BENCH) as held:
        assert held
        assert holder_env.read_text().splitlines() == ["hold start"]
    assert holder_env.read_text().splitlines() == ["hold start", "hold end"]


@pytest.mark.parametrize("line", [None, "unavailable: tracefs not found"])
def test_nothing_held_where_nothing_can_be(holder_env: Path, monkeypatch: pytest.MonkeyPatch,
                                           line: str | None) -> None:
    """A binary from before the flag (it refuses it) or a machine without tracefs: the block
    runs all the same."""
    if line is not None:
        monkeypatch.setenv("FAKE_BENCH_TRACEPOINTS", line)
    ran = False
    with bench.futex_tracepoints_held(FAKE_BENCH) as held:
        ran = True
        assert not held
    assert ran and not holder_env.exists()


def test_a_missing_binary_holds_nothing(tmp_path: Path) -> None:
    with bench.futex_tracepoints_held(tmp_path / "no-such-binary") as held:
        assert not held


def test_the_next_binary_holds_when_the_first_cannot(holder_env: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An A/B whose new side predates the flag: the base side's binary holds them."""
    monkeypatch.setenv("FAKE_BENCH_TRACEPOINTS", "available: /fake/tracing")
    with bench.futex_tracepoints_held(holder_env.parent / "old-binary", FAKE_BENCH) as held:
        assert held and holder_env.read_text().splitlines() == ["hold start"]
    assert holder_env.read_text().splitlines() == ["hold start", "hold end"]


def test_a_run_measures_its_cases_while_held(holder_env: Path) -> None:
    env = clean_env(FAKE_BENCH_TRACEPOINTS="available: /fake/tracing",
                    FAKE_BENCH_EVENTS=str(holder_env))
    proc = run_suite("--profile", "quick", "--filter", "std_mutex", "--repetitions", "2",
                     "--duration", "1ms", "--out", str(holder_env.parent / "run"), "--no-report",
                     env=env)
    assert proc.returncode == 0, proc.stderr
    lines = holder_env.read_text().splitlines()
    assert lines[0] == "hold start" and lines[-1] == "hold end"
    assert len(lines) > 2 and all(line.startswith("case locks/std_mutex/") for line in lines[1:-1])


def test_the_contended_cases_get_their_own_windows(holder_env: Path) -> None:
    env = clean_env(FAKE_BENCH_EVENTS=str(holder_env))
    proc = run_suite("--profile", "quick", "--filter", "std_mutex", "--out",
                     str(holder_env.parent / "run"), "--no-report", env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    windows = {line.split()[1].split("/")[3]: line.split(" x ", 1)[1]
               for line in holder_env.read_text().splitlines()}
    assert windows.pop("t:1") == "40 x 20"
    assert set(windows) >= {"t:2"} and set(windows.values()) == {"10 x 40"}


@pytest.mark.skipif(not REAL_BENCH.is_file(), reason=f"no built bench binary at {REAL_BENCH}")
def test_the_real_binary_holds_until_stdin_closes() -> None:
    proc = subprocess.Popen([str(REAL_BENCH), "--synclab_hold_futex_tracepoints"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline()
    if not line and proc.wait(timeout=30) == 2 and "unknown flag" in proc.communicate()[1]:
        pytest.skip(f"{REAL_BENCH} predates --synclab_hold_futex_tracepoints")
    assert line.startswith(("available:", "unavailable:")), line
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0

