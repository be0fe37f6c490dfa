"""run_suite --mode instructions: the uncontended one-thread cases of the selection, each measured
under callgrind (synclab/runner/callgrind.py) into instructions.json; with --ab, both builds.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from synclab import bench, cases
from synclab.errors import RunError, UsageError, one_line
from synclab.names import parse_case_name
from synclab.results import ResultsFile, failure_entry, read_gb_output
from synclab.runner import PROG, interleave, rundir
from synclab.runner.callgrind import TOGGLE_COLLECT, Measured, measure
from synclab.runner.record import record_run
from synclab.runner.stop import StopFlag

DEFAULT_WINDOW_MS = 20
METHOD = ("callgrind Ir inside the harness worker function (--toggle-collect), slope over a short "
          "and a long window: (Ir_long - Ir_short) / (ops_long - ops_short); "
          "ops = ops_per_sec / handoffs_per_sec (one owner change at one thread); latency "
          "sampling off; includes the harness loop around operation()")
REFUSAL = ("--mode instructions measures only the single-thread uncontended fast path: "
           "callgrind runs one thread at a time and leaves out the kernel, so coherence traffic, "
           "lock handoffs and futex sleeps of contended cases never appear in its counts")


def check_plan(contention: tuple[str, ...] | None, threads: tuple[int, ...] | None) -> None:
    """Refuses options that ask for contended cases."""
    if contention is not None and tuple(contention) != ("uncontended",):
        raise UsageError(f"--contention {','.join(contention)}: {REFUSAL}")
    if threads is not None and tuple(threads) != (1,):
        raise UsageError(f"--threads {','.join(map(str, threads))}: {REFUSAL}")


def fast_path_cases(names: list[str]) -> tuple[list[str], list[str]]:
    """(the uncontended one-thread cases, the others): only the first are measured."""
    keep: list[str] = []
    skip: list[str] = []
    for name in names:
        case = parse_case_name(name)
        ok = case is not None and case.scenario == "uncontended" and case.threads == 1
        (keep if ok else skip).append(name)
    return keep, skip


def find_valgrind() -> str:
    path = shutil.which("valgrind")
    if path is None:
        raise UsageError("--mode instructions needs valgrind, which is not on PATH "
                         "(Debian: apt-get install valgrind)")
    return path


def valgrind_version(valgrind: str) -> str:
    try:
        out = subprocess.run([valgrind, "--version"], capture_output=True, text=True, timeout=30,
                             check=False)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@dataclass
class Target:
    """One binary measured into one results file (one for a plain run, base and new for --ab)."""
    name: str
    binary: Path
    results: ResultsFile


def mode_context(valgrind: str) -> dict[str, str]:
    """What the context of an instructions file adds to the bench binary's."""
    return {"mode": "instructions", "instructions_method": METHOD,
            "valgrind": valgrind_version(valgrind), "callgrind_toggle_collect": TOGGLE_COLLECT}


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def run_cases(valgrind: str, targets: list[Target], names: list[str], flags: list[str],
              repetitions: int, window_ms: int, out_dir: Path,
              should_stop: Callable[[], bool]) -> bool:
    """Measures every case on every target, repetition by repetition alternating the targets;
    returns False when interrupted. callgrind files stay in out_dir/callgrind/."""
    extra = mode_context(valgrind)
    for target in targets:
        target.results.context.update(extra)
    cg_dir = out_dir / "callgrind"
    cg_dir.mkdir(parents=True, exist_ok=True)
    by_name = {target.name: target for target in targets}

    def one(name: str, side: str, repetition: int) -> Measured:
        prefix = f"{side}." if len(targets) > 1 else ""
        stem = cg_dir / f"{prefix}{_safe(name)}.{repetition}"
        m = measure(valgrind, by_name[side].binary, name, flags, window_ms, stem, should_stop)
        if m.entry is not None:
            m.entry.update(repetitions=repetitions, repetition_index=repetition)
        return m

    def record(name: str, got: dict[str, list[Measured]], failed: dict[str, Measured]) -> str:
        return ", ".join(_record_target(target, name, got[target.name], failed.get(target.name),
                                        repetitions, extra) for target in targets)

    return interleave.run_cases(names, list(by_name), repetitions, one, record, should_stop)


def _record_target(target: Target, name: str, ok: list[Measured], failure: Measured | None,
                   repetitions: int, extra: dict[str, str]) -> str:
    """Adds one case's entries to a target's results file; its part of the progress line."""
    info = target.results.run_info
    entries = [m.entry for m in ok if m.entry is not None]
    contexts = [m.context for m in ok if m.context]
    context = contexts[0] if contexts else {}
    if failure is not None:
        info["cases_timed_out" if failure.status == "timed_out" else "cases_failed"] += 1
        entries.append(failure_entry(name, failure.status, failure.message, repetitions))
        text = f"{target.name} FAILED ({one_line(failure.message)[:140]})"
    else:
        values = sorted(m.per_op for m in ok)
        text = f"{target.name} {values[len(values) // 2]:.2f} instructions/op"
    if context and set(target.results.context) <= set(extra):
        target.results.context = {**context, **extra}  # the binary's context, once
        target.results.context.pop("synclab_run", None)
    target.results.add_case(context, entries)
    info["cases_done"] += 1
    target.results.write()
    return text


