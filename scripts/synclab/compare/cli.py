#!/usr/bin/python3
"""compare: BASE.json vs NEW.json -> a verdict per case and metric, and an exit status.

    scripts/compare BASE.json NEW.json [--metrics LIST] [--gate-metrics primary|all]
                    [--threshold PCT] [--alpha A] [--fail-on-inconclusive]
                    [--normalize-to CASE|PRIMITIVE] [--force] [--format F] [--output FILE]

Reads only results files; never runs anything.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from synclab.compare import judge, render
from synclab.compare.judge import DEFAULT_METRICS
from synclab.errors import EXIT_INTERRUPTED, EXIT_USAGE
from synclab.errors import ArgumentParser, UsageError, probability, report_error, typed
from synclab.load import ResultsError, Run, load, require_repetitions
from synclab.metrics import HIGHER, LOWER, Metric, describe, lookup
from synclab.results import write_text_atomic

PROG = "compare"
EXIT_NONE_REGRESSED = 0
EXIT_REGRESSED = 1


def judged_metric(text: str) -> Metric:
    """A metric to judge by name (synclab/metrics.py), or `name:lower` / `name:higher` to state
    the direction of one the table does not know or would not judge."""
    base, sep, direction = text.partition(":")
    base = base.strip()
    if not base:
        raise ValueError(f"invalid metric {text!r}")
    if sep:
        if direction not in (LOWER, HIGHER):
            raise ValueError(f"invalid metric {text!r} (the direction after ':' is lower or higher)")
        return replace(describe(base), better=direction)
    known = lookup(base)
    if known is None:
        raise ValueError(f"metric {base!r}: direction unknown; write {base}:lower or {base}:higher")
    if known.better is None:
        raise ValueError(f"metric {base!r} describes the case ({known.label}) and has no better "
                         f"direction; write {base}:lower or {base}:higher to judge it anyway")
    return known


def parse_metrics(text: str) -> tuple[Metric, ...]:
    """`ns_per_op,ops_per_sec` -> their Metric rows, in order, without repeats."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ValueError(f"invalid metric list {text!r}")
    seen: dict[str, Metric] = {}
    for item in items:
        metric = judged_metric(item)
        seen.setdefault(metric.name, metric)
    return tuple(seen.values())


def parse_threshold(text: str) -> float:
    """'5' or '5%' -> 0.05 (a percentage, at least 0)."""
    body = text.strip().removesuffix("%").strip()
    try:
        value = float(body)
    except ValueError:
        raise ValueError(f"invalid threshold {text!r} (a percentage such as 5 or 2.5%)") from None
    if not 0 <= value < 1000:
        raise ValueError(f"invalid threshold {text!r} (a percentage from 0 up)")
    return value / 100.0


def add_judging_options(parser: argparse.ArgumentParser) -> None:
    """The options that decide verdicts; run_suite --ab shares them."""
    add = parser.add_argument
    add("--metrics", type=typed(parse_metrics), metavar="LIST",
        help=f"metrics to compare (default {','.join(DEFAULT_METRICS)}; instructions_per_op for "
             "--mode instructions files); name:lower or name:higher sets an unknown one's "
             "direction. Each case's primary metric (time per operation) is always compared")
    add("--gate-metrics", choices=judge.GATE_CHOICES, default="primary",
        help="primary (default): only each case's primary metric can fail the gate, the others "
             "are reported beside it; all: every compared metric is gated (and the correction "
             "covers them all)")
    add("--threshold", type=typed(parse_threshold), default=0.05, metavar="PCT",
        help="minimum effect in percent of the median (default 5); a case whose minimum "
             "detectable effect is larger is inconclusive")
    add("--alpha", type=typed(probability("alpha", "0.05")), default=0.05, metavar="A",
        help="false-discovery rate over the gated tests (Benjamini-Hochberg; default 0.05)")
    add("--fail-on-inconclusive", action="store_true",
        help="an inconclusive gated case fails the gate too (exit 1): for gates that must not "
             "pass blind")
    add("--normalize-to", metavar="CASE|PRIMITIVE",
        help="divide every metric by a reference case of the same run, repetition by repetition: "
             "a full case name, or a primitive (e.g. std_mutex) taken at each case's "
             "family/scenario/threads/placement")


def make_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compare two synclab results files case by case: median ratio, exact "
                    "Mann-Whitney U over the repetitions, a minimum effect, Benjamini-Hochberg "
                    "over the gated primary metrics, and the power of every verdict.",
        epilog="verdicts: regressed / improved (significant and beyond the threshold); unchanged "
               "(a change of the\nthreshold's size would have been seen with 80 % power); "
               "inconclusive (it could not have\nbeen seen: the note says how many repetitions "
               "would do; or data missing).\n"
               "exit status: 0 the gate passed; 1 something regressed (or, with "
               "--fail-on-inconclusive,\nwas inconclusive); 2 bad input.")
    parser.add_argument("base", metavar="BASE.json")
    parser.add_argument("new", metavar="NEW.json")
    add_judging_options(parser)
    parser.add_argument("--force", action="store_true",
                        help="compare even when arch, cpu_model, emulated, compiler, cxx_flags or "
                             "build_type differ")
    parser.add_argument("--format", choices=render.FORMATS, default="text",
                        help="text (default), markdown (CI job summary), json, junit, bmf (Bencher), "
                             "gab / gab-bigger (github-action-benchmark customSmallerIsBetter / "
                             "customBiggerIsBetter)")
    parser.add_argument("--output", metavar="FILE", help="write there (atomically) instead of stdout")
    return parser


def options_from(args: argparse.Namespace, force: bool = False) -> judge.Options:
    return judge.Options(metrics=args.metrics, threshold=args.threshold, alpha=args.alpha,
                         normalize_to=args.normalize_to or None, force=force,
                         gate_metrics=args.gate_metrics,
                         fail_on_inconclusive=args.fail_on_inconclusive)


def load_repetitions(path: Path) -> Run:
    """A results file whose repetitions can be compared; ResultsError when it has none."""
    run = load(path)
    require_repetitions(run)
    return run


def check_output(path: str) -> Path:
    out = Path(path)
    if out.is_dir():
        raise UsageError(f"--output {path}: is a directory")
    if not out.parent.is_dir():
        raise UsageError(f"--output {path}: directory {out.parent} does not exist")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = make_parser().parse_args(argv)
        output = check_output(args.output) if args.output else None
        base = load_repetitions(Path(args.base))
        new = load_repetitions(Path(args.new))
        comparison = judge.compare(base, new, options_from(args, args.force))
        text = render.render(comparison, args.format)
        if output is None:
            sys.stdout.write(text)
        else:
            write_text_atomic(output, text)
            counts = comparison.counts(per_case=True)
            print(f"{PROG}: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + f" -> {output}")
    except (UsageError, ResultsError, judge.InputError) as exc:
        report_error(PROG, str(exc))
        return EXIT_USAGE
    except OSError as exc:
        report_error(PROG, f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        return EXIT_USAGE
    except KeyboardInterrupt:
        report_error(PROG, "interrupted")
        return EXIT_INTERRUPTED
    return EXIT_REGRESSED if comparison.failed else EXIT_NONE_REGRESSED


if __name__ == "__main__":
    sys.exit(main())
