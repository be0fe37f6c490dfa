"""What people and CI scripts rely on, pinned: every command line's options still exist and
parse, and a recorded results file still loads, renders, compares and goes into the history.
A change here is a change of the tools' contract: make it on purpose, and say so in the docs."""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import INPUTS, REPO, report, run_cli
from synclab import load
from synclab.compare import cli as compare_cli
from synclab.history import cli as history_cli
from synclab.report import cli as report_cli
from synclab.report.tables import scenario_tables
from synclab.report.text import summary_text
from synclab.runner import options as run_suite_options

OPTIONS: dict[str, list[str]] = {
    "run_suite": ["--help", "--profile", "--filter", "--threads", "--contention", "--placement",
                  "--repetitions", "--duration", "--case-timeout", "--out", "--list", "--bench",
                  "--no-build", "--preset", "--jobs", "--test-hang-case", "--counters",
                  "--list-counters", "--latency-sampling", "--sweeps", "--no-report", "--fair-by",
                  "--family", "--cs-ns", "--think-ns", "--cs-lines", "--plugin", "--apps",
                  "--app-locks", "--app-threads", "--app-seconds", "--app-pinning", "--mode", "--ab",
                  "--ab-bench", "--metrics", "--gate-metrics", "--threshold", "--alpha",
                  "--fail-on-inconclusive", "--normalize-to",
                  "--record", "--history-db", "--arch", "--arm64-variant", "--no-census"],
    "report": ["--help", "results", "--out", "--fair-by"],
    "compare": ["--help", "base", "new", "--metrics", "--gate-metrics", "--threshold", "--alpha",
                "--fail-on-inconclusive", "--normalize-to", "--force", "--format", "--output"],
    "history add": ["--help", "--db", "--timeout", "results"],
    "history migrate": ["--help", "--db", "--timeout"],
    "history import": ["--help", "--db", "--timeout", "--from"],
    "history trend": ["--help", "--db", "--timeout", "--out", "--metric", "--filter", "--machine",
                      "--significance", "--permutations", "--min-size", "--seed"],
    "history export": ["--help", "--db", "--timeout", "--format", "--run", "--metrics",
                       "--output"],
    "history runs": ["--help", "--db", "--timeout"],
    "history dashboard": ["--help", "--db", "--timeout", "--out", "--metric", "--filter",
                          "--machine", "--report-url", "--revision-url", "--title", "--window",
                          "--max-p", "--min-step"],
}


def flags(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """Each command's options in order; a parser with subcommands gives one entry per command."""
    out: dict[str, list[str]] = {"": []}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[name] = flags(sub)[""]
        else:
            out[""].append(action.option_strings[-1] if action.option_strings else action.dest)
    return out


def test_every_option_is_still_there() -> None:
    found = {"run_suite": flags(run_suite_options.make_parser())[""],
             "report": flags(report_cli.make_parser())[""],
             "compare": flags(compare_cli.make_parser())[""]}
    found.update((f"history {name}", options)
                 for name, options in flags(history_cli.make_parser()).items() if name)
    assert found == OPTIONS


@pytest.mark.parametrize("argv", [
    ["--profile", "smoke", "--filter", "^locks/", "--threads", "1,2", "--contention", "high",
     "--placement", "cpus:0-1", "--repetitions", "3", "--duration", "200ms", "--case-timeout",
     "60", "--list", "--no-build", "--preset", "release", "--jobs", "2", "--counters", "os",
     "--latency-sampling", "off", "--no-report", "--no-census"],
    ["--mode", "instructions", "--ab", "origin/main", "--metrics", "ns_per_op,cycles_per_op",
     "--threshold", "5%", "--alpha", "0.01", "--normalize-to", "std_mutex"],
    ["--record", "--history-db", "h.sqlite", "--arch", "arm64", "--arm64-variant", "lse"],
    ["--fair-by", "p99", "--family", "locks,rwlocks", "--cs-ns", "200", "--think-ns", "1000",
     "--cs-lines", "4"],
])
def test_run_suite_options_parse(argv: list[str]) -> None:
    run_suite_options.make_parser().parse_args(argv)


def test_the_other_command_lines_parse() -> None:
    report_cli.make_parser().parse_args(["a.json", "b.json", "--out", "d", "--fair-by", "jain"])
    compare_cli.make_parser().parse_args(["a.json", "b.json", "--metrics", "ns_per_op:lower",
                                          "--force", "--format", "junit", "--output", "x.xml"])
    history = history_cli.make_parser()
    history.parse_args(["add", "a.json", "--db", "h.sqlite", "--timeout", "5"])
    history.parse_args(["trend", "--out", "d", "--metric", "ns_per_op", "--filter", "locks",
                        "--significance", "0.01", "--permutations", "99", "--min-size", "3"])
    history.parse_args(["export", "--format", "gab-bigger", "--run", "r", "--metrics",
                        "ns_per_op", "--output", "o.json"])
    history.parse_args(["runs"])
    history.parse_args(["migrate", "--db", "postgresql://ci@db.example/history"])
    history.parse_args(["import", "--from", "sqlite:h.sqlite", "--db",
                        "postgresql://ci@db.example/history", "--timeout", "30"])


def test_a_recorded_results_file_loads_and_renders(tmp_path: Path) -> None:
    recorded = INPUTS / "complete.json"
    run = load.require_case_names(load.load(recorded))
    assert run.schema_version == 0 and len(run.records) > 0
    text = summary_text(scenario_tables(run.records))
    assert text.splitlines()[0] == "locks / uncontended" and "locks / high" in text
    proc = report(str(recorded), "--out", str(tmp_path / "report"))
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "futex_mutex3" in page and "1.10 M" in page  # std_mutex's median ops/s at high t:2


def test_a_recorded_results_file_compares_and_goes_into_the_history(tmp_path: Path) -> None:
    recorded = INPUTS / "complete.json"
    compare = run_cli([sys.executable, str(REPO / "scripts" / "synclab" / "compare" / "cli.py"),
                       str(recorded), str(recorded), "--format", "json"])
    assert compare.returncode == 0, compare.stderr
    summary = json.loads(compare.stdout)
    assert summary["regressed"] is False and summary["case_counts"]["regressed"] == 0
    db = tmp_path / "h.sqlite"
    added = run_cli([sys.executable, str(REPO / "scripts" / "synclab" / "history" / "cli.py"),
                     "add", str(recorded), "--db", str(db)])
    assert added.returncode == 0, added.stderr
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT COUNT(*) FROM measurements").fetchone()[0]
    finally:
        connection.close()
    assert rows > 0
