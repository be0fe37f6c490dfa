"""The history's SQL views (points, series) on both engines: they return what the stored runs
hold, split case names as the reports do, order runs by their true time across time zones,
appear when an older database is migrated, and the queries docs/ci.md shows (Grafana's and
psql's) run against them."""
from __future__ import annotations

import datetime
import json
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import REPO, run_main
from synclab import names
from synclab.history import cli, engines, schema, store, views

CI_DOC = REPO / "docs" / "ci.md"
LOCK = "locks/std_mutex/uncontended/t:1/place:compact"
CHANNEL = "channels/mutex_ring/empty/t:1/place:compact/cap:1024/payload:8"
APP = "apps/cache_bench/futex_mutex3/readwrite/t:2/place:spread"
FOREIGN = "BM_memcpy/64"  # a results file from elsewhere: stored, but not a synclab name
MACHINES = {"x86": ("x86_64", "Test x86 CPU"), "arm": ("aarch64", "Test Arm CPU")}
# Run A's date sorts before run B's as text, but B is earlier: 08:00 UTC against 09:30 UTC.
DATES = {"a": "2024-01-01T09:30:00+00:00", "b": "2024-01-01T10:00:00+02:00",
         "c": "2024-01-02", "d": "last tuesday"}


def results(run_id: str, date: str, values: dict[str, float], machine: str,
            seed: int = 0) -> dict[str, Any]:
    arch, cpu = MACHINES[machine]
    rng = random.Random(seed)
    benchmarks = []
    for name, value in values.items():
        for rep in range(3):
            v = value * (1 + rng.gauss(0, 0.01))
            benchmarks.append({"name": name, "run_name": name, "run_type": "iteration",
                               "repetitions": 3, "repetition_index": rep, "real_time": v,
                               "ns_per_op": v, "ops_per_sec": 1e9 / v})
    context = {"git_sha": f"sha-{run_id}", "cpu_model": cpu, "arch": arch, "topology": "2 PUs",
               "kernel": "Linux 6.1", "compiler": "g++ 12.2.0", "emulated": "false",
               "synclab_run": {"run_id": run_id, "started": date}}
    return {"context": context, "benchmarks": benchmarks}


def fleet_files(tmp_path: Path) -> list[Path]:
    """Runs of two machines; the Arm one a planted 10 % slower on the lock case."""
    paths = []
    for i, (key, date) in enumerate(DATES.items()):
        for machine, slower in (("x86", 1.0), ("arm", 1.1)):
            doc = results(f"{machine}-{key}", date, {LOCK: 40.0 * slower + i, CHANNEL: 90.0,
                                                     APP: 1500.0, FOREIGN: 7.0}, machine, seed=i)
            path = tmp_path / f"{machine}-{key}.json"
            path.write_text(json.dumps(doc))
            paths.append(path)
    return paths


def history(*args: Any) -> subprocess.CompletedProcess[str]:
    return run_main("history", cli.main, *args)


def query(db: str, statement: str) -> list[dict[str, Any]]:
    target = engines.parse(db)
    eng = sa.create_engine(f"sqlite:///{target.path}" if target.kind == "sqlite" else target.url)
    try:
        with eng.connect() as conn:
            return [dict(row._mapping) for row in conn.exec_driver_sql(statement)]
    finally:
        eng.dispose()


def as_utc(value: Any) -> str | None:
    """A view's run_time as UTC text: PostgreSQL returns a timestamp, SQLite its text."""
    if value is None or isinstance(value, str):
        return value and value[:19].replace(" ", "T")
    return str(value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))


