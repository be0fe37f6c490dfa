"""Every command README.md and docs/ show at least parses: each option it names exists, and a
complete command line (not a synopsis with [optional] parts or placeholders) is accepted as a
whole by the script's own parser. Nothing is run."""
from __future__ import annotations

import argparse
import re
import shlex
from typing import Callable, Iterator

import pytest

from conftest import REPO
from synclab.census.cli import make_parser as census_parser
from synclab.compare.cli import make_parser as compare_parser
from synclab.history.cli import make_parser as history_parser
from synclab.report.cli import make_parser as report_parser
from synclab.runner.options import make_parser as run_suite_parser

PARSERS: dict[str, Callable[[], argparse.ArgumentParser]] = {
    "scripts/run_suite": run_suite_parser, "scripts/report": report_parser,
    "scripts/compare": compare_parser, "scripts/history": history_parser,
    "scripts/census": census_parser,
}
BENCH = "build/release/benches/synclab_bench"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# A synopsis rather than a command: optional parts, alternatives, placeholders, elisions.
SYNOPSIS = re.compile(r"[\[\]…]|\.\.\.|\b[A-Z][A-Z_]{2,}\b|\|")


def command_lines(text: str) -> Iterator[str]:
    """Lines that start with one of the scripts (or the bench), continuations joined, comments
    and the rest of a shell line after a pipe or `;` dropped."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip().removeprefix("$ ")
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        line = line.split(" #", 1)[0].strip().rstrip("`")
        words = line.split()
        # A layout diagram names a script beside "(its package/)": not a command.
        if words and words[0] in (*PARSERS, BENCH) and not any(w.startswith("(") for w in words):
            yield line


def every_command() -> list[tuple[str, str]]:
    return [(f"{doc.relative_to(REPO)}: {line}", line) for doc in DOCS
            for line in command_lines(doc.read_text(encoding="utf-8"))]


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    """Every option of the parser and of its subcommands."""
    found: set[str] = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= option_strings(sub)
    return found


def bench_flags() -> set[str]:
    """--synclab_* flags the benchmark binary accepts: its flag table and its own flags."""
    sources = [REPO / "harness/src/suite_options.cpp", REPO / "benches/synclab_bench.cpp",
               REPO / "benches/families.cpp"]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    table = re.findall(r'^\s*\{"([a-z_]+)", "', text, flags=re.M)
    literal = re.findall(r'"--synclab_([a-z_]+)', text)
    return {f"--synclab_{name}" for name in (*table, *literal)}


def test_the_docs_show_commands() -> None:
    assert len(every_command()) >= 20


@pytest.mark.parametrize("where,line", every_command(), ids=[w for w, _ in every_command()])
def test_a_documented_command_parses(where: str, line: str) -> None:
    words = shlex.split(line.replace("…", "..."))
    script, args = words[0], words[1:]
    options = {word.split("=", 1)[0] for word in args if word.startswith("--")}
    if script == BENCH:
        unknown = {o for o in options if o.startswith("--synclab_")} - bench_flags()
        assert not unknown, f"{where}: the benchmark binary has no {sorted(unknown)}"
        return
    parser = PARSERS[script]()
    unknown = options - option_strings(parser)
    assert not unknown, f"{where}: {script} has no option {sorted(unknown)}"
    if not SYNOPSIS.search(re.sub(r"'[^']*'|\"[^\"]*\"", "", line)):  # quoted regexes may use |
        parser.parse_args(args)  # raises (UsageError) on anything it would refuse
