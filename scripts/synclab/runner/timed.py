"""The default mode: every selected case in its own process, timed windows, results.json after
each case, then the summary table, the report and, with --record, the history."""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Protocol

from synclab import arch as arches
from synclab import bench, cases
from synclab.errors import one_line, report_error
from synclab.metrics import format_value
from synclab.numfmt import clock
from synclab.report.summary import DEFAULT_FAIR_BY
from synclab.results import ResultsFile, failure_entry
from synclab.runner import PROG, rundir
from synclab.runner.record import record_run
from synclab.runner.stop import StopFlag
from synclab.runner.target import target_info, write_census


def _median_ops(benchmarks: list[dict[str, Any]]) -> float | None:
    values = [b["ops_per_sec"] for b in benchmarks
              if b.get("run_type", "iteration") == "iteration" and not b.get("error_occurred")
              and isinstance(b.get("ops_per_sec"), (int, float))]
    return statistics.median(values) if values else None


def _progress(outcome: bench.CaseOutcome) -> str:
    if outcome.status == "ok":
        ops = _median_ops(outcome.benchmarks)
        return f"done {format_value('ops_per_sec', ops)}ops/s" if ops is not None \
            else "done (no ops_per_sec)"
    label = "TIMED OUT" if outcome.status == "timed_out" else "FAILED"
    return f"{label} ({one_line(outcome.message)[:160]})"


def run_cases(binary: Path, names: list[str], plan: cases.Plan, calibration: float,
              results: ResultsFile, stop: StopFlag) -> None:
    """Runs every case in order, recording each outcome and rewriting results.json after it."""
    flags = cases.synclab_flags(plan) + [f"--synclab_delay_calibration={calibration:g}"]
    with bench.futex_tracepoints_held(binary):
        _run_each(binary, names, plan, flags, results, stop)


def _run_each(binary: Path, names: list[str], plan: cases.Plan, flags: list[str],
              results: ResultsFile, stop: StopFlag) -> None:
    info = results.run_info
    start = time.monotonic()
    expected_total, expected_done = plan.expected_seconds(names), 0.0
    for index, name in enumerate(names, 1):
        if stop.is_set():
            break
        print(f"[{index}/{len(names)}] {name} ... ", end="", file=sys.stderr, flush=True)
        sampling = plan.sampling(name)
        outcome = bench.run_case(binary, name, repetitions=sampling.repetitions,
                                 flags=cases.with_window(flags, sampling.duration_ms),
                                 timeout_s=plan.case_timeout(name), should_stop=stop.is_set)
        if outcome.status == "stopped":
            print("interrupted", file=sys.stderr, flush=True)
            break
        if outcome.status == "ok":
            results.add_case(outcome.context, outcome.benchmarks)
        else:
            info["cases_timed_out" if outcome.status == "timed_out" else "cases_failed"] += 1
            entries = outcome.benchmarks or [failure_entry(name, outcome.status, outcome.message,
                                                           sampling.repetitions)]
            results.add_case({}, entries)
        info["cases_done"] += 1
        results.write()
        elapsed = time.monotonic() - start
        expected_done += plan.expected_seconds([name])
        eta = eta_seconds(elapsed, expected_done, expected_total - expected_done)
        print(f"{_progress(outcome)}  (elapsed {clock(elapsed)}, eta {clock(eta)})",
              file=sys.stderr, flush=True)


def eta_seconds(elapsed: float, expected_so_far: float, expected_left: float) -> float:
    """What is left, scaled by how this run's cases have compared with their estimate so far
    (cases differ in windows, so elapsed time per case would mislead)."""
    return expected_left * (elapsed / expected_so_far if expected_so_far > 0 else 1.0)


def summarise(results: ResultsFile, out_dir: Path, write_html: bool,
              fair_by: str = DEFAULT_FAIR_BY) -> bool:
    """Prints the summary table and writes the report; False if either could not be done."""
    from synclab.load import ResultsError, parse, require_case_names
    from synclab.report.absent import why_absent
    from synclab.report.problems import find_problems
    from synclab.report.tables import scenario_tables
    from synclab.report.text import summary_text

    path = results.path
    try:
        run = require_case_names(parse(results.document(), str(path)))
    except ResultsError as exc:
        report_error(PROG, f"cannot summarise: {exc}")
        return False
    tables = scenario_tables(run.records)
    why = lambda family, metric: why_absent(run, family, metric)  # noqa: E731
    print(summary_text(tables, fair_by, why))
    from synclab.report import apps_panel
    if apps_text := apps_panel.text(apps_panel.views(tables, fair_by, why)):
        print("\n" + apps_text)
    for failed in find_problems(run, tables).failed:
        status = failed.status.replace("_", " ")
        message = one_line(failed.message)
        print(f"{failed.name}: {message if message.startswith(status) else f'{status}: {message}'}")
    print(f"\nresults: {path}")
    if not write_html:
        return True
    from synclab.report.build import build_report
    try:
        index = build_report([run], out_dir, fair_by=fair_by)
    except Exception as exc:  # the results are safe; say why the report is not
        report_error(PROG, f"could not write the report: {type(exc).__name__}: {exc}")
        return False
    print(f"report: {index}")
    return True


class ExtraCases(Protocol):
    """Cases that do not come from the bench binary (the apps family), run after its cases."""
    @property
    def count(self) -> int: ...

    def run(self, results: ResultsFile, stop: StopFlag) -> None: ...


def run_timed(args: argparse.Namespace, argv: list[str], plan: cases.Plan, binary: Path,
              selected: list[str], target: arches.Target, stop: StopFlag,
              extra: ExtraCases | None = None) -> int:
    """The selected cases, timed, into results.json; then summary, report, history."""
    calibration = bench.calibrate(binary, should_stop=stop.is_set)
    planned = len(selected) + (extra.count if extra is not None else 0)
    started, run_id = rundir.start()
    run_id += target.run_id_suffix(explicit=args.arch != "native")
    out_dir = rundir.open_run_dir(args, run_id)
    info = rundir.run_info(args, argv, plan, run_id, started, planned, plan.repetitions,
                           plan.duration_ms, calibration, binary)
    info.update(target_info(target))
    results = ResultsFile(out_dir / "results.json", info)
    results.write()
    estimate = plan.expected_seconds(selected) + cases.OUTSIDE_CASES_S
    print(f"{PROG}: {planned} cases, profile {plan.profile}, {plan.samplings()} (about "
          f"{clock(estimate)} with the census and report), case timeout "
          f"{plan.case_timeout_s:g} s; writing {results.path}", file=sys.stderr, flush=True)

    run_cases(binary, selected, plan, calibration, results, stop)
    if extra is not None:
        extra.run(results, stop)
    info["finished"] = rundir.now()
    info["interrupted"] = stop.is_set()
    results.write()
    write_census(args, out_dir, stop)

    complete = summarise(results, out_dir, write_html=not args.no_report, fair_by=args.fair_by)
    if args.record and not info["interrupted"] and not record_run(args, results.path):
        complete = False
    return rundir.finish(out_dir, info, planned, results.path, complete)
