#!/usr/bin/python3
"""report: results files -> index.html with PNG figures beside it.

    scripts/report RESULTS.json [MORE.json ...] [--out DIR] [--fair-by handoff|p99|jain]

Reads only results files; never runs anything.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from synclab.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from synclab.errors import ArgumentParser, UsageError, report_error
from synclab.load import ResultsError, load, require_case_names
from synclab.report.summary import CRITERIA, DEFAULT_FAIR_BY, FAIR_BY

PROG = "report"


def make_parser() -> ArgumentParser:
    parser = ArgumentParser(prog=PROG, allow_abbrev=False,
                            description="Write a self-contained HTML report (index.html and PNGs) "
                                        "from synclab results files.")
    parser.add_argument("results", nargs="+", metavar="RESULTS.json",
                        help="results files written by run_suite (or any synclab bench JSON)")
    parser.add_argument("--out", metavar="DIR",
                        help="directory for index.html and the figures "
                             "(default: the first results file's directory)")
    parser.add_argument("--fair-by", choices=FAIR_BY, default=DEFAULT_FAIR_BY,
                        help="how the summary decides 'fairest' and 'best at both' (default "
                             f"{DEFAULT_FAIR_BY}; docs/report.md): " + "; ".join(
                                 f"{name}: {CRITERIA[name].label}" for name in FAIR_BY))
    return parser


def write_report(result_paths: Sequence[Path], out_dir: Path,
                 fair_by: str = DEFAULT_FAIR_BY) -> Path:
    """Loads the results files and writes the report; raises ResultsError on a bad file."""
    from synclab.report.build import build_report

    runs = [require_case_names(load(path)) for path in result_paths]
    return build_report(runs, out_dir, fair_by=fair_by)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = make_parser().parse_args(argv)
        paths = [Path(p) for p in args.results]
        out_dir = Path(args.out) if args.out else paths[0].parent
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out {out_dir}: exists and is not a directory")
        index = write_report(paths, out_dir, args.fair_by)
    except (UsageError, ResultsError) as exc:
        report_error(PROG, str(exc))
        return EXIT_USAGE
    except OSError as exc:
        report_error(PROG, f"cannot write the report: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        report_error(PROG, "interrupted")
        return EXIT_INTERRUPTED
    print(index)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
