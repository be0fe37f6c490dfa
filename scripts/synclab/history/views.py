"""What SQL clients read: views over the history that Grafana (or psql, or any SQL client) can
chart without synclab's code, the same on SQLite and PostgreSQL (docs/ci.md shows queries).

  points  one row per run x case x metric: run_time, run_id, revision, mode, the machine
          (fingerprint, cpu_model, arch, emulated), the case name and its parts (family,
          primitive, scenario, threads, placement, params), metric, median, q1, q3, iqr, n
  series  one row per machine x case x metric: its parts as above, how many runs hold it,
          the first and the last run time (an aggregate of every measurement: seconds to
          minutes on a large history)
  catalog one row per machine x case x metric as well, without the counts: the series_keys
          table that `history add` keeps, with the machine's and the case's parts; what a
          dashboard's lists of families, primitives, metrics and machines read (milliseconds)

The views split nothing in SQL: the parts of a case name come from the cases table, which
`history add` fills with names.parse_case_name (the same split the reports use), and a run's
time from runs.run_time, the recorded date as a UTC timestamp (a date without a zone is taken as
UTC). A name that is not a synclab case name has no parts (NULL), and a date that is not an ISO
8601 time has no run_time (NULL); runs.date keeps the text as recorded, in points.run_date.

Migration 3 creates the views as written here; changing one later is a migration of its own
(DROP VIEW, then CREATE VIEW), and a migration that changes a column a view reads drops and
recreates that view.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

from synclab import names

CASE_PARTS = ("family", "primitive", "scenario", "threads", "placement", "params")
MACHINE_PARTS = ("cpu_model", "arch", "emulated")

POINTS = """
CREATE VIEW points AS
SELECT r.run_time, r.date AS run_date, r.run_id, r.revision, r.mode,
       r.machine, mc.cpu_model, mc.arch, mc.emulated,
       m.case_name, c.family, c.primitive, c.scenario, c.threads, c.placement, c.params,
       m.metric, m.median, m.q1, m.q3, m.iqr, m.n
FROM measurements m
JOIN runs r ON r.run_id = m.run_id
JOIN machines mc ON mc.fingerprint = r.machine
LEFT JOIN cases c ON c.case_name = m.case_name
"""

_SERIES_KEYS = ("machine", *MACHINE_PARTS, "case_name", *CASE_PARTS, "metric")
SERIES = f"""
CREATE VIEW series AS
SELECT {', '.join(_SERIES_KEYS)},
       COUNT(*) AS runs, MIN(run_time) AS first_run_time, MAX(run_time) AS last_run_time
FROM points
GROUP BY {', '.join(_SERIES_KEYS)}
"""
# Version 3's views; catalog came with version 5's series_keys table.
VIEWS = {"points": POINTS, "series": SERIES}

CATALOG = f"""
CREATE VIEW catalog AS
SELECT k.machine, mc.cpu_model, mc.arch, mc.emulated,
       k.case_name, {', '.join(f'c.{part}' for part in CASE_PARTS)}, k.metric
FROM series_keys k
JOIN machines mc ON mc.fingerprint = k.machine
LEFT JOIN cases c ON c.case_name = k.case_name
"""


def create(conn: sa.engine.Connection) -> None:
    """Version 3's views (a migration to version 3 creates them as they were then)."""
    for statement in VIEWS.values():
        conn.exec_driver_sql(statement)


def case_row(case_name: str) -> dict[str, Any]:
    """A row of the cases table: the name's parts, all NULL when it is not a synclab name."""
    parsed = names.parse_case_name(case_name)
    if parsed is None:
        return {"case_name": case_name, **{part: None for part in CASE_PARTS}}
    return {"case_name": case_name, "family": parsed.family, "primitive": parsed.primitive,
            "scenario": parsed.scenario, "threads": parsed.threads,
            "placement": parsed.placement, "params": parsed.params_text}


def utc_time(date: str) -> datetime.datetime | None:
    """A recorded date as a UTC time; None when it is not an ISO 8601 date or time."""
    try:
        moment = datetime.datetime.fromisoformat(date.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)

