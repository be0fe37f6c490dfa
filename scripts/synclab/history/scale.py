#!/usr/bin/python3
"""history_scale: the history at the size of a year of runs, timed on both engines.

    scripts/history_scale [--runs 1000] [--series 20000] [--engine sqlite|postgresql|both]
                          [--at N[,N...]] [--work DIR] [--json FILE]

Fills a new database with --runs runs of --series case x metric series each (the default
profile's shape on a many-core machine: about 20,000; 8,648 on this 2-PU one), then times:

  add        `history add` of one more run from its results file: reading the file, the
             transaction alone, the command in this process, and the command as a new process
             (interpreter start and imports included); for the transaction and the new
             process also the CPU time they took (this process's or the child's: on a shared
             machine the wall time also holds the time spent waiting for a CPU; a PostgreSQL
             server's own CPU time is not in it)
  dashboard  `history dashboard` over every series
  render     the page's first render in headless Chromium (navigation start to the page's
             ready mark)
  series     a query of one series through the points view, as a Grafana panel asks it
             (docs/ci.md): by family, primitive and metric, and by case name and metric

With --at, the same times are taken also when the fill reaches each of those sizes, so one
fill shows how they grow. The filling goes through the same add_runs transaction as `history add`, ten runs at a time,
without results files. PostgreSQL runs on a throwaway server (scripts/tests/postgres_server.py).
A benchmark, not a test: nothing is asserted; the figures go to docs/regressions.md.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from synclab.history import cli, store  # noqa: E402

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE.parents[1]
METRICS = ("ns_per_op", "ops_per_sec", "lat_p50_ns", "lat_p99_ns", "fairness_jain",
           "handoffs_per_sec", "cpu_ns_per_op", "ctx_switches_per_op", "context_switches_per_op",
           "cpu_migrations_per_op", "run_length_mean", "run_length_max", "lat_samples",
           "futex_wait_per_op", "futex_wake_per_op", "handoff_efficiency", "counter_scaling_min",
           "page_faults_per_op", "task_clock_ns_per_op", "lat_max_ns")
FAMILIES = ("locks", "rwlocks", "condvars", "channels", "refcount", "padding", "ordering")
LEVELS = ("uncontended", "high", "oversubscribed")
BATCH = 10


def series_keys(count: int) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    case = 0
    while len(keys) < count:
        family = FAMILIES[case % len(FAMILIES)]
        name = (f"{family}/prim{case // len(FAMILIES):03d}/{LEVELS[case % 3]}/"
                f"t:{1 + case % 4}/place:compact")
        keys.extend((name, m) for m in METRICS)
        case += 1
    return keys[:count]


def run_of(i: int, keys: list[tuple[str, str]], rng: np.random.Generator) -> store.RunRows:
    values = 100 * np.exp(rng.normal(0, 0.03, len(keys)))
    rows: list[tuple[Any, ...]] = [(case, metric, float(v), 40, float(v) * 0.98, float(v) * 1.02, float(v) * 0.04)
            for (case, metric), v in zip(keys, values)]
    stamp = np.datetime64("2025-01-01T00:00") + np.timedelta64(i * 8, "h")
    date = f"{stamp}:00+00:00"
    fields = {"cpu_model": "Scale CPU", "arch": "x86_64", "topology": "64 PUs",
              "kernel": "Linux", "compiler": "g++ 12.2.0", "emulated": "false"}
    return store.RunRows(f"scale-{i:05d}", f"{i:040x}", date, store.fingerprint(fields), fields,
                         "time", "", rows)


def results_file(path: Path, i: int, keys: list[tuple[str, str]]) -> None:
    """A results file of one more run, as run_suite writes it (2 repetitions a case); its run
    id, extra-i, is none of the fill's."""
    by_case: dict[str, list[str]] = {}
    for case, metric in keys:
        by_case.setdefault(case, []).append(metric)
    benchmarks = []
    for case, metrics in by_case.items():
        for rep in range(2):
            benchmarks.append({"name": case, "run_name": case, "run_type": "iteration",
                               "repetitions": 2, "repetition_index": rep, "real_time": 100.0,
                               "cpu_time": 100.0, "time_unit": "ns",
                               **{m: 100.0 + rep for m in metrics}})
    context = {"schema_version": 2, "git_sha": f"{i:040x}", "cpu_model": "Scale CPU",
               "arch": "x86_64", "topology": "64 PUs", "kernel": "Linux",
               "compiler": "g++ 12.2.0", "emulated": "false",
               "synclab_run": {"run_id": f"extra-{i:05d}", "started": "2026-01-01T00:00:00+00:00"}}
    path.write_text(json.dumps({"context": context, "benchmarks": benchmarks}))


@contextlib.contextmanager
def database(engine: str, work: Path) -> Iterator[str]:
    if engine == "sqlite":
        yield str(work / "history.sqlite")
        return
    sys.path.insert(0, str(SCRIPTS / "tests"))
    import postgres_server

    reason = postgres_server.missing_reason()
    if reason:
        raise SystemExit(f"history_scale: error: {reason}")
    server = postgres_server.PostgresServer()
    try:
        server.start()
        yield server.new_database()
    finally:
        server.stop()