def test_the_views_hold_every_stored_measurement(db: str, tmp_path: Path) -> None:
    assert history("add", *fleet_files(tmp_path), "--db", db).returncode == 0
    with store.Database(db) as database:
        stored = database.stored_runs()
        expected = {(run.run_id, case, metric): (median, q1, q3, n, run.machine,
                                                 run.machine_fields["arch"], run.date)
                    for run in stored for case, metric, median, n, q1, q3, _ in run.rows}
        series = database.series()
    points = query(db, "SELECT * FROM points")
    got = {(p["run_id"], p["case_name"], p["metric"]): (p["median"], p["q1"], p["q3"], p["n"],
                                                        p["machine"], p["arch"], p["run_date"])
           for p in points}
    assert len(points) == len(expected) == 8 * 4 * 2 and got == expected
    for point in points:
        parsed = names.parse_case_name(point["case_name"])
        parts = {part: point[part] for part in views.CASE_PARTS}
        if point["case_name"] == FOREIGN:
            assert parsed is None and set(parts.values()) == {None}
        else:
            assert parsed is not None and parts == {
                "family": parsed.family, "primitive": parsed.primitive,
                "scenario": parsed.scenario, "threads": parsed.threads,
                "placement": parsed.placement, "params": parsed.params_text}
    app = next(p for p in points if p["case_name"] == APP)
    assert (app["family"], app["primitive"], app["scenario"], app["threads"]) == \
        ("apps", "futex_mutex3", "cache_bench:readwrite", 2)
    assert next(p for p in points if p["case_name"] == CHANNEL)["params"] == "cap:1024/payload:8"
    assert next(p for p in points if p["case_name"] == LOCK)["params"] == ""
    # the planted difference between the machines is what the view shows
    lock = {(p["arch"], p["run_id"][-1]): p["median"] for p in points
            if p["case_name"] == LOCK and p["metric"] == "ns_per_op"}
    for key in DATES:
        assert 1.07 < lock[("aarch64", key)] / lock[("x86_64", key)] < 1.13
        assert abs(lock[("x86_64", key)] / (40 + list(DATES).index(key)) - 1) < 0.03
    # the series view: one row per machine x case x metric, its run count and time span
    rows = query(db, "SELECT * FROM series")
    assert len(rows) == len(series) == 2 * 4 * 2
    for row in rows:
        assert row["runs"] == len(series[(row["case_name"], row["metric"], row["machine"])]) == 4
        assert (as_utc(row["first_run_time"]), as_utc(row["last_run_time"])) == \
            ("2024-01-01T08:00:00", "2024-01-02T00:00:00")
    # the catalog: the same series, with the same parts, without the counts
    described = ("machine", "cpu_model", "arch", "emulated", "case_name", *views.CASE_PARTS,
                 "metric")
    catalog = query(db, "SELECT * FROM catalog")
    assert set(catalog[0]) == set(described)
    assert sorted(tuple(row[c] for c in described) for row in catalog) == \
        sorted(tuple(row[c] for c in described) for row in rows)


def test_run_time_is_the_true_time_and_absent_when_the_date_is_not_one(
        db: str, tmp_path: Path) -> None:
    assert history("add", *fleet_files(tmp_path), "--db", db).returncode == 0
    ordered = query(db, "SELECT DISTINCT run_id, run_time FROM points WHERE arch = 'x86_64' "
                        "AND run_time IS NOT NULL ORDER BY run_time")
    assert [r["run_id"] for r in ordered] == ["x86-b", "x86-a", "x86-c"]  # not the text order
    assert [as_utc(r["run_time"]) for r in ordered] == \
        ["2024-01-01T08:00:00", "2024-01-01T09:30:00", "2024-01-02T00:00:00"]
    undated = query(db, "SELECT DISTINCT run_id, run_date FROM points WHERE run_time IS NULL")
    assert sorted((r["run_id"], r["run_date"]) for r in undated) == \
        [("arm-d", "last tuesday"), ("x86-d", "last tuesday")]


def test_utc_time() -> None:
    for text, utc in (("2024-01-01T10:00:00+02:00", "2024-01-01T08:00:00+00:00"),
                      ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00+00:00"),
                      ("2024-01-01 10:00:00", "2024-01-01T10:00:00+00:00")):
        moment = views.utc_time(text)
        assert moment is not None and moment.isoformat() == utc, text
    for text in ("2024", "03/06/19 11:14:37", "", "2024-02-30"):
        assert views.utc_time(text) is None, text


