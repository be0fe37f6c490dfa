"""Event counters per operation, and a plain account of what could not be counted and why.

Every counter key ending in `_per_op` that is not one of the standard metrics is an event read
by the harness (cycles_per_op, task_clock_ns_per_op, ...). What was and was not available comes
from the results context: `pmu`, `counters` and `counters_unavailable`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from synclab.metrics import CORE
from synclab.report.tables import Row

PER_OP = "_per_op"
# The per-operation metrics every case reports (docs/metrics.md): not event counters.
STANDARD_PER_OP = frozenset(name for name in CORE if name.endswith(PER_OP))
# Share of the measured window the counters were actually counting (1 = not multiplexed).
SCALING = "counter_scaling_min"
# The statement used when the context says nothing about counters at all.
NOT_RECORDED = "not recorded in this results file (no 'pmu' or 'counters' in its context)"

_COUNTER_ITEM = re.compile(r"^[A-Za-z0-9_.:-]+=")
_UNAVAILABLE_ITEM = re.compile(r"^[A-Za-z0-9_.:-]+: ")


def extra_events(rows: Iterable[Row]) -> list[str]:
    """The event counter keys present in any row, e.g. ['cycles_per_op', 'page_faults_per_op']."""
    return sorted({metric for row in rows for metric in row.metrics
                   if metric.endswith(PER_OP) and metric not in STANDARD_PER_OP})


def event_name(metric: str) -> str:
    """'cycles_per_op' -> 'cycles'."""
    return metric[:-len(PER_OP)] if metric.endswith(PER_OP) else metric


def _items(text: str, starts_item: re.Pattern[str]) -> list[str]:
    """Splits '; '-separated items; a piece that does not start an item continues the last one."""
    items: list[str] = []
    for piece in text.split("; "):
        if items and not starts_item.match(piece):
            items[-1] += "; " + piece
        elif piece.strip():
            items.append(piece.strip())
    return items


@dataclass(frozen=True)
class CounterStatus:
    """What the harness could count, from the results context."""
    pmu: str  # the context's text, "" when absent
    pmu_available: bool | None  # None: not recorded
    requested: str  # e.g. "requested=auto set=os"
    available: tuple[str, ...]  # event names the harness opened
    unavailable: tuple[tuple[str, str], ...]  # (event, reason)
    settings: tuple[tuple[str, str], ...]  # further context keys about counting

    @property
    def recorded(self) -> bool:
        return self.pmu_available is not None or bool(self.requested or self.available
                                                       or self.unavailable)


_SETTINGS = (("counter groups", "counter_groups"), ("counter rotation", "counter_rotation"),
             ("kernel mode counted", "counters_kernel"), ("OS counters", "os_counters"),
             ("perf_event_paranoid", "perf_event_paranoid"))


def counter_status(context: Mapping[str, Any]) -> CounterStatus:
    pmu = str(context.get("pmu") or "")
    pmu_available = None if not pmu else not pmu.lower().startswith("unavailable")
    requested = ""
    available: list[str] = []
    unavailable: dict[str, str] = {}
    for item in _items(str(context.get("counters") or ""), _COUNTER_ITEM):
        name, _, status = item.partition("=")
        if name == "requested":
            requested = item
        elif status.startswith("available"):
            available.append(name)
        elif status.startswith("unavailable"):
            unavailable[name] = status.partition(":")[2].strip() or "unavailable"
    listed = str(context.get("counters_unavailable") or "")
    if listed.lower() not in ("", "none"):
        for item in _items(listed, _UNAVAILABLE_ITEM):
            name, _, reason = item.partition(": ")
            unavailable.setdefault(name, reason or "unavailable")
    settings = tuple((heading, str(context[key])) for heading, key in _SETTINGS
                     if context.get(key) not in (None, ""))
    return CounterStatus(pmu, pmu_available, requested, tuple(available),
                         tuple(unavailable.items()), settings)


def pmu_reason(status: CounterStatus) -> str:
    """'perf_event_open(cycles): ...' out of 'unavailable: perf_event_open(cycles): ...'."""
    text = status.pmu
    return text.split(":", 1)[1].strip() if ":" in text else text


def not_measured(status: CounterStatus, events: Sequence[str]) -> list[tuple[str, str]]:
    """(what, why) for each kind of counter the run lacks; empty when everything was counted."""
    lines = []
    if not status.recorded and not events:
        lines.append(("event counters", NOT_RECORDED))
    if status.pmu_available is False:
        lines.append(("hardware counters (cycles, instructions, cache and coherence misses)",
                      pmu_reason(status)))
    for name, reason in status.unavailable:
        lines.append((name, reason))
    present = {event_name(metric) for metric in events}
    silent = [name for name in status.available if name not in present]
    if events and silent:
        lines.append((", ".join(silent), "available according to the context, but no case "
                      "reported it"))
    return lines


@dataclass(frozen=True)
class CounterRow:
    primitive: str
    threads: int
    values: tuple[float | None, ...]  # one per event, medians over repetitions
    scaling: float | None  # counter_scaling_min (median), None when not reported


def counter_rows(rows: Sequence[Row], events: Sequence[str]) -> list[CounterRow]:
    """The rows that report at least one of `events`."""
    table = []
    for row in rows:
        values = tuple(row.median(event) for event in events)
        if any(value is not None for value in values):
            table.append(CounterRow(row.primitive, row.threads, values, row.median(SCALING)))
    return table
