"""Results files -> Run: the one reader of results files, for the report, compare and history.

A file is Google Benchmark JSON (docs/results-format.md). Its context's `schema_version` says
which version of synclab's additions it follows; a file without one was written before the
field existed (or by the binary alone, not by run_suite) and is read as version 0, with a note.
Whatever is wrong with a file becomes one ResultsError line naming it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from synclab.names import CaseName, parse_case_name
from synclab.results import FAMILIES_KEY, SCHEMA_VERSION

SCHEMA_KEY = "schema_version"
NOT_MEASURED_KEY = "not_measured"
# Integer bookkeeping fields of a Google Benchmark entry: not measurements.
STRUCTURAL = frozenset({"family_index", "per_family_instance_index", "repetitions",
                        "repetition_index", "threads", "iterations"})


class ResultsError(Exception):
    """A results file that cannot be used: one line naming the file and the reason."""


@dataclass(frozen=True)
class Record:
    """One benchmark entry."""
    name: str
    run_name: str  # the case's name (Google Benchmark's run_name; the entry's name without it)
    case: CaseName | None  # None when the name is not a synclab case name
    run_type: str  # "iteration" or "aggregate"
    aggregate_name: str
    repetition_index: int | None
    status: str  # "ok", "timed_out" or "failed"
    error_message: str
    label: str
    values: Mapping[str, float] = field(default_factory=dict)


@dataclass
class CaseSamples:
    """One case's repetitions (iteration entries that finished), or why it has none."""
    name: str
    reps: list[tuple[int, Mapping[str, float]]] = field(default_factory=list)
    status: str = "ok"  # "ok", or "timed_out" / "failed" when any repetition did not finish
    message: str = ""

    def values(self, metric: str) -> list[float]:
        """The metric over the repetitions, in repetition order (absent ones left out)."""
        return [values[metric] for _, values in self.reps if metric in values]

    def by_repetition(self, metric: str) -> dict[int, float]:
        return {index: values[metric] for index, values in self.reps if metric in values}


@dataclass(frozen=True)
class FamilyContext:
    """What one family's cases carried in their contexts beyond what the whole run shares
    (schema version 2 on; docs/results-format.md, "Context per family")."""
    cases: int
    own: Mapping[str, Any]  # keys with one value in this family that the run does not share
    varies: Mapping[str, tuple[Any, ...]]  # keys this family's cases disagree on: every value
    not_measured: Mapping[str, str] = field(default_factory=dict)  # metric -> why, its cases'


