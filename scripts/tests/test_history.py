"""scripts/history and run_suite --record: the SQLite store, change points, trend page, export,
and bad databases (locked, corrupt, foreign schema) that must never lose what is stored."""
from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import (INPUTS, REPO, SCRIPTS, assert_one_line_error, clean_env, run_cli, run_main,
                      run_suite)
from synclab.history import cli, edivisive, store

HISTORY = SCRIPTS / "synclab" / "history" / "cli.py"


def history(*args: Any) -> subprocess.CompletedProcess[str]:
    return run_main("history", cli.main, *args)


def results_doc(run_id: str, sha: str, date: str, ns: dict[str, float], *, reps: int = 3,
                seed: int = 0, cpu: str = "Test CPU") -> dict[str, Any]:
    rng = random.Random(seed)
    benchmarks = []
    for name, value in ns.items():
        for rep in range(reps):
            v = value * (1 + rng.gauss(0, 0.01))
            benchmarks.append({"name": name, "run_name": name, "run_type": "iteration",
                               "repetitions": reps, "repetition_index": rep, "real_time": v,
                               "ns_per_op": v, "ops_per_sec": 1e9 / v, "fairness_jain": 1.0})
    context = {"git_sha": sha, "cpu_model": cpu, "arch": "x86_64", "topology": "2 PUs",
               "kernel": "Linux 6.1", "compiler": "g++ 12.2.0", "emulated": "false",
               "synclab_run": {"run_id": run_id, "started": date}}
    return {"context": context, "benchmarks": benchmarks}


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc))
    return path


CASE = "locks/tas_spin/uncontended/t:1/place:compact"
OTHER = "locks/std_mutex/uncontended/t:1/place:compact"


def stepped_history(tmp_path: Path, db: Path, runs: int = 24, step_at: int = 12) -> None:
    """A history where tas_spin gets 8 % slower at run `step_at` and std_mutex stays flat."""
    rng = np.random.default_rng(3)
    paths = []
    for i in range(runs):
        tas = 40.0 * (1.08 if i >= step_at else 1.0) * float(np.exp(rng.normal(0, 0.015)))
        std = 50.0 * float(np.exp(rng.normal(0, 0.015)))
        doc = results_doc(f"run{i:02d}", f"{i:02d}abcdef", f"2024-01-{i + 1:02d}T10:00:00+00:00",
                          {CASE: tas, OTHER: std}, seed=i)
        paths.append(write(tmp_path / f"r{i:02d}.json", doc))
    assert history("add", *paths, "--db", db).returncode == 0


# ---------------------------------------------------------------- change points

def test_edivisive_finds_a_planted_step() -> None:
    rng = np.random.default_rng(42)
    series = np.concatenate([rng.normal(100, 2, 25), rng.normal(106, 2, 25)])
    points = edivisive.e_divisive(series, seed=1)
    assert [p.index for p in points] == [25] and points[0].p_value <= 0.01


def test_edivisive_finds_two_steps() -> None:
    rng = np.random.default_rng(4)
    series = np.concatenate([rng.normal(100, 1, 20), rng.normal(110, 1, 20), rng.normal(95, 1, 20)])
    assert [p.index for p in edivisive.e_divisive(series, seed=1)] == [20, 40]


