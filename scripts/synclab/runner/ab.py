"""run_suite --ab / --ab-bench: the base build and the current one measured in one job.

Case by case, the two binaries alternate repetition by repetition (base, new, base, new, ...),
every repetition its own process through the normal bench runner, so slow drifts of a shared
machine hit both sides alike. base.json and new.json are ordinary results files; compare's
verdicts land beside them (compare.md, compare.json, junit.xml, bmf.json, gab.json).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from synclab import bench, cases
from synclab.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, one_line
from synclab.errors import report_error
from synclab.metrics import format_value
from synclab.numfmt import clock
from synclab.results import ResultsFile, failure_entry
from synclab.runner import PROG, REPO, instructions, interleave, rundir
from synclab.runner.build import check_binary
from synclab.runner.stop import StopFlag

AB_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("compare.md", "markdown"), ("compare.json", "json"), ("junit.xml", "junit"),
    ("bmf.json", "bmf"), ("gab.json", "gab"), ("gab-bigger.json", "gab-bigger"))


@dataclass
class SideRun:
    """One side's binary, flags and results file."""
    name: str  # "base" or "new"
    binary: Path
    flags: list[str]
    results: ResultsFile
    failed_cases: list[str] = field(default_factory=list)


def split_cases(base: list[str], new: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(common in NEW's order, only in BASE, only in NEW)."""
    base_set, new_set = set(base), set(new)
    return ([n for n in new if n in base_set], [n for n in base if n not in new_set],
            [n for n in new if n not in base_set])


def renumbered(entries: list[dict[str, Any]], repetition: int, repetitions: int) -> list[dict[str, Any]]:
    """A single-repetition process's iteration entries, renumbered as repetition `repetition`."""
    out = []
    for entry in entries:
        if entry.get("run_type", "iteration") != "iteration":
            continue
        out.append({**entry, "repetition_index": repetition, "repetitions": repetitions})
    return out


def _ops(entries: list[dict[str, Any]]) -> list[float]:
    return [e["ops_per_sec"] for e in entries
            if isinstance(e.get("ops_per_sec"), (int, float)) and not e.get("error_occurred")]


def run_interleaved(sides: tuple[SideRun, SideRun], names: list[str],
                    sampling: Callable[[str], cases.Sampling], timeout_s: float,
                    should_stop: Callable[[], bool]) -> bool:
    """Runs every case: base rep 0, new rep 0, base rep 1, ...; False when interrupted.
    sampling(name) gives a case's repetitions per side and window.

    A side whose repetition fails (timeout, crash) runs no further repetitions of that case;
    the failure is recorded as the case's entry on that side.
    """
    by_name = {side.name: side for side in sides}

    def one(name: str, side: str, repetition: int) -> bench.CaseOutcome:
        run, measured = by_name[side], sampling(name)
        outcome = bench.run_case(run.binary, name, repetitions=1,
                                 flags=cases.with_window(run.flags, measured.duration_ms),
                                 timeout_s=timeout_s, should_stop=should_stop)
        outcome.benchmarks = renumbered(outcome.benchmarks, repetition, measured.repetitions)
        return outcome

    def record(name: str, finished: dict[str, list[bench.CaseOutcome]],
               failures: dict[str, bench.CaseOutcome]) -> str:
        return ", ".join(_record_side(side, name, finished[side.name], failures.get(side.name),
                                      sampling(name).repetitions) for side in sides)

    return interleave.run_cases(names, list(by_name), lambda name: sampling(name).repetitions,
                                one, record, should_stop)


def _record_side(side: SideRun, name: str, finished: list[bench.CaseOutcome],
                 failure: bench.CaseOutcome | None, repetitions: int) -> str:
    """Adds one case's entries to a side's results file; its part of the progress line."""
    info = side.results.run_info
    context: dict[str, Any] = next((o.context for o in finished if o.context), {})
    entries = [entry for outcome in finished for entry in outcome.benchmarks]
    if failure is None:
        side.results.add_case(context, entries)
        ops = _ops(entries)
        text = (f"{side.name} {format_value('ops_per_sec', sorted(ops)[len(ops) // 2])}ops/s"
                if ops else f"{side.name} done")
    else:
        info["cases_timed_out" if failure.status == "timed_out" else "cases_failed"] += 1
        side.failed_cases.append(name)
        failed = failure_entry(name, failure.status, failure.message, repetitions)
        side.results.add_case(context, entries + [failed])
        label = "TIMED OUT" if failure.status == "timed_out" else "FAILED"
        text = f"{side.name} {label} ({one_line(failure.message)[:120]})"
    info["cases_done"] += 1
    side.results.write()
    return text


def list_sides(base_binary: Path, new_binary: Path, flags: list[str], pattern: str | None,
               mode: str, stop: StopFlag) -> tuple[list[str], list[str], list[str]]:
    """(cases both builds have, only BASE, only NEW) for these options, in NEW's order."""
    base_names = cases.filter_cases(bench.list_cases(base_binary, flags, should_stop=stop.is_set),
                                    pattern)
    new_names = cases.filter_cases(bench.list_cases(new_binary, flags, should_stop=stop.is_set),
                                   pattern)
    common, only_base, only_new = split_cases(base_names, new_names)
    if mode == "instructions":
        common, only_base, only_new = (instructions.fast_path_cases(names)[0]
                                       for names in (common, only_base, only_new))
        if common:
            common = instructions.fast_path_selection(common, new_binary, flags, stop.is_set)
            base_counted = set(instructions.countable_cases(base_binary, common, flags,
                                                            stop.is_set)[0])
            common = [name for name in common if name in base_counted]
    if not common:
        raise UsageError(f"--ab: the two builds share no case for these options (base lists "
                         f"{len(base_names)}, new lists {len(new_names)})")
    return common, only_base, only_new


def check_new_binary(args: argparse.Namespace) -> None:
    """--bench must exist now, unless it names the binary --ab is about to build (the A/A
    recipe `--ab HEAD --bench build/ab/base/benches/synclab_bench` on a fresh checkout)."""
    from synclab.runner.ab_build import base_binary_path

    if not args.bench or not args.ab or Path(args.bench).is_file():
        return
    if Path(args.bench).resolve() != base_binary_path(REPO).resolve():
        check_binary("--bench", args.bench)


def run_ab(args: argparse.Namespace, argv: list[str], plan: cases.Plan,
           resolve_new: Callable[[], Path], stop: StopFlag) -> int:
    """--ab / --ab-bench: both builds interleaved in one run directory, then compare.
    resolve_new() gives the new side's binary; it is called once the base is built."""
    from synclab.runner.ab_build import build_base

    check_new_binary(args)
    if args.ab_bench:
        base_binary, base_revision = check_binary("--ab-bench", args.ab_bench), None
    else:
        base_binary, base_revision = build_base(REPO, args.ab, args.jobs, stop.is_set)
    new_binary = resolve_new()
    flags = cases.synclab_flags(plan)
    common, only_base, only_new = list_sides(base_binary, new_binary, flags, args.filter,
                                             args.mode, stop)
    instruction_mode = args.mode == "instructions"
    repetitions = (args.repetitions or 1) if instruction_mode else plan.repetitions
    duration_ms = (args.duration or instructions.DEFAULT_WINDOW_MS) if instruction_mode \
        else plan.duration_ms
    if not instruction_mode:
        check_gate_power(args, len(common), min(plan.sampling(n).repetitions for n in common))

    def sampling(name: str) -> cases.Sampling:
        return cases.Sampling(repetitions, duration_ms) if instruction_mode else plan.sampling(name)

    if args.list:
        print("\n".join(common))
        for label, names in (("only in base", only_base), ("only in new", only_new)):
            if names:
                print(f"{label} (not compared): {', '.join(names)}")
        # Every repetition of an A/B is a process of its own.
        estimate = sum(2 * s.repetitions * cases.expected_case_seconds(1, s.duration_ms)
                       for s in map(sampling, common))
        timing = "" if instruction_mode else f" (about {clock(estimate)})"
        each = f"{repetitions}" if instruction_mode else plan.samplings()
        print(f"{len(common)} cases, each {each} per side, base and new interleaved{timing}")
        return EXIT_OK

    calibration = bench.calibrate(new_binary, should_stop=stop.is_set)
    started, run_id = rundir.start()
    out_dir = rundir.open_run_dir(args, run_id)
    ab_info = {"base_ref": args.ab, "base_revision": base_revision, "base_bench": str(base_binary),
               "new_bench": str(new_binary), "interleaved": True,
               "cases_only_in_base": only_base, "cases_only_in_new": only_new}
    timeout = args.case_timeout or cases.default_case_timeout(
        1, max(duration_ms, plan.contended.duration_ms if plan.contended else 0))
    files = {}
    for side, binary in (("base", base_binary), ("new", new_binary)):
        info = rundir.run_info(args, argv, plan, run_id, started, len(common), repetitions,
                               duration_ms, calibration, binary)
        info["ab"] = {**ab_info, "side": side}
        info["case_timeout_s"] = timeout  # per repetition: each is its own process
        files[side] = ResultsFile(out_dir / f"{side}.json", info)
        files[side].write()
    each = f"{repetitions} x {cases.format_duration(duration_ms)}" if instruction_mode \
        else plan.samplings()
    print(f"{PROG}: A/B, {len(common)} cases, each {each} per side, base and new interleaved; "
          f"writing {out_dir}", file=sys.stderr, flush=True)
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
        sides = (SideRun("base", base_binary, side_flags, files["base"]),
                 SideRun("new", new_binary, side_flags, files["new"]))
        with bench.futex_tracepoints_held(new_binary, base_binary):
            finished = run_interleaved(sides, common, sampling, timeout, stop.is_set)
    for results in files.values():
        results.run_info["finished"] = rundir.now()
        results.run_info["interrupted"] = not finished
        results.write()
    rundir.point_latest(out_dir)
    if not finished:
        report_error(PROG, f"interrupted; kept what finished in {out_dir}")
        return EXIT_INTERRUPTED
    regressed = compare_ab(args, out_dir, only_base, only_new)
    failed = any(f.run_info["cases_failed"] or f.run_info["cases_timed_out"]
                 for f in files.values())
    if regressed is None or regressed or failed:
        return EXIT_FAILED
    return EXIT_OK


def check_gate_power(args: argparse.Namespace, cases_compared: int, repetitions: int) -> None:
    """--fail-on-inconclusive with repetitions that cannot reach the gate's level: one line,
    before anything runs (every case would be inconclusive by construction)."""
    from synclab.compare import stats

    if not args.fail_on_inconclusive:
        return
    if args.threshold <= 0:
        raise UsageError("--fail-on-inconclusive with --threshold 0: no finite number of "
                         "repetitions can show that nothing moved by 0 %")
    level = args.alpha / max(1, cases_compared)
    if stats.smallest_p(repetitions, repetitions) > level:
        raise UsageError(f"--fail-on-inconclusive with {repetitions} repetition"
                         f"{'s' if repetitions != 1 else ''} per side: no case of the "
                         f"{cases_compared} can reach p <= {level:.2g} (alpha {args.alpha:g} "
                         f"over {cases_compared} gated cases); use --repetitions "
                         f"{stats.repetitions_needed(level)} or more")


def compare_ab(args: argparse.Namespace, out_dir: Path, only_base: list[str],
               only_new: list[str]) -> bool | None:
    """Compares base.json with new.json and writes the verdicts; whether the gate failed (a
    regression, or an inconclusive case with --fail-on-inconclusive); None when it could not."""
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
    return comparison.failed
