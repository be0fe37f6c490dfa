"""report_load_time: how long a report page takes to load in headless Chromium.

    scripts/report_load_time reports/latest/index.html [--loads N]

Prints each load's time from navigation start to the load event and their median (a
measurement, never a test verdict: the machine is shared)."""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from synclab.errors import ArgumentParser, UsageError, report_error
from synclab.report.browser import CHROMEDRIVER, load_times_ms

PROG = "report_load_time"


def main() -> int:
    parser = ArgumentParser(prog=PROG, description="Time a report page's load in headless Chromium.")
    parser.add_argument("index", type=Path, help="the report's index.html")
    parser.add_argument("--loads", type=int, default=5, help="fresh loads to time (default 5)")
    try:
        args = parser.parse_args()
        if not args.index.is_file():
            raise UsageError(f"{args.index}: no such file")
        if args.loads < 1:
            raise UsageError(f"--loads {args.loads}: at least 1")
        if not CHROMEDRIVER.exists():
            raise UsageError("chromium-driver is not installed (scripts/install-deps.sh)")
    except UsageError as exc:
        report_error(PROG, str(exc))
        return 2
    times = load_times_ms(args.index, args.loads)
    print(" ".join(f"{t:.0f}" for t in times) + f" ms; median {statistics.median(times):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
