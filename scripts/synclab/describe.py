"""The bench binary's own account of its run parameters: `synclab_bench --synclab_describe`.

The binary is the authority on the contention levels, the default thread list, the PU count and
the placement grammar. run_suite keeps its own copy of the level names (options are checked
before anything is built); scripts/tests/test_run_parameters.py ties that copy, the default
thread list, the PU count and the placement grammar to a built binary through this module.

    {"describe_version": 1, "pus": 2, "default_threads": [1, 2],
     "levels": [{"name": "high", "cs_ns": 50, "cs_lines": 2, "think_ns": 0, "threads": "list"}, ...],
     "families": {"locks": {"levels": ["uncontended", ...]}, ...}}

Keys it does not know are left alone, so the binary can say more than a script reads.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from synclab import bench

DESCRIBE_FLAG = "--synclab_describe"
DESCRIBE_VERSION = 1
# How a level picks its thread counts.
_THREADS = re.compile(r"single|list|pu_sweep|per_pu:\d+")


@dataclass(frozen=True)
class Level:
    name: str
    cs_ns: int
    cs_lines: int
    think_ns: int
    threads: str  # "single", "list", "per_pu:F" or "pu_sweep"


@dataclass(frozen=True)
class Description:
    pus: int
    default_threads: tuple[int, ...]
    levels: tuple[Level, ...]
    families: dict[str, tuple[str, ...]]  # family -> the levels it runs
    custom_families: frozenset[str] = frozenset()  # the families that run a custom level

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)


@dataclass(frozen=True)
class Verdict:
    """What the binary said about a set of flags: accepted, or its one line of bad input."""
    accepted: bool
    line: str


def _field(doc: dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{where}{key!r} is missing or not a {kind.__name__}")
    return value


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} is {value!r}, not a whole number")
    return value


def _level(item: Any, index: int) -> Level:
    where = f"levels[{index}]: "
    if not isinstance(item, dict):
        raise ValueError(f"{where}not an object")
    threads = _field(item, "threads", str, where)
    if not _THREADS.fullmatch(threads):
        raise ValueError(f"{where}threads {threads!r} is not single, list, per_pu:F or pu_sweep")
    return Level(_field(item, "name", str, where), _count(item.get("cs_ns"), f"{where}cs_ns"),
                 _count(item.get("cs_lines"), f"{where}cs_lines"),
                 _count(item.get("think_ns"), f"{where}think_ns"), threads)


def _families(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ValueError("'families' is missing or not an object")
    families = {}
    for family, entry in value.items():
        levels = entry.get("levels") if isinstance(entry, dict) else None
        if not isinstance(levels, list) or not all(isinstance(name, str) for name in levels):
            raise ValueError(f"families.{family}: 'levels' is not a list of names")
        families[family] = tuple(levels)
    return families


def _custom_families(value: dict[str, Any]) -> frozenset[str]:
    return frozenset(family for family, entry in value.items()
                     if isinstance(entry, dict) and entry.get("custom_level") is True)


def parse(text: str) -> Description:
    """The binary's JSON -> Description; ValueError saying in one line what is wrong."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    version = doc.get("describe_version")
    if version != DESCRIBE_VERSION:
        raise ValueError(f"describe_version {version!r}; these scripts read version "
                         f"{DESCRIBE_VERSION}")
    pus = _count(doc.get("pus"), "pus")
    threads = _field(doc, "default_threads", list)
    levels = _field(doc, "levels", list)
    return Description(pus, tuple(_count(t, "default_threads[]") for t in threads),
                       tuple(_level(item, i) for i, item in enumerate(levels)),
                       _families(doc.get("families")), _custom_families(doc["families"]))


def ask(binary: Path, flags: Sequence[str] = (),
        should_stop: Callable[[], bool] = bench.never) -> Verdict:
    """Runs the binary with `flags` and the describe flag: its JSON, or its one line of bad input.

    A binary without the flag answers that the flag is unknown; the line says so."""
    result = bench.run_process([str(binary), *flags, DESCRIBE_FLAG], timeout_s=60,
                               should_stop=should_stop)
    if result.stopped:
        raise KeyboardInterrupt
    if result.returncode == 0:
        return Verdict(True, result.stdout.strip())
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    code = bench.describe_exit(result.returncode) if result.returncode is not None else "timed out"
    return Verdict(False, lines[-1] if lines else code)


def knows_describe(verdict: Verdict) -> bool:
    """False when the binary answered that it has no describe flag at all."""
    line = verdict.line.lower()
    return verdict.accepted or not (DESCRIBE_FLAG in line and ("unknown" in line
                                                               or "unrecognized" in line))
