"""scripts/history and run_suite --record: the store on both engines (an SQLite file and a
PostgreSQL server the tests start), change points, trend page, export, migrations, import,
concurrent writers, and bad databases that must never lose what is stored."""
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
import sqlalchemy as sa

import postgres_server
from conftest import (INPUTS, REPO, SCRIPTS, assert_one_line_error, clean_env, run_cli, run_main,
                      run_suite)
from synclab.history import cli, edivisive, engines, schema, store

HISTORY = SCRIPTS / "synclab" / "history" / "cli.py"


def sql_engine(db: str) -> sa.engine.Engine:
    target = engines.parse(db)
    return sa.create_engine(f"sqlite:///{target.path}" if target.kind == "sqlite" else target.url)


def execute(db: str, statement: str) -> list[tuple[Any, ...]]:
    eng = sql_engine(db)
    try:
        with eng.begin() as conn:
            result = conn.exec_driver_sql(statement)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        eng.dispose()


def is_empty(db: str) -> bool:
    """Nothing was ever written: no file, or a database without tables."""
    target = engines.parse(db)
    if target.kind == "sqlite":
        return not Path(db).exists()
    eng = sql_engine(db)
    try:
        with eng.connect() as conn:
            return not sa.inspect(conn).get_table_names()
    finally:
        eng.dispose()


def stored_run_ids(db: str) -> list[str]:
    with store.Database(db) as database:
        return sorted(r["run_id"] for r in database.runs())


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


def stepped_history(tmp_path: Path, db: str, runs: int = 24, step_at: int = 12) -> None:
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

def test_add_is_idempotent_per_run_id(db: str, tmp_path: Path) -> None:
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
    assert execute(db, "SELECT version FROM schema_version") == [(schema.CURRENT_VERSION,)]
    assert execute(db, "SELECT COUNT(*) FROM measurements") == [(3,)]


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


def test_the_machine_details_hold_every_fingerprint_field(db: str, tmp_path: Path) -> None:
    doc = results_doc("padded", "a", "2024", {CASE: 1.0})
    doc["context"]["harness_padding_bytes"] = "128"
    assert history("add", write(tmp_path / "p.json", doc), "--db", db).returncode == 0
    [(fp, arch, details)] = execute(db, "SELECT fingerprint, arch, details FROM machines")
    assert fp == store.fingerprint(doc["context"]) and arch == "x86_64"
    assert json.loads(details) == {**{k: str(doc["context"][k]) for k in store.FINGERPRINT_KEYS},
                                   "harness_padding_bytes": "128"}


