"""Several runs next to each other: other machines, other architectures, before and after.

Absolute speeds from different machines do not compare; ratios to the same run's baseline do.
Each run is therefore reduced to ratios against ITS OWN baseline at its own highest thread
count of the level, and the runs are put next to each other per primitive.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from synclab.load import Run
from synclab.report.tables import ScenarioTable, rows_at_top_threads

EMULATED_SUFFIX = "(emulated — timings are not hardware numbers)"


def _short_sha(context: Mapping[str, Any]) -> str:
    return str(context.get("git_sha") or "")[:7]


def run_labels(runs: Sequence[Run]) -> list[str]:
    """Short names that tell the runs apart: host · arch, then git sha, then run id, as needed."""
    fields = [
        lambda r: str(r.context.get("host_name") or ""),
        lambda r: str(r.context.get("arch") or ""),
        lambda r: _short_sha(r.context),
        lambda r: str(r.run_info.get("run_id") or ""),
    ]
    labels: list[str] = []
    for used in range(2, len(fields) + 1):
        labels = [" · ".join(p for p in (f(run) for f in fields[:used]) if p) or run.label
                  for run in runs]
        if len(set(labels)) == len(labels):
            break
    if len(set(labels)) != len(labels):
        labels = [f"{label} #{i + 1}" for i, label in enumerate(labels)]
    return labels


def legend_label(label: str, emulated: bool) -> str:
    return f"{label} {EMULATED_SUFFIX}" if emulated else label


@dataclass(frozen=True)
class RunRatios:
    label: str  # from run_labels, with the emulated suffix where it applies
    emulated: bool
    threads: int
    placement: str
    ratios: Mapping[str, float]  # primitive -> median ops/s over this run's baseline


@dataclass(frozen=True)
class SideBySide:
    family: str
    scenario: str
    params: str
    baseline: str
    primitives: tuple[str, ...]  # the baseline first, then by name
    runs: tuple[RunRatios, ...]

    @property
    def title(self) -> str:
        return f"{self.family} / {self.scenario}" + (f" / {self.params}" if self.params else "")

    @property
    def emulated(self) -> bool:
        return any(run.emulated for run in self.runs)


def _run_ratios(table: ScenarioTable, label: str, emulated: bool) -> RunRatios | None:
    """Ratios at the run's highest thread count that has its baseline, first such placement."""
    for placement in table.placements:
        threads, rows = rows_at_top_threads(table, placement)
        ratios = {row.primitive: row.ratio for row in rows if row.ratio is not None}
        if ratios:
            return RunRatios(legend_label(label, emulated), emulated, threads, placement,
                             dict(sorted(ratios.items())))
    return None


def side_by_side(runs: Sequence[Run], tables_per_run: Sequence[Sequence[ScenarioTable]],
                 labels: Sequence[str]) -> list[SideBySide]:
    """One comparison per (family, scenario, parameters) with ratios in at least two runs."""
    keys: list[tuple[str, str, str]] = []
    found: dict[tuple[str, str, str], list[RunRatios]] = {}
    baselines: dict[tuple[str, str, str], str] = {}
    for run, tables, label in zip(runs, tables_per_run, labels):
        for table in tables:
            if table.baseline is None:
                continue
            ratios = _run_ratios(table, label, run.emulated)
            if ratios is None:
                continue
            key = (table.family, table.scenario, table.params)
            if key not in found:
                keys.append(key)
                found[key] = []
            found[key].append(ratios)
            baselines[key] = table.baseline
    result = []
    for key in keys:
        if len(found[key]) < 2:
            continue
        baseline = baselines[key]
        names = sorted({p for r in found[key] for p in r.ratios} - {baseline})
        result.append(SideBySide(*key, baseline, (baseline, *names), tuple(found[key])))
    return result


# (heading, where, key) of the context comparison; where is "context" or "run".
COMPARED_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("CPU", "context", "cpu_model"), ("architecture", "context", "arch"),
    ("emulated", "context", "emulated"), ("topology", "context", "topology"),
    ("virtual machine", "context", "vm"), ("kernel", "context", "kernel"),
    ("libc", "context", "libc"), ("compiler", "context", "compiler"),
    ("compiler flags", "context", "cxx_flags"), ("build type", "context", "build_type"),
    ("placement policy", "context", "placement"), ("PMU", "context", "pmu"),
    ("latency sampling", "context", "latency_sampling"), ("git sha", "context", "git_sha"),
    ("host", "context", "host_name"), ("run id", "run", "run_id"),
    ("profile", "run", "profile"), ("repetitions", "run", "repetitions"),
    ("window (ms)", "run", "duration_ms"),
    ("contended repetitions", "run", "contended_repetitions"),
    ("contended window (ms)", "run", "contended_duration_ms"), ("started", "run", "started"),
)


@dataclass(frozen=True)
class ComparedField:
    heading: str
    values: tuple[str, ...]  # one per run, "" when the run does not record it

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


def context_comparison(runs: Sequence[Run]) -> list[ComparedField]:
    """The fields any run records, one value per run."""
    rows = []
    for heading, where, key in COMPARED_FIELDS:
        values = tuple(str((run.context if where == "context" else run.run_info).get(key) or "")
                       for run in runs)
        if any(values):
            rows.append(ComparedField(heading, values))
    return rows
