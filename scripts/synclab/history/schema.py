"""The history schema, one for SQLite and PostgreSQL, and the migrations that build it.

A database records its version in schema_version (one row). Migration N takes a database of
version N - 1 to version N; a new database runs them all from 0, so the path an old SQLite file
takes is the path every new database takes. Each migration runs in one transaction that holds
the database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so several
processes opening one new database at once build it once.

  1  machines, runs, measurements; indexes by series and by date
  2  runs.digest (what the run measured, to tell a repeated add from a conflicting one),
     machines.details (every fingerprint field as JSON, whatever fields it gains),
     measurements.position (the results file's order, which SQLite kept as rowid);
     indexes for the dashboard's queries: runs by machine and date, measurements by metric
  3  what SQL clients chart (views.py): runs.run_time (the date as a UTC timestamp), the cases
     table (each case name's parts), the views points and series; runs indexed by run_time
  4  what reading every series at once needs (the dashboard): runs.layout (a hash of the run's
     case x metric keys in its results file's order: runs of one layout are read as medians
     alone) and measurements_by_run (run_id, position, median), from which a run's medians are
     read in that order without touching the table; and measurements_series dropped:
     measurements_by_metric (metric, case_name, run_id) answers every lookup of one case and
     metric it answered, and each index ordered by series costs a `history add` a changed page
     per series (20,000 pages on a default-profile run)
  5  measurements_by_metric dropped: it was the last index ordered by series, and a run added
     to a year of history changed a page of it per series (80 MB of random pages, most of
     `history add`'s time). A query of one series goes through the primary key (run_id,
     case_name, metric) instead, one probe per run (bulk.py: SQLite's planner needs its
     statistics for that, and every add refreshes them). The series_keys table (one row per
     machine x case x metric, written when a run brings a new one) and the catalog view over
     it: what a dashboard's drop-down lists read in milliseconds, where the series view
     aggregates every measurement
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Iterable, Sequence

import sqlalchemy as sa

from synclab.history import views

CURRENT_VERSION = 5

metadata = sa.MetaData()

schema_version = sa.Table("schema_version", metadata,
                          sa.Column("version", sa.Integer, nullable=False))
MACHINE_COLUMNS = ("cpu_model", "arch", "topology", "kernel", "compiler", "emulated")
machines = sa.Table("machines", metadata,
                    sa.Column("fingerprint", sa.Text, primary_key=True),
                    *(sa.Column(name, sa.Text) for name in MACHINE_COLUMNS),
                    sa.Column("details", sa.Text))
runs = sa.Table("runs", metadata,
                sa.Column("run_id", sa.Text, primary_key=True),
                sa.Column("revision", sa.Text, nullable=False),
                sa.Column("date", sa.Text, nullable=False),
                sa.Column("machine", sa.Text, sa.ForeignKey("machines.fingerprint"),
                          nullable=False),
                sa.Column("mode", sa.Text, nullable=False),
                sa.Column("source", sa.Text),
                sa.Column("added", sa.Text, nullable=False),
                sa.Column("digest", sa.Text),
                sa.Column("run_time", sa.DateTime(timezone=True)),
                sa.Column("layout", sa.Text))
measurements = sa.Table("measurements", metadata,
                        sa.Column("run_id", sa.Text, sa.ForeignKey("runs.run_id"),
                                  primary_key=True),
                        sa.Column("case_name", sa.Text, primary_key=True),
                        sa.Column("metric", sa.Text, primary_key=True),
                        sa.Column("median", sa.Float, nullable=False),
                        sa.Column("n", sa.Integer, nullable=False),
                        sa.Column("q1", sa.Float), sa.Column("q3", sa.Float),
                        sa.Column("iqr", sa.Float),
                        sa.Column("position", sa.Integer))
cases = sa.Table("cases", metadata,
                 sa.Column("case_name", sa.Text, primary_key=True),
                 *(sa.Column(part, sa.Integer if part == "threads" else sa.Text)
                   for part in views.CASE_PARTS))
series_keys = sa.Table("series_keys", metadata,
                        sa.Column("machine", sa.Text, sa.ForeignKey("machines.fingerprint"),
                                  primary_key=True),
                        sa.Column("case_name", sa.Text, primary_key=True),
                        sa.Column("metric", sa.Text, primary_key=True))
TABLES = ("schema_version", "machines", "runs", "measurements", "cases", "series_keys")

# Indexes of each version, as (name, table, columns).
INDEXES_V1 = (("measurements_series", "measurements", ("case_name", "metric")),
              ("runs_by_date", "runs", ("date", "run_id")))
INDEXES_V2 = (("runs_by_machine", "runs", ("machine", "date", "run_id")),
              ("measurements_by_metric", "measurements", ("metric", "case_name", "run_id")))
INDEXES_V3 = (("runs_by_time", "runs", ("run_time",)),)
INDEXES_V4 = (("measurements_by_run", "measurements", ("run_id", "position", "median")),)
INDEXES_DROPPED_V4 = ("measurements_series",)
INDEXES_DROPPED_V5 = ("measurements_by_metric",)

# One key for PostgreSQL's advisory lock that serialises migrations ("synclab" in ASCII).
ADVISORY_LOCK_KEY = 0x73796E636C6162

Row = tuple[str, str, float, int, Any, Any]  # case, metric, median, n, q1, q3


def run_digest(revision: str, machine: str, mode: str, rows: Iterable[Sequence[Any]]) -> str:
    """What a run measured, as a hash: the same run added twice has the same digest; a run id
    reused for other numbers has another. The date and source are left out: a results file
    without a start time is dated when it is added, and one file may be added from two paths."""
    canonical = sorted((str(r[0]), str(r[1]), repr(float(r[2])), int(r[3]),
                        None if r[4] is None else repr(float(r[4])),
                        None if r[5] is None else repr(float(r[5]))) for r in rows)
    text = json.dumps([revision, machine, mode, canonical])
    return hashlib.sha256(text.encode()).hexdigest()


def run_layout(keys: Iterable[Sequence[str]]) -> str:
    """What a run's rows are, as a hash: its (case, metric) keys in its results file's order.
    Two runs of one layout hold the same series at the same positions."""
    text = json.dumps([[str(case), str(metric)] for case, metric in keys])
    return hashlib.sha256(text.encode()).hexdigest()


def _indexes(conn: sa.engine.Connection, specs: Iterable[tuple[str, str, tuple[str, ...]]]) -> None:
    for name, table, columns in specs:
        conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})")


def _to_v1(conn: sa.engine.Connection) -> None:
    shape = sa.MetaData()
    sa.Table("schema_version", shape, sa.Column("version", sa.Integer, nullable=False))
    sa.Table("machines", shape, sa.Column("fingerprint", sa.Text, primary_key=True),
             *(sa.Column(name, sa.Text) for name in MACHINE_COLUMNS))
    sa.Table("runs", shape, sa.Column("run_id", sa.Text, primary_key=True),
             sa.Column("revision", sa.Text, nullable=False),
             sa.Column("date", sa.Text, nullable=False),
             sa.Column("machine", sa.Text, sa.ForeignKey("machines.fingerprint"), nullable=False),
             sa.Column("mode", sa.Text, nullable=False), sa.Column("source", sa.Text),
             sa.Column("added", sa.Text, nullable=False))
    sa.Table("measurements", shape,
             sa.Column("run_id", sa.Text, sa.ForeignKey("runs.run_id"), primary_key=True),
             sa.Column("case_name", sa.Text, primary_key=True),
             sa.Column("metric", sa.Text, primary_key=True),
             sa.Column("median", sa.Float, nullable=False),
             sa.Column("n", sa.Integer, nullable=False),
             sa.Column("q1", sa.Float), sa.Column("q3", sa.Float), sa.Column("iqr", sa.Float))
    shape.create_all(conn)
    _indexes(conn, INDEXES_V1)
    conn.execute(schema_version.insert(), {"version": 0})


def _to_v2(conn: sa.engine.Connection) -> None:
    for table, column, kind in (("runs", "digest", "TEXT"), ("machines", "details", "TEXT"),
                                ("measurements", "position", "INTEGER")):
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    # Only SQLite files predate version 2; their rowid is the order rows were added in.
    order = (sa.literal_column("rowid") if conn.dialect.name == "sqlite"
             else measurements.c.case_name)
    m = measurements.c
    for run in conn.execute(sa.select(runs.c.run_id, runs.c.revision, runs.c.machine,
                                      runs.c.mode)).fetchall():
        rows = conn.execute(sa.select(m.case_name, m.metric, m.median, m.n, m.q1, m.q3)
                            .where(m.run_id == run.run_id).order_by(order, m.metric)).fetchall()
        for position, row in enumerate(rows):
            conn.execute(measurements.update().where(m.run_id == run.run_id)
                         .where(m.case_name == row.case_name).where(m.metric == row.metric)
                         .values(position=position))
        conn.execute(runs.update().where(runs.c.run_id == run.run_id).values(
            digest=run_digest(run.revision, run.machine, run.mode, rows)))
    machine_rows = conn.execute(sa.select(machines)).fetchall()
    for machine in machine_rows:
        details = {name: getattr(machine, name) or "" for name in MACHINE_COLUMNS}
        conn.execute(machines.update().where(machines.c.fingerprint == machine.fingerprint)
                     .values(details=json.dumps(details, sort_keys=True)))
    _indexes(conn, INDEXES_V2)


def _to_v3(conn: sa.engine.Connection) -> None:
    kind = sa.DateTime(timezone=True).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE runs ADD COLUMN run_time {kind}")
    for run_id, date in conn.execute(sa.select(runs.c.run_id, runs.c.date)).fetchall():
        conn.execute(runs.update().where(runs.c.run_id == run_id)
                     .values(run_time=views.utc_time(date)))
    shape = sa.MetaData()
    table = sa.Table("cases", shape, sa.Column("case_name", sa.Text, primary_key=True),
                     *(sa.Column(part, sa.Integer if part == "threads" else sa.Text)
                       for part in ("family", "primitive", "scenario", "threads", "placement",
                                    "params")))
    shape.create_all(conn)
    names = sa.select(measurements.c.case_name).distinct().order_by(measurements.c.case_name)
    rows = [views.case_row(name) for name, in conn.execute(names)]
    if rows:
        conn.execute(table.insert(), rows)
    _indexes(conn, INDEXES_V3)
    views.create(conn)


def _to_v4(conn: sa.engine.Connection) -> None:
    for name in INDEXES_DROPPED_V4:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN layout TEXT")
    m = measurements.c
    for run_id, in conn.execute(sa.select(runs.c.run_id)).fetchall():
        keys = conn.execute(sa.select(m.case_name, m.metric).where(m.run_id == run_id)
                            .order_by(m.position, m.case_name, m.metric)).fetchall()
        conn.execute(runs.update().where(runs.c.run_id == run_id)
                     .values(layout=run_layout(keys)))
    _indexes(conn, INDEXES_V4)


def _to_v5(conn: sa.engine.Connection) -> None:
    for name in INDEXES_DROPPED_V5:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    shape = sa.MetaData()
    sa.Table("machines", shape, sa.Column("fingerprint", sa.Text, primary_key=True))
    sa.Table("series_keys", shape,
             sa.Column("machine", sa.Text, sa.ForeignKey("machines.fingerprint"),
                       primary_key=True),
             sa.Column("case_name", sa.Text, primary_key=True),
             sa.Column("metric", sa.Text, primary_key=True))
    shape.tables["series_keys"].create(conn)
    conn.exec_driver_sql("INSERT INTO series_keys (machine, case_name, metric) "
                         "SELECT DISTINCT r.machine, m.case_name, m.metric "
                         "FROM measurements m JOIN runs r ON r.run_id = m.run_id")
    conn.exec_driver_sql(views.CATALOG)


MIGRATIONS: dict[int, Callable[[sa.engine.Connection], None]] = {
    1: _to_v1, 2: _to_v2, 3: _to_v3, 4: _to_v4, 5: _to_v5}
assert sorted(MIGRATIONS) == list(range(1, CURRENT_VERSION + 1))


def migrate(conn: sa.engine.Connection, start: int) -> None:
    """Runs migrations start + 1 .. CURRENT_VERSION in the caller's transaction."""
    for version in range(start + 1, CURRENT_VERSION + 1):
        MIGRATIONS[version](conn)
        conn.execute(schema_version.update().values(version=version))