def test_results_without_run_id_are_named_by_content(db: str) -> None:
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
    ("version", f"schema version 99 is newer than this tool's ({schema.CURRENT_VERSION})"),
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
def test_bad_results_add_nothing(name: str, content: Any, needle: str, db: str,
                                 tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", results_doc("good", "a", "2024", {CASE: 1.0}))
    path = INPUTS / name if content is None else tmp_path / name
    if isinstance(content, dict):
        write(path, content)
    proc = history("add", good, path, "--db", db)  # every file is checked before any is stored
    assert needle in assert_one_line_error(proc, "history")
    assert is_empty(db)


# ---------------------------------------------------------------- trend and export

def test_trend_marks_the_planted_step(db: str, tmp_path: Path) -> None:
    stepped_history(tmp_path, db)
    out = tmp_path / "trend"
    proc = history("trend", "--out", out, "--metric", "ns_per_op", "--db", db)
    assert proc.returncode == 0, proc.stderr
    assert "2 series, 1 change point(s)" in proc.stdout
    page = (out / "index.html").read_text()
    assert page.count("<tr><td><code>") == 1 and CASE in page and "12abcdef" in page
    assert "worse" in page and len(list(out.glob("*.png"))) == 2
    with store.Database(db) as database:
        raw = {(c, m): pts for (c, m, _), pts in database.series({"ns_per_op"}).items()}
    assert len(raw[(CASE, "ns_per_op")]) == 24
    filtered = history("trend", "--out", tmp_path / "t2", "--filter", "std_mutex", "--db", db)
    assert filtered.returncode == 0 and "0 change point(s)" in filtered.stdout
    assert len(list((tmp_path / "t2").glob("*.png"))) == 3  # ns_per_op, ops_per_sec, fairness


def test_export_formats(db: str, tmp_path: Path) -> None:
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

def test_run_suite_record(db: str, tmp_path: Path) -> None:
    proc = run_suite("--profile", "smoke", "--filter", "uncontended", "--no-report", "--record",
                     "--history-db", db, "--out", str(tmp_path / "run"))
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


def test_wrapper_script(db: str) -> None:
    proc = run_cli([str(REPO / "scripts" / "history"), "add", str(INPUTS / "complete.json"),
                    "--db", db], env=clean_env(SYNCLAB_SKIP_DEPS="1"))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli([sys.executable, str(HISTORY), "runs", "--db", db])
    assert proc.returncode == 0 and proc.stdout.endswith("1 runs\n")


# ---------------------------------------------------------------- both engines: schema, conflicts

def test_new_database_has_the_current_schema_and_indexes(db: str) -> None:
    """A new database gets every migration from 0; its tables are the ones the code queries."""
    proc = history("migrate", "--db", db)
    assert proc.returncode == 0 and f"created schema version {schema.CURRENT_VERSION}" in proc.stdout
    again = history("migrate", "--db", db)
    assert "already at schema version" in again.stdout
    eng = sql_engine(db)
    try:
        with eng.connect() as conn:
            inspector = sa.inspect(conn)
            tables = {t for t in inspector.get_table_names() if not t.startswith("sqlite_")}
            assert tables == set(schema.TABLES)
            for table in schema.metadata.sorted_tables:
                columns = [c["name"] for c in inspector.get_columns(table.name)]
                assert sorted(columns) == sorted(table.columns.keys()), table.name
            indexes = {i["name"] for t in ("runs", "measurements") for i in inspector.get_indexes(t)}
    finally:
        eng.dispose()
    created = {name for name, _, _ in schema.INDEXES_V1 + schema.INDEXES_V2 + schema.INDEXES_V3}
    dropped = set(schema.INDEXES_DROPPED_V4 + schema.INDEXES_DROPPED_V5)
    assert created - dropped <= indexes
    assert not dropped & indexes


def test_sqlite_connections_hold_a_run_of_changed_pages_in_their_cache(tmp_path: Path) -> None:
    """Every connection of the history to an SQLite file has its larger page cache (SQLite's
    default, 2 MiB, is what a new connection has without it)."""
    db = str(tmp_path / "h.sqlite")
    for create in (True, False):
        with store.Database(db, create=create) as database:
            with database.engine.connect() as conn:
                size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        assert size == -engines.SQLITE_CACHE_KIB
    plain = sqlite3.connect(db)
    assert plain.execute("PRAGMA cache_size").fetchone()[0] != -engines.SQLITE_CACHE_KIB
    plain.close()


def measurement_indexes(db: str) -> set[str]:
    eng = sql_engine(db)
    try:
        with eng.connect() as conn:
            return {i["name"] for i in sa.inspect(conn).get_indexes("measurements")}
    finally:
        eng.dispose()


def test_a_version_3_database_migrates_to_the_current_one_and_keeps_every_row(
        db: str, tmp_path: Path) -> None:
    """A version-3 database holding runs (the current schema less runs.layout and the index by
    run, plus the indexes by series of versions 1 and 2) migrates: the layouts it computes are
    the ones `history add` stores, no index by series is left, and every run and series reads
    back as before."""
    paths = three_runs(tmp_path)
    paths.append(write(tmp_path / "other.json", results_doc("run9", "9abc", "2024-01-09",
                                                            {OTHER: 50.0, CASE: 40.0})))
    assert history("add", *paths, "--db", db).returncode == 0
    layouts = execute(db, "SELECT run_id, layout FROM runs ORDER BY run_id")
    assert len({layout for _, layout in layouts}) == 2  # the other file lists its cases in
    for statement in ("DROP INDEX measurements_by_run",  # another order
                      "DROP VIEW catalog", "DROP TABLE series_keys",
                      "ALTER TABLE runs DROP COLUMN layout",
                      "CREATE INDEX measurements_series ON measurements (case_name, metric)",
                      "CREATE INDEX measurements_by_metric ON measurements "
                      "(metric, case_name, run_id)",
                      "UPDATE schema_version SET version = 3"):
        execute(db, statement)
    with store.Database(db) as database:
        assert database.version == 3
        runs, series = database.runs(), database.series()
    proc = history("migrate", "--db", db)
    assert proc.returncode == 0
    assert f"schema migrated from version 3 to {schema.CURRENT_VERSION}" in proc.stdout
    assert execute(db, "SELECT run_id, layout FROM runs ORDER BY run_id") == layouts
    indexes = measurement_indexes(db)
    assert not {"measurements_series", "measurements_by_metric"} & indexes
    assert "measurements_by_run" in indexes
    with store.Database(db) as database:
        assert database.version == schema.CURRENT_VERSION
        assert (database.runs(), database.series()) == (runs, series)
    assert history("add", *paths, "--db", db).stdout.count("already recorded") == 4


def test_version_5_drops_the_index_by_series_and_lists_every_series_once(db: str, tmp_path: Path
                                                                  ) -> None:
    paths = three_runs(tmp_path)
    assert history("add", *paths, "--db", db).returncode == 0
    with store.Database(db) as database:
        runs, series = database.runs(), database.series()
    keys = execute(db, "SELECT machine, case_name, metric FROM series_keys ORDER BY 1, 2, 3")
    assert len(keys) == len(series) > 0
    for statement in ("DROP VIEW catalog", "DROP TABLE series_keys",
                      "CREATE INDEX measurements_by_metric ON measurements "
                      "(metric, case_name, run_id)", "UPDATE schema_version SET version = 4"):
        execute(db, statement)
    proc = history("migrate", "--db", db)
    assert proc.returncode == 0 and "schema migrated from version 4 to 5" in proc.stdout
    assert "measurements_by_metric" not in measurement_indexes(db)
    assert execute(db, "SELECT machine, case_name, metric FROM series_keys "
                       "ORDER BY 1, 2, 3") == keys
    with store.Database(db) as database:
        assert (database.runs(), database.series()) == (runs, series)


def awkward_run(run_id: str) -> store.RunRows:
    """Names and numbers a bulk path could mangle: quotes, commas, a newline, a backslash, a
    tab, non-ASCII text; doubles that only an exact text form keeps; missing quartiles."""
    names = ['locks/a"b/uncontended/t:1/place:compact', "locks/a,b/high/t:2/place:cpus:0,1",
             "odd\\name\twith\nnewline", "ünïcode/名前", "'quoted'"]
    numbers = [0.1 + 0.2, 1e-300, 1.7976931348623157e308, -0.0, 123456789.123456789]
    rows: list[tuple[Any, ...]] = [(name, metric, numbers[i % len(numbers)], 3 + i,
             None if i % 3 == 0 else numbers[(i + 1) % len(numbers)],
             None if i % 3 == 0 else numbers[(i + 2) % len(numbers)], None if i % 3 == 0 else 0.5)
            for i, (name, metric) in enumerate((n, m) for n in names
                                               for m in ("ns_per_op", "odd,metric"))]
    fields = {"cpu_model": "Awkward CPU", "arch": "x86_64", "topology": "2 PUs",
              "kernel": "Linux", "compiler": "g++", "emulated": "false"}
    return store.RunRows(run_id, "abc", "2024-01-01T00:00:00+00:00", store.fingerprint(fields),
                         fields, "time", "", rows)


def test_the_bulk_insert_stores_every_value_exactly(db: str) -> None:
    """The rows the driver's bulk path (COPY on PostgreSQL) stores read back as they went in,
    in their order, and the same run added again is recognised by its digest."""
    run = awkward_run("awkward-1")
    with store.Database(db, create=True) as database:
        assert database.add_run(run) == store.Added("awkward-1", len(run.rows), False)
        assert database.add_run(run).skipped
        stored = database.run_rows("awkward-1")
    assert stored == [(case, metric, median, q1, q3, n)
                      for case, metric, median, n, q1, q3, _ in run.rows]
    iqrs = [row[0] for row in execute(db, "SELECT iqr FROM measurements ORDER BY position")]
    assert iqrs == [row[6] for row in run.rows]


def one_series_plan(db: str) -> str:
    """SQLite's plan for a panel's query of one series through the points view (docs/ci.md)."""
    query = ("SELECT run_time, median FROM points WHERE family = 'locks' AND primitive = 'p3' "
             "AND scenario = 'high' AND threads = 2 AND metric = 'ns_per_op' ORDER BY 1")
    with sqlite3.connect(db) as conn:
        return " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + query))


def test_a_series_is_read_through_the_primary_key_on_sqlite(tmp_path: Path) -> None:
    """Without an index by series, one series is a probe of the primary key per run; SQLite's
    planner takes that path only with statistics, which every add refreshes. Planted: the
    same history without its statistics is read by a scan of every measurement."""
    db = str(tmp_path / "h.sqlite")
    fields = {"cpu_model": "Plan CPU", "arch": "x86_64", "topology": "2 PUs", "kernel": "Linux",
              "compiler": "g++", "emulated": "false"}
    rows: list[tuple[Any, ...]] = [
        (f"locks/p{p}/{level}/t:{t}/place:compact", metric, 100.0 + p, 10, 99.0, 101.0, 2.0)
        for p in range(40) for level, t in (("uncontended", 1), ("high", 2))
        for metric in ("ns_per_op", "ops_per_sec", "fairness_jain", "lat_p99_ns")]
    with store.Database(db, create=True) as database:
        for i in range(0, 30, 10):
            database.add_runs([store.RunRows(f"run-{j:03d}", f"{j:040x}",
                                             f"2024-01-{1 + j % 28:02d}T00:00:00+00:00",
                                             store.fingerprint(fields), fields, "time", "", rows)
                               for j in range(i, i + 10)])
    plan = one_series_plan(db)
    assert "SCAN m" not in plan and "(run_id=? AND case_name=? AND metric=?)" in plan, plan
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM sqlite_stat1")
    assert "SCAN m" in one_series_plan(db)


def test_a_run_id_with_other_measurements_is_refused_and_nothing_is_written(
        db: str, tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", results_doc("zzz-run", "a", "2024-01-01", {CASE: 40.0}))
    assert history("add", first, "--db", db).returncode == 0
    changed = write(tmp_path / "a2.json",
                    results_doc("zzz-run", "a", "2024-01-01", {CASE: 40.0}, seed=9))
    new = write(tmp_path / "n.json", results_doc("aaa-new", "b", "2024-01-02", {CASE: 41.0}))
    proc = history("add", new, changed, "--db", db)  # aaa-new is stored first, then rolled back
    line = assert_one_line_error(proc, "history")
    assert "run zzz-run is already recorded with other measurements" in line
    assert stored_run_ids(db) == ["zzz-run"]
    assert execute(db, "SELECT COUNT(*) FROM measurements") == [(3,)]
    # the same run from another path (another source, another adding time) is the same run
    copy = write(tmp_path / "copy.json", json.loads(first.read_text()))
    assert "already recorded; nothing added" in history("add", copy, new, "--db", db).stdout
    assert stored_run_ids(db) == ["aaa-new", "zzz-run"]


def test_a_newer_schema_is_refused_by_readers_and_writers(db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "r.json", results_doc("r", "a", "2024", {CASE: 1.0}))
    assert history("add", path, "--db", db).returncode == 0
    execute(db, "UPDATE schema_version SET version = 99")
    other = write(tmp_path / "o.json", results_doc("o", "a", "2024", {CASE: 1.0}))
    commands: list[list[Any]] = [["runs"], ["migrate"], ["add", other], ["import", "--from", db]]
    for args in commands:
        line = assert_one_line_error(history(*args, "--db", db), "history")
        assert "schema version 99 is newer than this tool's" in line
    execute(db, f"UPDATE schema_version SET version = {schema.CURRENT_VERSION}")
    assert stored_run_ids(db) == ["r"]


def test_a_foreign_or_empty_database_is_refused(db: str, tmp_path: Path) -> None:
    absent = ("no such history database" if engines.parse(db).kind == "sqlite"
              else "empty database, not a synclab history")
    assert absent in assert_one_line_error(history("runs", "--db", db), "history")
    execute(db, "CREATE TABLE notes (text TEXT)")
    good = write(tmp_path / "g.json", results_doc("g", "a", "2024", {CASE: 1.0}))
    commands: list[list[Any]] = [["runs"], ["add", good], ["migrate"]]
    for args in commands:
        line = assert_one_line_error(history(*args, "--db", db), "history")
        assert "not a synclab history database (no schema_version table)" in line
    eng = sql_engine(db)
    try:
        with eng.connect() as conn:
            assert sa.inspect(conn).get_table_names() == ["notes"]
    finally:
        eng.dispose()


def test_an_interrupted_add_leaves_the_database_as_it_was(db: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = write(tmp_path / "a.json", results_doc("run-a", "a", "2024-01-01", {CASE: 40.0}))
    assert history("add", first, "--db", db).returncode == 0
    later = [write(tmp_path / f"{name}.json", results_doc(name, "b", "2024-01-02", {CASE: 41.0}))
             for name in ("run-b", "run-c")]
    add_run = store._add_run

    def interrupted(conn: Any, run: store.RunRows, *rest: Any) -> store.Added:
        if run.run_id == "run-c":  # run-b is in the transaction by now
            raise KeyboardInterrupt
        return add_run(conn, run, *rest)
    monkeypatch.setattr(store, "_add_run", interrupted)
    proc = history("add", *later, "--db", db)
    assert proc.returncode == 130 and "interrupted" in proc.stderr
    monkeypatch.undo()
    assert stored_run_ids(db) == ["run-a"]
    assert execute(db, "SELECT COUNT(*) FROM measurements") == [(3,)]


# ---------------------------------------------------------------- migrations and import

SCHEMA_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE machines (fingerprint TEXT PRIMARY KEY, cpu_model TEXT, arch TEXT, topology TEXT,
  kernel TEXT, compiler TEXT, emulated TEXT);
CREATE TABLE runs (run_id TEXT PRIMARY KEY, revision TEXT NOT NULL, date TEXT NOT NULL,
  machine TEXT NOT NULL REFERENCES machines(fingerprint), mode TEXT NOT NULL, source TEXT,
  added TEXT NOT NULL);
CREATE TABLE measurements (run_id TEXT NOT NULL REFERENCES runs(run_id), case_name TEXT NOT NULL,
  metric TEXT NOT NULL, median REAL NOT NULL, n INTEGER NOT NULL, q1 REAL, q3 REAL, iqr REAL,
  PRIMARY KEY (run_id, case_name, metric));
CREATE INDEX measurements_series ON measurements (case_name, metric);
CREATE INDEX runs_by_date ON runs (date, run_id);
INSERT INTO schema_version VALUES (1);
"""


def version_1_file(tmp_path: Path, paths: list[Path]) -> Path:
    """An SQLite history as the first version of the tool wrote it, holding these results."""
    path = tmp_path / "v1.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA_V1)
    for results in paths:
        run = store.read_results(results)
        fields = tuple(run.machine_fields[k] for k in store.FINGERPRINT_KEYS)
        connection.execute("INSERT OR IGNORE INTO machines VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (run.machine, *fields))
        connection.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (run.run_id, run.revision, run.date, run.machine, run.mode,
                            run.source, "2024-01-01T00:00:00+00:00"))
        connection.executemany("INSERT INTO measurements VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               [(run.run_id, *row) for row in run.rows])
    connection.commit()
    connection.close()
    return path


def three_runs(tmp_path: Path) -> list[Path]:
    return [write(tmp_path / f"r{i}.json",
                  results_doc(f"run{i}", f"{i}abc", f"2024-01-0{i + 1}", {CASE: 40.0 + i,
                                                                          OTHER: 50.0}, seed=i))
            for i in range(3)]


def test_a_version_1_file_is_read_unchanged_and_migrated_by_writers(tmp_path: Path) -> None:
    paths = three_runs(tmp_path)
    old = version_1_file(tmp_path, paths)
    before = old.read_bytes()
    runs = history("runs", "--db", old)
    assert runs.returncode == 0 and runs.stdout.splitlines()[-1] == "3 runs"
    gab = json.loads(history("export", "--format", "gab", "--run", "run1", "--db", old).stdout)
    assert [item["name"] for item in gab] == [f"{CASE} ns_per_op", f"{OTHER} ns_per_op"]
    assert old.read_bytes() == before  # readers never migrate
    proc = history("migrate", "--db", old)
    assert proc.returncode == 0 and f"schema migrated from version 1 to {schema.CURRENT_VERSION}" in proc.stdout
    assert execute(str(old), "SELECT version FROM schema_version") == \
        [(schema.CURRENT_VERSION,)]
    assert execute(str(old), "SELECT COUNT(*) FROM runs WHERE digest IS NULL") == [(0,)]
    assert json.loads(history("export", "--format", "gab", "--run", "run1",
                              "--db", old).stdout) == gab  # the file's order survives
    again = history("add", *paths, "--db", old)  # the digests computed by the migration match
    assert again.returncode == 0 and again.stdout.count("already recorded") == 3


def test_import_copies_a_history_once(db: str, tmp_path: Path) -> None:
    paths = three_runs(tmp_path)
    old = version_1_file(tmp_path, paths)
    before = old.read_bytes()
    proc = history("import", "--from", f"sqlite:{old}", "--db", db)
    assert proc.returncode == 0, proc.stderr
    assert "imported 3 run(s), 18 case x metric rows; 0 already there" in proc.stdout
    assert old.read_bytes() == before
    with store.Database(db) as database, store.Database(old) as origin:
        assert database.runs() == origin.runs()
        assert database.series() == origin.series()
        assert database.run_rows("run2") == origin.run_rows("run2")
    again = history("import", "--from", f"sqlite:{old}", "--db", db)
    assert "imported 0 run(s), 0 case x metric rows; 3 already there" in again.stdout
    assert "already recorded" in history("add", paths[0], "--db", db).stdout


def test_import_refuses_conflicts_and_empty_sources(db: str, tmp_path: Path) -> None:
    old = version_1_file(tmp_path, three_runs(tmp_path))
    clash = write(tmp_path / "clash.json", results_doc("run1", "x", "2024-02-01", {CASE: 99.0}))
    assert history("add", clash, "--db", db).returncode == 0
    line = assert_one_line_error(history("import", "--from", old, "--db", db), "history")
    assert "run run1 is already recorded with other measurements" in line
    assert stored_run_ids(db) == ["run1"]  # run0 and run2 were rolled back with it
    empty = tmp_path / "empty.sqlite"
    assert history("migrate", "--db", empty).returncode == 0
    assert "holds no runs to import" in assert_one_line_error(
        history("import", "--from", f"sqlite:{empty}", "--db", db), "history")


# ---------------------------------------------------------------- PostgreSQL bad input

@pytest.mark.parametrize("url, needle", [
    ("postgresql://u@host:port/db", "malformed database URL: the port is not a number"),
    ("postgresql:/db", "malformed database URL"),
    ("postgresql://u@host", "no database name"),
    ("mysql://u@host/db", "not a database this history can use"),
    ("sqlite://relative", "malformed database URL"),
])
def test_malformed_urls(url: str, needle: str, tmp_path: Path) -> None:
    good = write(tmp_path / "g.json", results_doc("g", "a", "2024", {CASE: 1.0}))
    commands: list[list[Any]] = [["runs"], ["add", good], ["migrate"],
                                 ["import", "--from", tmp_path / "x"]]
    for args in commands:
        assert needle in assert_one_line_error(history(*args, "--db", url), "history")
    assert needle in assert_one_line_error(history("import", "--from", url, "--db",
                                                   tmp_path / "t.sqlite"), "history")
    assert not (tmp_path / "t.sqlite").exists()


def test_unreachable_and_unauthorised_servers(postgres: postgres_server.PostgresServer,
                                              tmp_path: Path) -> None:
    good = write(tmp_path / "g.json", results_doc("g", "a", "2024", {CASE: 1.0}))
    nowhere = f"postgresql://synclab@/history?host={tmp_path}"  # no server listens there
    target = postgres.new_database()
    name = target.split("/")[3].split("?")[0]
    wrong = postgres.url(name, postgres_server.PASSWORD_ROLE, "not-the-password")
    assert f"host={tmp_path}" in assert_one_line_error(history("runs", "--db", nowhere), "history")
    for url, needle in ((nowhere, "cannot connect"),
                        (wrong, "password authentication failed")):
        commands: list[list[Any]] = [["runs"], ["add", good], ["migrate"]]
        for args in commands:
            line = assert_one_line_error(history(*args, "--db", url, "--timeout", "2"), "history")
            assert needle in line and "not-the-password" not in line
    proc = run_suite("--profile", "smoke", "--record", "--history-db", wrong,
                     "--out", str(tmp_path / "run"))
    assert "password authentication failed" in assert_one_line_error(proc, "run_suite")
    assert not (tmp_path / "run").exists()
    right = postgres.url(name, postgres_server.PASSWORD_ROLE, postgres_server.PASSWORD)
    assert history("add", good, "--db", right).returncode == 0
    assert stored_run_ids(target) == ["g"]
    # the password may stay out of the command line: libpq reads PGPASSWORD (or ~/.pgpass)
    no_password = postgres.url(name, postgres_server.PASSWORD_ROLE)
    env = clean_env(PGPASSWORD=postgres_server.PASSWORD)
    proc = run_cli([sys.executable, str(HISTORY), "runs", "--db", no_password], env=env)
    assert proc.returncode == 0 and proc.stdout.endswith("1 runs\n"), proc.stderr


def test_a_postgresql_lock_held_too_long_is_reported(postgres: postgres_server.PostgresServer,
                                                     tmp_path: Path) -> None:
    db = postgres.new_database()
    first = write(tmp_path / "a.json", results_doc("run-a", "a", "2024-01-01", {CASE: 40.0}))
    second = write(tmp_path / "b.json", results_doc("run-b", "b", "2024-01-02", {CASE: 41.0}))
    assert history("add", first, "--db", db).returncode == 0
    eng = sql_engine(db)
    try:
        with eng.begin() as holder:
            holder.exec_driver_sql("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE")
            proc = history("add", second, "--db", db, "--timeout", "0.5")
    finally:
        eng.dispose()
    assert "locked by another process" in assert_one_line_error(proc, "history")
    assert stored_run_ids(db) == ["run-a"]
    assert history("add", second, "--db", db).returncode == 0


# ---------------------------------------------------------------- concurrent writers

WRITERS, RUNS_PER_WRITER, SHARED_RUNS = 4, 6, 3
WORKER = """
import sys, time
from pathlib import Path
sys.path[0] = {scripts!r}
from synclab.history import cli
go = Path({go!r})
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.005)
status = 0
for group in " ".join(sys.argv[1:]).split(" + "):  # each group is one history add
    status |= cli.main(["add", *group.split(), "--db", {db!r}, "--timeout", "60"])
sys.exit(status)
"""


def test_concurrent_writers_lose_and_duplicate_nothing(db: str, tmp_path: Path) -> None:
    """Several processes add runs at once, each its own one by one and all the same shared ones
    in one multi-run add: every run is stored once, whole, and each shared run is recorded by
    exactly one writer."""
    shared = [write(tmp_path / f"shared{i}.json",
                    results_doc(f"shared-{i}", "s", f"2024-03-0{i + 1}", {CASE: 30.0 + i}))
              for i in range(SHARED_RUNS)]
    go = tmp_path / "go"
    script = WORKER.format(scripts=str(SCRIPTS), go=str(go), db=db)
    workers = []
    for w in range(WRITERS):
        own = [write(tmp_path / f"w{w}r{r}.json",
                     results_doc(f"w{w}-r{r}", f"{w}{r}", f"2024-02-{r + 1:02d}",
                                 {CASE: 40.0 + r, OTHER: 50.0 + w}, seed=w * 100 + r))
               for r in range(RUNS_PER_WRITER)]
        batch = shared if w % 2 else shared[::-1]  # opposite lock orders, were they not sorted
        groups = [own[:2], batch, *([p] for p in own[2:])]
        argv = " + ".join(" ".join(map(str, group)) for group in groups).split(" ")
        workers.append(subprocess.Popen([sys.executable, "-c", script, *argv],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True))
    go.touch()
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        outputs.append(out)
    recorded = "\n".join(outputs)
    for i in range(SHARED_RUNS):
        assert recorded.count(f"recorded run shared-{i}:") == 1
        assert recorded.count(f"run shared-{i} is already recorded") == WRITERS - 1
    expected = sorted([f"shared-{i}" for i in range(SHARED_RUNS)] +
                      [f"w{w}-r{r}" for w in range(WRITERS) for r in range(RUNS_PER_WRITER)])
    assert stored_run_ids(db) == expected
    rows = WRITERS * RUNS_PER_WRITER * 6 + SHARED_RUNS * 3
    assert execute(db, "SELECT COUNT(*) FROM measurements") == [(rows,)]
    assert execute(db, "SELECT COUNT(*) FROM machines") == [(1,)]
    assert execute(db, "SELECT COUNT(*) FROM series_keys") == [(6,)]  # two cases x 3 metrics
