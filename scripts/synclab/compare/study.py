#!/usr/bin/python3
"""power_study: the regression gate measured on this machine, with the real binary.

    scripts/power_study --bench BIN --slow-bench SLOW_BIN --planted REGEX --runs N --out DIR
                        [RUN_SUITE OPTIONS ...]
    scripts/power_study --summarise DIR [--planted REGEX] [--rejudge [COMPARE OPTIONS ...]]

Runs, N times each and alternating, an A/A (run_suite --ab-bench BIN --bench BIN: the same
build on both sides, interleaved) and an A/B against a build with a planted slowdown
(run_suite --ab-bench BIN --bench SLOW_BIN, e.g. built with SYNCLAB_TEST_SLOWDOWN=futex_mutex3:10),
with the remaining options (--profile, --filter, --repetitions, --duration, --threshold, ...)
passed to run_suite as they are. Then reads every compare.json and reports:

  detection rate    planted cases (names matching --planted) judged `regressed`, over all A/B
                    runs (an `inconclusive` counts as a miss)
  false flags       other cases judged regressed or improved, in the A/B runs and in the A/A runs
  MDE               each gated case's minimum detectable effect at this run's noise (median over
                    the runs), and its spread over the cases
With --rejudge, every run's base.json and new.json are compared again (scripts/compare, with
the remaining options, e.g. --alpha to judge a filtered run at the level of its whole profile)
before the summary. Writes DIR/study.md and DIR/study.json, prints study.md. Exit status: 0
done, 1 a run failed (its directory says why), 2 bad input.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from synclab.errors import EXIT_INTERRUPTED, EXIT_USAGE, ArgumentParser, UsageError, regex
from synclab.errors import report_error, typed
from synclab.results import write_text_atomic

PROG = "power_study"
RUN_SUITE = Path(__file__).resolve().parents[1] / "runner" / "cli.py"
FLAGGED = ("regressed", "improved")


@dataclass
class RunSummary:
    """One compare.json of the study."""
    kind: str  # "aa" or "ab"
    path: str
    gated: int
    flagged: list[str]  # cases (not planted) judged regressed or improved
    inconclusive: int
    planted: dict[str, str] = field(default_factory=dict)  # planted case -> its verdict
    mde: dict[str, float | None] = field(default_factory=dict)  # gated case -> MDE (None: inf)
    settings: dict[str, Any] = field(default_factory=dict)


def summarise_run(path: Path, kind: str, planted: re.Pattern[str]) -> RunSummary:
    doc = json.loads(path.read_text(encoding="utf-8"))
    verdicts: dict[str, str] = {}
    mde: dict[str, float | None] = {}
    for row in doc["cases"]:
        if not row.get("gated", True):
            continue
        verdicts[row["name"]] = row["verdict"]
        if row["metric"] != "status":
            mde[row["name"]] = row.get("mde") if row.get("detectable", True) else None
    planted_verdicts = {name: v for name, v in verdicts.items() if planted.search(name)}
    flagged = [name for name, v in verdicts.items()
               if v in FLAGGED and name not in planted_verdicts]
    return RunSummary(kind, str(path), len(verdicts), flagged,
                      sum(1 for v in verdicts.values() if v == "inconclusive"),
                      planted_verdicts if kind == "ab" else {}, mde, doc.get("settings", {}))


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "— (none)"


def _quantiles(values: list[float]) -> str:
    if not values:
        return "—"
    data = sorted(values)
    pick = [data[min(len(data) - 1, int(q * (len(data) - 1) + 0.5))] for q in (0.1, 0.5, 0.9)]
    return " / ".join(f"{v * 100:.1f} %" for v in pick)


def _percent(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value * 100:.1f} %"


def _by_scenario(case_mde: dict[str, float], blind: dict[str, int]) -> dict[str, list[float]]:
    """Each case's median MDE (math.inf when it could not reach the level in some run), grouped
    by family, scenario and thread count."""
    groups: dict[str, list[float]] = {}
    for name in set(case_mde) | set(blind):
        parts = name.split("/")
        key = "/".join(parts[:1] + parts[2:4]) if len(parts) >= 4 else name
        groups.setdefault(key, []).append(math.inf if name in blind else case_mde[name])
    return groups


def report(runs: list[RunSummary], planted: str) -> tuple[str, dict[str, Any]]:
    """The study's markdown and JSON."""
    aa = [r for r in runs if r.kind == "aa"]
    ab = [r for r in runs if r.kind == "ab"]
    detected = sum(1 for r in ab for v in r.planted.values() if v == "regressed")
    planted_total = sum(len(r.planted) for r in ab)
    ab_other = sum(r.gated - len(r.planted) for r in ab)
    ab_flagged = sum(len(r.flagged) for r in ab)
    aa_total = sum(r.gated for r in aa)
    aa_flagged = sum(len(r.flagged) for r in aa)
    by_case: dict[str, list[float]] = {}
    blind: dict[str, int] = {}
    for r in runs:
        for name, value in r.mde.items():
            if value is None:
                blind[name] = blind.get(name, 0) + 1
            else:
                by_case.setdefault(name, []).append(value)
    case_mde = {name: statistics.median(values) for name, values in by_case.items()}
    settings = (runs[0].settings if runs else {})
    threshold = settings.get("threshold")
    within = sum(1 for v in case_mde.values() if threshold is not None and v <= threshold)
    lines = [f"# Power study: planted slowdown in `{planted}`", "",
             f"{len(aa)} A/A and {len(ab)} A/B runs; gated cases per run: "
             f"{', '.join(str(r.gated) for r in runs)}; settings of the first: "
             f"threshold {threshold}, alpha {settings.get('alpha')}, test {settings.get('test')}, "
             f"level {settings.get('level')}", "",
             "| measure | value |", "|---|---|",
             f"| planted cases judged regressed (detection rate) | {_rate(detected, planted_total)} |",
             f"| other cases flagged in the A/B runs | {_rate(ab_flagged, ab_other)} |",
             f"| cases flagged in the A/A runs | {_rate(aa_flagged, aa_total)} |",
             f"| MDE over the gated cases, 10th / 50th / 90th percentile | "
             f"{_quantiles(list(case_mde.values()))} |",
             f"| gated cases whose MDE is within the threshold | {within} of {len(case_mde)} |",
             f"| gated cases that could not reach the level in some run | {len(blind)} |", "",
             "| run | kind | gated | inconclusive | flagged (not planted) | planted: verdict |",
             "|---|---|---:|---:|---|---|"]
    for r in runs:
        planted_text = ", ".join(f"`{n}`: {v}" for n, v in r.planted.items()) or "—"
        lines.append(f"| {r.path} | {r.kind} | {r.gated} | {r.inconclusive} | "
                     f"{', '.join(f'`{n}`' for n in r.flagged) or '—'} | {planted_text} |")
    lines += ["", "| cases (family/scenario/threads) | gated | median MDE | best | worst |",
              "|---|---:|---:|---:|---:|"]
    for group, values in sorted(_by_scenario(case_mde, blind).items()):
        lines.append(f"| {group} | {len(values)} | {_percent(statistics.median(values))} | "
                     f"{_percent(min(values))} | {_percent(max(values))} |")
    planted_mde = {n: v for n, v in case_mde.items() if re.search(planted, n)}
    if planted_mde:
        lines += ["", "MDE of the planted cases (median over runs): " +
                  ", ".join(f"`{n}` {v * 100:.1f} %" for n, v in planted_mde.items())]
    doc = {"planted": planted, "detected": detected, "planted_total": planted_total,
           "ab_flagged": ab_flagged, "ab_other": ab_other, "aa_flagged": aa_flagged,
           "aa_total": aa_total, "case_mde": case_mde, "blind": blind, "settings": settings,
           "runs": [r.__dict__ for r in runs]}
    return "\n".join(lines) + "\n", doc


