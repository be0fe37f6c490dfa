"""The history database: one schema on SQLite or PostgreSQL, one row per run, case and metric.

Tables (schema.py holds them and their migrations):
  schema_version(version)                       one row; a newer version is refused
  machines(fingerprint, cpu_model, arch, topology, kernel, compiler, emulated, details)
                                                the fingerprint also covers the harness's layout
                                                (harness_padding_bytes) where a file records it;
                                                details holds every field it covers
  runs(run_id, revision, date, machine, mode, source, added, digest, run_time, layout)
  measurements(run_id, case_name, metric, median, n, q1, q3, iqr, position)
  cases(case_name, family, primitive, scenario, threads, placement, params)
                                                each stored case name's parts, for the views
                                                points, series and catalog (views.py) that SQL
                                                clients such as Grafana chart
  series_keys(machine, case_name, metric)       every series the history holds, for the
                                                catalog view

`history add` stores all its runs in one transaction, or none. A run id that is already there
with the same measurements changes nothing, so recording the same results twice is harmless; a
run id already there with other measurements is refused. Only cases whose every repetition
finished are stored. Readers never create or migrate a database; writers (add, import,
migrate) bring it to the current schema first.
"""
from __future__ import annotations

import datetime
import gc
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TypeVar

from synclab import load
from synclab.history import engines
from synclab.history.engines import HistoryError
from synclab.metrics import GB_TIMES

engines.require_sqlalchemy()  # one line, not a traceback, where python3-sqlalchemy is missing
import sqlalchemy as sa  # noqa: E402

from synclab.history import bulk, schema, views  # noqa: E402

__all__ = ["HistoryError", "Database", "Added", "Point", "RunRows", "fingerprint", "run_rows",
           "read_results", "add_file", "check", "import_history"]

DEFAULT_TIMEOUT_S = 10.0
FINGERPRINT_KEYS: tuple[str, ...] = ("cpu_model", "arch", "topology", "kernel", "compiler",
                                     "emulated")
# Deadlocks and serialisation failures (PostgreSQL SQLSTATE 40P01, 40001) are retried.
RETRYABLE_PGCODES = ("40P01", "40001")
RETRIES = 3

T = TypeVar("T")


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
    digest = hashlib.sha256(json.dumps(fingerprint_fields(context), sort_keys=True).encode())
    return digest.hexdigest()[:12]


def fingerprint_fields(context: Mapping[str, Any]) -> dict[str, str]:
    """The context fields the fingerprint covers (stored as the machine's details)."""
    fields = {key: str(context.get(key, "")) for key in FINGERPRINT_KEYS}
    fields.update((key, str(context[key])) for key in LAYOUT_KEYS if key in context)
    return fields


