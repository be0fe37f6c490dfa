"""What a run lacks or where it went wrong: failed cases, missing baselines and counters."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from synclab.load import Run
from synclab.metrics import CORE, LATENCY
from synclab.report.absent import why_absent
from synclab.report.tables import ScenarioTable


@dataclass(frozen=True)
class FailedCase:
    name: str
    status: str  # "timed_out" or "failed"
    message: str


@dataclass(frozen=True)
class MissingCounter:
    metric: str
    cases: tuple[str, ...]  # names of the cases without it
    total: int  # cases with results
    reason: str = ""  # why it was not measured (report/absent.py), for the first case lacking it


@dataclass(frozen=True)
class Problems:
    failed: tuple[FailedCase, ...]
    missing_baselines: tuple[str, ...]
    missing_counters: tuple[MissingCounter, ...]
    notes: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.failed) + len(self.missing_baselines) + len(self.missing_counters)


def machine_busy(context: Mapping[str, Any]) -> str:
    """A note when the load average at the start was at least the number of CPUs, else ""."""
    load, cpus = context.get("load_avg"), context.get("num_cpus")
    if not isinstance(load, list) or not load or not isinstance(load[0], (int, float)) \
            or not isinstance(cpus, int) or cpus < 1 or load[0] < cpus:
        return ""
    return (f"The machine was busy: load average {load[0]:.1f} on {cpus} CPUs when the run "
            "started. Other work competed with the measured threads, so absolute times and CPU "
            "shares suffer; ratios from the same run are less affected.")


def _lacking_beside_peers(tables: Sequence[ScenarioTable], metric: str) -> tuple[str, ...]:
    """Cases without `metric` in a table where another case has it. A metric no case of a
    level reports is what that level's cases measure (padding's summaries have no throughput,
    channels count no handoffs), not a gap."""
    lacking: list[str] = []
    for table in tables:
        if any(metric in row.metrics for row in table.rows):
            lacking += [row.name for row in table.rows if metric not in row.metrics]
    return tuple(lacking)


def find_problems(run: Run, tables: Sequence[ScenarioTable]) -> Problems:
    failed: dict[str, FailedCase] = {}
    for record in run.records:
        if record.status != "ok" and record.name not in failed:
            failed[record.name] = FailedCase(record.name, record.status, record.error_message)

    # A level without a baseline by design (padding, ordering, litmus, rendezvous channels) is
    # not a problem: its tables show absolute figures. A baseline that did not run is.
    missing_baselines = []
    for table in tables:
        for threads, placement in table.missing_baseline:
            missing_baselines.append(f"{table.title}: no {table.baseline} at t:{threads} "
                                     f"place:{placement}, so no ratio there")

    sampling_off = str(run.context.get("latency_sampling", "")).lower().startswith(("off", "false"))
    rows = [row for table in tables for row in table.rows]
    missing_counters = []
    for metric in CORE:
        if sampling_off and metric in LATENCY:
            continue
        lacking = _lacking_beside_peers(tables, metric)
        if lacking:
            family = lacking[0].split("/", 1)[0]
            missing_counters.append(MissingCounter(metric, lacking, len(rows),
                                                   why_absent(run, family, metric)))

    notes = list(run.notes)
    info = run.run_info
    if info.get("interrupted"):
        notes.append(f"The run was interrupted: {info.get('cases_done', '?')} of "
                     f"{info.get('cases_planned', '?')} planned cases finished.")
    elif isinstance(info.get("cases_planned"), int) and isinstance(info.get("cases_done"), int) \
            and info["cases_done"] < info["cases_planned"]:
        notes.append(f"Only {info['cases_done']} of {info['cases_planned']} planned cases finished.")
    if run.emulated:
        notes.append("Emulated run: timings come from an emulator, not from the hardware.")
    busy = machine_busy(run.context)
    if busy:
        notes.append(busy)
    if sampling_off:
        notes.append("Latency sampling was off: no latency percentiles.")
    if not rows:
        notes.append("No primitive case produced results.")
    elif all(row.repetitions <= 1 for row in rows):
        notes.append("Single repetition: values are single measurements, no spread is shown.")
    return Problems(tuple(failed.values()), tuple(missing_baselines), tuple(missing_counters),
                    tuple(notes))
