#!/usr/bin/python3
"""run_suite: build synclab, run every case in its own process, write results.json and the report.

    scripts/run_suite [--profile smoke|quick|full] [--filter REGEX] [--list] ...

Each case runs as its own subprocess under an outer watchdog; results.json is rewritten
atomically after every case, so an interrupted or crashed run keeps what finished.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from synclab import bench, cases
from synclab.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from synclab.errors import RunError, UsageError, report_error
from synclab.numfmt import clock
from synclab.runner import PROG, REPO, apps, apps_plugins, families
from synclab.runner.build import resolve_binary
from synclab.runner.options import check_mode_options, make_parser, make_plan
from synclab.out_dir import check_out_dir
from synclab.runner.stop import StopFlag
from synclab.runner.target import emulate_binary, resolve_target


def existing_binary(args: argparse.Namespace) -> Path | None:
    """The binary that will run when no build comes first: --bench's, or --no-build's."""
    if args.bench:
        return Path(args.bench)
    return REPO / "build" / args.preset / bench.BENCH_IN_BUILD if args.no_build else None


def _main(argv: list[str], stop: StopFlag) -> int:
    args = make_parser().parse_args(argv)
    check_mode_options(args)
    check_out_dir(args.out)
    args.family, apps_asked = apps.take_apps_family(args.family)
    apps_only = apps_asked and not args.family
    plugins = apps_plugins.requested(args.plugin)
    target = resolve_target(args)
    plan = make_plan(args, families.table_before_build(existing_binary(args)))
    if (args.ab or args.ab_bench) and not args.list_counters:
        from synclab.runner.ab import run_ab
        # The new side is resolved after the base is built: --bench may name the base's binary.
        return run_ab(args, argv, plan,
                      lambda: emulate_binary(resolve_binary(args, stop.is_set), target), stop)
    built = resolve_binary(args, stop.is_set)
    binary = emulate_binary(built, target)
    if args.list_counters:
        print(bench.list_counters(binary, should_stop=stop.is_set), end="")
        return EXIT_OK
    plugins, note = apps_plugins.with_control(plugins, built)
    if note:
        report_note(note)
    plan = dataclasses.replace(plan, plugins=plugins)
    app_plan = None
    if apps_asked:
        if binary != built:
            raise UsageError("--family apps runs programs of this machine natively; it cannot run "
                             "under emulation (--arch)")
        app_plan = apps.filter_cases(apps.plan_apps(args, plan, apps.interposer_beside(built),
                                                    plugins), args.filter)
    listed = [] if apps_only else cases.filter_cases(
        bench.list_cases(binary, cases.synclab_flags(plan), should_stop=stop.is_set), None,
        plan.families)
    if not listed and not apps_only:
        if not plan.sweeps:  # a sweep-only family (reclaim) registers nothing without sweeps
            raise UsageError(f"{binary} lists no cases for these options with sweeps off "
                             f"(families that are all sweep, such as reclaim, need --sweeps on "
                             f"or --profile full)")
        raise RunError(f"{binary} lists no cases for these options")
    selected = cases.filter_cases(listed, args.filter)
    if not selected and not (app_plan and app_plan.cases):
        raise UsageError(f"--filter {args.filter!r} matches none of the "
                         f"{len(listed) + len(app_plan.cases if app_plan else [])} cases")
    if args.mode == "instructions":
        from synclab.runner import instructions
        selected = instructions.fast_path_selection(selected, binary, cases.synclab_flags(plan),
                                                    stop.is_set)
    if args.list:
        if selected:
            print("\n".join(selected))
            if args.mode == "instructions":
                print(instructions.plan_line(args, len(selected)))
            else:
                print(families.listing(families.from_binary(binary, stop.is_set),
                                       families.Selection(plan.families, plan.contention,
                                                          plan.families_flag),
                                       plan.custom.name if plan.custom else None, selected))
                estimate = plan.expected_seconds(selected) + cases.OUTSIDE_CASES_S
                print(f"{len(selected)} cases (about {clock(estimate)} with the census and "
                      f"report, at {plan.samplings()})")
        if app_plan is not None:
            print(apps.listing(app_plan))
        return EXIT_OK
    if args.mode == "instructions":
        return instructions.run_instructions(args, argv, plan, binary, selected, stop)
    from synclab.runner.timed import run_timed
    return run_timed(args, argv, plan, binary, selected, target, stop,
                     extra=apps.AppsRunner(app_plan) if app_plan is not None else None)


def report_note(note: str) -> None:
    print(f"{PROG}: note: {note}", file=sys.stderr, flush=True)


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