class Database:
    """An open history database (a path or URL, see engines.py); use as a context manager.

    create=False: a reader; the database must exist and hold a history of this or an older
    schema version, and is never changed. create=True: a writer; an empty database gets the
    schema, an older one is migrated (one transaction), a newer one is refused."""

    def __init__(self, target: str | Path, *, create: bool = False,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.target = engines.parse(target)
        self.name, self.timeout, self.writer = self.target.name, timeout, create
        self.migrated_from: int | None = None
        if self.target.kind == "sqlite":
            self._check_file(create)
        self.engine = engines.engine(self.target, timeout, write=create)
        try:
            self.version = self._open(create)
        except BaseException:
            self.engine.dispose()
            raise

    def _check_file(self, create: bool) -> None:
        path = self.target.path
        assert path is not None
        if path.is_dir():
            raise HistoryError(f"{path}: is a directory")
        if not path.exists():
            if not create:
                raise HistoryError(f"{path}: no such history database "
                                   "(scripts/history add or run_suite --record creates it)")
            if not path.parent.is_dir():
                raise HistoryError(f"{path}: directory {path.parent} does not exist")

    def _open(self, create: bool) -> int:
        version = self._run(lambda conn: _version(conn, self.name))
        if version > schema.CURRENT_VERSION:
            raise HistoryError(f"{self.name}: schema version {version} is newer than this tool's "
                               f"({schema.CURRENT_VERSION}); update synclab to use it")
        if not create:
            if version == 0:
                raise HistoryError(f"{self.name}: empty database, not a synclab history "
                                   "(scripts/history migrate or add creates one)")
            return version
        if version < schema.CURRENT_VERSION:
            self.migrated_from = self._run(self._migrate)
        return schema.CURRENT_VERSION

    def _migrate(self, conn: Any) -> int:
        if conn.dialect.name == "postgresql":  # one migrating process at a time
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": schema.ADVISORY_LOCK_KEY})
        version = _version(conn, self.name)  # another process may have migrated meanwhile
        if version < schema.CURRENT_VERSION:
            schema.migrate(conn, version)
            bulk.refresh_statistics(conn)
        return version

    def _run(self, work: Callable[[Any], T]) -> T:
        """work(connection) in one transaction, committed when it returns (a writer's SQLite
        transactions take the write lock at BEGIN); database errors as one-line HistoryErrors;
        deadlocks retried."""
        for attempt in range(RETRIES):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                code = getattr(exc.orig, "pgcode", None)
                if code in RETRYABLE_PGCODES and attempt + 1 < RETRIES:
                    continue
                raise engines.describe(self.target, exc, self.timeout) from None
        raise AssertionError("unreachable")

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ writing

    def add_runs(self, runs: list["RunRows"]) -> list[Added]:
        """Stores runs in one transaction: all of them, or none when one conflicts."""
        if not self.writer:
            raise HistoryError(f"{self.name}: opened for reading")
        ordered = sorted(runs, key=lambda run: run.run_id)  # one lock order for every writer

        def add(conn: Any) -> dict[int, Added]:
            new_layouts = [run for run in ordered if not _layout_known(conn, run)]
            _record_cases(conn, {row[0] for run in new_layouts for row in run.rows})
            added = {id(run): _add_run(conn, run, run in new_layouts) for run in ordered}
            bulk.refresh_statistics(conn)
            return added
        added = self._run(add)
        return [added[id(run)] for run in runs]

    def add_run(self, run: "RunRows") -> Added:
        return self.add_runs([run])[0]

    # ------------------------------------------------------------ reading

    def runs(self) -> list[dict[str, Any]]:
        r, m = schema.runs.c, schema.measurements.c
        count = (sa.select(sa.func.count()).select_from(schema.measurements)
                 .where(m.run_id == r.run_id).scalar_subquery())
        query = (sa.select(r.run_id, r.revision, r.date, r.machine, r.mode, r.source, count)
                 .order_by(r.date, r.run_id))
        keys = ("run_id", "revision", "date", "machine", "mode", "source", "rows")
        return self._run(lambda conn: [dict(zip(keys, row)) for row in conn.execute(query)])

    def series(self, metrics: set[str] | None = None) -> dict[tuple[str, str, str], list[Point]]:
        """(case, metric, machine) -> its points in date order."""
        r, m = schema.runs.c, schema.measurements.c
        query = (sa.select(m.case_name, m.metric, r.machine, r.run_id, r.revision, r.date,
                           m.median, m.q1, m.q3, m.n)
                 .select_from(schema.measurements.join(schema.runs, r.run_id == m.run_id))
                 .order_by(r.date, r.run_id))
        if metrics is not None:
            query = query.where(m.metric.in_(sorted(metrics)))

        def read(conn: Any) -> dict[tuple[str, str, str], list[Point]]:
            out: dict[tuple[str, str, str], list[Point]] = {}
            for case, metric, machine, run_id, rev, date, median, q1, q3, n in conn.execute(query):
                out.setdefault((case, metric, machine), []).append(
                    Point(run_id, rev, date, median, q1, q3, n))
            return out
        return self._run(read)

    def machines(self) -> dict[str, dict[str, str]]:
        """fingerprint -> its fields (cpu_model, arch, ...)."""
        mc = schema.machines.c
        query = sa.select(mc.fingerprint, *(mc[name] for name in schema.MACHINE_COLUMNS))
        return self._run(lambda conn: {
            row[0]: {name: row[i + 1] or "" for i, name in enumerate(schema.MACHINE_COLUMNS)}
            for row in conn.execute(query)})

    def read_medians(self, run_ids: Sequence[str], metrics: set[str] | None,
                     take: Callable[[list[tuple[str, str]] | None, tuple[float, ...]], None]
                     ) -> None:
        """For each run of run_ids, in order and in one transaction: take(keys, medians), its
        (case, metric) keys and their medians in its results file's order; keys is None when
        they are the previous run's. For readers of every series at once (the dashboard): a
        year of runs holds 20 million medians, so a run of the previous run's layout is read as
        its medians alone, from the index by run, and rows come straight from the driver's
        cursor with Python's cycle collector paused (rows of numbers and names hold no cycles;
        without the pause it walks every row read so far, again and again)."""
        m, r = schema.measurements.c, schema.runs.c
        wanted = [] if metrics is None else [m.metric.in_(
            [sa.bindparam(f"metric_{i}", name) for i, name in enumerate(sorted(metrics))])]
        of_run = m.run_id == sa.bindparam("run_id")
        rows_query = (sa.select(m.case_name, m.metric, m.median).where(of_run, *wanted)
                      .order_by(*self._file_order()))
        medians_query = (sa.select(m.median).where(of_run, *wanted)
                         .order_by(*self._file_order()))
        layouts_query = sa.select(r.run_id, r.layout if self.version >= 4 else sa.null())

        def read(conn: Any) -> None:
            layouts = dict(conn.execute(layouts_query).fetchall())
            rows_sql, rows_arguments = _driver_statement(conn, rows_query)
            medians_sql, medians_arguments = _driver_statement(conn, medians_query)
            cursor = conn.connection.cursor()
            previous: Any = None
            collecting = gc.isenabled()
            gc.disable()
            try:
                for run in run_ids:
                    layout = layouts.get(run)
                    if layout is not None and layout == previous:
                        cursor.execute(medians_sql, medians_arguments(run))
                        take(None, tuple(median for median, in cursor.fetchall()))
                        continue
                    cursor.execute(rows_sql, rows_arguments(run))
                    rows = cursor.fetchall()
                    cases, names, medians = zip(*rows) if rows else ((), (), ())
                    take(list(zip(cases, names)), medians)
                    previous = layout
            finally:
                if collecting:
                    gc.enable()
                cursor.close()
        self._run(read)

    def run_rows(self, run_id: str) -> list[tuple[str, str, float, float | None, float | None, int]]:
        """(case, metric, median, q1, q3, n) of one run, in its results file's order."""
        m = schema.measurements.c
        query = (sa.select(m.case_name, m.metric, m.median, m.q1, m.q3, m.n)
                 .where(m.run_id == run_id).order_by(*self._file_order()))
        return self._run(lambda conn: [(row[0], row[1], row[2], row[3], row[4], row[5])
                                       for row in conn.execute(query)])

    def _file_order(self) -> list[Any]:
        m = schema.measurements.c
        if self.version >= 2:
            return [m.position, m.case_name, m.metric]
        return [sa.literal_column("rowid")]  # version 1 exists only as SQLite files

    def stored_runs(self) -> list["RunRows"]:
        """Every run as RunRows, in date order (history import)."""
        r, m, mc = schema.runs.c, schema.measurements.c, schema.machines.c
        details = [mc.details] if self.version >= 2 else []
        run_query = (sa.select(r.run_id, r.revision, r.date, r.machine, r.mode, r.source,
                               *(mc[name] for name in schema.MACHINE_COLUMNS), *details)
                     .select_from(schema.runs.join(schema.machines, mc.fingerprint == r.machine))
                     .order_by(r.date, r.run_id))
        row_query = (sa.select(m.run_id, m.case_name, m.metric, m.median, m.n, m.q1, m.q3, m.iqr)
                     .order_by(m.run_id, *self._file_order()))

        def read(conn: Any) -> list[RunRows]:
            rows: dict[str, list[tuple[Any, ...]]] = {}
            for row in conn.execute(row_query):
                rows.setdefault(row[0], []).append(tuple(row[1:]))
            out = []
            for run in conn.execute(run_query):
                fields = ({name: getattr(run, name) or "" for name in schema.MACHINE_COLUMNS}
                          if self.version < 2 or not run.details else json.loads(run.details))
                out.append(RunRows(run.run_id, run.revision, run.date, run.machine, fields,
                                   run.mode, run.source or "", rows.get(run.run_id, [])))
            return out
        return self._run(read)


def _version(conn: Any, name: str) -> int:
    """The schema version of a database; 0 when it is empty; HistoryError when it is not a
    synclab history."""
    tables = set(sa.inspect(conn).get_table_names())
    if not tables:
        return 0
    if "schema_version" not in tables:
        raise HistoryError(f"{name}: not a synclab history database (no schema_version table)")
    rows = conn.execute(sa.select(schema.schema_version.c.version)).fetchall()
    if len(rows) != 1 or not isinstance(rows[0][0], int):
        raise HistoryError(f"{name}: damaged schema_version table ({len(rows)} rows)")
    version: int = rows[0][0]
    missing = {"machines", "runs", "measurements"} - tables
    if missing and version <= schema.CURRENT_VERSION:
        raise HistoryError(f"{name}: schema version {version} but tables "
                           f"{', '.join(sorted(missing))} are missing")
    return version


def _driver_statement(conn: Any, query: Any) -> tuple[str, Callable[[str], Any]]:
    """query with one free parameter, run_id, as the driver's SQL text and a function from a
    run id to the driver's arguments (positional or named, as its paramstyle wants)."""
    compiled = query.compile(dialect=conn.dialect)

    def arguments(run_id: str) -> Any:
        params = compiled.construct_params({"run_id": run_id})
        if compiled.positional:
            return tuple(params[name] for name in compiled.positiontup)
        return params
    return str(compiled), arguments


def _insert_ignoring_duplicates(conn: Any, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect
    else:
        from sqlalchemy.dialects import sqlite as dialect
    return dialect.insert(table).on_conflict_do_nothing()


def _layout_known(conn: Any, run: "RunRows") -> bool:
    """Whether a stored run of this machine has this run's layout (its keys, in its order): its
    cases and series keys are then recorded already, and reading them back (20,000 rows for a
    default-profile run) can be skipped. A run that a concurrent writer has not committed yet
    is not seen, and its keys are then read and inserted as for a new layout."""
    r = schema.runs.c
    query = (sa.select(r.run_id).where(r.machine == run.machine, r.layout == run.layout)
             .limit(1))
    return conn.execute(query).first() is not None


def _add_run(conn: Any, run: "RunRows", new_layout: bool = True) -> Added:
    """One run inside the caller's transaction. A concurrent writer of the same run id makes
    the insert wait for it; then the stored digest says whether it was this same run."""
    digest = run.digest
    details = json.dumps(run.machine_fields, sort_keys=True)
    conn.execute(_insert_ignoring_duplicates(conn, schema.machines),
                 {"fingerprint": run.machine, "details": details,
                  **{name: run.machine_fields.get(name, "") for name in schema.MACHINE_COLUMNS}})
    inserted = conn.execute(_insert_ignoring_duplicates(conn, schema.runs), {
        "run_id": run.run_id, "revision": run.revision, "date": run.date,
        "machine": run.machine, "mode": run.mode, "source": run.source, "added": _now(),
        "digest": digest, "run_time": views.utc_time(run.date),
        "layout": run.layout}).rowcount
    if not inserted:
        stored = conn.execute(sa.select(schema.runs.c.digest)
                              .where(schema.runs.c.run_id == run.run_id)).scalar()
        if stored != digest:
            raise HistoryError(f"run {run.run_id} is already recorded with other measurements "
                               f"({run.source or 'this input'} differs); nothing added")
        return Added(run.run_id, 0, True)
    bulk.insert_measurements(conn, run.run_id, run.rows)
    if new_layout:
        _record_series_keys(conn, run)
    return Added(run.run_id, len(run.rows), False)


def _record_series_keys(conn: Any, run: "RunRows") -> None:
    """Adds the run's (case, metric) keys its machine did not have yet, in key order (one lock
    order for concurrent writers); usually none, after the machine's first run."""
    k = schema.series_keys.c
    known = set(conn.execute(sa.select(k.case_name, k.metric).where(k.machine == run.machine)))
    new = sorted({(case, metric) for case, metric, *_ in run.rows} - known)
    if new:
        conn.execute(_insert_ignoring_duplicates(conn, schema.series_keys),
                     [{"machine": run.machine, "case_name": case, "metric": metric}
                      for case, metric in new])


def _record_cases(conn: Any, case_names: set[str]) -> None:
    """Adds the parts of the case names the cases table does not hold yet, in name order (so
    concurrent writers take its rows' locks in one order); one another writer adds meanwhile
    is kept as it is."""
    known = {row[0] for row in conn.execute(sa.select(schema.cases.c.case_name))}
    new = sorted(case_names - known)
    if new:
        conn.execute(_insert_ignoring_duplicates(conn, schema.cases),
                     [views.case_row(name) for name in new])


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


# ---------------------------------------------------------------- results -> rows

@dataclass(frozen=True)
class RunRows:
    run_id: str
    revision: str
    date: str
    machine: str
    machine_fields: dict[str, str]
    mode: str
    source: str
    rows: list[tuple[Any, ...]]  # case, metric, median, n, q1, q3, iqr
    notes: tuple[str, ...] = ()  # what the loader noted about the file
    digest: str = field(init=False)
    layout: str = field(init=False)  # schema.run_layout of its keys

    def __post_init__(self) -> None:
        object.__setattr__(self, "layout", schema.run_layout(
            (case, metric) for case, metric, *_ in self.rows))
        object.__setattr__(self, "digest", schema.run_digest(
            self.revision, self.machine, self.mode,
            [(case, metric, median, n, q1, q3) for case, metric, median, n, q1, q3, _ in self.rows]))


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
    rows: list[tuple[Any, ...]] = []
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
    fields = fingerprint_fields(context)
    return RunRows(run_id, str(context.get("git_sha", "") or ""), date, fingerprint(context),
                   fields, data.mode, source, rows, tuple(f"{source}: {n}" for n in data.notes))


def read_results(path: Path) -> RunRows:
    try:
        doc, text = load.read_document(path)
    except load.ResultsError as exc:
        raise HistoryError(str(exc)) from None
    return run_rows(doc, str(path), text)


def add_file(db: str | Path, results_path: Path, timeout: float = DEFAULT_TIMEOUT_S) -> Added:
    """Reads a results file and stores it (run_suite --record, history add)."""
    run = read_results(results_path)
    with Database(db, create=True, timeout=timeout) as database:
        return database.add_run(run)


def check(db: str | Path, timeout: float = DEFAULT_TIMEOUT_S) -> None:
    """Checks, changing nothing, that db is a usable history database or can become one."""
    target = engines.parse(db)
    if target.kind == "sqlite":
        assert target.path is not None
        if not target.path.exists():
            if not target.path.parent.is_dir():
                raise HistoryError(f"{db}: directory {target.path.parent} does not exist")
            return
        with Database(db, timeout=timeout):
            return
    probe = engines.engine(target, timeout, write=False)
    try:
        with probe.connect() as conn:
            version = _version(conn, target.name)
    except sa.exc.DBAPIError as exc:
        raise engines.describe(target, exc, timeout) from None
    finally:
        probe.dispose()
    if version > schema.CURRENT_VERSION:
        raise HistoryError(f"{target.name}: schema version {version} is newer than this tool's "
                           f"({schema.CURRENT_VERSION}); update synclab to use it")


def import_history(source: str, db: str | Path, timeout: float = DEFAULT_TIMEOUT_S
                   ) -> list[Added]:
    """Copies every run of source into db in one transaction; runs already there (the same
    measurements) are skipped, so an interrupted or repeated import is safe."""
    engines.parse(db)  # a malformed destination is reported before the source is read
    with Database(source, timeout=timeout) as origin:
        runs = origin.stored_runs()
        origin_name = origin.name
    if not runs:
        raise HistoryError(f"{origin_name}: holds no runs to import")
    with Database(db, create=True, timeout=timeout) as database:
        if database.name == origin_name:
            raise HistoryError(f"{db}: is the database being imported from")
        return database.add_runs(runs)
