"""The history database: SQLite, one row per run, case and metric.

Tables (schema version 1):
  schema_version(version)                       one row; a database of another version is refused
  machines(fingerprint, cpu_model, arch, topology, kernel, compiler, emulated)
                                                the fingerprint also covers the harness's layout
                                                (harness_padding_bytes) where a file records it
  runs(run_id, revision, date, machine, mode, source, added)
  measurements(run_id, case_name, metric, median, n, q1, q3, iqr)

A run is added in one transaction, or not at all; adding a run id that is already there
changes nothing, so recording the same results twice is harmless. Only cases whose every
repetition finished are stored.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from synclab import load
from synclab.metrics import GB_TIMES

SCHEMA_VERSION = 1
DEFAULT_TIMEOUT_S = 10.0
FINGERPRINT_KEYS: tuple[str, ...] = ("cpu_model", "arch", "topology", "kernel", "compiler",
                                     "emulated")

_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE machines (
  fingerprint TEXT PRIMARY KEY,
  cpu_model TEXT, arch TEXT, topology TEXT, kernel TEXT, compiler TEXT, emulated TEXT);
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  revision TEXT NOT NULL,
  date TEXT NOT NULL,
  machine TEXT NOT NULL REFERENCES machines(fingerprint),
  mode TEXT NOT NULL,
  source TEXT,
  added TEXT NOT NULL);
CREATE TABLE measurements (
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  case_name TEXT NOT NULL,
  metric TEXT NOT NULL,
  median REAL NOT NULL,
  n INTEGER NOT NULL,
  q1 REAL, q3 REAL, iqr REAL,
  PRIMARY KEY (run_id, case_name, metric));
CREATE INDEX measurements_series ON measurements (case_name, metric);
CREATE INDEX runs_by_date ON runs (date, run_id);
"""


class HistoryError(Exception):
    """A database or input that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class Added:
    run_id: str
    rows: int
    skipped: bool  # the run was already there

    @property
    def message(self) -> str:
        if self.skipped:
            return f"run {self.run_id} is already recorded; nothing added"
        return f"recorded run {self.run_id}: {self.rows} case x metric rows"


@dataclass(frozen=True)
class Point:
    """One run's value of one series."""
    run_id: str
    revision: str
    date: str
    median: float
    q1: float | None
    q3: float | None
    n: int


# Part of the fingerprint only where a results file records it (files from before it was
# recorded keep the fingerprint they always had): the harness's layout, whose change moves the
# numbers of every workload, so runs before and after it are different series, not a step.
LAYOUT_KEYS: tuple[str, ...] = ("harness_padding_bytes",)


def fingerprint(context: Mapping[str, Any]) -> str:
    """A short hash of what makes two runs' numbers comparable: CPU, arch, topology, kernel,
    compiler, emulation, and the harness's layout where the file records it."""
    fields = {key: str(context.get(key, "")) for key in FINGERPRINT_KEYS}
    fields.update((key, str(context[key])) for key in LAYOUT_KEYS if key in context)
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    return digest[:12]