@dataclass(frozen=True)
class Run:
    """One results file."""
    source: str
    context: Mapping[str, Any]
    run_info: Mapping[str, Any]
    records: tuple[Record, ...]
    schema_version: int = SCHEMA_VERSION
    not_measured: Mapping[str, str] = field(default_factory=dict)  # metric -> why it is absent
    notes: tuple[str, ...] = ()  # what a reader should know about the file itself
    families: Mapping[str, FamilyContext] = field(default_factory=dict)

    @property
    def emulated(self) -> bool:
        return str(self.context.get("emulated", "false")).lower() == "true"

    @property
    def label(self) -> str:
        """The run id, else the directory or file the results came from."""
        return str(self.run_info.get("run_id") or Path(self.source).parent.name or self.source)

    @property
    def revision_label(self) -> str:
        """The measured revision (12 digits of git_sha), else the file's name."""
        sha = str(self.context.get("git_sha", "") or "")
        return sha[:12] if sha else Path(self.source).name

    @property
    def mode(self) -> str:
        """'time' for ordinary runs, 'instructions' for run_suite --mode instructions."""
        return str(self.context.get("mode", "time"))

    @cached_property
    def cases(self) -> dict[str, CaseSamples]:
        """Every case's repetitions, in the file's order; aggregate entries are left out."""
        cases: dict[str, CaseSamples] = {}
        for record in self.records:
            if record.run_type != "iteration":
                continue
            case = cases.setdefault(record.run_name, CaseSamples(record.run_name))
            if record.status != "ok":
                if case.status == "ok":  # a failed repetition marks the case failed
                    case.status = record.status
                    case.message = record.error_message or record.status
                continue
            index = record.repetition_index
            case.reps.append((index if index is not None else len(case.reps), record.values))
        for case in cases.values():
            case.reps.sort(key=lambda item: item[0])
        return cases

    @cached_property
    def metric_names(self) -> frozenset[str]:
        """Every metric some entry of the file carries."""
        return frozenset(name for record in self.records for name in record.values)

    def why_absent(self, metric: str, family: str | None = None) -> str | None:
        """Why the run has no value of `metric` where it could have one, if the file says; with
        a family, the reason its own cases gave (files before schema version 2: the run's)."""
        own = self.families.get(family) if family else None
        return own.not_measured.get(metric) if own is not None else self.not_measured.get(metric)

    def context_of(self, family: str) -> dict[str, Any]:
        """The context a case of `family` ran with: the run's keys, the family's own over them;
        a key the family's cases disagree on has its first value (see `families` for all).
        Files before schema version 2 kept only the first case's context: that is returned."""
        not_shared = {key for entry in self.families.values()
                      for key in (*entry.own, *entry.varies)}
        merged = {key: value for key, value in self.context.items()
                  if key != FAMILIES_KEY and key not in not_shared}
        own = self.families.get(family)
        if own is not None:
            merged.update(own.own)
            merged.update({key: values[0] for key, values in own.varies.items() if values})
        return merged


def require_repetitions(run: Run) -> dict[str, CaseSamples]:
    """The cases of a run that statistics can use; ResultsError when it has no repetitions."""
    if run.cases:
        return run.cases
    if run.records:
        raise ResultsError(f"{run.source}: holds only aggregate entries (mean/median/stddev); "
                           "the individual repetitions are needed (run without "
                           "--benchmark_report_aggregates_only)")
    raise ResultsError(f"{run.source}: has no benchmark entries")


def require_case_names(run: Run) -> Run:
    """The run itself when every entry has a synclab case name; ResultsError naming the first
    that has not (the report groups cases by family, level and threads)."""
    for index, record in enumerate(run.records):
        if record.case is None:
            raise ResultsError(f"{run.source}: benchmarks[{index}] name {record.run_name!r} is "
                               "not a synclab case name (family/primitive/scenario/t:N/"
                               "place:POLICY)")
    return run


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _record(entry: Any, index: int) -> Record:
    if not isinstance(entry, dict):
        raise ValueError(f"benchmarks[{index}] is not an object")
    name = entry.get("name")
    if not isinstance(name, str):
        raise ValueError(f"benchmarks[{index}] has no name")
    run_name = entry.get("run_name")
    case_name = run_name if isinstance(run_name, str) and run_name else name
    status = "ok"
    if entry.get("error_occurred"):
        written = str(entry.get("synclab_status") or "failed")
        status = written if written in ("timed_out", "failed") else "failed"
    values = {key: number for key, value in entry.items()
              if key not in STRUCTURAL and (number := _number(value)) is not None}
    repetition = _number(entry.get("repetition_index"))
    return Record(
        name=name, run_name=case_name, case=parse_case_name(case_name),
        run_type=str(entry.get("run_type", "iteration")),
        aggregate_name=str(entry.get("aggregate_name", "")),
        repetition_index=int(repetition) if repetition is not None else None,
        status=status, error_message=str(entry.get("error_message", "")),
        label=str(entry.get("label", "")), values=values)