def quiet(argv: list[str]) -> tuple[int, float]:
    out = io.StringIO()
    began = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = cli.main(argv)
    if status != 0:
        raise SystemExit(f"history_scale: error: {' '.join(argv[:1])} failed: {out.getvalue()}")
    return status, time.monotonic() - began


def first_render_ms(index: Path, loads: int = 3) -> list[float]:
    from synclab.report.browser import headless_chromium

    times = []
    with headless_chromium() as driver:
        driver.set_window_size(1300, 1400)
        for _ in range(loads):
            driver.get("about:blank")
            driver.get(index.resolve().as_uri())
            times.append(float(driver.execute_script(
                "return window.synclabDashboard.renderedMs")))
    return times


def measure(engine: str, runs: int, keys: list[tuple[str, str]], work: Path,
            at: Sequence[int] = ()) -> Iterator[dict[str, Any]]:
    """Fills a new database to each size of `at` and then `runs`, and times it at each."""
    rng = np.random.default_rng(1)
    filled, fill_s = 0, 0.0
    with database(engine, work) as db:
        for size in sorted({*at, runs}):
            began = time.monotonic()
            with store.Database(db, create=True, timeout=600) as history:
                for start in range(filled, size, BATCH):
                    history.add_runs([run_of(i, keys, rng)
                                      for i in range(start, min(size, start + BATCH))])
            fill_s += time.monotonic() - began
            filled = size
            yield {"engine": engine, "runs": size, "series": len(keys), "rows": size * len(keys),
                   "fill_s": round(fill_s, 1), **timings(engine, db, size, keys, work)}


def timings(engine: str, db: str, size: int, keys: list[tuple[str, str]], work: Path
            ) -> dict[str, Any]:
    """One `history add` (reading the file; the transaction; the whole command), the dashboard
    and its first render, over a history of size runs (and the extra runs timed before)."""
    out: dict[str, Any] = {}
    extra = work / "extra.json"
    results_file(extra, 2 * size, keys)
    began = time.monotonic()
    parsed = store.read_results(extra)
    out["add_read_file_s"] = round(time.monotonic() - began, 2)
    with store.Database(db, create=True, timeout=600) as history:
        began, cpu = time.monotonic(), time.process_time()
        history.add_runs([parsed])
        out["add_transaction_s"] = round(time.monotonic() - began, 2)
        out["add_transaction_cpu_s"] = round(time.process_time() - cpu, 2)
    results_file(extra, 2 * size + 1, keys)
    out["add_command_s"] = round(quiet(["add", str(extra), "--db", db])[1], 2)
    results_file(extra, 2 * size + 2, keys)  # a new process: the interpreter and imports too
    began, children = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, str(HERE / "cli.py"), "add", str(extra), "--db", db],
                   check=True, capture_output=True, timeout=600)
    out["add_process_s"] = round(time.monotonic() - began, 2)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["add_process_cpu_s"] = round(after.ru_utime + after.ru_stime
                                     - children.ru_utime - children.ru_stime, 2)
    out["series_query_ms"] = series_query_ms(db, keys[0][0], keys[0][1])
    board = work / f"board-{engine}"
    out["dashboard_s"] = round(quiet(["dashboard", "--db", db, "--out", str(board)])[1], 1)
    index = board / "index.html"
    out["page_mib"] = round(index.stat().st_size / 2 ** 20, 1)
    out["first_render_ms"] = [round(t) for t in first_render_ms(index)]
    return out


def series_query_ms(db: str, case: str, metric: str) -> dict[str, float]:
    """Milliseconds to read one series through the points view, each query's best of three."""
    from synclab import names

    parts = names.parse_case_name(case)
    assert parts is not None
    queries = {
        "by_parts": ("SELECT run_time, median FROM points WHERE family = :family AND "
                     "primitive = :primitive AND metric = :metric ORDER BY 1",
                     {"family": parts.family, "primitive": parts.primitive, "metric": metric}),
        "by_case": ("SELECT run_time, median FROM points WHERE case_name = :case AND "
                    "metric = :metric ORDER BY 1", {"case": case, "metric": metric})}
    out = {}
    with store.Database(db, timeout=600) as history:
        with history.engine.connect() as conn:
            for name, (sql, params) in queries.items():
                best = math.inf
                for _ in range(3):
                    began = time.monotonic()
                    conn.execute(sa.text(sql), params).fetchall()
                    best = min(best, time.monotonic() - began)
                out[name] = round(best * 1000, 1)
    return out


def _sizes(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text}: not a list of run counts") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="history_scale", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--series", type=int, default=20_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--at", type=_sizes, default=[], metavar="N[,N...]",
                        help="also time the history when the fill reaches these runs")
    parser.add_argument("--work", type=Path, help="directory for the databases and pages "
                                                  "(default a temporary one, removed after)")
    parser.add_argument("--json", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    if args.runs < 2 or args.series < 1 or any(not 2 <= n <= args.runs for n in args.at):
        print("history_scale: error: --runs at least 2, --series at least 1, --at within "
              "2..--runs", file=sys.stderr)
        return 2
    keys = series_keys(args.series)
    work = args.work or Path(tempfile.mkdtemp(prefix="history-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    figures = []
    try:
        for engine in engines:
            for figure in measure(engine, args.runs, keys, work, args.at):
                figures.append(figure)
                print(json.dumps(figure), flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
