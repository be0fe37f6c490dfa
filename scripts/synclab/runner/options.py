"""run_suite's options: the parser, the parsing of their values, and the combinations allowed.

Everything here is checked before anything is built or run, so bad input costs nothing.
"""
from __future__ import annotations

import argparse

from synclab import arch as arches
from synclab import cases
from synclab.compare.cli import add_judging_options
from synclab.errors import ArgumentParser, UsageError, number, typed
from synclab.report.summary import CRITERIA, DEFAULT_FAIR_BY, FAIR_BY
from synclab.runner import PROG, families


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"invalid value {text!r} (expected a positive integer)")
    return int(text)


_positive_seconds = number("value", "expected seconds, e.g. 30 or 2.5",
                           lambda value: 0 < value < float("inf"),
                           "expected a positive number of seconds")


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
    add("--filter", type=typed(cases.parse_filter), metavar="REGEX",
        help="run only cases whose name matches (Python re.search); reproduction/ or "
             "reproduction/R-N: the cases of the book's experiments (docs/reproduction.md)")
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
    add("--sweeps", choices=("on", "off"),
        help="on: also each family's sweeps (capacities, payloads, read shares, spin counts, "
             "padding widths, the orderings between the extremes); off: the key cases only "
             "(default: the profile's, table below)")
    add("--no-report", action="store_true", help="write results.json only")
    add("--fair-by", choices=FAIR_BY, default=DEFAULT_FAIR_BY,
        help="how the report's summary decides 'fairest' and 'best at both' (default "
             f"{DEFAULT_FAIR_BY}; docs/report.md): " + "; ".join(
                 f"{name}: {CRITERIA[name].label}" for name in FAIR_BY))
    add_family_options(parser)
    add_apps_options(parser)
    add_mode_options(parser)
    add_arch_options(parser)
    return parser


def add_family_options(parser: ArgumentParser) -> None:
    """Which families run, and a contention level of the user's own (docs/contention.md)."""
    add = parser.add_argument
    add("--family", type=typed(families.parse_families), metavar="LIST",
        help="run only these families, e.g. locks,channels (--list shows which levels each "
             "takes); without --contention, the profile's levels they take")
    add("--cs-ns", type=typed(cases.parse_custom_ns), metavar="N",
        help="custom level: ns of work inside the critical section (default 0 when another "
             "knob is set); without --contention only the custom level runs")
    add("--think-ns", type=typed(cases.parse_custom_ns), metavar="N",
        help="custom level: ns of work between operations (default 0)")
    add("--cs-lines", type=typed(cases.parse_cs_lines), metavar="N",
        help=f"custom level: cache lines written in the critical section, 1 to "
             f"{cases.MAX_CUSTOM_CS_LINES} (default 1)")


def add_apps_options(parser: ArgumentParser) -> None:
    """Lock plugins, and the apps family: real programs under every lock (docs/apps.md)."""
    from synclab.runner import apps, apps_programs
    add = parser.add_argument
    add("--plugin", action="append", metavar="PATH",
        help="a lock plugin (shared library, harness/include/synclab/harness/lock_plugin.h) run in "
             "every lock scenario and, with --family apps, through the interposer; repeatable; "
             "also SYNCLAB_PLUGINS=PATH:PATH. The control (futex_mutex3 behind the same ABI) "
             "runs beside it")
    add("--apps", type=typed(apps_programs.parse_programs), metavar="LIST",
        help="with --family apps: the programs or program:workload pairs to run (default every "
             "one: " + ", ".join(f"{p.name}:{w.name}" for p in apps_programs.PROGRAMS.values()
                                 for w in p.workloads) + ")")
    add("--app-locks", type=typed(apps.parse_locks), metavar="LIST",
        help="with --family apps: the locks to run the programs under (default every lock the "
             "interposer allows, sweep points left out; pthread_mutex, the baseline, always)")
    add("--app-threads", type=typed(cases.parse_threads), metavar="LIST",
        help="with --family apps: the programs' worker threads, e.g. 1,2,4 (may exceed the PUs: "
             "their threads then share them; default: --threads, else 1, 2, 4, ... and the PUs)")
    add("--app-seconds", type=typed(apps.parse_seconds), metavar="SECONDS",
        help="with --family apps: length of each program run (default by profile: " + ", ".join(
            f"{name} {value:g} s" for name, value in apps.DEFAULT_SECONDS.items()) + ")")
    add("--app-pinning", choices=("each", "set"), default="each",
        help="with --family apps: each (default) pins the program's threads one per PU of the "
             "placement, in creation order; set lets them run anywhere on its PUs")


