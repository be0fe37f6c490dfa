"""Where a history lives: a database argument -> a SQLAlchemy engine, and database errors ->
one line that names the database and the reason.

Accepted forms (the `--db` of scripts/history, `--history-db` of run_suite, `--from` of import):
  PATH, sqlite:PATH, sqlite:///PATH        an SQLite file (the embedded default)
  postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?host=/socket/dir&...]
                                           a PostgreSQL database, through psycopg2

Every connection is bounded by the --timeout: SQLite waits that long for another writer's
lock; PostgreSQL gives up connecting after it (libpq's connect_timeout, at least 2 s) and
cancels a statement that waits that long for a lock (lock_timeout).
"""
from __future__ import annotations

import importlib.util
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

try:
    import sqlalchemy as sa
    from sqlalchemy import event
    from sqlalchemy.pool import NullPool
except ImportError:  # pragma: no cover - reported as one line by the command line
    sa = None

# SQLite's page cache, per connection (its default is 2 MiB). One run adds a row per series,
# and an index ordered by series takes each one on another page: with a small cache the pages a
# transaction changes are spilled to the file, journal synced first, many times before it
# commits; this holds them all (about 80 MiB at 20,000 series). Memory is taken as pages are
# read, so a small history uses little.
SQLITE_CACHE_KIB = 256 * 1024

URL_FORMS = "a file path, sqlite:PATH or postgresql://USER@HOST[:PORT]/DATABASE"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


class HistoryError(Exception):
    """A database or input that cannot be used; the message names the database and the reason."""


@dataclass(frozen=True)
class Target:
    """A parsed database argument: an SQLite file, or a PostgreSQL URL."""
    kind: str  # "sqlite" or "postgresql"
    path: Path | None  # the SQLite file
    url: Any  # sqlalchemy URL of PostgreSQL
    name: str  # how messages name it (no password)


def require_sqlalchemy() -> None:
    if sa is None:
        raise HistoryError("the history needs python3-sqlalchemy (and python3-psycopg2 for "
                           "PostgreSQL): scripts/install-deps.sh installs them")


def parse(text: str | Path) -> Target:
    """A --db argument -> Target; HistoryError naming the accepted forms when malformed."""
    require_sqlalchemy()
    raw = str(text)
    if isinstance(text, Path) or not _SCHEME.match(raw) or re.match(r"^[A-Za-z]:[\\/]", raw):
        return _sqlite(raw)
    scheme = _SCHEME.match(raw).group(1).lower()  # type: ignore[union-attr]
    if scheme == "sqlite":
        rest = raw[len("sqlite:"):]
        path = rest[3:] if rest.startswith("///") else rest
        if not path or rest.startswith("//") and not rest.startswith("///"):
            raise HistoryError(f"{raw}: malformed database URL (sqlite:PATH or sqlite:///PATH)")
        return _sqlite(path)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        return _postgresql(raw)
    raise HistoryError(f"{raw}: not a database this history can use ({URL_FORMS})")


def _sqlite(path: str) -> Target:
    if not path:
        raise HistoryError(f"empty database path ({URL_FORMS})")
    return Target("sqlite", Path(path), None, path)


def _postgresql(raw: str) -> Target:
    if not raw.split(":", 1)[1].startswith("//"):
        raise HistoryError(f"{raw}: malformed database URL ({URL_FORMS})")
    try:
        url = sa.engine.make_url(re.sub(r"^[^:]*:", "postgresql+psycopg2:", raw, count=1))
        url.port  # noqa: B018 - a port that is not a number raises here
    except sa.exc.ArgumentError as exc:
        raise HistoryError(f"{_hide_password(raw)}: malformed database URL ({exc}; "
                           f"{URL_FORMS})") from None
    except ValueError:
        raise HistoryError(f"{_hide_password(raw)}: malformed database URL: the port is not a "
                           f"number ({URL_FORMS})") from None
    if not url.database:
        raise HistoryError(f"{_hide_password(raw)}: malformed database URL: no database name "
                           "(postgresql://USER@HOST/DATABASE)")
    name = unquote(url.set(drivername="postgresql").render_as_string(hide_password=True))
    return Target("postgresql", None, url, name)


def _hide_password(raw: str) -> str:
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", raw)


def engine(target: Target, timeout: float, *, write: bool) -> "sa.engine.Engine":
    """A connection factory for target; SQLite transactions of a writer take the write lock at
    BEGIN (BEGIN IMMEDIATE), so two writers queue instead of failing half-way."""
    if target.kind == "sqlite":
        eng = sa.create_engine(f"sqlite:///{target.path}", poolclass=NullPool,
                               connect_args={"timeout": timeout})

        @event.listens_for(eng, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # transactions are begun below, not by pysqlite
            dbapi_connection.execute("PRAGMA foreign_keys = ON")
            dbapi_connection.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

        @event.listens_for(eng, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        return eng
    if importlib.util.find_spec("psycopg2") is None:  # one line, not a traceback
        raise HistoryError(f"{target.name}: PostgreSQL needs python3-psycopg2 "
                           "(scripts/install-deps.sh installs it)")
    wait_ms = int(timeout * 1000)
    return sa.create_engine(
        target.url, poolclass=NullPool,
        connect_args={"connect_timeout": max(2, math.ceil(timeout)),
                      "application_name": "synclab-history",
                      "options": f"-c lock_timeout={wait_ms}"})


def describe(target: Target, exc: Exception, timeout: float) -> HistoryError:
    """A database error -> one line naming the database, the reason and what to do."""
    orig = getattr(exc, "orig", None) or exc
    first = next((line.strip() for line in str(orig).splitlines() if line.strip()), type(orig).__name__)
    text = str(orig).lower()
    if target.kind == "sqlite":
        import sqlite3
        if "locked" in text or "busy" in text:
            return HistoryError(f"{target.name}: the database is locked by another process "
                                f"(waited {timeout:g} s); try again when it has finished")
        if type(orig) is sqlite3.DatabaseError:  # not a subclass: a constraint is no corruption
            return HistoryError(f"{target.name}: not a readable SQLite database ({first}); the "
                                "file is corrupt or of another kind")
        return HistoryError(f"{target.name}: {first}")
    if "lock timeout" in text:
        return HistoryError(f"{target.name}: the database is locked by another process (waited "
                            f"{timeout:g} s); try again when it has finished")
    if isinstance(exc, sa.exc.OperationalError) and getattr(orig, "pgcode", None) is None:
        return HistoryError(f"{target.name}: cannot connect: {first}")
    return HistoryError(f"{target.name}: {first}")
