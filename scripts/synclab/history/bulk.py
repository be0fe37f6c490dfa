"""A run's measurements into the history at the driver's speed, and the planner statistics that
keep one series one index probe per run.

A default-profile run is about 20,000 rows. Through SQLAlchemy's executemany they cost more in
Python than in the database: a dict per row, its parameters compiled, and on PostgreSQL each row
rendered into SQL text by psycopg2 (`mogrify`). This is the one place where the two engines take
different paths, each the driver's own bulk path, inside the caller's transaction:

  PostgreSQL  COPY measurements (...) FROM STDIN, CSV: one statement, no SQL text per row
  SQLite      the sqlite3 cursor's executemany over tuples of one prepared INSERT

Both write the same rows the same table holds; the history tests run on both engines.

Without an index by series (schema version 5) a query of one series (a case and a metric)
reaches its rows through the primary key (run_id, case_name, metric), one probe per run.
PostgreSQL's planner finds that by itself (autovacuum keeps its statistics). SQLite's does so
only once ANALYZE has told it that a run holds many rows; without statistics it scans the table
(seconds at a thousand runs instead of milliseconds). So every SQLite add ends with a sampled
ANALYZE (analysis_limit rows per index: milliseconds whatever the size).
"""
from __future__ import annotations

import io
import math
from typing import Any, Iterable, Sequence

from synclab.history import schema

COLUMNS = ("run_id", "case_name", "metric", "median", "n", "q1", "q3", "iqr", "position")
# Rows ANALYZE samples per index on SQLite: enough to see that a run id repeats thousands of
# times; the sampled ANALYZE of a 20-million-row history takes about 20 ms.
SQLITE_ANALYSIS_LIMIT = 1000

Row = Sequence[Any]  # case, metric, median, n, q1, q3, iqr


def insert_measurements(conn: Any, run_id: str, rows: Iterable[Row]) -> int:
    """Inserts one run's rows, position = their order; returns how many."""
    table: list[tuple[Any, ...]] = [(run_id, case, metric, median, n, q1, q3, iqr, position)
             for position, (case, metric, median, n, q1, q3, iqr) in enumerate(rows)]
    if not table:
        return 0
    if conn.dialect.name == "postgresql":
        _copy_postgresql(conn, table)
    else:
        _executemany_sqlite(conn, table)
    return len(table)


def refresh_statistics(conn: Any) -> None:
    """SQLite: a sampled ANALYZE, so that queries of one series use the primary key."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")


def _executemany_sqlite(conn: Any, table: list[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" for _ in COLUMNS)
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {schema.measurements.name} ({', '.join(COLUMNS)}) "
                           f"VALUES ({marks})", table)
    finally:
        cursor.close()


def _copy_postgresql(conn: Any, table: list[tuple[Any, ...]]) -> None:
    text = io.StringIO()
    text.writelines(",".join(map(csv_field, row)) + "\n" for row in table)
    text.seek(0)
    cursor = conn.connection.cursor()
    try:
        cursor.copy_expert(f"COPY {schema.measurements.name} ({', '.join(COLUMNS)}) "
                           "FROM STDIN WITH (FORMAT csv)", text)
    finally:
        cursor.close()


def csv_field(value: Any) -> str:
    """One value as PostgreSQL's CSV COPY reads it: NULL is an unquoted empty field, text is
    always quoted (so an empty name stays an empty string), numbers as Python writes them
    exactly (repr round-trips a double); non-finite doubles by PostgreSQL's names."""
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return repr(float(value))  # a numpy double's repr may name its type
    return str(int(value))