def custom_level(args: argparse.Namespace) -> cases.CustomLevel | None:
    """The custom level --cs-ns, --think-ns and --cs-lines define; None when none is given."""
    knobs = (args.cs_ns, args.think_ns, args.cs_lines)
    if all(knob is None for knob in knobs):
        return None
    return cases.CustomLevel(args.cs_ns or 0, args.think_ns or 0,
                             args.cs_lines if args.cs_lines is not None else 1)


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


def check_mode_options(args: argparse.Namespace) -> None:
    """Checks the combinations of --mode, --ab, --record before anything is built or run."""
    from synclab.runner import build, instructions, record

    if args.ab is not None and not args.ab.strip():
        raise UsageError("--ab needs a git revision, e.g. --ab origin/main")
    if args.ab_bench:
        build.check_binary("--ab-bench", args.ab_bench)
    if args.record and (args.ab or args.ab_bench):
        raise UsageError("--record keeps history of one build; it cannot be combined with --ab "
                         "(record the main branch's runs instead)")
    from synclab.runner.apps import FAMILY as APPS
    if (args.plugin or APPS in (args.family or ())) and (args.ab or args.ab_bench or args.mode == "instructions"):
        raise UsageError("--plugin and --family apps run in the default mode only (not with --ab or "
                         "--mode instructions)")
    if APPS not in (args.family or ()) and (args.apps or args.app_locks or args.app_threads
                                            or args.app_seconds is not None):
        raise UsageError("--apps, --app-locks, --app-threads and --app-seconds choose what the apps "
                         "family runs: add --family apps")
    if args.mode == "instructions" and custom_level(args) is not None:
        raise UsageError("--cs-ns, --think-ns and --cs-lines define a contended level; --mode "
                         "instructions counts only the uncontended one-thread cases")
    if args.mode == "instructions":
        instructions.check_plan(args.contention, args.threads)
        instructions.find_valgrind()
        args.contention, args.threads = ("uncontended",), (1,)
        # Every fast path the binary has, sweep points included (one callgrind run each).
        args.sweeps = args.sweeps or "on"
    if args.record:
        record.check_history(args)


def make_plan(args: argparse.Namespace, table: families.FamilyTable) -> cases.Plan:
    """What the options select, the profile filling what they leave open; a family named with
    a level it cannot run is a UsageError (checked against `table`)."""
    custom = custom_level(args)
    selection = families.select(table, args.family or (), args.contention, args.profile,
                                cases.PROFILES[args.profile].contention,
                                custom.name if custom else None)
    if not selection.tell_binary and (args.ab or args.ab_bench):
        raise UsageError(f"--family {','.join(selection.families)} take different levels of "
                         f"profile {args.profile}: name the levels with --contention for --ab")
    return cases.make_plan(args.profile, contention=selection.contention, threads=args.threads,
                           placement=args.placement, repetitions=args.repetitions,
                           duration_ms=args.duration, case_timeout_s=args.case_timeout,
                           test_cases=args.test_hang_case,
                           latency_sampling=args.latency_sampling == "on",
                           counters=args.counters, pus=cases.available_pus(),
                           families=selection.families, families_flag=selection.tell_binary,
                           custom=custom,
                           sweeps=None if args.sweeps is None else args.sweeps == "on")
