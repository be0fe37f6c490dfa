"""run_suite --ab (interleaved A/B in one job) and --mode instructions, end to end with the fake
binary behind a seeded-noise wrapper (inputs/compare_noisy_bench.py) and a fake valgrind."""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import INPUTS, assert_one_line_error, clean_env, run_suite

NOISY_BENCH = INPUTS / "compare_noisy_bench.py"
FAKE_VALGRIND = INPUTS / "compare_fake_valgrind"
UNCONTENDED = ("--contention", "uncontended", "--duration", "1ms")


def side_bench(tmp_path: Path, side: str, **env: str) -> Path:
    """An executable that runs the noisy fake bench as one side of an A/B (its own env)."""
    script = tmp_path / f"{side}_bench"
    exports = " ".join(f"{k}={v}" for k, v in {"FAKE_BENCH_SIDE": side, **env}.items())
    script.write_text(f"#!/bin/sh\nexec env {exports} /usr/bin/python3 {NOISY_BENCH} \"$@\"\n")
    script.chmod(0o755)
    return script


def noise_env(tmp_path: Path, seed: int, sigma: float = 0.02) -> dict[str, str]:
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    return clean_env(FAKE_BENCH_NOISE=str(sigma), FAKE_BENCH_SEED=str(seed),
                     FAKE_BENCH_STATE=str(state), FAKE_BENCH_LOG=str(tmp_path / "calls.log"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


TWO_CASES = ("--filter", "tas_spin|std_mutex")


def test_aa_same_build_twice_flags_nothing(tmp_path: Path) -> None:
    """A/A; the base build also lacks futex_mutex3, which is listed and not compared."""
    base = side_bench(tmp_path, "base", FAKE_BENCH_HIDE="futex_mutex3")
    new = side_bench(tmp_path, "new")
    listed = run_suite("--ab-bench", str(base), *UNCONTENDED, "--list", bench=new,
                       env=noise_env(tmp_path, 1))
    assert listed.returncode == 0, listed.stderr
    assert "only in new (not compared): locks/futex_mutex3/uncontended/t:1/place:compact" \
        in listed.stdout
    out = tmp_path / "run"
    proc = run_suite("--ab-bench", str(base), *UNCONTENDED, "--repetitions", "4", "--out", str(out),
                     bench=new, env=noise_env(tmp_path, seed=11))
    assert proc.returncode == 0, proc.stderr
    summary = load(out / "compare.json")
    assert summary["case_counts"]["regressed"] == 0 and summary["regressed"] is False
    assert len({row["name"] for row in summary["cases"]}) == 2
    assert summary["only_in_new"] == ["locks/futex_mutex3/uncontended/t:1/place:compact"]
    assert sorted(os.listdir(out)) == sorted(["base.json", "new.json", "compare.md", "compare.json",
                                              "junit.xml", "bmf.json", "gab.json",
                                              "gab-bigger.json"])
    # Interleaved: for each case base, new, new, base, ... each its own process; repetition i
    # of both sides back to back, neither side always second.
    calls = (tmp_path / "calls.log").read_text().split("\n")[:8]
    assert [c.split()[0] for c in calls] == ["base", "new", "new", "base"] * 2
    assert len({c.split()[1] for c in calls}) == 1
    doc = load(out / "new.json")
    reps = [b["repetition_index"] for b in doc["benchmarks"] if "/std_mutex/" in b["name"]]
    assert reps == [0, 1, 2, 3] and all(b["repetitions"] == 4 for b in doc["benchmarks"])
    info = doc["context"]["synclab_run"]
    assert info["ab"]["side"] == "new" and info["ab"]["interleaved"] is True
    markdown = (out / "compare.md").read_text()
    assert "0 regressed" in markdown and "Only in NEW (not compared): 1" in markdown


def test_ab_detects_an_injected_slowdown(tmp_path: Path) -> None:
    base = side_bench(tmp_path, "base")
    new = side_bench(tmp_path, "new", FAKE_BENCH_SLOWDOWN="tas_spin:1.10")
    out = tmp_path / "run"
    proc = run_suite("--ab-bench", str(base), *UNCONTENDED, *TWO_CASES, "--repetitions", "5",
                     "--out", str(out), bench=new, env=noise_env(tmp_path, seed=5))
    assert proc.returncode == 1, proc.stderr
    summary = load(out / "compare.json")
    gated = {(r["name"], r["metric"]) for r in summary["cases"]
             if r["verdict"] == "regressed" and r["gated"]}
    tas = "locks/tas_spin/uncontended/t:1/place:compact"
    # At one thread the gate judges CPU time per operation; the rest is reported beside it.
    assert gated == {(tas, "cpu_ns_per_op")}
    reported = {r["metric"] for r in summary["cases"] if r["name"] == tas and not r["gated"]}
    assert reported == {"ns_per_op", "ops_per_sec", "lat_p99_ns", "fairness_jain"}
    ratio = next(r["ratio"] for r in summary["cases"]
                 if (r["name"], r["metric"]) == (tas, "cpu_ns_per_op"))
    assert ratio == pytest.approx(1.10, rel=0.03)
    junit = ET.parse(out / "junit.xml").getroot()
    failures = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert failures == [tas]
    markdown = (out / "compare.md").read_text()
    assert markdown.startswith("## synclab compare: **1 regressed**")
    assert f"| regressed | `{tas}` | cpu_ns_per_op ↓ |" in markdown
    assert set(load(out / "bmf.json")) == {"locks/std_mutex/uncontended/t:1/place:compact", tas}
    assert "regressed" in proc.stdout and tas in proc.stdout


def test_a_side_that_fails_is_recorded_with_its_own_failure(tmp_path: Path) -> None:
    """BASE crashes on tas_spin while NEW runs it: BASE's entry carries BASE's crash, even though
    NEW ran after it in the same repetition."""
    base = side_bench(tmp_path, "base", FAKE_BENCH_CRASH="tas_spin")
    new = side_bench(tmp_path, "new")
    out = tmp_path / "run"
    proc = run_suite("--ab-bench", str(base), *UNCONTENDED, *TWO_CASES, "--repetitions", "2",
                     "--out", str(out), bench=new, env=noise_env(tmp_path, seed=3))
    assert proc.returncode == 1, proc.stderr
    tas = "locks/tas_spin/uncontended/t:1/place:compact"
    failed = [b for b in load(out / "base.json")["benchmarks"] if b["name"] == tas]
    assert len(failed) == 1 and failed[0]["synclab_status"] == "failed"
    assert "killed by signal SIGKILL" in failed[0]["error_message"]
    assert load(out / "base.json")["context"]["synclab_run"]["cases_failed"] == 1
    assert [b["repetition_index"] for b in load(out / "new.json")["benchmarks"]
            if b["name"] == tas] == [0, 1]
    verdicts = {r["name"]: r["verdict"] for r in load(out / "compare.json")["cases"]}
    assert verdicts[tas] == "inconclusive"


def test_one_repetition_is_inconclusive(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = run_suite("--ab-bench", str(NOISY_BENCH), *UNCONTENDED, "--filter", "std_mutex",
                     "--repetitions", "1", "--out", str(out), bench=NOISY_BENCH,
                     env=noise_env(tmp_path, 1))
    assert proc.returncode == 0, proc.stderr
    summary = load(out / "compare.json")
    assert {r["verdict"] for r in summary["cases"]} == {"inconclusive"}
    assert all("needs" in r["note"] and "no test can reach" in r["note"]
               for r in summary["cases"])
    assert summary["case_counts"]["inconclusive"] == 1


def test_fail_on_inconclusive_fails_the_gate(tmp_path: Path) -> None:
    """5 repetitions, 2 gated cases: a test can fire (2/252 <= 0.025) but at 6 % noise a 5 %
    change is not detectable: every case inconclusive, and the gate fails."""
    out = tmp_path / "run"
    proc = run_suite("--ab-bench", str(NOISY_BENCH), *UNCONTENDED, *TWO_CASES, "--repetitions",
                     "5", "--fail-on-inconclusive", "--out", str(out), bench=NOISY_BENCH,
                     env=noise_env(tmp_path, 4, sigma=0.06))
    assert proc.returncode == 1, proc.stderr
    summary = load(out / "compare.json")
    assert summary["case_counts"]["inconclusive"] == 2 and summary["failed"] is True
    assert not summary["regressed"]
    junit = ET.parse(out / "junit.xml").getroot()
    kinds = [f.get("type") for f in junit.iter("failure")]
    assert kinds == ["inconclusive", "inconclusive"]
    assert "**2 inconclusive**" in (out / "compare.md").read_text()


@pytest.mark.parametrize("args, needle", [
    (["--repetitions", "2"], "no case of the 3 can reach"),
    (["--repetitions", "9", "--threshold", "0"], "--threshold 0"),
])
def test_fail_on_inconclusive_that_cannot_pass_is_bad_input(args: list[str], needle: str,
                                                            tmp_path: Path) -> None:
    proc = run_suite("--ab-bench", str(NOISY_BENCH), *UNCONTENDED, "--fail-on-inconclusive",
                     *args, "--out", str(tmp_path / "run"), bench=NOISY_BENCH,
                     env=noise_env(tmp_path, 1))
    assert needle in assert_one_line_error(proc, "run_suite")
    assert not (tmp_path / "run").exists()


def test_the_aa_recipe_may_name_the_binary_ab_is_about_to_build(tmp_path: Path) -> None:
    """`--ab HEAD --bench build/ab/base/benches/synclab_bench` on a fresh checkout: --bench is
    checked after --ab built it, not before; any other missing --bench is refused at once."""
    import argparse

    from synclab.errors import UsageError
    from synclab.runner import REPO
    from synclab.runner.ab import check_new_binary
    from synclab.runner.ab_build import base_binary_path

    recipe = argparse.Namespace(ab="HEAD", bench=str(base_binary_path(REPO)))
    if not Path(recipe.bench).exists():
        check_new_binary(recipe)  # nothing built yet, and no error
    relative = argparse.Namespace(ab="HEAD", bench="build/ab/base/benches/synclab_bench")
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        if not Path(relative.bench).exists():
            check_new_binary(relative)
    finally:
        os.chdir(cwd)
    with pytest.raises(UsageError, match="no such file"):
        check_new_binary(argparse.Namespace(ab="HEAD", bench=str(tmp_path / "missing")))


@pytest.mark.parametrize("args, needle", [
    (["--ab", "no-such-revision-xyz"], "not a revision"),
    (["--ab", ""], "--ab needs a git revision"),
    (["--ab-bench", "/nonexistent/bench"], "no such file"),
    (["--ab", "HEAD", "--record"], "cannot be combined with --ab"),
    (["--ab", "HEAD", "--threshold", "x"], "--threshold"),
    (["--ab", "HEAD", "--alpha", "0"], "--alpha"),
])
def test_ab_bad_input(args: list[str], needle: str, tmp_path: Path) -> None:
    proc = run_suite(*args, "--out", str(tmp_path / "run"), timeout=30)
    assert needle in assert_one_line_error(proc, "run_suite")
    assert not (tmp_path / "run").exists()


# ---------------------------------------------------------------- --mode instructions

def valgrind_path(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "valgrind").symlink_to(FAKE_VALGRIND)
    return clean_env(PATH=f"{bin_dir}:{os.environ['PATH']}")


def test_instructions_mode_writes_instructions_per_op(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = run_suite("--mode", "instructions", *TWO_CASES, "--out", str(out), bench=NOISY_BENCH,
                     env=valgrind_path(tmp_path))
    assert proc.returncode == 0, proc.stderr
    doc = load(out / "instructions.json")
    assert doc["context"]["mode"] == "instructions" and doc["context"]["cpu_model"]
    assert doc["context"]["valgrind"] == "valgrind-3.19.0-fake"
    per_op = {b["name"].split("/")[1]: b["instructions_per_op"] for b in doc["benchmarks"]}
    assert per_op == pytest.approx({"std_mutex": 100.0, "tas_spin": 41.0}, abs=1e-6)
    entry = doc["benchmarks"][0]
    assert entry["name"].endswith("/uncontended/t:1/place:compact") and entry["run_type"] == "iteration"
    assert entry["window_ops_long"] > entry["window_ops_short"]
    assert entry["instructions_fixed"] == pytest.approx(12345, abs=1e-3)
    assert "instructions/op" in proc.stdout
    assert len(list((out / "callgrind").glob("*.out"))) == 4


def test_instructions_mode_selects_only_cases_it_can_count(tmp_path: Path) -> None:
    """A case that follows no lock owner (no handoffs_per_sec, like refcount or a seqlock) has
    no exact operation count: it is left out before anything runs under callgrind, and the
    step still succeeds."""
    env = valgrind_path(tmp_path)
    env["FAKE_BENCH_NO_HANDOFFS"] = "tas_spin"
    listed = run_suite("--mode", "instructions", *TWO_CASES, "--list", bench=NOISY_BENCH, env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0] == "locks/std_mutex/uncontended/t:1/place:compact"
    assert "tas_spin" not in listed.stdout and "follow no lock owner" in listed.stderr
    out = tmp_path / "run"
    proc = run_suite("--mode", "instructions", *TWO_CASES, "--out", str(out), bench=NOISY_BENCH,
                     env=env)
    assert proc.returncode == 0, proc.stderr
    assert [b["name"].split("/")[1] for b in load(out / "instructions.json")["benchmarks"]] == \
        ["std_mutex"]
    env["FAKE_BENCH_NO_HANDOFFS"] = "."
    nothing = run_suite("--mode", "instructions", *TWO_CASES, "--list", bench=NOISY_BENCH, env=env)
    assert "countable operation" in assert_one_line_error(nothing, "run_suite")


def test_an_empty_short_window_under_callgrind_is_tried_longer(tmp_path: Path) -> None:
    """Valgrind runs one thread at a time, so a short window may end before the worker ran:
    a longer window is tried; a case that never completes an operation still fails."""
    env = valgrind_path(tmp_path)
    env["FAKE_BENCH_EMPTY_BELOW_MS"] = "3"
    out = tmp_path / "run"
    proc = run_suite("--mode", "instructions", "--filter", "std_mutex", "--duration", "1ms",
                     "--out", str(out), bench=NOISY_BENCH, env=env)
    assert proc.returncode == 0, proc.stderr
    assert load(out / "instructions.json")["benchmarks"][0]["instructions_per_op"] == \
        pytest.approx(100.0)
    env["FAKE_BENCH_EMPTY_BELOW_MS"] = "100000"
    proc = run_suite("--mode", "instructions", "--filter", "std_mutex", "--duration", "1ms",
                     "--out", str(tmp_path / "never"), bench=NOISY_BENCH, env=env)
    assert proc.returncode == 1
    assert "no result under callgrind: no operation completed in the window" in proc.stdout


def test_instructions_ab_is_judged_without_a_test(tmp_path: Path) -> None:
    env = valgrind_path(tmp_path)
    base = side_bench(tmp_path, "base")
    new = side_bench(tmp_path, "new", FAKE_VALGRIND_IPO="tas_spin:44")
    out = tmp_path / "run"
    proc = run_suite("--mode", "instructions", "--ab-bench", str(base), *TWO_CASES, "--threshold",
                     "2", "--out", str(out), bench=new, env=env)
    assert proc.returncode == 1, proc.stderr
    summary = load(out / "compare.json")
    verdicts = {r["name"].split("/")[1]: r["verdict"] for r in summary["cases"]}
    assert verdicts == {"std_mutex": "unchanged", "tas_spin": "regressed"}
    assert summary["settings"]["deterministic"] is True


@pytest.mark.parametrize("args, needle", [
    (["--contention", "high"], "never appear"),
    (["--contention", "uncontended,high"], "contended cases"),
    (["--threads", "2"], "--threads 2"),
])
def test_instructions_mode_refuses_contended_cases(args: list[str], needle: str,
                                                   tmp_path: Path) -> None:
    proc = run_suite("--mode", "instructions", *args, env=valgrind_path(tmp_path))
    assert needle in assert_one_line_error(proc, "run_suite")


def test_instructions_mode_without_valgrind(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_suite("--mode", "instructions", "--out", str(tmp_path / "run"),
                     env=clean_env(PATH=str(empty)))
    assert "needs valgrind" in assert_one_line_error(proc, "run_suite")
    assert not (tmp_path / "run").exists()
