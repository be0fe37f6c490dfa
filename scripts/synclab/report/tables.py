"""Pure computations on records: per-scenario tables, figure series, normalised throughput."""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from synclab.metrics import GB_TIMES
from synclab.names import CaseName, baseline_for, scenario_order
from synclab.load import Record

# Cases of this family measure the machine (cache-line round trips, atomic costs), not primitives.
LIMITS_FAMILY = "limits"
# From this many repetitions on the spread shown is the IQR; below it, min-max.
IQR_MIN_SAMPLES = 5


@dataclass(frozen=True)
class Summary:
    """Median of the repetitions, with their spread (IQR or min-max)."""
    median: float
    lo: float
    hi: float
    n: int
    spread: str  # "iqr", "range", or "" for a single value
    # The largest repetition (a bound must hold in every one); not part of a summary's identity.
    most: float | None = field(default=None, compare=False)

    @property
    def largest(self) -> float:
        return self.hi if self.most is None else self.most


def summarize(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("summarize() needs at least one value")
    data = sorted(values)
    median = statistics.median(data)
    if len(data) == 1:
        return Summary(median, median, median, 1, "", median)
    if len(data) >= IQR_MIN_SAMPLES:
        q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
        return Summary(median, q1, q3, len(data), "iqr", data[-1])
    return Summary(median, data[0], data[-1], len(data), "range", data[-1])


@dataclass(frozen=True)
class Row:
    """One primitive at one thread count and placement: medians over its repetitions."""
    primitive: str
    threads: int
    placement: str
    metrics: Mapping[str, Summary]
    ratio: float | None  # median ops/s over the baseline's at the same threads and placement
    is_baseline: bool
    label: str
    name: str

    @property
    def repetitions(self) -> int:
        ops = self.metrics.get("ops_per_sec")
        return ops.n if ops else max((s.n for s in self.metrics.values()), default=0)

    def median(self, metric: str) -> float | None:
        summary = self.metrics.get(metric)
        return None if summary is None else summary.median


@dataclass(frozen=True)
class ScenarioTable:
    """Every primitive of one family at one scenario (contention level and parameters)."""
    family: str
    scenario: str
    params: str
    baseline: str | None
    rows: tuple[Row, ...]
    missing_baseline: tuple[tuple[int, str], ...]  # (threads, placement) with no baseline row

    @property
    def title(self) -> str:
        return f"{self.family} / {self.scenario}" + (f" / {self.params}" if self.params else "")

    @property
    def primitives(self) -> list[str]:
        return sorted({row.primitive for row in self.rows})

    @property
    def placements(self) -> list[str]:
        return sorted({row.placement for row in self.rows})


def case_samples(records: Iterable[Record]) -> dict[CaseName, tuple[str, str, dict[str, list[float]]]]:
    """Per case: (name, label, metric -> one value per repetition), from successful entries.

    Iteration entries are used; a case written with aggregates only falls back to its median.
    Every numeric counter of an entry is kept, not only the core metrics.
    """
    iterations: dict[CaseName, list[Record]] = defaultdict(list)
    medians: dict[CaseName, list[Record]] = defaultdict(list)
    for record in records:
        if record.status != "ok" or record.case is None:
            continue
        if record.run_type == "aggregate":
            if record.aggregate_name == "median":
                medians[record.case].append(record)
        else:
            iterations[record.case].append(record)
    samples: dict[CaseName, tuple[str, str, dict[str, list[float]]]] = {}
    for case in list(iterations) + [c for c in medians if c not in iterations]:
        chosen = iterations.get(case) or medians[case]
        values: dict[str, list[float]] = defaultdict(list)
        for record in chosen:
            for metric, value in record.values.items():
                if metric not in GB_TIMES:
                    values[metric].append(value)
        first = chosen[0]
        samples[case] = (first.name if first.run_type != "aggregate" else case_name_text(case),
                         first.label, dict(values))
    return samples


def case_name_text(case: CaseName) -> str:
    text = f"{case.family}/{case.primitive}/{case.scenario}/t:{case.threads}/place:{case.placement}"
    return text + (f"/{case.params_text}" if case.params else "")


def scenario_tables(records: Iterable[Record]) -> list[ScenarioTable]:
    """One table per (family, scenario, parameters), rows primitive x threads (x placement).

    The machine's limits (family "limits") are not primitives and get no table here.
    """
    groups: dict[tuple[str, str, str], list[tuple[CaseName, str, str, dict[str, list[float]]]]] = \
        defaultdict(list)
    for case, (name, label, values) in case_samples(records).items():
        if case.family == LIMITS_FAMILY:
            continue
        groups[(case.family, case.scenario, case.params_text)].append((case, name, label, values))
    tables = []
    for (family, scenario, params), cases in groups.items():
        baseline = baseline_for(family, cases[0][0].params)
        summaries = {case: {m: summarize(v) for m, v in values.items() if v}
                     for case, _, _, values in cases}
        reference: dict[tuple[int, str], float] = {}
        for case, metrics in summaries.items():
            if case.primitive == baseline and "ops_per_sec" in metrics:
                reference[(case.threads, case.placement)] = metrics["ops_per_sec"].median
        rows = []
        for case, name, label, _ in cases:
            metrics = summaries[case]
            base = reference.get((case.threads, case.placement))
            ops = metrics.get("ops_per_sec")
            ratio = ops.median / base if ops is not None and base else None
            rows.append(Row(case.primitive, case.threads, case.placement, metrics, ratio,
                            case.primitive == baseline, label, name))
        rows.sort(key=lambda r: (r.primitive != baseline, r.primitive, r.threads, r.placement))
        missing = sorted({(row.threads, row.placement) for row in rows} - set(reference)) \
            if baseline is not None else []
        tables.append(ScenarioTable(family, scenario, params, baseline, tuple(rows), tuple(missing)))
    tables.sort(key=lambda t: (t.family, scenario_order(t.scenario), t.params))
    return tables


@dataclass(frozen=True)
class Series:
    """Throughput against threads for one primitive (at one placement)."""
    primitive: str
    placement: str
    points: tuple[tuple[int, Summary], ...]


def throughput_series(table: ScenarioTable) -> list[Series]:
    points: dict[tuple[str, str], list[tuple[int, Summary]]] = defaultdict(list)
    for row in table.rows:
        ops = row.metrics.get("ops_per_sec")
        if ops is not None:
            points[(row.primitive, row.placement)].append((row.threads, ops))
    return [Series(primitive, placement, tuple(sorted(pts, key=lambda p: p[0])))
            for (primitive, placement), pts in sorted(points.items())]


@dataclass(frozen=True)
class RelativeBars:
    """Throughput of each primitive over the baseline's, at the highest thread count it has."""
    baseline: str
    threads: int
    placement: str
    bars: tuple[tuple[str, float, float, float], ...]  # primitive, median ratio, lo, hi


def relative_throughput(table: ScenarioTable) -> list[RelativeBars]:
    """One set of bars per placement whose baseline was measured; empty without a baseline."""
    if table.baseline is None:
        return []
    result = []
    for placement in table.placements:
        base_rows = [r for r in table.rows if r.is_baseline and r.placement == placement
                     and "ops_per_sec" in r.metrics and r.metrics["ops_per_sec"].median > 0]
        if not base_rows:
            continue
        threads = max(r.threads for r in base_rows)
        base = next(r for r in base_rows if r.threads == threads).metrics["ops_per_sec"].median
        bars = []
        for row in table.rows:
            ops = row.metrics.get("ops_per_sec")
            if row.placement == placement and row.threads == threads and ops is not None:
                bars.append((row.primitive, ops.median / base, ops.lo / base, ops.hi / base))
        bars.sort(key=lambda bar: (-bar[1], bar[0]))
        result.append(RelativeBars(table.baseline, threads, placement, tuple(bars)))
    return result


def all_primitives(tables: Iterable[ScenarioTable]) -> list[str]:
    return sorted({primitive for table in tables for primitive in table.primitives})


def rows_at_top_threads(table: ScenarioTable, placement: str) -> tuple[int, tuple[Row, ...]]:
    """The level's highest thread count at `placement` and the rows measured there."""
    rows = [row for row in table.rows if row.placement == placement]
    if not rows:
        return 0, ()
    threads = max(row.threads for row in rows)
    return threads, tuple(row for row in rows if row.threads == threads)


@dataclass(frozen=True)
class Placement:
    """A case's `label`, e.g. "pus=0,1 class=cross_l3": where its threads ran."""
    pus: tuple[int, ...]
    topology_class: str
    flags: tuple[str, ...]  # further words, e.g. "oversubscribed"

    @property
    def text(self) -> str:
        """'PUs 0,1 · cross L3'; repeated PUs as '×k' (oversubscribed: several threads per PU)."""
        distinct = list(dict.fromkeys(self.pus))
        pus = ",".join(map(str, distinct))
        if distinct and len(self.pus) > len(distinct):
            pus += f" ×{len(self.pus) // len(distinct)}"
        parts = [f"PU{'s' if len(distinct) != 1 else ''} {pus}" if distinct else ""]
        parts.append(class_text(self.topology_class))
        parts.extend(self.flags)
        return " · ".join(part for part in parts if part)


def class_text(topology_class: str) -> str:
    """'cross_l3' -> 'cross L3', 'same_pu' -> 'same PU', 'same_core' -> 'same core'."""
    def word_text(word: str) -> str:
        acronym = word in ("pu", "numa") or (word[:1] == "l" and word[1:].isdigit())
        return word.upper() if acronym else word
    return " ".join(word_text(word) for word in topology_class.split("_"))


def parse_label(label: str) -> Placement | None:
    """The placement a case's label records; None when the label says nothing about it."""
    pus: tuple[int, ...] = ()
    topology_class = ""
    flags = []
    for word in label.split():
        key, sep, value = word.partition("=")
        if sep and key == "pus":
            pus = tuple(int(pu) for pu in value.split(",") if pu.strip().isdigit())
        elif sep and key == "class":
            topology_class = value
        else:
            flags.append(word)
    if not pus and not topology_class:
        return None
    return Placement(pus, topology_class, tuple(flags))


def families(tables: Iterable[ScenarioTable]) -> dict[str, list[ScenarioTable]]:
    """The tables grouped by family, families in name order, levels in their natural order."""
    grouped: dict[str, list[ScenarioTable]] = defaultdict(list)
    for table in tables:
        grouped[table.family].append(table)
    return {family: grouped[family] for family in sorted(grouped)}
