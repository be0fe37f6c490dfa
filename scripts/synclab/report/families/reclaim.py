"""The reclaim family: per scenario and thread count, what a reader and the writer paid, how much
retired memory waited (peak and mean) and how long an object took from retire to free, for every
scheme side by side, with the readers' speed against atomic_shared_ptr's (docs/reclaim.md); above
them, the reclamation goal judged from the run (reclaim_goal.py)."""
from __future__ import annotations

from typing import Mapping, Sequence

from synclab.report.families import reclaim_goal
from synclab.report.families.base import FamilyPanel, FamilyRun, FamilyTable
from synclab.report.families.plots import THROUGHPUT
from synclab.report.tables import Summary

REFERENCE = "atomic_shared_ptr"
COLUMNS = ("scenario", "threads", "scheme", "ns per read", f"reads vs {REFERENCE}",
           "ns per update", "awaiting peak (objects)", "awaiting mean (objects)",
           "awaiting peak (bytes)", "retire→free p50 ns", "retire→free p99 ns")


def _cell(metrics: Mapping[str, Summary], name: str, digits: int = 0) -> str:
    value = metrics.get(name)
    return "—" if value is None else f"{value.median:,.{digits}f}"


def reclaim_tables(family: FamilyRun) -> Sequence[FamilyTable]:
    rows: list[tuple[str, ...]] = []
    for table in sorted(family.tables, key=lambda t: t.scenario):
        by_threads: dict[int, list] = {}
        for row in table.rows:
            by_threads.setdefault(row.threads, []).append(row)
        for threads in sorted(by_threads):
            group = sorted(by_threads[threads], key=lambda r: r.primitive)
            reference = next((r.metrics.get("ns_per_read") for r in group
                              if r.primitive == REFERENCE), None)
            for row in group:
                read = row.metrics.get("ns_per_read")
                ratio = ("—" if read is None or reference is None or read.median <= 0
                         else f"{reference.median / read.median:.2f}×")
                rows.append((table.scenario, str(threads), row.primitive,
                             _cell(row.metrics, "ns_per_read", 1), ratio,
                             _cell(row.metrics, "ns_per_update", 1),
                             _cell(row.metrics, "awaiting_objects_peak"),
                             _cell(row.metrics, "awaiting_objects_mean", 2),
                             _cell(row.metrics, "awaiting_bytes_peak"),
                             _cell(row.metrics, "retire_to_free_p50_ns"),
                             _cell(row.metrics, "retire_to_free_p99_ns")))
    if not rows:
        return ()
    return (FamilyTable(
        "Readers, writer and retired memory (medians over the repetitions)", COLUMNS,
        tuple(rows),
        notes=("reads vs atomic_shared_ptr: its ns per read over this scheme's, at the same "
               "scenario and threads (above 1: this scheme's readers are faster).",
               "At t:1 there is no reader: the read columns are absent (—), never 0.",
               "awaiting: objects retired (stamped) and not yet freed, sampled right after each "
               "stamp, so the peak is exact; bytes = objects × the scheme's object_bytes "
               "(payload plus its own header).")),)


def tables(family: FamilyRun) -> Sequence[FamilyTable]:
    """The goal first, then every scheme's figures."""
    return (reclaim_goal.goal_table(family), *reclaim_tables(family))


PANEL = FamilyPanel(
    about="Read-mostly publication: worker 0 replaces a 64-byte object (back to back in "
          "read_mostly, pausing 2 µs in read_mostly_paced), every other worker reads it. "
          "Look at the readers' ns per read against atomic_shared_ptr's, and at the retired "
          "memory each scheme lets wait: epoch-based reclamation defers frees, reference counts "
          "free at once. The section opens with the reclamation goal judged from this run. The "
          "family runs only with sweeps on (the full profile).",
    speed=(THROUGHPUT,),
    tables=tables,
)