def _schema_version(context: Mapping[str, Any]) -> tuple[int, tuple[str, ...]]:
    raw = context.get(SCHEMA_KEY)
    if raw is None:
        return 0, (f"no {SCHEMA_KEY} in its context: written before results schema version 1 "
                   "(or by the bench binary alone), read as version 0",)
    text = str(raw) if isinstance(raw, (int, str)) and not isinstance(raw, bool) else ""
    if not text.isdigit():
        raise ValueError(f"context.{SCHEMA_KEY} is {raw!r}, not a whole number")
    version = int(text)
    if version > SCHEMA_VERSION:
        raise ValueError(f"results schema version {version}; this synclab reads versions up to "
                         f"{SCHEMA_VERSION} (a newer synclab wrote it)")
    return version, ()


def _not_measured(context: Mapping[str, Any]) -> dict[str, str]:
    """The context's {metric: reason} of metrics left out on purpose (a JSON object string)."""
    raw = context.get(NOT_MEASURED_KEY)
    if raw is None or raw == "":
        return {}
    try:
        doc = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                            for k, v in doc.items()):
        raise ValueError(f"context.{NOT_MEASURED_KEY} is not a JSON object of metric: reason")
    return dict(doc)


def _families(context: Mapping[str, Any]) -> dict[str, FamilyContext]:
    """The context's per-family part (schema version 2); {} for files without one."""
    raw = context.get(FAMILIES_KEY)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"context.{FAMILIES_KEY} is not an object")
    families = {}
    for family, entry in raw.items():
        own = entry.get("context", {}) if isinstance(entry, dict) else None
        varies = entry.get("varies", {}) if isinstance(entry, dict) else None
        cases = entry.get("cases", 0) if isinstance(entry, dict) else None
        if not isinstance(own, dict) or not isinstance(varies, dict) \
                or not all(isinstance(values, list) for values in varies.values()) \
                or not isinstance(cases, int) or isinstance(cases, bool):
            raise ValueError(f"context.{FAMILIES_KEY}.{family} is not an object of cases, "
                             "context and varies")
        families[family] = FamilyContext(cases, own, {key: tuple(values)
                                                      for key, values in varies.items()})
    shared = not any(NOT_MEASURED_KEY in f.own or NOT_MEASURED_KEY in f.varies
                     for f in families.values())
    for family, entry in families.items():
        reasons = _not_measured(context) if shared else {}
        for value in [entry.own.get(NOT_MEASURED_KEY), *entry.varies.get(NOT_MEASURED_KEY, ())]:
            for metric, why in _not_measured({NOT_MEASURED_KEY: value}).items():
                reasons.setdefault(metric, why)
        families[family] = FamilyContext(entry.cases, entry.own, entry.varies, reasons)
    return families


def parse(doc: Any, source: str) -> Run:
    """A decoded results document -> Run; ResultsError naming `source` and what is wrong."""
    try:
        if not isinstance(doc, dict):
            raise ValueError("not a Google Benchmark results file (the top level is not an object)")
        if not isinstance(doc.get("benchmarks"), list):
            raise ValueError("not a Google Benchmark results file (no 'benchmarks' list)")
        context = doc.get("context", {})
        if not isinstance(context, dict):
            raise ValueError("'context' is not an object")
        run_info = context.get("synclab_run", {})
        if not isinstance(run_info, dict):
            raise ValueError("'context.synclab_run' is not an object")
        version, notes = _schema_version(context)
        not_measured = _not_measured(context)
        families = _families(context)
        for family in families.values():
            for metric, why in family.not_measured.items():
                not_measured.setdefault(metric, why)
        records = tuple(_record(entry, i) for i, entry in enumerate(doc["benchmarks"]))
    except ValueError as exc:
        raise ResultsError(f"{source}: {exc}") from None
    return Run(source, context, run_info, records, version, not_measured, notes, families)


def read_document(path: Path) -> tuple[Any, str]:
    """The decoded JSON of a file and its text; ResultsError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ResultsError(f"{path}: is a directory, not a results file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text), text
    except ValueError as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc}); a cut-off or corrupt results "
                           "file?") from None


def load(path: Path) -> Run:
    """Reads one results file; any problem is a ResultsError naming the file."""
    doc, _ = read_document(path)
    return parse(doc, str(path))
