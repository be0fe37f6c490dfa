"""Results files -> the repetitions of every case: the ITERATION entries, never the aggregates.

A comparison needs every repetition (the U test ranks them; the median is taken here), so a
file that holds only Google Benchmark's mean/median/stddev rows cannot be compared. Any Google
Benchmark JSON file is accepted; synclab's own add a context (machine, compiler, mode).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

# Integer bookkeeping fields of a Google Benchmark entry: not measurements.
STRUCTURAL = frozenset({"family_index", "per_family_instance_index", "repetitions",
                        "repetition_index", "threads", "iterations"})


class InputError(Exception):
    """A results file or an option that cannot be used: one line, exit status 2."""


@dataclass
class CaseSamples:
    """One case of one file: its good repetitions, or why it has none."""
    name: str
    reps: list[tuple[int, Mapping[str, float]]] = field(default_factory=list)
    status: str = "ok"  # "ok", or "timed_out" / "failed" when any repetition did not finish
    message: str = ""

    def values(self, metric: str) -> list[float]:
        """The metric over the repetitions, in repetition order (absent ones left out)."""
        return [values[metric] for _, values in self.reps if metric in values]

    def by_repetition(self, metric: str) -> dict[int, float]:
        return {index: values[metric] for index, values in self.reps if metric in values}


@dataclass
class Samples:
    """One results file, case by case, in the file's order."""
    source: str
    context: Mapping[str, Any]
    run_info: Mapping[str, Any]
    cases: dict[str, CaseSamples]

    @property
    def mode(self) -> str:
        """'time' for ordinary runs, 'instructions' for run_suite --mode instructions."""
        return str(self.context.get("mode", "time"))

    @property
    def label(self) -> str:
        sha = str(self.context.get("git_sha", "") or "")
        return sha[:12] if sha else Path(self.source).name


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def from_document(doc: Any, source: str) -> Samples:
    """A decoded Google Benchmark JSON document -> Samples; InputError saying what is wrong."""
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise InputError(f"{source}: not a Google Benchmark results file (no 'benchmarks' list)")
    context = doc.get("context", {})
    if not isinstance(context, dict):
        raise InputError(f"{source}: 'context' is not an object")
    run_info = context.get("synclab_run", {})
    cases: dict[str, CaseSamples] = {}
    aggregates = 0
    for index, entry in enumerate(doc["benchmarks"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InputError(f"{source}: benchmarks[{index}] is not an entry with a name")
        if entry.get("run_type", "iteration") != "iteration":
            aggregates += 1
            continue
        run_name = entry.get("run_name")
        name = run_name if isinstance(run_name, str) and run_name else entry["name"]
        case = cases.setdefault(name, CaseSamples(name))
        if entry.get("error_occurred"):
            if case.status == "ok":
                status = str(entry.get("synclab_status") or "failed")
                case.status = status if status in ("timed_out", "failed") else "failed"
                case.message = str(entry.get("error_message") or case.status)
            continue
        repetition = _number(entry.get("repetition_index"))
        values = {key: number for key, value in entry.items()
                  if key not in STRUCTURAL and (number := _number(value)) is not None}
        case.reps.append((int(repetition) if repetition is not None else len(case.reps), values))
    if not cases:
        if aggregates:
            raise InputError(f"{source}: holds only aggregate entries (mean/median/stddev); "
                             "compare needs the individual repetitions (run without "
                             "--benchmark_report_aggregates_only)")
        raise InputError(f"{source}: has no benchmark entries")
    for case in cases.values():  # a failed repetition marks the case failed, even if others ran
        case.reps.sort(key=lambda item: item[0])
    return Samples(source, context, run_info if isinstance(run_info, dict) else {}, cases)


def read_document(path: Path) -> tuple[Any, str]:
    """The decoded JSON of a file and its text; InputError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a results file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text), text
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); a cut-off or corrupt results file?") from None


def load(path: Path) -> Samples:
    """Reads one results file; any problem is an InputError naming the file."""
    doc, _ = read_document(path)
    return from_document(doc, str(path))
