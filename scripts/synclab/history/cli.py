#!/usr/bin/python3
"""history: results of many runs in one database (SQLite or PostgreSQL), their trends and
change points.

    scripts/history add RESULTS.json [MORE.json ...] [--db PATH|URL]
    scripts/history migrate [--db PATH|URL]
    scripts/history import --from sqlite:PATH --db postgresql://USER@HOST/DATABASE
    scripts/history dashboard --out DIR [--metric M] [--filter REGEX] [--machine FP]
                              [--report-url URL] [--revision-url URL] [--db PATH|URL]
    scripts/history trend --out DIR [--metric M] [--filter REGEX] [--machine FP] [--db PATH]
    scripts/history export --format bmf|gab|gab-bigger [--run RUN_ID] [--output FILE] [--db PATH]
    scripts/history runs [--db PATH]

Reads only results files and the database; never runs anything.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from synclab.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from synclab.errors import ArgumentParser, UsageError, number, probability, regex, report_error
from synclab.errors import typed

if TYPE_CHECKING:
    from synclab.history import store

PROG = "history"
REPO = Path(__file__).resolve().parents[3]
DEFAULT_DB = REPO / "reports" / "history.sqlite"
EXPORT_FORMATS = ("bmf", "gab", "gab-bigger")
TREND_DEFAULT_METRICS = ("ns_per_op", "ops_per_sec", "lat_p99_ns", "fairness_jain",
                         "instructions_per_op")


def _count(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.strip().isdigit() or int(text) < low:
            raise ValueError(f"invalid value {text!r} (an integer of at least {low})")
        return int(text)
    return parse


_seconds = number("value", "seconds", lambda value: 0 <= value < 86400, "seconds, from 0")


def _metric_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValueError(f"invalid metric list {text!r}")
    return names


def make_parser() -> ArgumentParser:
    from synclab.history import edivisive

    parser = ArgumentParser(
        prog=PROG, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Keep synclab results in a history database, an SQLite file or PostgreSQL "
                    "(one row per run, case and metric), draw their trends with E-divisive "
                    "change points, export them for dashboards.",
        epilog="databases: a file path (SQLite), sqlite:PATH, or "
               "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?host=SOCKET_DIR]. "
               "exit status: 0 done; 2 bad input (unreachable, locked, corrupt or newer database, "
               "a run id already stored with other measurements, unreadable results); nothing "
               "is written then, and nothing already stored is ever lost.")
    common = ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH|URL",
                        help="history database: an SQLite file, sqlite:PATH or postgresql://... "
                             "(default reports/history.sqlite in the repository)")
    common.add_argument("--timeout", type=typed(_seconds), default=10.0, metavar="SECONDS",
                        help="how long to wait for a database another process holds (default 10)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=ArgumentParser)
    add = sub.add_parser("add", parents=[common], allow_abbrev=False,
                         help="store results files in one transaction (idempotent per run id)")
    add.add_argument("results", nargs="+", metavar="RESULTS.json")
    sub.add_parser("migrate", parents=[common], allow_abbrev=False,
                   help="create the schema, or bring an older database to the current version")
    copy = sub.add_parser("import", parents=[common], allow_abbrev=False,
                          help="copy every run of another history database into --db, in one "
                               "transaction (runs already there are skipped)")
    copy.add_argument("--from", dest="source", required=True, metavar="PATH|URL",
                      help="the database to copy from, e.g. sqlite:reports/history.sqlite")
    _add_dashboard(sub, common)
    trend = sub.add_parser("trend", parents=[common], allow_abbrev=False,
                           help="static images: index.html with one PNG per case x metric and "
                                "E-divisive's change points")
    trend.add_argument("--out", required=True, metavar="DIR",
                       help="directory for index.html and one PNG per series")
    trend.add_argument("--metric", action="append", type=typed(_metric_names), metavar="M",
                       help="metric(s) to draw, repeatable or comma-separated (default "
                            f"{','.join(TREND_DEFAULT_METRICS)}, those present)")
    trend.add_argument("--filter", type=typed(regex), metavar="REGEX",
                       help="only cases whose name matches (re.search)")
    trend.add_argument("--machine", metavar="FINGERPRINT",
                       help="only runs of this machine (a prefix of its fingerprint)")
    trend.add_argument("--significance", type=typed(probability("value", "0.01")),
                       default=edivisive.DEFAULT_SIGNIFICANCE, metavar="P",
                       help="permutation test level of a change point (default "
                            f"{edivisive.DEFAULT_SIGNIFICANCE})")
    trend.add_argument("--permutations", type=typed(_count(19)),
                       default=edivisive.DEFAULT_PERMUTATIONS, metavar="N",
                       help=f"permutations per test (default {edivisive.DEFAULT_PERMUTATIONS})")
    trend.add_argument("--min-size", type=typed(_count(2)), default=edivisive.DEFAULT_MIN_SIZE,
                       metavar="N", help="fewest runs between two change points (default "
                                         f"{edivisive.DEFAULT_MIN_SIZE})")
    trend.add_argument("--seed", type=typed(_count(0)), default=1, metavar="N",
                       help="seed of the permutations (default 1)")
    export = sub.add_parser("export", parents=[common], allow_abbrev=False,
                            help="one run as Bencher BMF or github-action-benchmark JSON")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                        help="bmf (Bencher), gab (customSmallerIsBetter: lower-is-better metrics), "
                             "gab-bigger (customBiggerIsBetter)")
    export.add_argument("--run", metavar="RUN_ID", help="the run (default the latest)")
    export.add_argument("--metrics", type=typed(_metric_names), metavar="LIST",
                        help="metrics to export (default "
                             f"{','.join(TREND_DEFAULT_METRICS)}, those present)")
    export.add_argument("--output", metavar="FILE", help="write there (atomically), not stdout")
    sub.add_parser("runs", parents=[common], allow_abbrev=False, help="list the stored runs")
    return parser


def _add_dashboard(sub: Any, common: ArgumentParser) -> None:
    from synclab.history import changepoints

    board = sub.add_parser("dashboard", parents=[common], allow_abbrev=False,
                           help="write one self-contained interactive page (index.html) of every "
                                "series, with filters and the change points, worst first")
    board.add_argument("--out", required=True, metavar="DIR", help="directory for index.html")
    board.add_argument("--metric", action="append", type=typed(_metric_names), metavar="M",
                       help="only these metric(s), repeatable or comma-separated (default all)")
    board.add_argument("--filter", type=typed(regex), metavar="REGEX",
                       help="only cases whose name matches (re.search)")
    board.add_argument("--machine", metavar="FINGERPRINT",
                       help="only runs of this machine (a prefix of its fingerprint)")
    board.add_argument("--report-url", metavar="URL",
                       help="where a run's report is, with {run_id} filled in (default: the "
                            "index.html beside the run's results file, where there is one)")
    board.add_argument("--revision-url", metavar="URL",
                       help="where a revision is shown, with {revision} filled in, e.g. "
                            "https://github.com/ORG/REPO/commit/{revision} (default: the "
                            "revision as text)")
    board.add_argument("--title", default="synclab history", help="the page's title")
    board.add_argument("--window", type=typed(_count(changepoints.DEFAULT_MIN_SIZE)),
                       default=changepoints.DEFAULT_WINDOW, metavar="N",
                       help="runs either side a change point is judged on (default "
                            f"{changepoints.DEFAULT_WINDOW})")
    board.add_argument("--max-p", type=typed(probability("value", "0.001")),
                       default=changepoints.DEFAULT_MAX_P, metavar="P",
                       help=f"Welch t-test level of a change point (default "
                            f"{changepoints.DEFAULT_MAX_P:g})")
    board.add_argument("--min-step", type=typed(_fraction), default=changepoints.DEFAULT_MIN_STEP,
                       metavar="F", help="smallest step reported, as a fraction (0.02 = 2 %%; "
                                         "default 0: every significant step)")


_fraction = number("value", "a fraction such as 0.02", lambda value: 0 <= value < 10,
                   "a fraction, from 0")


def _db_path(args: argparse.Namespace) -> str:
    return args.db if args.db else str(DEFAULT_DB)


def cmd_add(args: argparse.Namespace) -> int:
    from synclab.history import store

    db = _db_path(args)
    runs = [store.read_results(Path(p)) for p in args.results]  # every file checked first
    with store.Database(db, create=True, timeout=args.timeout) as database:
        _report_migration(database)
        added = database.add_runs(runs)
    for run, result in zip(runs, added):
        print(f"{PROG}: {result.message} ({run.source})")
        for note in run.notes:
            print(f"{PROG}: note: {note}", file=sys.stderr)
    return EXIT_OK


def _report_migration(database: "store.Database") -> None:
    from synclab.history import schema

    if database.migrated_from:  # 0 is a new database: nothing to say
        print(f"{PROG}: {database.name}: schema migrated from version {database.migrated_from} "
              f"to {schema.CURRENT_VERSION}")


def cmd_migrate(args: argparse.Namespace) -> int:
    from synclab.history import schema, store

    with store.Database(_db_path(args), create=True, timeout=args.timeout) as database:
        before = database.migrated_from
    if before is None:
        print(f"{PROG}: {database.name}: already at schema version {schema.CURRENT_VERSION}")
    elif before == 0:
        print(f"{PROG}: {database.name}: created schema version {schema.CURRENT_VERSION}")
    else:
        _report_migration(database)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from synclab.history import store

    added = store.import_history(args.source, _db_path(args), timeout=args.timeout)
    new = sum(not a.skipped for a in added)
    rows = sum(a.rows for a in added)
    print(f"{PROG}: imported {new} run(s), {rows} case x metric rows; {len(added) - new} "
          "already there")
    return EXIT_OK


def cmd_trend(args: argparse.Namespace) -> int:
    from synclab.history import store, trend

    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a directory")
    metrics = [m for group in args.metric for m in group] if args.metric else None
    with store.Database(_db_path(args), timeout=args.timeout) as database:
        raw = database.series(set(metrics) if metrics else set(TREND_DEFAULT_METRICS))
    if not raw:
        wanted = ",".join(metrics or TREND_DEFAULT_METRICS)
        raise UsageError(f"no stored series of metric(s) {wanted}")
    series = trend.build_series(raw, case_filter=args.filter, machine=args.machine,
                                significance=args.significance, permutations=args.permutations,
                                min_size=args.min_size, seed=args.seed)
    if not series:
        raise UsageError("no series matches --filter/--machine")
    settings = (f"significance {args.significance:g}, {args.permutations} permutations, "
                f"at least {args.min_size} runs per segment, seed {args.seed}")
    index = trend.write(series, out_dir, title="synclab history", settings=settings)
    found = sum(len(s.changes) for s in series)
    print(f"{PROG}: {len(series)} series, {found} change point(s): {index}")
    return EXIT_OK


def cmd_dashboard(args: argparse.Namespace) -> int:
    from synclab.history import changepoints, dashboard, store

    from synclab.out_dir import check_out_dir

    out_dir = Path(args.out)
    check_out_dir(args.out)  # missing directories are made, as run_suite makes its own
    links = dashboard.Links(
        report_url=args.report_url and dashboard.check_template(args.report_url, "run_id",
                                                                "--report-url"),
        revision_url=args.revision_url and dashboard.check_template(args.revision_url, "revision",
                                                                    "--revision-url"),
        out_dir=out_dir)
    dashboard.library()  # a missing package is said before the database is read
    metrics = {m for group in args.metric for m in group} if args.metric else None
    with store.Database(_db_path(args), timeout=args.timeout) as database:
        table = dashboard.load(database, metrics)
        name = database.name
    if not table.runs:
        raise UsageError(f"{name}: holds no runs")
    table = dashboard.narrow(table, case_filter=args.filter, machine=args.machine)
    if not table.keys or not table.runs:
        raise UsageError("no series matches --metric/--filter/--machine")
    settings = changepoints.Settings(window=args.window, max_p=args.max_p,
                                     min_step=args.min_step)
    index, data = dashboard.write(table, out_dir, settings=settings, links=links,
                                  title=args.title, database=name)
    print(f"{PROG}: {len(data['series'])} series, {len(data['changes'])} change point(s), "
          f"{index.stat().st_size / 2 ** 20:.1f} MiB: {index}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from synclab.compare import render
    from synclab.history import store
    from synclab.results import write_text_atomic

    output = Path(args.output) if args.output else None
    if output is not None and not output.parent.is_dir():
        raise UsageError(f"--output {args.output}: directory {output.parent} does not exist")
    with store.Database(_db_path(args), timeout=args.timeout) as database:
        runs = database.runs()
        if not runs:
            raise UsageError(f"{database.name}: holds no runs")
        run_id = args.run or runs[-1]["run_id"]
        if run_id not in {r["run_id"] for r in runs}:
            raise UsageError(f"--run {run_id}: no such run (scripts/history runs lists them)")
        rows = database.run_rows(run_id)
    wanted = set(args.metrics or TREND_DEFAULT_METRICS)
    if args.metrics:
        absent = wanted - {row[1] for row in rows}
        if absent:
            raise UsageError(f"run {run_id} has no metric {', '.join(sorted(absent))}")
    entries = [render.Entry(case, metric, median, q1 if q1 is not None else median,
                            q3 if q3 is not None else median, n)
               for case, metric, median, q1, q3, n in rows if metric in wanted]
    revision = next(r["revision"] for r in runs if r["run_id"] == run_id)
    if args.format == "bmf":
        text = render.bmf(entries)
    else:
        text = render.gab(entries, lower_is_better=args.format == "gab",
                          extra=f"run {run_id}, revision {revision[:12] or '?'}")
    if output is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(output, text)
        print(f"{PROG}: {len(entries)} values of run {run_id} -> {output}")
    return EXIT_OK


def cmd_runs(args: argparse.Namespace) -> int:
    from synclab.history import store

    with store.Database(_db_path(args), timeout=args.timeout) as database:
        runs = database.runs()
    for r in runs:
        print(f"{r['date']}  {r['run_id']}  rev {r['revision'][:12] or '?':<12}  machine "
              f"{r['machine']}  {r['mode']:<12}  {r['rows']} rows")
    print(f"{len(runs)} runs")
    return EXIT_OK


COMMANDS = {"add": cmd_add, "migrate": cmd_migrate, "import": cmd_import,
            "dashboard": cmd_dashboard, "trend": cmd_trend, "export": cmd_export,
            "runs": cmd_runs}


def main(argv: Sequence[str] | None = None) -> int:
    from synclab.history.engines import HistoryError

    try:
        args = make_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, HistoryError) as exc:
        report_error(PROG, str(exc))
        return EXIT_USAGE
    except OSError as exc:
        report_error(PROG, f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        return EXIT_USAGE
    except KeyboardInterrupt:
        report_error(PROG, "interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
