"""The machine a run measured: its description, the placements used, and its physical limits.

Limits are cases of the family "limits":
  limits/c2c/pingpong/t:2/place:cpus:A,B   counters roundtrip_ns, oneway_ns (one per PU pair)
  limits/atomics/<op>/t:1/place:P          counter ns_per_op (fetch_add, cas, exchange, ...)
  limits/syscall/<op>/t:1/place:P          counter ns_per_op (getppid, futex_wake_nowaiter, ...)
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from synclab.load import Record
from synclab.report.tables import (LIMITS_FAMILY, ScenarioTable, Summary, case_samples,
                                   parse_label, summarize)

C2C = "c2c"
COST_GROUPS = ("atomics", "syscall")

# (heading, context key) of the machine table, in order; absent keys are skipped.
MACHINE_FIELDS: tuple[tuple[str, str], ...] = (
    ("CPU", "cpu_model"), ("architecture", "arch"), ("topology", "topology"),
    ("topology (hwloc synthetic)", "topology_synthetic"), ("CPUs online", "num_cpus"),
    ("virtual machine", "vm"), ("emulated", "emulated"), ("kernel", "kernel"), ("libc", "libc"),
    ("compiler", "compiler"), ("compiler flags", "cxx_flags"), ("build type", "build_type"),
    ("frequency governor", "governor"), ("placement policy", "placement"),
    ("host", "host_name"),
)


@dataclass(frozen=True)
class C2CMatrix:
    """One-way cache-line transfer latency between PUs; None where no pair was measured."""
    pus: tuple[int, ...]
    oneway_ns: tuple[tuple[float | None, ...], ...]  # [row PU][column PU]
    roundtrip_ns: tuple[tuple[float | None, ...], ...]
    classes: Mapping[tuple[int, int], str]  # topology class of each measured pair

    def cell(self, a: int, b: int) -> float | None:
        return self.oneway_ns[self.pus.index(a)][self.pus.index(b)]


def _pair(placement: str) -> tuple[int, int] | None:
    if not placement.startswith("cpus:"):
        return None
    parts = placement[len("cpus:"):].split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def c2c_matrix(records: Iterable[Record]) -> C2CMatrix | None:
    """The ping-pong matrix; a pair measured one way only fills both cells. None if unmeasured."""
    oneway: dict[tuple[int, int], float] = {}
    roundtrip: dict[tuple[int, int], float] = {}
    classes: dict[tuple[int, int], str] = {}
    for case, (_, label, values) in case_samples(records).items():
        if case.family != LIMITS_FAMILY or case.primitive != C2C:
            continue
        pair = _pair(case.placement)
        if pair is None or pair[0] == pair[1]:
            continue
        trip = statistics.median(values["roundtrip_ns"]) if values.get("roundtrip_ns") else None
        one = statistics.median(values["oneway_ns"]) if values.get("oneway_ns") else None
        if one is None and trip is not None:
            one = trip / 2
        if one is None:
            continue
        placement = parse_label(label)
        for a, b in (pair, pair[::-1]):
            if (a, b) == pair or (a, b) not in oneway:
                oneway[(a, b)] = one
                if trip is not None:
                    roundtrip[(a, b)] = trip
                if placement and placement.topology_class:
                    classes[(a, b)] = placement.topology_class
    if not oneway:
        return None
    pus = tuple(sorted({pu for pair in oneway for pu in pair}))
    return C2CMatrix(pus,
                     tuple(tuple(oneway.get((a, b)) for b in pus) for a in pus),
                     tuple(tuple(roundtrip.get((a, b)) for b in pus) for a in pus),
                     classes)


@dataclass(frozen=True)
class ClassLatency:
    topology_class: str
    pairs: int
    min_ns: float
    median_ns: float
    max_ns: float


def c2c_by_class(matrix: C2CMatrix) -> list[ClassLatency]:
    """One-way latency per topology class of the pair (each unordered pair counted once)."""
    groups: dict[str, list[float]] = defaultdict(list)
    for i, a in enumerate(matrix.pus):
        for b in matrix.pus[i + 1:]:
            value = matrix.cell(a, b)
            if value is not None:
                groups[matrix.classes.get((a, b), "unknown")].append(value)
    rows = [ClassLatency(cls, len(v), min(v), statistics.median(v), max(v))
            for cls, v in groups.items()]
    rows.sort(key=lambda r: (r.median_ns, r.topology_class))
    return rows


@dataclass(frozen=True)
class OperationCost:
    group: str  # "atomics" or "syscall"
    operation: str
    cost: Summary  # ns per operation over the repetitions
    placement: str  # the case's place: and label, as text


def operation_costs(records: Iterable[Record]) -> list[OperationCost]:
    """Uncontended costs, atomics first, each group in increasing cost."""
    costs = []
    for case, (_, label, values) in case_samples(records).items():
        if case.family != LIMITS_FAMILY or case.primitive not in COST_GROUPS:
            continue
        samples = values.get("ns_per_op")
        if not samples:
            continue
        placement = parse_label(label)
        where = case.placement + (f" ({placement.text})" if placement else "")
        costs.append(OperationCost(case.primitive, case.scenario, summarize(samples), where))
    costs.sort(key=lambda c: (COST_GROUPS.index(c.group), c.cost.median, c.operation))
    return costs


def machine_rows(context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(heading, text) of the machine table: what a reader needs to trust or compare the numbers."""
    return [(heading, str(context[key])) for heading, key in MACHINE_FIELDS
            if context.get(key) not in (None, "")]


@dataclass(frozen=True)
class PlacementUse:
    label: str  # the placement as text, e.g. "PUs 0,1 · cross L3"
    cases: tuple[str, ...]  # "family / level / t:N", one per case with that placement


def placements_used(tables: Sequence[ScenarioTable]) -> list[PlacementUse]:
    """Which PUs and topology class each group of cases ran on."""
    uses: dict[str, list[str]] = defaultdict(list)
    for table in tables:
        for row in table.rows:
            placement = parse_label(row.label)
            text = placement.text if placement else (row.label or f"place:{row.placement}")
            where = f"{table.family} / {table.scenario} / t:{row.threads}"
            if where not in uses[text]:
                uses[text].append(where)
    return [PlacementUse(label, tuple(cases)) for label, cases in uses.items()]