def version_2_database(db: str, paths: list[Path]) -> None:
    """A history as schema version 2 wrote it, holding these results."""
    runs = [store.read_results(path) for path in paths]
    target = engines.parse(db)
    eng = sa.create_engine(f"sqlite:///{target.path}" if target.kind == "sqlite" else target.url)
    try:
        with eng.begin() as conn:
            for version in (1, 2):
                schema.MIGRATIONS[version](conn)
            conn.execute(schema.schema_version.update().values(version=2))
            for machine in {run.machine: run for run in runs}.values():
                conn.execute(schema.machines.insert(), {
                    "fingerprint": machine.machine, "details": json.dumps(machine.machine_fields),
                    **{k: machine.machine_fields[k] for k in schema.MACHINE_COLUMNS}})
            for run in runs:
                conn.execute(schema.runs.insert(), {
                    "run_id": run.run_id, "revision": run.revision, "date": run.date,
                    "machine": run.machine, "mode": run.mode, "source": run.source,
                    "added": "2024-01-01T00:00:00+00:00", "digest": run.digest})
                conn.execute(schema.measurements.insert(), [
                    {"run_id": run.run_id, "case_name": case, "metric": metric, "median": median,
                     "n": n, "q1": q1, "q3": q3, "iqr": iqr, "position": position}
                    for position, (case, metric, median, n, q1, q3, iqr) in enumerate(run.rows)])
    finally:
        eng.dispose()


def test_a_version_2_database_gains_the_views_when_migrated(db: str, tmp_path: Path) -> None:
    paths = fleet_files(tmp_path)
    version_2_database(db, paths)
    readable = history("runs", "--db", db)  # readers read it as it is
    assert readable.returncode == 0 and readable.stdout.endswith("8 runs\n")
    assert "series" not in {r.lower() for r in view_names(db)}
    proc = history("migrate", "--db", db)
    assert proc.returncode == 0
    assert f"schema migrated from version 2 to {schema.CURRENT_VERSION}" in proc.stdout
    assert set(view_names(db)) >= {"points", "series", "catalog"}
    assert query(db, "SELECT COUNT(*) AS n FROM catalog")[0]["n"] == 2 * 4 * 2
    assert query(db, "SELECT COUNT(*) AS n FROM points")[0]["n"] == 8 * 4 * 2
    assert query(db, "SELECT COUNT(*) AS n FROM cases WHERE family IS NOT NULL")[0]["n"] == 3
    assert query(db, "SELECT COUNT(*) AS n FROM runs WHERE run_time IS NULL")[0]["n"] == 2
    again = history("add", *paths, "--db", db)  # the same runs: nothing new
    assert again.returncode == 0 and again.stdout.count("already recorded") == 8


def view_names(db: str) -> list[str]:
    target = engines.parse(db)
    eng = sa.create_engine(f"sqlite:///{target.path}" if target.kind == "sqlite" else target.url)
    try:
        with eng.connect() as conn:
            return list(sa.inspect(conn).get_view_names())
    finally:
        eng.dispose()


def test_a_later_case_gets_its_parts_once(db: str, tmp_path: Path) -> None:
    paths = fleet_files(tmp_path)
    assert history("add", *paths[:2], "--db", db).returncode == 0
    late = tmp_path / "late.json"
    late.write_text(json.dumps(results("late", "2024-02-01", {LOCK: 40.0, "rwlocks/std_shared_mutex/"
                                                              "reads:99/t:2/place:compact": 80.0},
                                       "x86")))
    assert history("add", late, *paths[2:], "--db", db).returncode == 0
    cases = query(db, "SELECT case_name, family, scenario FROM cases ORDER BY case_name")
    assert [c["case_name"] for c in cases] == sorted({LOCK, CHANNEL, APP, FOREIGN,
                                                      "rwlocks/std_shared_mutex/reads:99/t:2/"
                                                      "place:compact"})
    assert cases[-1]["family"] == "rwlocks" and cases[-1]["scenario"] == "reads:99"


# ---------------------------------------------------------------- the queries docs/ci.md shows

GRAFANA_VALUES = {"family": "locks", "primitive": "std_mutex", "scenario": "uncontended",
                  "placement": "compact", "metric": "ns_per_op", "arch": "x86_64','aarch64",
                  "threads": "1"}


def doc_blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", CI_DOC.read_text(encoding="utf-8"), flags=re.S)


def as_grafana_would(sql: str) -> str:
    """Grafana's macros and variables as it expands them for these values."""
    sql = re.sub(r"\$__timeFilter\((\w+)\)",
                 r"\1 BETWEEN '2023-12-31T00:00:00Z' AND '2024-12-31T00:00:00Z'", sql)
    sql = re.sub(r"\$\{(\w+):sqlstring\}", lambda m: f"'{GRAFANA_VALUES[m[1]]}'", sql)
    return re.sub(r"\$(\w+)", lambda m: GRAFANA_VALUES[m[1]], sql)


