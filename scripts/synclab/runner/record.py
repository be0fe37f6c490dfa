"""--record: a finished run's results file added to the history database."""
from __future__ import annotations

import argparse
from pathlib import Path

from synclab.errors import UsageError, report_error
from synclab.runner import PROG, REPO

DEFAULT_HISTORY_DB = Path("reports") / "history.sqlite"


def history_db(args: argparse.Namespace) -> str:
    """A path or a database URL (postgresql://...), which a Path would mangle."""
    return str(args.history_db) if args.history_db else str(REPO / DEFAULT_HISTORY_DB)


def check_history(args: argparse.Namespace) -> None:
    """Before anything runs: the database --record will write is usable or can be created."""
    from synclab.history import store

    try:
        if not args.history_db:  # reports/ is run_suite's own; a fresh checkout has none yet
            (REPO / DEFAULT_HISTORY_DB).parent.mkdir(parents=True, exist_ok=True)
        store.check(history_db(args))
    except OSError as exc:
        raise UsageError(f"--record: cannot create {REPO / DEFAULT_HISTORY_DB.parent}: "
                         f"{exc.strerror or exc}") from None
    except store.HistoryError as exc:
        raise UsageError(f"--record: {exc}") from None


def record_run(args: argparse.Namespace, path: Path) -> bool:
    """Adds a finished run's results file to the history; False (and one line) if it could not."""
    from synclab.history import store

    try:
        added = store.add_file(history_db(args), path)
    except store.HistoryError as exc:
        report_error(PROG, f"--record: {exc}")
        return False
    print(f"history: {added.message}")
    return True