PROBE_WINDOW_MS = 2
PROBE_TIMEOUT_S = 300.0


def countable_cases(binary: Path, names: list[str], flags: list[str],
                    should_stop: Callable[[], bool]) -> tuple[list[str], list[str]]:
    """(the cases whose operations callgrind can count, the others): one short native run of
    all of them in one process; a case can be counted when it reports handoffs_per_sec, which
    at one thread gives its exact operation count (callgrind.exact_ops). Refcount, seqlock,
    semaphores and rwlocks at reads:100 follow no lock owner and report none."""
    if not names:
        return [], []
    with tempfile.TemporaryDirectory(prefix="synclab-probe-") as tmp:
        out_file = Path(tmp) / "probe.json"
        pattern = "|".join(bench.exact_filter(name) for name in names)
        kept_flags = [f for f in flags if not f.startswith(("--synclab_duration_ms=",
                                                             "--synclab_sampling="))]
        cmd = [str(binary), f"--benchmark_filter={pattern}", "--benchmark_repetitions=1",
               f"--benchmark_out={out_file}", "--benchmark_out_format=json",
               "--benchmark_format=console", *kept_flags,
               f"--synclab_duration_ms={PROBE_WINDOW_MS}", "--synclab_sampling=off"]
        result = bench.run_process(cmd, timeout_s=PROBE_TIMEOUT_S, should_stop=should_stop)
        if result.stopped:
            raise KeyboardInterrupt
        if result.returncode != 0:
            raise RunError(f"--mode instructions: the run that finds the countable cases failed "
                           f"({'timed out' if result.timed_out else bench.describe_exit(result.returncode or 0)}); "
                           f"stderr: {bench.tail(result.stderr) or '(empty)'}")
        try:
            _, entries = read_gb_output(out_file)
        except ValueError as exc:
            raise RunError(f"--mode instructions: the run that finds the countable cases: {exc}") \
                from None
    # A case whose short run failed is kept: callgrind's own run says why it fails, if it does.
    uncounted = {e.get("run_name") or e.get("name") for e in entries
                 if not e.get("error_occurred") and not (
                     isinstance(e.get("handoffs_per_sec"), (int, float))
                     and e["handoffs_per_sec"] > 0)}
    return [n for n in names if n not in uncounted], [n for n in names if n in uncounted]


def _skipping(count: int, names: list[str], why: str) -> None:
    print(f"{PROG}: --mode instructions: skipping {count} cases {why} "
          f"({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})",
          file=sys.stderr, flush=True)


def fast_path_selection(selected: list[str], binary: Path, flags: list[str],
                        should_stop: Callable[[], bool]) -> list[str]:
    """--mode instructions: the uncontended one-thread cases of the selection whose operations
    can be counted."""
    fast, skipped = fast_path_cases(selected)
    kept, uncounted = countable_cases(binary, fast, flags, should_stop)
    if not kept:
        raise UsageError(f"--mode instructions: no selected case is an uncontended one-thread case "
                         f"with a countable operation ({len(skipped)} are not uncontended "
                         f"one-thread cases, {len(uncounted)} follow no lock owner)")
    if skipped:
        _skipping(len(skipped), skipped, "that are not uncontended one-thread cases")
    if uncounted:
        _skipping(len(uncounted), uncounted, "that follow no lock owner (no handoffs_per_sec, so "
                  "no exact operation count)")
    return kept


def plan_line(args: argparse.Namespace, cases_selected: int) -> str:
    """What --list says of an instructions run: the cases and the windows under callgrind."""
    window = args.duration or DEFAULT_WINDOW_MS
    repetitions = args.repetitions or 1
    return (f"{cases_selected} cases under callgrind, {repetitions} x a {cases.format_duration(window)} "
            f"window and a longer one each")


def run_instructions(args: argparse.Namespace, argv: list[str], plan: cases.Plan, binary: Path,
                     selected: list[str], stop: StopFlag) -> int:
    """--mode instructions: instructions per operation of each selected case (instructions.json)."""
    valgrind = find_valgrind()
    repetitions = args.repetitions or 1
    window_ms = args.duration or DEFAULT_WINDOW_MS
    calibration = bench.calibrate(binary, should_stop=stop.is_set)
    started, run_id = rundir.start()
    out_dir = rundir.open_run_dir(args, run_id)
    info = rundir.run_info(args, argv, plan, run_id, started, len(selected), repetitions,
                           window_ms, calibration, binary)
    results = ResultsFile(out_dir / "instructions.json", info)
    results.context.update(mode_context(valgrind))
    results.write()
    print(f"{PROG}: {len(selected)} cases under callgrind, {repetitions} x 2 windows from "
          f"{cases.format_duration(window_ms)}; writing {results.path}", file=sys.stderr, flush=True)
    flags = cases.synclab_flags(plan) + [f"--synclab_delay_calibration={calibration:g}"]
    target = Target("instructions", binary, results)
    finished = run_cases(valgrind, [target], selected, flags, repetitions, window_ms,
                         out_dir, stop.is_set)
    info["finished"] = rundir.now()
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
    return rundir.finish(out_dir, info, len(selected), results.path, complete)