def test_the_documented_grafana_queries_chart_the_stored_series(
        postgres: Any, tmp_path: Path) -> None:
    db = postgres.new_database()
    assert history("add", *fleet_files(tmp_path), "--db", db).returncode == 0
    blocks = doc_blocks("sql")
    panel = next(b for b in blocks if "$__timeFilter" in b)
    rows = query(db, as_grafana_would(panel))
    assert set(rows[0]) == {"time", "metric", "value"}
    lines: dict[str, list[float]] = {}
    for row in rows:
        lines.setdefault(row["metric"], []).append(row["value"])
    assert len(lines) == 2 and all(len(values) == 3 for values in lines.values())  # d is undated
    arm = next(v for k, v in lines.items() if "aarch64" in k)
    x86 = next(v for k, v in lines.items() if "x86_64" in k)
    assert all(1.07 < a / x < 1.13 for a, x in zip(arm, x86))
    times = [row["time"] for row in rows if row["metric"] in lines and "x86_64" in row["metric"]]
    assert times == sorted(times)
    [variables] = [b for b in blocks if "$__timeFilter" not in b and "GRANT" not in b]
    statements = [s for s in variables.split(";") if s.strip()]
    assert len(statements) == 7
    for statement in statements:
        listed = [next(iter(row.values())) for row in query(db, as_grafana_would(statement))]
        column = re.search(r"DISTINCT (\w+)", statement)[1]  # type: ignore[index]
        if column in GRAFANA_VALUES:  # what the panel's query was given is among the choices
            assert set(GRAFANA_VALUES[column].split("','")) <= set(map(str, listed)), statement
        else:
            assert listed == ["apps", "channels", "locks"], statement


def test_the_documented_read_only_role_reads_the_views_only(postgres: Any) -> None:
    import postgres_server

    db = postgres.new_database()
    name = db.split("/")[3].split("?")[0]
    assert history("migrate", "--db", db).returncode == 0
    [grants] = [b for b in doc_blocks("sql") if "GRANT" in b]
    password = re.search(r"PASSWORD '([^']+)'", grants)[1]  # type: ignore[index]
    role = re.search(r"CREATE ROLE (\w+)", grants)[1]  # type: ignore[index]
    for statement in filter(str.strip, grants.split(";")):
        statement = re.sub(r"--.*", "", statement).strip()
        if statement:
            postgres.execute(statement.replace("DATABASE synclab", f"DATABASE {name}"), name)
    reader = postgres.url(name, role, password)
    assert query(reader, "SELECT COUNT(*) AS n FROM points") == [{"n": 0}]
    assert query(reader, "SELECT COUNT(*) AS n FROM series") == [{"n": 0}]
    assert query(reader, "SELECT COUNT(*) AS n FROM catalog") == [{"n": 0}]
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        query(reader, "SELECT COUNT(*) FROM series_keys")
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        query(reader, "SELECT COUNT(*) FROM measurements")
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        query(reader, "DELETE FROM runs")
    assert f"//{postgres_server.SUPERUSER}" not in reader


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql (postgresql-client) is not installed")
def test_the_documented_psql_command_prints_the_series(postgres: Any, tmp_path: Path) -> None:
    db = postgres.new_database()
    assert history("add", *fleet_files(tmp_path), "--db", db).returncode == 0
    [command] = [line for block in doc_blocks("sh") for line in block.splitlines()
                 if line.startswith("psql ")]
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "SYNCLAB_HISTORY_DB": db})
    assert proc.returncode == 0, proc.stderr
    rows = [[cell.strip() for cell in line.split("|")] for line in proc.stdout.splitlines()
            if "sha-" in line]
    assert [row[3][-1] for row in rows] == list("ccaabb")  # newest first, by true time
    by_run: dict[str, dict[str, float]] = {}
    for row in rows:
        by_run.setdefault(row[3][-1], {})[row[1]] = float(row[4])
    assert all(1.07 < v["aarch64"] / v["x86_64"] < 1.13 for v in by_run.values())