def run_suite(options: list[str], out: Path) -> int:
    """One interleaved run; its exit status (1 is a regression, expected in the A/B runs)."""
    cmd = [sys.executable, str(RUN_SUITE), *options, "--out", str(out)]
    print(f"{PROG}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    log = out.parent / f"{out.name}.log"
    with open(log, "w", encoding="utf-8") as stream:
        return subprocess.run(cmd, stdout=stream, stderr=subprocess.STDOUT, check=False).returncode


def rejudge(directory: Path, options: list[str]) -> None:
    """compare.json of every run again, from its base.json and new.json, with `options`."""
    from synclab.compare import cli as compare_cli

    for run in sorted(p for p in directory.iterdir() if p.is_dir() and not p.is_symlink()):
        if not (run / "base.json").is_file():
            continue
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the study's
            status = compare_cli.main([str(run / "base.json"), str(run / "new.json"), "--force",
                                       "--format", "json", "--output",
                                       str(run / "compare.json"), *options])
        if status not in (0, 1):
            raise UsageError(f"{run}: compare failed (exit {status})")


def collect(directory: Path, planted: re.Pattern[str]) -> list[RunSummary]:
    runs = []
    for path in sorted(directory.glob("*/compare.json"),
                       key=lambda p: (int(p.parent.name.split("-")[-1]), p.parent.name)
                       if p.parent.name.split("-")[-1].isdigit() else (math.inf, p.parent.name)):
        kind = path.parent.name.split("-")[0]
        if kind in ("aa", "ab"):
            runs.append(summarise_run(path, kind, planted))
    return runs


def make_parser() -> ArgumentParser:
    parser = ArgumentParser(prog=PROG, allow_abbrev=False,
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            description="Detection rate, false flags and minimum detectable "
                                        "effects of the regression gate, measured with the real "
                                        "binary (interleaved A/A and A/B runs).",
                            epilog="Other options go to run_suite unchanged, e.g. --profile gate "
                                   "--filter '^locks/'.\nexit status: 0 done; 1 a run failed; "
                                   "2 bad input.")
    add = parser.add_argument
    add("--bench", metavar="BIN", help="the normal build's bench binary (both sides of the A/A)")
    add("--slow-bench", metavar="BIN", help="the build with the planted slowdown (NEW of the A/B)")
    add("--planted", type=typed(regex), default=r"^locks/futex_mutex3/uncontended/",
        metavar="REGEX", help="the cases the slowdown was planted in (default the uncontended "
                              "futex_mutex3 case)")
    add("--runs", type=int, default=3, metavar="N", help="A/A and A/B runs each (default 3)")
    add("--out", metavar="DIR", help="where the runs and study.md go")
    add("--summarise", metavar="DIR", help="only read the runs already in DIR")
    add("--rejudge", action="store_true",
        help="with --summarise: compare every run's files again, with the other options")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args, passthrough = make_parser().parse_known_args(argv)
        planted = re.compile(args.planted)
        if args.summarise:
            directory = Path(args.summarise)
            if not directory.is_dir():
                raise UsageError(f"--summarise {directory}: not a directory")
            if args.rejudge:
                rejudge(directory, passthrough)
            elif passthrough:
                raise UsageError(f"unrecognized arguments: {' '.join(passthrough)} (options for "
                                 "compare go with --rejudge)")
        else:
            for option in ("bench", "slow_bench", "out"):
                if not getattr(args, option):
                    raise UsageError(f"--{option.replace('_', '-')} is needed (or --summarise DIR)")
            for option in ("bench", "slow_bench"):
                if not Path(getattr(args, option)).is_file():
                    raise UsageError(f"--{option.replace('_', '-')} {getattr(args, option)}: "
                                     "no such file")
            if args.runs < 1:
                raise UsageError(f"--runs {args.runs}: at least 1")
            if args.rejudge:
                raise UsageError("--rejudge goes with --summarise DIR")
            if any(p in passthrough for p in ("--ab", "--ab-bench", "--out", "--bench")):
                raise UsageError("--ab, --ab-bench, --bench and --out are the study's own")
            directory = Path(args.out)
            directory.mkdir(parents=True, exist_ok=True)
            failed = False
            for index in range(1, args.runs + 1):
                for kind, new in (("aa", args.bench), ("ab", args.slow_bench)):
                    status = run_suite(["--ab-bench", args.bench, "--bench", new, *passthrough],
                                       directory / f"{kind}-{index}")
                    if status == EXIT_INTERRUPTED:
                        raise KeyboardInterrupt
                    failed |= status not in (0, 1)
        runs = collect(directory, planted)
        if not runs:
            raise UsageError(f"{directory}: no aa-N/compare.json or ab-N/compare.json")
        text, doc = report(runs, args.planted)
        write_text_atomic(directory / "study.md", text)
        write_text_atomic(directory / "study.json", json.dumps(doc, indent=2) + "\n")
        sys.stdout.write(text)
    except UsageError as exc:
        report_error(PROG, str(exc))
        return EXIT_USAGE
    except (OSError, ValueError, KeyError) as exc:
        report_error(PROG, f"cannot read the runs: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        report_error(PROG, "interrupted")
        return EXIT_INTERRUPTED
    return 1 if not args.summarise and failed else 0


if __name__ == "__main__":
    sys.exit(main())
