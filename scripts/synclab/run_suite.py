#!/usr/bin/python3
"""run_suite: build synclab, run every case in its own process, write results.json and the report.

    scripts/run_suite [--profile smoke|quick|full] [--filter REGEX] [--list] ...

Each case runs as its own subprocess under an outer watchdog; results.json is rewritten
atomically after every case, so an interrupted or crashed run keeps what finished.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any, Iterator, Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from synclab import bench, cases
from synclab.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from synclab.errors import ArgumentParser, RunError, UsageError, one_line, report_error, typed
from synclab.metrics import format_value
from synclab.numfmt import clock
from synclab.results import ResultsFile, failure_entry, point_symlink
from synclab.compare.cli import add_judging_options
from synclab import arch as arches

PROG = "run_suite"
REPO = Path(__file__).resolve().parents[2]
BENCH_IN_BUILD = Path("benches") / "synclab_bench"


# ---------------------------------------------------------------- options

def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"invalid value {text!r} (expected a positive integer)")
    return int(text)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"invalid value {text!r} (expected seconds, e.g. 30 or 2.5)") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"invalid value {text!r} (expected a positive number of seconds)")
    return value


def _regex(text: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {text!r}: {exc}") from None
    return text


def make_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build synclab, run each benchmark case in its own process under a watchdog, "
                    "write results.json (Google Benchmark JSON) and an HTML report.",
        epilog=cases.profiles_help() + "\n\nexit status: 0 every case ran; 1 a case timed out or "
               "failed (results\nand report are still written); 2 bad input; 130 interrupted.")
    add = parser.add_argument
    add("--profile", choices=sorted(cases.PROFILES), default=cases.DEFAULT_PROFILE,
        help=f"preset of contention levels, threads, repetitions and duration "
             f"(default {cases.DEFAULT_PROFILE}; table below)")
    add("--filter", type=typed(_regex), metavar="REGEX",
        help="run only cases whose name matches (Python re.search)")
    add("--threads", type=typed(cases.parse_threads), metavar="LIST",
        help="thread counts, e.g. 1,2,4 (default: the profile's)")
    add("--contention", type=typed(cases.parse_contention), metavar="LIST",
        help=f"contention levels out of {','.join(cases.CONTENTION_LEVELS)}")
    add("--placement", type=typed(cases.parse_placement), default="compact", metavar="POLICY",
        help="compact, scatter or cpus:LIST such as cpus:0,1 or cpus:0-3 (default compact)")
    add("--repetitions", type=typed(_positive_int), metavar="N",
        help="repetitions of each case (default: the profile's)")
    add("--duration", type=typed(cases.parse_duration), metavar="DURATION",
        help="measured window per repetition, e.g. 200ms, 1s, 0.5s (default: the profile's)")
    add("--case-timeout", type=typed(_positive_seconds), metavar="SECONDS",
        help="outer watchdog per case (default: repetitions x (duration + 1 s) "
             f"+ {cases.WATCHDOG_GRACE_S} s in-process watchdog grace + "
             f"{cases.CASE_TIMEOUT_SLACK_S:g} s)")
    add("--out", metavar="DIR", help="run directory (default reports/<run-id> in the repository)")
    add("--list", action="store_true", help="print the cases that would run and exit")
    add("--bench", metavar="PATH", help="use this bench binary; skip the build")
    add("--no-build", action="store_true", help="use the already built binary of --preset")
    add("--preset", default="release", metavar="NAME", help="CMake preset to build (default release)")
    add("--jobs", type=typed(_positive_int), default=2, metavar="N",
        help="parallel build jobs (default 2)")
    add("--test-hang-case", action="store_true",
        help="also run the test-only case whose lock is never released (exercises the watchdogs)")
    add("--counters", type=typed(cases.parse_counters), default="auto", metavar="REQUEST",
        help="hardware/OS counters per operation: auto (default: the default set where a PMU "
             "exists, else os), off, a set (default, cache, coherence, os) or EVENT,EVENT,...")
    add("--list-counters", action="store_true",
        help="print which counter events this machine offers, and why not the rest, and exit")
    add("--latency-sampling", choices=("on", "off"), default="on",
        help="time 1 in 64 operations for latency percentiles (default on); off measures "
             "the harness without its clock reads")
    add("--no-report", action="store_true", help="write results.json only")
    add_mode_options(parser)
    add_arch_options(parser)
    return parser


def add_mode_options(parser: ArgumentParser) -> None:
    """Options of the A/B, deterministic and history modes."""
    add = parser.add_argument
    add("--mode", choices=("time", "instructions"), default="time",
        help="time (default): timed windows; instructions: only the uncontended one-thread cases, "
             "instructions per operation counted by callgrind (instructions.json)")
    add("--ab", metavar="BASE_REF",
        help="A/B in one job: build git revision BASE_REF in build/ab/base, run its cases and the "
             "current build's interleaved, repetition by repetition, write base.json, new.json "
             "and compare.md/.json, junit.xml, bmf.json, gab.json; exit 1 when a case regressed")
    add("--ab-bench", metavar="PATH",
        help="A/B against this already built bench binary instead of building BASE_REF")
    add_judging_options(parser)
    add("--record", action="store_true",
        help="add the run's results to the history database (see --history-db)")
    add("--history-db", metavar="PATH",
        help="history database of --record (default reports/history.sqlite)")


# ---------------------------------------------------------------- signals

class StopFlag:
    """Set by the first SIGINT/SIGTERM; the running child is then stopped by run_process.

    A second signal raises KeyboardInterrupt at once.
    """

    def __init__(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._set:
            raise KeyboardInterrupt
        self._set = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


# ---------------------------------------------------------------- build

def preset_names(repo: Path) -> list[str]:
    """Visible configure presets of CMakePresets.json ([] if it cannot be read)."""
    try:
        doc = json.loads((repo / "CMakePresets.json").read_text(encoding="utf-8"))
        return [p["name"] for p in doc.get("configurePresets", []) if not p.get("hidden")]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def build(preset: str, jobs: int, stop: StopFlag) -> Path:
    """Configures (once) and builds the preset; the output is shown only when a step fails."""
    known = preset_names(REPO)
    if known and preset not in known:
        raise UsageError(f"unknown --preset {preset!r} (choose from {', '.join(known)})")
    build_dir = REPO / "build" / preset
    steps = [] if (build_dir / "CMakeCache.txt").exists() else [["cmake", "--preset", preset]]
    steps.append(["cmake", "--build", "--preset", preset, "-j", str(jobs)])
    for cmd in steps:
        text = " ".join(cmd)
        print(f"{PROG}: {text}", file=sys.stderr, flush=True)
        result = bench.run_process(cmd, cwd=REPO, should_stop=stop.is_set)
        if result.stopped:
            raise KeyboardInterrupt
        if result.returncode != 0:
            output = bench.tail(result.stdout + "\n" + result.stderr, 80)
            print(output, file=sys.stderr)
            assert result.returncode is not None
            raise RunError(f"'{text}' failed ({bench.describe_exit(result.returncode)}); "
                           "its output is above")
    binary = build_dir / BENCH_IN_BUILD
    if not binary.is_file():
        hint = ""
        try:
            if "SYNCLAB_BUILD_BENCHES:BOOL=OFF" in (build_dir / "CMakeCache.txt").read_text():
                hint = (f" ({build_dir} is configured with SYNCLAB_BUILD_BENCHES=OFF; reconfigure with "
                        f"cmake --preset {preset} -DSYNCLAB_BUILD_BENCHES=ON)")
        except OSError:
            pass
        raise RunError(f"the build did not produce {binary}{hint}")
    return binary


def resolve_binary(args: argparse.Namespace, stop: StopFlag) -> Path:
    if args.bench:
        binary = Path(args.bench)
        if not binary.is_file():
            raise UsageError(f"--bench {args.bench}: no such file")
        if not binary.stat().st_mode & 0o111:
            raise UsageError(f"--bench {args.bench}: not executable")
        return binary.resolve()
    if args.no_build:
        binary = REPO / "build" / args.preset / BENCH_IN_BUILD
        if not binary.is_file():
            raise UsageError(f"--no-build: {binary} does not exist (build it or drop --no-build)")
        return binary
    return build(args.preset, args.jobs, stop)


# ---------------------------------------------------------------- run

def git_sha7(repo: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short=7", "HEAD"],
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "nogit"
    sha = out.stdout.strip()
    return sha[:7] if out.returncode == 0 and re.fullmatch(r"[0-9a-f]{7,}", sha) else "nogit"


def make_run_id(now: datetime.datetime, host: str, sha: str) -> str:
    """YYYYmmdd-HHMMSS-<hostname>-<git sha7 or 'nogit'>."""
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", host.split(".")[0]).strip("-") or "host"
    return f"{now:%Y%m%d-%H%M%S}-{host}-{sha}"


def new_run_dir(base: Path, run_id: str) -> Path:
    """reports/<run-id>, with -2, -3, ... when a run started in the same second."""
    candidate, n = base / run_id, 1
    while candidate.exists():
        n += 1
        candidate = base / f"{run_id}-{n}"
    return candidate


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def _median_ops(benchmarks: list[dict[str, Any]]) -> float | None:
    values = [b["ops_per_sec"] for b in benchmarks
              if b.get("run_type", "iteration") == "iteration" and not b.get("error_occurred")
              and isinstance(b.get("ops_per_sec"), (int, float))]
    return statistics.median(values) if values else None


def _progress(outcome: bench.CaseOutcome) -> str:
    if outcome.status == "ok":
        ops = _median_ops(outcome.benchmarks)
        return f"done {format_value('ops_per_sec', ops)}ops/s" if ops is not None else "done (no ops_per_sec)"
    label = "TIMED OUT" if outcome.status == "timed_out" else "FAILED"
    return f"{label} ({one_line(outcome.message)[:160]})"


def run_cases(binary: Path, names: list[str], plan: cases.Plan, calibration: float,
              results: ResultsFile, stop: StopFlag) -> None:
    """Runs every case in order, recording each outcome and rewriting results.json after it."""
    info = results.run_info
    flags = cases.synclab_flags(plan) + [f"--synclab_delay_calibration={calibration:g}"]
    start = time.monotonic()
    for index, name in enumerate(names, 1):
        if stop.is_set():
            break
        print(f"[{index}/{len(names)}] {name} ... ", end="", file=sys.stderr, flush=True)
        outcome = bench.run_case(binary, name, repetitions=plan.repetitions, flags=flags,
                                 timeout_s=plan.case_timeout_s, should_stop=stop.is_set)
        if outcome.status == "stopped":
            print("interrupted", file=sys.stderr, flush=True)
            break
        if outcome.status == "ok":
            results.add_case(outcome.context, outcome.benchmarks)
        else:
            info["cases_timed_out" if outcome.status == "timed_out" else "cases_failed"] += 1
            entries = outcome.benchmarks or [failure_entry(name, outcome.status, outcome.message,
                                                           plan.repetitions)]
            results.add_case({}, entries)
        info["cases_done"] += 1
        results.write()
        elapsed = time.monotonic() - start
        eta = elapsed / index * (len(names) - index)
        print(f"{_progress(outcome)}  (elapsed {clock(elapsed)}, eta {clock(eta)})",
              file=sys.stderr, flush=True)


def summarise(results: ResultsFile, out_dir: Path, write_html: bool) -> bool:
    """Prints the summary table and writes the report; False if either could not be done."""
    from synclab.load import ResultsError, parse, require_case_names
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
    print(summary_text(tables))
    for failed in find_problems(run, tables).failed:
        status = failed.status.replace("_", " ")
        message = one_line(failed.message)
        print(f"{failed.name}: {message if message.startswith(status) else f'{status}: {message}'}")
    print(f"\nresults: {path}")
    if not write_html:
        return True
    from synclab.report.build import build_report
    try:
        index = build_report([run], out_dir)
    except Exception as exc:  # the results are safe; say why the report is not
        report_error(PROG, f"could not write the report: {type(exc).__name__}: {exc}")
        return False
    print(f"report: {index}")
    return True


def _main(argv: list[str], stop: StopFlag) -> int:
    args = make_parser().parse_args(argv)
    check_mode_options(args)
    target = resolve_target(args)
    plan = cases.make_plan(args.profile, contention=args.contention, threads=args.threads,
                           placement=args.placement, repetitions=args.repetitions,
                           duration_ms=args.duration, case_timeout_s=args.case_timeout,
                           test_cases=args.test_hang_case,
                           latency_sampling=args.latency_sampling == "on",
                           counters=args.counters, pus=cases.available_pus())
    binary = emulate_binary(resolve_binary(args, stop), target)
    if args.list_counters:
        print(bench.list_counters(binary, should_stop=stop.is_set), end="")
        return EXIT_OK
    if args.ab or args.ab_bench:
        return run_ab(args, argv, plan, binary, stop)
    listed = bench.list_cases(binary, cases.synclab_flags(plan), should_stop=stop.is_set)
    if not listed:
        raise RunError(f"{binary} lists no cases for these options")
    selected = cases.filter_cases(listed, args.filter)
    if not selected:
        raise UsageError(f"--filter {args.filter!r} matches none of the {len(listed)} cases")
    if args.mode == "instructions":
        selected = fast_path_selection(selected)
    if args.list:
        print("\n".join(selected))
        estimate = len(selected) * cases.expected_case_seconds(plan.repetitions, plan.duration_ms)
        print(f"{len(selected)} cases (about {clock(estimate)} at {plan.repetitions} x "
              f"{cases.format_duration(plan.duration_ms)})")
        return EXIT_OK
    if args.mode == "instructions":
        return run_instructions(args, argv, plan, binary, selected, stop)

    calibration = bench.calibrate(binary, should_stop=stop.is_set)
    started = datetime.datetime.now().astimezone()
    run_id = make_run_id(started, socket.gethostname(), git_sha7(REPO))
    run_id += target.run_id_suffix(explicit=args.arch != "native")
    if args.out:
        out_dir = Path(args.out)
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out {args.out}: exists and is not a directory")
    else:
        out_dir = new_run_dir(REPO / "reports", run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {
        "run_id": run_id, "profile": plan.profile, "argv": [PROG, *argv],
        "started": started.isoformat(timespec="seconds"), "finished": None,
        "cases_planned": len(selected), "cases_done": 0, "cases_timed_out": 0, "cases_failed": 0,
        "interrupted": False, "repetitions": plan.repetitions, "duration_ms": plan.duration_ms,
        "case_timeout_s": plan.case_timeout_s, "delay_iters_per_us": calibration,
        "bench": str(binary),
    }
    info.update(target_info(target))
    results = ResultsFile(out_dir / "results.json", info)
    results.write()
    print(f"{PROG}: {len(selected)} cases, profile {plan.profile}, {plan.repetitions} x "
          f"{cases.format_duration(plan.duration_ms)}, case timeout {plan.case_timeout_s:g} s; "
          f"writing {results.path}", file=sys.stderr, flush=True)

    run_cases(binary, selected, plan, calibration, results, stop)
    info["finished"] = _now()
    info["interrupted"] = stop.is_set()
    results.write()
    write_census(args, out_dir, stop)

    complete = summarise(results, out_dir, write_html=not args.no_report)
    if args.record and not info["interrupted"] and not record_run(args, results.path):
        complete = False
    try:
        point_symlink(out_dir.parent / "latest", out_dir)
    except OSError as exc:
        report_error(PROG, f"could not point {out_dir.parent / 'latest'} at the run: {exc}")
    if info["interrupted"]:
        report_error(PROG, f"interrupted after {info['cases_done']} of {len(selected)} cases; "
                           f"kept in {results.path}")
        return EXIT_INTERRUPTED
    if info["cases_timed_out"] or info["cases_failed"] or not complete:
        return EXIT_FAILED
    return EXIT_OK


# ---------------------------------------------------------------- A/B, instructions, history

DEFAULT_HISTORY_DB = Path("reports") / "history.sqlite"


def check_mode_options(args: argparse.Namespace) -> None:
    """Checks the combinations of --mode, --ab, --record before anything is built or run."""
    from synclab.compare import instructions

    if args.ab is not None and not args.ab.strip():
        raise UsageError("--ab needs a git revision, e.g. --ab origin/main")
    if args.ab_bench:
        _check_binary("--ab-bench", args.ab_bench)
    if args.record and (args.ab or args.ab_bench):
        raise UsageError("--record keeps history of one build; it cannot be combined with --ab "
                         "(record the main branch's runs instead)")
    if args.mode == "instructions":
        instructions.check_plan(args.contention, args.threads)
        instructions.find_valgrind()
        args.contention, args.threads = ("uncontended",), (1,)
    if args.record:
        from synclab.history import store
        try:
            store.check(history_db(args))
        except store.HistoryError as exc:
            raise UsageError(f"--record: {exc}") from None


def _check_binary(option: str, path: str) -> Path:
    binary = Path(path)
    if not binary.is_file():
        raise UsageError(f"{option} {path}: no such file")
    if not binary.stat().st_mode & 0o111:
        raise UsageError(f"{option} {path}: not executable")
    return binary.resolve()


def history_db(args: argparse.Namespace) -> Path:
    return Path(args.history_db) if args.history_db else REPO / DEFAULT_HISTORY_DB


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


def _open_run_dir(args: argparse.Namespace, run_id: str) -> Path:
    if args.out:
        out_dir = Path(args.out)
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out {args.out}: exists and is not a directory")
    else:
        out_dir = new_run_dir(REPO / "reports", run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _run_info(args: argparse.Namespace, argv: list[str], plan: cases.Plan, run_id: str,
              started: datetime.datetime, planned: int, repetitions: int, duration_ms: int,
              calibration: float, binary: Path) -> dict[str, Any]:
    return {
        "run_id": run_id, "profile": plan.profile, "argv": [PROG, *argv],
        "started": started.isoformat(timespec="seconds"), "finished": None,
        "cases_planned": planned, "cases_done": 0, "cases_timed_out": 0, "cases_failed": 0,
        "interrupted": False, "repetitions": repetitions, "duration_ms": duration_ms,
        "case_timeout_s": plan.case_timeout_s, "delay_iters_per_us": calibration,
        "bench": str(binary), "mode": args.mode,
    }


def run_ab(args: argparse.Namespace, argv: list[str], plan: cases.Plan, new_binary: Path,
           stop: StopFlag) -> int:
    """--ab / --ab-bench: both builds interleaved in one run directory, then compare."""
    from synclab.compare import ab, instructions

    if args.ab_bench:
        base_binary, base_revision = _check_binary("--ab-bench", args.ab_bench), None
    else:
        base_binary, base_revision = ab.build_base(REPO, args.ab, args.jobs, stop.is_set, PROG)
    flags = cases.synclab_flags(plan)
    base_names = cases.filter_cases(bench.list_cases(base_binary, flags, should_stop=stop.is_set),
                                    args.filter)
    new_names = cases.filter_cases(bench.list_cases(new_binary, flags, should_stop=stop.is_set),
                                   args.filter)
    common, only_base, only_new = ab.split_cases(base_names, new_names)
    if args.mode == "instructions":
        common = instructions.fast_path_cases(common)[0]
        only_base = instructions.fast_path_cases(only_base)[0]
        only_new = instructions.fast_path_cases(only_new)[0]
    if not common:
        raise UsageError(f"--ab: the two builds share no case for these options (base lists "
                         f"{len(base_names)}, new lists {len(new_names)})")
    instruction_mode = args.mode == "instructions"
    repetitions = (args.repetitions or 1) if instruction_mode else plan.repetitions
    duration_ms = (args.duration or instructions.DEFAULT_WINDOW_MS) if instruction_mode \
        else plan.duration_ms
    if args.list:
        print("\n".join(common))
        for label, names in (("only in base", only_base), ("only in new", only_new)):
            if names:
                print(f"{label} (not compared): {', '.join(names)}")
        print(f"{len(common)} cases, each {repetitions} x base and {repetitions} x new, interleaved")
        return EXIT_OK

    calibration = bench.calibrate(new_binary, should_stop=stop.is_set)
    started = datetime.datetime.now().astimezone()
    run_id = make_run_id(started, socket.gethostname(), git_sha7(REPO))
    out_dir = _open_run_dir(args, run_id)
    ab_info = {"base_ref": args.ab, "base_revision": base_revision, "base_bench": str(base_binary),
               "new_bench": str(new_binary), "interleaved": True,
               "cases_only_in_base": only_base, "cases_only_in_new": only_new}
    timeout = args.case_timeout or cases.default_case_timeout(1, duration_ms)
    files = {}
    for side, binary in (("base", base_binary), ("new", new_binary)):
        info = _run_info(args, argv, plan, run_id, started, len(common), repetitions, duration_ms,
                         calibration, binary)
        info["ab"] = {**ab_info, "side": side}
        info["case_timeout_s"] = timeout  # per repetition: each is its own process
        files[side] = ResultsFile(out_dir / f"{side}.json", info)
        files[side].write()
    print(f"{PROG}: A/B, {len(common)} cases, {repetitions} x base and {repetitions} x new "
          f"interleaved, {cases.format_duration(duration_ms)} windows; writing {out_dir}",
          file=sys.stderr, flush=True)
    if only_base or only_new:
        print(f"{PROG}: not compared: {len(only_base)} cases only in base, {len(only_new)} only in "
              "new (listed in compare.md)", file=sys.stderr, flush=True)
    side_flags = flags + [f"--synclab_delay_calibration={calibration:g}"]
    if instruction_mode:
        valgrind = instructions.find_valgrind()
        targets = [instructions.Target(side, binary, files[side])
                   for side, binary in (("base", base_binary), ("new", new_binary))]
        finished = instructions.run_cases(valgrind, targets, common, side_flags, repetitions,
                                          duration_ms, out_dir, stop.is_set)
    else:
        sides = (ab.SideRun("base", base_binary, side_flags, files["base"]),
                 ab.SideRun("new", new_binary, side_flags, files["new"]))
        finished = ab.run_interleaved(sides, common, repetitions, timeout, stop.is_set)
    for results in files.values():
        results.run_info["finished"] = _now()
        results.run_info["interrupted"] = not finished
        results.write()
    try:
        point_symlink(out_dir.parent / "latest", out_dir)
    except OSError as exc:
        report_error(PROG, f"could not point {out_dir.parent / 'latest'} at the run: {exc}")
    if not finished:
        report_error(PROG, f"interrupted; kept what finished in {out_dir}")
        return EXIT_INTERRUPTED
    regressed = compare_ab(args, out_dir, only_base, only_new)
    failed = any(f.run_info["cases_failed"] or f.run_info["cases_timed_out"]
                 for f in files.values())
    if regressed is None or regressed or failed:
        return EXIT_FAILED
    return EXIT_OK


AB_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("compare.md", "markdown"), ("compare.json", "json"), ("junit.xml", "junit"),
    ("bmf.json", "bmf"), ("gab.json", "gab"), ("gab-bigger.json", "gab-bigger"))


def compare_ab(args: argparse.Namespace, out_dir: Path, only_base: list[str],
               only_new: list[str]) -> bool | None:
    """Compares base.json with new.json and writes the verdicts; None when it could not."""
    from synclab.compare import judge, render
    from synclab.compare.cli import load_repetitions, options_from
    from synclab.load import ResultsError
    from synclab.results import write_text_atomic

    try:
        base = load_repetitions(out_dir / "base.json")
        new = load_repetitions(out_dir / "new.json")
        # Both sides ran here, now: a context that differs (flags of the revision) is the change.
        comparison = judge.compare(base, new, options_from(args, force=True))
    except (ResultsError, judge.InputError) as exc:
        report_error(PROG, f"cannot compare the two sides: {exc}")
        return None
    comparison.only_base.extend(n for n in only_base if n not in comparison.only_base)
    comparison.only_new.extend(n for n in only_new if n not in comparison.only_new)
    for name, form in AB_OUTPUTS:
        write_text_atomic(out_dir / name, render.render(comparison, form))
    print(render.text(comparison), end="")
    print(f"\ncompare: {out_dir / 'compare.md'} (also compare.json, junit.xml, bmf.json, gab.json)")
    return comparison.regressed


def fast_path_selection(selected: list[str]) -> list[str]:
    """--mode instructions: the uncontended one-thread cases of the selection."""
    from synclab.compare import instructions

    kept, skipped = instructions.fast_path_cases(selected)
    if skipped:
        print(f"{PROG}: --mode instructions: skipping {len(skipped)} cases that are not uncontended "
              f"one-thread cases ({', '.join(skipped[:3])}{', ...' if len(skipped) > 3 else ''})",
              file=sys.stderr, flush=True)
    if not kept:
        raise UsageError("--mode instructions: no uncontended one-thread case is selected")
    return kept


def run_instructions(args: argparse.Namespace, argv: list[str], plan: cases.Plan, binary: Path,
                     selected: list[str], stop: StopFlag) -> int:
    """--mode instructions: instructions per operation of each selected case (instructions.json)."""
    from synclab.compare import instructions

    valgrind = instructions.find_valgrind()
    repetitions = args.repetitions or 1
    window_ms = args.duration or instructions.DEFAULT_WINDOW_MS
    calibration = bench.calibrate(binary, should_stop=stop.is_set)
    started = datetime.datetime.now().astimezone()
    run_id = make_run_id(started, socket.gethostname(), git_sha7(REPO))
    out_dir = _open_run_dir(args, run_id)
    info = _run_info(args, argv, plan, run_id, started, len(selected), repetitions, window_ms,
                     calibration, binary)
    results = ResultsFile(out_dir / "instructions.json", info)
    results.context.update(instructions.mode_context(valgrind))
    results.write()
    print(f"{PROG}: {len(selected)} cases under callgrind, {repetitions} x 2 windows from "
          f"{cases.format_duration(window_ms)}; writing {results.path}", file=sys.stderr, flush=True)
    flags = cases.synclab_flags(plan) + [f"--synclab_delay_calibration={calibration:g}"]
    target = instructions.Target("instructions", binary, results)
    finished = instructions.run_cases(valgrind, [target], selected, flags, repetitions, window_ms,
                                      out_dir, stop.is_set)
    info["finished"] = _now()
    info["interrupted"] = not finished
    results.write()
    for entry in results.benchmarks:
        if entry.get("error_occurred"):
            print(f"{entry['name']}: {one_line(str(entry.get('error_message', '')))}")
        else:
            print(f"{entry['name']:<60} {entry['instructions_per_op']:10.2f} instructions/op")
    print(f"\nresults: {results.path}")
    complete = True
    if args.record and finished:
        complete = record_run(args, results.path)
    try:
        point_symlink(out_dir.parent / "latest", out_dir)
    except OSError as exc:
        report_error(PROG, f"could not point {out_dir.parent / 'latest'} at the run: {exc}")
    if not finished:
        report_error(PROG, f"interrupted after {info['cases_done']} of {len(selected)} cases; "
                           f"kept in {results.path}")
        return EXIT_INTERRUPTED
    if info["cases_failed"] or info["cases_timed_out"] or not complete:
        return EXIT_FAILED
    return EXIT_OK


# ---------------------------------------------------------------- architectures, census

def add_arch_options(parser: ArgumentParser) -> None:
    """Options of the target architecture and of the code-generation census."""
    add = parser.add_argument
    add("--arch", choices=arches.ARCH_CHOICES, default="native",
        help="native (default), x86_64 or arm64: the host's own architecture builds and runs "
             "natively; arm64 on x86_64 cross-builds the arm64 preset and runs it under "
             "qemu-aarch64 (results marked emulated; short windows unless --duration is given)")
    add("--arm64-variant", choices=arches.ARM64_VARIANTS, default="default",
        help="arm64 code generation: default (GCC's outline atomics), llsc (ARMv8.0 LL/SC, "
             "-march=armv8-a -mno-outline-atomics) or lse (ARMv8.1, -march=armv8.1-a)")
    add("--no-census", action="store_true",
        help="skip the code-generation census (census.json beside results.json)")


def resolve_target(args: argparse.Namespace) -> arches.Target:
    """The target of --arch / --arm64-variant (or of an arm64 --preset / --bench); sets the preset
    it builds, and for an emulated run the short default windows."""
    preset_variant = {p: v for v, p in arches.ARM64_PRESETS.items() if p != arches.NATIVE_PRESET}
    requested, variant = args.arch, args.arm64_variant
    binary_arch = None
    if args.bench:
        from synclab.census.objects import elf_arch
        binary_arch = elf_arch(Path(args.bench))
        if binary_arch is not None and requested == "native":
            requested = binary_arch
    elif args.preset in preset_variant:
        if requested == "native":
            requested = "arm64"
        if variant == "default":
            variant = preset_variant[args.preset]
    try:
        target = arches.resolve(requested, variant, need_toolchain=not args.bench)
    except arches.ArchError as exc:
        raise UsageError(str(exc)) from None
    if args.bench and binary_arch is not None and binary_arch != target.arch:
        raise UsageError(f"--bench {args.bench} is an {binary_arch} binary, not {target.arch}")
    if not args.bench and target.preset != arches.NATIVE_PRESET:
        if args.preset not in (arches.NATIVE_PRESET, target.preset):
            raise UsageError(f"--preset {args.preset} does not build --arch={target.arch} "
                             f"--arm64-variant {target.variant} (that is preset {target.preset})")
        args.preset = target.preset
    if target.emulated:
        if args.mode == "instructions" or args.ab or args.ab_bench:
            raise UsageError("--mode instructions and --ab need the host's own architecture "
                             f"(valgrind and A/B timings cannot run under qemu); drop --arch={args.arch}")
        args.repetitions, args.duration = cases.emulated_defaults(args.profile, args.repetitions,
                                                                  args.duration)
    return target


def emulate_binary(binary: Path, target: arches.Target) -> Path:
    """The binary itself when it runs here; for a foreign one, a wrapper that runs it under qemu
    with SYNCLAB_EMULATED=true (every case, the listing and the calibration go through it)."""
    try:
        emulator = target.emulator or arches.emulator_for_binary(binary)
    except arches.ArchError as exc:
        raise UsageError(str(exc)) from None
    if not emulator:
        return binary
    # beside a binary of this repository's build tree; elsewhere in a temporary directory
    in_build = binary.resolve().is_relative_to(REPO / "build")
    try:
        wrapper = arches.write_wrapper(binary, emulator, None if in_build else arches.temp_dir())
    except OSError:
        wrapper = arches.write_wrapper(binary, emulator, arches.temp_dir())
    print(f"{PROG}: running {binary} under {' '.join(emulator)} (emulated: timings are not "
          "hardware numbers)", file=sys.stderr, flush=True)
    return wrapper


def target_info(target: arches.Target) -> dict[str, Any]:
    """What the run records about its target (context.synclab_run)."""
    return {"arch": target.arch, "arch_variant": target.variant, "preset": target.preset,
            "emulated": target.emulated,
            "emulator": " ".join(target.emulator) if target.emulator else None}


def write_census(args: argparse.Namespace, out_dir: Path, stop: StopFlag) -> None:
    """The code-generation census of the measured build, as census.json beside results.json.

    A census that cannot be taken (no objdump for the target, a build without compile commands)
    is one line on stderr; the run itself is not failed by it.
    """
    if args.no_census or stop.is_set():
        return
    from synclab.census import objects, run as census
    binary = Path(args.bench) if args.bench else REPO / "build" / args.preset / BENCH_IN_BUILD
    if objects.elf_arch(binary) is None:  # a stand-in (script) bench: no code to take a census of
        return
    build_dir = binary.resolve().parent.parent
    try:
        if (build_dir / "CMakeCache.txt").is_file() and (build_dir / "compile_commands.json").is_file():
            doc = census.census_of_build(REPO, build_dir, binary=binary, host=arches.host_arch())
        else:
            doc = census.census_of_file(binary, host=arches.host_arch(),
                                        patterns_file=REPO / objects.PATTERNS_FILE)
        path = census.write(doc, out_dir / "census.json")
    except (objects.CensusError, ValueError, OSError) as exc:
        report_error(PROG, f"census skipped: {exc}")
        return
    print(f"{PROG}: census of {len(doc['functions'])} functions ({doc['arch']} {doc['variant']}), "
          f"{len(doc['mismatches'])} differing from {doc['reference']}: {path}",
          file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    stop = StopFlag()
    with stop.installed():
        try:
            return _main(arguments, stop)
        except UsageError as exc:
            report_error(PROG, str(exc))
            return EXIT_USAGE
        except RunError as exc:
            report_error(PROG, str(exc))
            return EXIT_FAILED
        except KeyboardInterrupt:
            report_error(PROG, "interrupted")
            return EXIT_INTERRUPTED
        except OSError as exc:
            report_error(PROG, f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
            return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
