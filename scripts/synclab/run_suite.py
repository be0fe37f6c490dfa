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
from typing import Any, Callable, Iterator, Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from synclab import bench, cases
from synclab.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from synclab.errors import ArgumentParser, RunError, UsageError, one_line, report_error
from synclab.report import fmt
from synclab.results import ResultsFile, failure_entry, point_symlink

PROG = "run_suite"
REPO = Path(__file__).resolve().parents[2]
BENCH_IN_BUILD = Path("benches") / "synclab_bench"


# ---------------------------------------------------------------- options

def _typed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Wraps a parser raising ValueError into an argparse type (so errors stay one line)."""
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return convert


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
    add("--filter", type=_typed(_regex), metavar="REGEX",
        help="run only cases whose name matches (Python re.search)")
    add("--threads", type=_typed(cases.parse_threads), metavar="LIST",
        help="thread counts, e.g. 1,2,4 (default: the profile's)")
    add("--contention", type=_typed(cases.parse_contention), metavar="LIST",
        help=f"contention levels out of {','.join(cases.CONTENTION_LEVELS)}")
    add("--placement", type=_typed(cases.parse_placement), default="compact", metavar="POLICY",
        help="compact, scatter or cpus:LIST such as cpus:0,1 or cpus:0-3 (default compact)")
    add("--repetitions", type=_typed(_positive_int), metavar="N",
        help="repetitions of each case (default: the profile's)")
    add("--duration", type=_typed(cases.parse_duration), metavar="DURATION",
        help="measured window per repetition, e.g. 200ms, 1s, 0.5s (default: the profile's)")
    add("--case-timeout", type=_typed(_positive_seconds), metavar="SECONDS",
        help="outer watchdog per case (default: repetitions x (duration + 1 s) "
             f"+ {cases.WATCHDOG_GRACE_S} s in-process watchdog grace + "
             f"{cases.CASE_TIMEOUT_SLACK_S:g} s)")
    add("--out", metavar="DIR", help="run directory (default reports/<run-id> in the repository)")
    add("--list", action="store_true", help="print the cases that would run and exit")
    add("--bench", metavar="PATH", help="use this bench binary; skip the build")
    add("--no-build", action="store_true", help="use the already built binary of --preset")
    add("--preset", default="release", metavar="NAME", help="CMake preset to build (default release)")
    add("--jobs", type=_typed(_positive_int), default=2, metavar="N",
        help="parallel build jobs (default 2)")
    add("--test-hang-case", action="store_true",
        help="also run the test-only case whose lock is never released (exercises the watchdogs)")
    add("--latency-sampling", choices=("on", "off"), default="on",
        help="time 1 in 64 operations for latency percentiles (default on); off measures "
             "the harness without its clock reads")
    add("--no-report", action="store_true", help="write results.json only")
    return parser


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
        return f"done {fmt.si(ops)}ops/s" if ops is not None else "done (no ops_per_sec)"
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
        print(f"{_progress(outcome)}  (elapsed {fmt.clock(elapsed)}, eta {fmt.clock(eta)})",
              file=sys.stderr, flush=True)


def summarise(results: ResultsFile, out_dir: Path, write_html: bool) -> bool:
    """Prints the summary table and writes the report; False if either could not be done."""
    from synclab.report.load import parse_run
    from synclab.report.problems import find_problems
    from synclab.report.tables import scenario_tables
    from synclab.report.text import summary_text

    path = results.path
    try:
        run = parse_run(results.document(), str(path))
    except ValueError as exc:
        report_error(PROG, f"cannot summarise {path}: {exc}")
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
    plan = cases.make_plan(args.profile, contention=args.contention, threads=args.threads,
                           placement=args.placement, repetitions=args.repetitions,
                           duration_ms=args.duration, case_timeout_s=args.case_timeout,
                           test_cases=args.test_hang_case,
                           latency_sampling=args.latency_sampling == "on", pus=cases.available_pus())
    binary = resolve_binary(args, stop)
    listed = bench.list_cases(binary, cases.synclab_flags(plan), should_stop=stop.is_set)
    if not listed:
        raise RunError(f"{binary} lists no cases for these options")
    selected = cases.filter_cases(listed, args.filter)
    if not selected:
        raise UsageError(f"--filter {args.filter!r} matches none of the {len(listed)} cases")
    if args.list:
        print("\n".join(selected))
        estimate = len(selected) * cases.expected_case_seconds(plan.repetitions, plan.duration_ms)
        print(f"{len(selected)} cases (about {fmt.clock(estimate)} at {plan.repetitions} x "
              f"{cases.format_duration(plan.duration_ms)})")
        return EXIT_OK

    calibration = bench.calibrate(binary, should_stop=stop.is_set)
    started = datetime.datetime.now().astimezone()
    run_id = make_run_id(started, socket.gethostname(), git_sha7(REPO))
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
    results = ResultsFile(out_dir / "results.json", info)
    results.write()
    print(f"{PROG}: {len(selected)} cases, profile {plan.profile}, {plan.repetitions} x "
          f"{cases.format_duration(plan.duration_ms)}, case timeout {plan.case_timeout_s:g} s; "
          f"writing {results.path}", file=sys.stderr, flush=True)

    run_cases(binary, selected, plan, calibration, results, stop)
    info["finished"] = _now()
    info["interrupted"] = stop.is_set()
    results.write()

    complete = summarise(results, out_dir, write_html=not args.no_report)
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