@pytest.mark.parametrize("seed", range(5))
def test_edivisive_finds_nothing_in_flat_noise(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    noise = rng.normal(100, 2, 50) * np.where(rng.random(50) < 0.05, 1.2, 1.0)  # with outliers
    assert edivisive.e_divisive(noise, seed=seed) == []


def test_edivisive_edge_cases() -> None:
    assert edivisive.e_divisive([1.0, 2.0, 3.0]) == []  # too short for two segments
    assert edivisive.e_divisive([5.0] * 30) == []  # constant: no energy at all
    with pytest.raises(ValueError):
        edivisive.e_divisive([1.0, float("nan")] * 5)
    with pytest.raises(ValueError):
        edivisive.e_divisive([1.0] * 10, min_size=1)


# ---------------------------------------------------------------- store

def test_add_is_idempotent_per_run_id(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    path = write(tmp_path / "r.json", results_doc("run-1", "abc", "2024-01-01", {CASE: 40.0}))
    first = history("add", path, "--db", db)
    assert first.returncode == 0 and "recorded run run-1: 3 case x metric rows" in first.stdout
    again = history("add", path, "--db", db)
    assert again.returncode == 0 and "already recorded" in again.stdout
    with store.Database(db) as database:
        runs = database.runs()
        rows = database.run_rows("run-1")
    assert [r["run_id"] for r in runs] == ["run-1"] and runs[0]["revision"] == "abc"
    assert {r[1] for r in rows} == {"ns_per_op", "ops_per_sec", "fairness_jain"}
    median = next(r for r in rows if r[1] == "ns_per_op")
    q1, q3 = median[3], median[4]
    assert median[5] == 3 and q1 is not None and q3 is not None
    assert q1 <= median[2] <= q3
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    connection.close()


def test_machine_fingerprint() -> None:
    a = results_doc("a", "1", "2024", {CASE: 1.0})["context"]
    b = results_doc("b", "2", "2025", {CASE: 2.0}, cpu="Other CPU")["context"]
    assert store.fingerprint(a) == store.fingerprint(dict(a, git_sha="zzz"))
    assert store.fingerprint(a) != store.fingerprint(b) and len(store.fingerprint(a)) == 12


def test_the_harness_layout_starts_a_series_of_its_own() -> None:
    """Runs before and after a change of the harness's padding are different series; a file
    from before the layout was recorded keeps the fingerprint it always had."""
    import hashlib
    import json

    old = results_doc("a", "1", "2024", {CASE: 1.0})["context"]
    old.pop("harness_padding_bytes", None)
    fields = {key: str(old.get(key, "")) for key in store.FINGERPRINT_KEYS}
    unchanged = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]
    assert store.fingerprint(old) == unchanged
    padded_64, padded_128 = (dict(old, harness_padding_bytes=p) for p in ("64", "128"))
    assert len({store.fingerprint(old), store.fingerprint(padded_64),
                store.fingerprint(padded_128)}) == 3


def test_results_without_run_id_are_named_by_content(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    out = history("add", INPUTS / "complete.json", INPUTS / "partial.json", "--db", db)
    assert out.returncode == 0, out.stderr
    with store.Database(db) as database:
        partial = [r for r in database.runs() if r["source"].endswith("partial.json")][0]
        cases = {row[0] for row in database.run_rows(partial["run_id"])}
    assert "locks/futex_mutex3/high/t:2/place:compact" not in cases  # timed out: not stored


def test_locked_database_is_reported_and_nothing_is_lost(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    first = write(tmp_path / "a.json", results_doc("run-a", "a", "2024-01-01", {CASE: 40.0}))
    second = write(tmp_path / "b.json", results_doc("run-b", "b", "2024-01-02", {CASE: 41.0}))
    assert history("add", first, "--db", db).returncode == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        proc = history("add", second, "--db", db, "--timeout", "0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked by another process" in assert_one_line_error(proc, "history")
    with store.Database(db) as database:
        assert [r["run_id"] for r in database.runs()] == ["run-a"]
    assert history("add", second, "--db", db).returncode == 0


@pytest.mark.parametrize("kind, needle", [
    ("corrupt", "not a readable SQLite database"),
    ("foreign", "not a synclab history database"),
    ("version", "schema version 99; this tool reads version 1"),
    ("missing", "no such history database"),
    ("directory", "is a directory"),
])
def test_bad_databases(kind: str, needle: str, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    if kind == "corrupt":
        db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    elif kind == "foreign":
        connection = sqlite3.connect(db)
        connection.execute("CREATE TABLE notes (text TEXT)")
        connection.commit()
        connection.close()
    elif kind == "version":
        path = write(tmp_path / "r.json", results_doc("r", "a", "2024", {CASE: 1.0}))
        assert history("add", path, "--db", db).returncode == 0
        connection = sqlite3.connect(db)
        connection.execute("UPDATE schema_version SET version = 99")
        connection.commit()
        connection.close()
    elif kind == "directory":
        db.mkdir()
    before = db.read_bytes() if db.is_file() else None
    commands: list[list[Any]] = [["runs"], ["export", "--format", "bmf"], ["trend", "--out", tmp_path / "t"]]
    for args in commands:
        assert needle in assert_one_line_error(history(*args, "--db", db), "history")
    if kind != "missing":
        good = write(tmp_path / "g.json", results_doc("g", "a", "2024", {CASE: 1.0}))
        assert needle in assert_one_line_error(history("add", good, "--db", db), "history")
    if before is not None:
        assert db.read_bytes() == before  # refused without touching the file


@pytest.mark.parametrize("name, content, needle", [
    ("corrupt.json", None, "not valid JSON"),
    ("aggregates_only.json", None, "only aggregate entries"),
    ("nothing.json", {"context": {}, "benchmarks": [
        {"name": CASE, "run_type": "iteration", "error_occurred": True}]}, "no finished case"),
    ("missing.json", "absent", "no such file"),
])
def test_bad_results_add_nothing(name: str, content: Any, needle: str, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    good = write(tmp_path / "good.json", results_doc("good", "a", "2024", {CASE: 1.0}))
    path = INPUTS / name if content is None else tmp_path / name
    if isinstance(content, dict):
        write(path, content)
    proc = history("add", good, path, "--db", db)  # every file is checked before any is stored
    assert needle in assert_one_line_error(proc, "history")
    assert not db.exists()


# ---------------------------------------------------------------- trend and export

def test_trend_marks_the_planted_step(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    stepped_history(tmp_path, db)
    out = tmp_path / "trend"
    proc = history("trend", "--out", out, "--metric", "ns_per_op", "--db", db)
    assert proc.returncode == 0, proc.stderr
    assert "2 series, 1 change point(s)" in proc.stdout
    page = (out / "index.html").read_text()
    assert page.count("<tr><td><code>") == 1 and CASE in page and "12abcdef" in page
    assert "worse" in page and len(list(out.glob("*.png"))) == 2
    raw = {(c, m): pts for (c, m, _), pts in store.Database(db).series({"ns_per_op"}).items()}
    assert len(raw[(CASE, "ns_per_op")]) == 24
    filtered = history("trend", "--out", tmp_path / "t2", "--filter", "std_mutex", "--db", db)
    assert filtered.returncode == 0 and "0 change point(s)" in filtered.stdout
    assert len(list((tmp_path / "t2").glob("*.png"))) == 3  # ns_per_op, ops_per_sec, fairness


def test_export_formats(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    stepped_history(tmp_path, db, runs=3)
    bmf = json.loads(history("export", "--format", "bmf", "--db", db).stdout)
    assert set(bmf) == {CASE, OTHER}
    assert set(bmf[CASE]) == {"latency", "throughput", "fairness_jain"}
    assert set(bmf[CASE]["latency"]) == {"value", "lower_value", "upper_value"}
    gab = json.loads(history("export", "--format", "gab", "--run", "run00", "--db", db).stdout)
    assert [item["name"] for item in gab] == [f"{CASE} ns_per_op", f"{OTHER} ns_per_op"]
    assert "run run00" in gab[0]["extra"]
    out = tmp_path / "bigger.json"
    assert history("export", "--format", "gab-bigger", "--output", out, "--db", db).returncode == 0
    assert {i["name"].split()[-1] for i in json.loads(out.read_text())} == {"ops_per_sec",
                                                                           "fairness_jain"}
    line = assert_one_line_error(history("export", "--format", "bmf", "--run", "nope", "--db", db),
                                 "history")
    assert "no such run" in line
    runs = history("runs", "--db", db)
    assert runs.returncode == 0 and runs.stdout.splitlines()[-1] == "3 runs"


def test_bad_arguments(tmp_path: Path) -> None:
    for args, needle in ((["bogus"], "invalid choice"), (["trend"], "--out"),
                         (["export", "--format", "csv"], "--format"),
                         (["trend", "--out", "x", "--filter", "("], "--filter"),
                         (["trend", "--out", "x", "--significance", "2"], "--significance")):
        assert needle in assert_one_line_error(history(*args), "history")


# ---------------------------------------------------------------- run_suite --record

def test_run_suite_record(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    proc = run_suite("--profile", "smoke", "--filter", "uncontended", "--no-report", "--record",
                     "--history-db", str(db), "--out", str(tmp_path / "run"))
    assert proc.returncode == 0, proc.stderr
    assert "history: recorded run" in proc.stdout
    with store.Database(db) as database:
        runs = database.runs()
        assert len(runs) == 1 and runs[0]["rows"] > 3 * 4 and runs[0]["revision"] == "0000000"
    again = history("add", tmp_path / "run" / "results.json", "--db", db)
    assert "already recorded" in again.stdout


def test_run_suite_record_refuses_a_bad_database_before_running(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    db.write_text("not a database at all, just text that is long enough" * 20)
    proc = run_suite("--profile", "smoke", "--record", "--history-db", str(db),
                     "--out", str(tmp_path / "run"))
    assert "not a readable SQLite database" in assert_one_line_error(proc, "run_suite")
    assert not (tmp_path / "run").exists()


def test_wrapper_script(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    proc = run_cli([str(REPO / "scripts" / "history"), "add", str(INPUTS / "complete.json"),
                    "--db", str(db)], env=clean_env(SYNCLAB_SKIP_DEPS="1"))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli([sys.executable, str(HISTORY), "runs", "--db", str(db)])
    assert proc.returncode == 0 and proc.stdout.endswith("1 runs\n")
