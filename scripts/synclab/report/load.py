"""Results files -> typed records. Checks that a file is synclab's Google Benchmark JSON."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from synclab.names import CaseName, parse_case_name

# Integer bookkeeping fields of a GB entry: not measurements.
_STRUCTURAL = frozenset({"family_index", "per_family_instance_index", "repetitions",
                         "repetition_index", "threads", "iterations"})


class ResultsError(Exception):
    """A results file that cannot be read: its message names the file and the reason."""


@dataclass(frozen=True)
class Record:
    """One benchmark entry."""
    name: str
    case: CaseName
    run_type: str  # "iteration" or "aggregate"
    aggregate_name: str
    repetition_index: int
    status: str  # "ok", "timed_out" or "failed"
    error_message: str
    label: str
    values: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    """One results file."""
    source: str
    context: Mapping[str, Any]
    run_info: Mapping[str, Any]
    records: tuple[Record, ...]

    @property
    def emulated(self) -> bool:
        return str(self.context.get("emulated", "false")).lower() == "true"

    @property
    def label(self) -> str:
        return str(self.run_info.get("run_id") or Path(self.source).parent.name or self.source)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def parse_entry(entry: Any, index: int) -> Record:
    """One GB benchmark entry -> Record; raises ValueError saying what is wrong."""
    if not isinstance(entry, dict):
        raise ValueError(f"benchmarks[{index}] is not an object")
    name = entry.get("name")
    if not isinstance(name, str):
        raise ValueError(f"benchmarks[{index}] has no name")
    run_name = entry.get("run_name")
    case_text = run_name if isinstance(run_name, str) else name
    case = parse_case_name(case_text)
    if case is None:
        raise ValueError(f"benchmarks[{index}] name {case_text!r} is not a synclab case name "
                         "(family/primitive/scenario/t:N/place:POLICY)")
    status = "ok"
    if entry.get("error_occurred"):
        status = str(entry.get("synclab_status") or "failed")
        status = "failed" if status == "ok" else status
    values = {key: number for key, value in entry.items()
              if key not in _STRUCTURAL and (number := _number(value)) is not None}
    repetition = _number(entry.get("repetition_index"))
    return Record(
        name=name,
        case=case,
        run_type=str(entry.get("run_type", "iteration")),
        aggregate_name=str(entry.get("aggregate_name", "")),
        repetition_index=int(repetition) if repetition is not None else 0,
        status=status,
        error_message=str(entry.get("error_message", "")),
        label=str(entry.get("label", "")),
        values=values,
    )


def parse_run(doc: Any, source: str) -> Run:
    """A decoded results document -> Run; raises ValueError saying what is wrong."""
    if not isinstance(doc, dict):
        raise ValueError("not a Google Benchmark results file (the top level is not an object)")
    benchmarks = doc.get("benchmarks")
    if not isinstance(benchmarks, list):
        raise ValueError("not a Google Benchmark results file (no 'benchmarks' list)")
    context = doc.get("context", {})
    if not isinstance(context, dict):
        raise ValueError("'context' is not an object")
    run_info = context.get("synclab_run", {})
    if not isinstance(run_info, dict):
        raise ValueError("'context.synclab_run' is not an object")
    records = tuple(parse_entry(entry, i) for i, entry in enumerate(benchmarks))
    return Run(source, context, run_info, records)


def load_run(path: Path) -> Run:
    """Reads one results file; any problem becomes a ResultsError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ResultsError(f"{path}: is a directory, not a results file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ResultsError(f"{path}: not valid JSON: {exc}") from None
    try:
        return parse_run(doc, str(path))
    except ValueError as exc:
        raise ResultsError(f"{path}: {exc}") from None