def _locked(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def _describe(path: Path, exc: sqlite3.Error, timeout: float) -> HistoryError:
    if _locked(exc):
        return HistoryError(f"{path}: the database is locked by another process (waited "
                            f"{timeout:g} s); try again when it has finished")
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return HistoryError(f"{path}: not a readable SQLite database ({exc}); the file is corrupt "
                            "or of another kind")
    return HistoryError(f"{path}: {exc}")


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _check_schema(conn: sqlite3.Connection, path: Path) -> bool:
    """True when the schema is ours and current, False for an empty database."""
    tables = _tables(conn)
    if not tables:
        return False
    if "schema_version" not in tables:
        raise HistoryError(f"{path}: not a synclab history database (no schema_version table)")
    rows = conn.execute("SELECT version FROM schema_version").fetchall()
    if len(rows) != 1:
        raise HistoryError(f"{path}: damaged schema_version table ({len(rows)} rows)")
    version = rows[0][0]
    if version != SCHEMA_VERSION:
        raise HistoryError(f"{path}: schema version {version!r}; this tool reads version "
                           f"{SCHEMA_VERSION}")
    missing = {"machines", "runs", "measurements"} - tables
    if missing:
        raise HistoryError(f"{path}: schema version {version} but tables {', '.join(sorted(missing))} "
                           "are missing")
    return True


class Database:
    """An open history database. Use as a context manager; reads never create the file."""

    def __init__(self, path: Path, *, create: bool = False,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.path, self.timeout = path, timeout
        if path.is_dir():
            raise HistoryError(f"{path}: is a directory")
        if not path.exists():
            if not create:
                raise HistoryError(f"{path}: no such history database "
                                   "(scripts/history add or run_suite --record creates it)")
            if not path.parent.is_dir():
                raise HistoryError(f"{path}: directory {path.parent} does not exist")
        try:
            self.conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise _describe(path, exc, timeout) from None
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not self._guard(_check_schema, self.conn, path):
                if not create:
                    raise HistoryError(f"{path}: empty database, not a synclab history")
                self._create()
        except BaseException:
            self.conn.close()
            raise

    def _guard(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except sqlite3.Error as exc:
            raise _describe(self.path, exc, self.timeout) from None

    def _create(self) -> None:
        def create() -> None:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if not _check_schema(self.conn, self.path):  # another process may have won
                    for statement in _SCHEMA.strip().split(";"):
                        if statement.strip():
                            self.conn.execute(statement)
                    self.conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        self._guard(create)

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    # ------------------------------------------------------------ writing

    def add_run(self, run: "RunRows") -> Added:
        """Stores a run in one transaction; an existing run id is left as it is."""
        def add() -> Added:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if self.conn.execute("SELECT 1 FROM runs WHERE run_id = ?",
                                     (run.run_id,)).fetchone():
                    self.conn.execute("ROLLBACK")
                    return Added(run.run_id, 0, True)
                self.conn.execute("INSERT OR IGNORE INTO machines VALUES (?, ?, ?, ?, ?, ?, ?)",
                                  (run.machine, *run.machine_fields))
                self.conn.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                                  (run.run_id, run.revision, run.date, run.machine, run.mode,
                                   run.source, _now()))
                self.conn.executemany(
                    "INSERT INTO measurements VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run.run_id, *row) for row in run.rows])
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            return Added(run.run_id, len(run.rows), False)
        return self._guard(add)

    # ------------------------------------------------------------ reading

    def runs(self) -> list[dict[str, Any]]:
        def query() -> list[dict[str, Any]]:
            cur = self.conn.execute(
                "SELECT r.run_id, r.revision, r.date, r.machine, r.mode, r.source, "
                "(SELECT COUNT(*) FROM measurements m WHERE m.run_id = r.run_id) "
                "FROM runs r ORDER BY r.date, r.run_id")
            keys = ("run_id", "revision", "date", "machine", "mode", "source", "rows")
            return [dict(zip(keys, row)) for row in cur]
        return self._guard(query)

    def series(self, metrics: set[str] | None = None) -> dict[tuple[str, str, str], list[Point]]:
        """(case, metric, machine) -> its points in date order."""
        def query() -> dict[tuple[str, str, str], list[Point]]:
            out: dict[tuple[str, str, str], list[Point]] = {}
            cur = self.conn.execute(
                "SELECT m.case_name, m.metric, r.machine, r.run_id, r.revision, r.date, m.median, "
                "m.q1, m.q3, m.n FROM measurements m JOIN runs r ON r.run_id = m.run_id "
                "ORDER BY r.date, r.run_id")
            for case, metric, machine, run_id, rev, date, median, q1, q3, n in cur:
                if metrics is None or metric in metrics:
                    out.setdefault((case, metric, machine), []).append(
                        Point(run_id, rev, date, median, q1, q3, n))
            return out
        return self._guard(query)

    def run_rows(self, run_id: str) -> list[tuple[str, str, float, float | None, float | None, int]]:
        """(case, metric, median, q1, q3, n) of one run."""
        def query() -> list[tuple[str, str, float, float | None, float | None, int]]:
            return list(self.conn.execute(
                "SELECT case_name, metric, median, q1, q3, n FROM measurements WHERE run_id = ? "
                "ORDER BY rowid", (run_id,)))
        return self._guard(query)


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


# ---------------------------------------------------------------- results -> rows

@dataclass(frozen=True)
class RunRows:
    run_id: str
    revision: str
    date: str
    machine: str
    machine_fields: tuple[str, ...]
    mode: str
    source: str
    rows: list[tuple[str, str, float, int, float, float, float]]  # case, metric, median, n, q1, q3, iqr
    notes: tuple[str, ...] = ()  # what the loader noted about the file


def run_rows(doc: Any, source: str, text: str) -> RunRows:
    """A decoded results document -> the rows to store; HistoryError when it has none."""
    from synclab.compare import stats

    try:
        data = load.parse(doc, source)
        cases = load.require_repetitions(data)
    except load.ResultsError as exc:
        raise HistoryError(str(exc)) from None
    context, info = data.context, data.run_info
    run_id = str(info.get("run_id") or "")
    if not run_id:  # a results file from elsewhere: its content names it
        run_id = "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
    date = str(info.get("started") or context.get("date") or _now())
    rows = []
    for case in cases.values():
        if case.status != "ok" or not case.reps:
            continue
        names = sorted({key for _, values in case.reps for key in values} - GB_TIMES)
        for metric in names:
            values = case.values(metric)
            if not values:
                continue
            q1, q3 = stats.quartiles(values)
            rows.append((case.name, metric, stats.median(values), len(values), q1, q3, q3 - q1))
    if not rows:
        raise HistoryError(f"{source}: no finished case with measurements to record")
    fields = tuple(str(context.get(key, "")) for key in FINGERPRINT_KEYS)
    return RunRows(run_id, str(context.get("git_sha", "") or ""), date, fingerprint(context),
                   fields, data.mode, source, rows, tuple(f"{source}: {n}" for n in data.notes))


def read_results(path: Path) -> RunRows:
    try:
        doc, text = load.read_document(path)
    except load.ResultsError as exc:
        raise HistoryError(str(exc)) from None
    return run_rows(doc, str(path), text)


def add_file(db_path: Path, results_path: Path, timeout: float = DEFAULT_TIMEOUT_S) -> Added:
    """Reads a results file and stores it (run_suite --record, history add)."""
    run = read_results(results_path)
    with Database(db_path, create=True, timeout=timeout) as db:
        return db.add_run(run)


def check(db_path: Path, timeout: float = DEFAULT_TIMEOUT_S) -> None:
    """Checks that db_path is a usable history database or can become one."""
    if db_path.exists():
        with Database(db_path, timeout=timeout):
            pass
    elif not db_path.parent.is_dir():
        raise HistoryError(f"{db_path}: directory {db_path.parent} does not exist")
