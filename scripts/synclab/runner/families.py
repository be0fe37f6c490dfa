"""Which families take which contention levels (and a custom level), and what a selection of
families and levels runs.

The bench binary is the authority (`--synclab_describe`, benches/family_table.cpp); before
anything is built, or with a binary from before that flag, the table in docs/contention.md
("One model, every family") stands in for it, and a test keeps the two equal. Either way the
binary checks the selection again when it lists its cases.
"""
from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from synclab import bench, describe
from synclab.errors import RunError, UsageError
from synclab.names import CONTENTION_LEVELS
from synclab.runner import REPO

DOCS = REPO / "docs" / "contention.md"
DOCS_SECTION = "## One model, every family"
# A cell of the docs' table for a level the family does not take.
NOT_TAKEN = ("—", "-", "")


@dataclass(frozen=True)
class FamilyTable:
    levels: dict[str, tuple[str, ...]]  # family -> the named levels it takes, in model order
    custom: frozenset[str]  # the families that run a custom level
    source: str  # where the table came from, for people

    def check_family(self, family: str) -> None:
        if family not in self.levels:
            raise UsageError(f"--family {family}: no such family (known: "
                             f"{', '.join(self.levels)})")


def from_description(description: describe.Description, source: str) -> FamilyTable:
    levels = {family: tuple(level for level in CONTENTION_LEVELS if level in taken)
              for family, taken in description.families.items()}
    return FamilyTable(levels, description.custom_families, source)


def _cells(line: str) -> list[str]:
    return [cell.strip().strip("`").strip() for cell in line.strip().strip("|").split("|")]


def from_docs(path: Path = DOCS) -> FamilyTable:
    """The family x level table of docs/contention.md; RunError when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RunError(f"cannot read the family table in {path}: {exc.strerror or exc}") from None
    _, found, section = text.partition(DOCS_SECTION)
    lines = section.split("\n## ")[0].splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("| family |")), len(lines))
    rows = [line for line in itertools.takewhile(lambda line: line.startswith("|"),
                                                 lines[start:])]
    if not found or len(rows) < 3:
        raise RunError(f"{path} has no '| family |' table under {DOCS_SECTION!r}")
    header = _cells(rows[0])
    levels: dict[str, tuple[str, ...]] = {}
    custom = set()
    for row in rows[2:]:
        cells = _cells(row)
        family = re.split(r"\s", cells[0], maxsplit=1)[0]
        taken = {head: cell for head, cell in zip(header[1:], cells[1:])}
        levels[family] = tuple(level for level in CONTENTION_LEVELS
                               if taken.get(level, "—") not in NOT_TAKEN)
        if taken.get("custom", "—").lower().startswith("yes"):
            custom.add(family)
    return FamilyTable(levels, frozenset(custom), f"the table in {path.relative_to(REPO)}"
                       if path.is_relative_to(REPO) else str(path))


def from_binary(binary: Path, should_stop: Callable[[], bool] = bench.never) -> FamilyTable:
    """The binary's own table; the docs' when it predates --synclab_describe or cannot answer."""
    try:
        verdict = describe.ask(binary, should_stop=should_stop)
    except RunError:  # e.g. a binary of another architecture, which only runs emulated
        return from_docs()
    if verdict.accepted:
        try:
            return from_description(describe.parse(verdict.line),
                                    f"{binary.name} {describe.DESCRIBE_FLAG}")
        except ValueError:
            pass
    return from_docs()


def table_before_build(existing: Path | None) -> FamilyTable:
    """The table options are checked against before anything is built: the binary that will run
    when it exists already (--bench, --no-build), else the docs' of the tree about to be built."""
    if existing is not None and existing.is_file() and os.access(existing, os.X_OK):
        return from_binary(existing)
    return from_docs()


@dataclass(frozen=True)
class Selection:
    families: tuple[str, ...]  # () every family
    contention: tuple[str, ...]  # the named levels to run; () only the custom one
    tell_binary: bool  # pass --synclab_families (else the names are filtered by family)


def _joined(names: Sequence[str]) -> str:
    return ", ".join(names) or "none"


def check_explicit(table: FamilyTable, families: Sequence[str], levels: Sequence[str],
                   custom_name: str | None) -> None:
    """A named family and a named level it cannot run: UsageError, as the binary would say."""
    for family in families:
        for level in levels:
            if level not in table.levels[family]:
                raise UsageError(f"--family {family} cannot run --contention {level} (it runs: "
                                 f"{_joined(table.levels[family])}; docs/contention.md)")
        if custom_name and family not in table.custom:
            raise UsageError(f"--family {family} has no critical section or think time to set: "
                             f"it cannot run the custom level {custom_name} (families that can: "
                             f"{_joined(sorted(table.custom))})")


def select(table: FamilyTable, families: Sequence[str], explicit: Sequence[str] | None,
           profile: str, profile_levels: Sequence[str], custom_name: str | None) -> Selection:
    """What runs: the levels named, else only the custom level when one is set, else the
    profile's levels. A profile runs every family at its levels and each family skips the ones
    it does not take; with families named, the profile's levels narrow to those they take."""
    for family in families:
        table.check_family(family)
    check_explicit(table, families, explicit or (), custom_name)
    if explicit is not None or custom_name:
        return Selection(tuple(families), tuple(explicit or ()), True)
    if not families:
        return Selection((), tuple(profile_levels), True)
    taken = tuple(level for level in profile_levels
                  if any(level in table.levels[family] for family in families))
    if not taken:
        raise UsageError(f"--family {','.join(families)} takes none of profile {profile}'s "
                         f"levels ({_joined(profile_levels)}); name them with --contention")
    every = all(set(taken) <= set(table.levels[family]) for family in families)
    return Selection(tuple(families), taken, every)


def parse_families(text: str) -> tuple[str, ...]:
    """`locks,channels` -> ('locks', 'channels'): names, each once; which exist is the table's."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not re.fullmatch(r"[a-z][a-z0-9_]*", item) for item in items):
        raise ValueError(f"invalid family list {text!r} (expected names such as locks,channels)")
    return tuple(dict.fromkeys(items))


def listing(table: FamilyTable, selection: Selection, custom_name: str | None,
            names: Sequence[str]) -> str:
    """--list's table: per family the levels it takes (* = this plan runs it), whether it runs
    a custom level, and how many of the listed cases are its."""
    counts: dict[str, int] = {}
    for name in names:
        family = name.split("/", 1)[0]
        counts[family] = counts.get(family, 0) + 1
    runs = set(selection.contention)
    rows = [("family", "levels it takes (* = in this plan)", "custom", "cases")]
    for family, levels in table.levels.items():
        chosen = not selection.families or family in selection.families
        taken = " ".join(level + ("*" if chosen and level in runs else "") for level in levels)
        custom = "yes" if family in table.custom else "no"
        if custom_name and chosen and family in table.custom:
            custom += "*"
        rows.append((family, taken or "—", custom,
                     str(counts.get(family, 0)) + ("" if chosen else " (not selected)")))
    for family in sorted(set(counts) - set(table.levels)):
        rows.append((family, "(not in the table)", "?", str(counts[family])))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"families and levels (from {table.source}):"]
    lines += ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  "
              + row[3] for row in rows]
    if custom_name:
        lines.append(f"  custom level: {custom_name}")
    return "\n".join(line.rstrip() for line in lines)
