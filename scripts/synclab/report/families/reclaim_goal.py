"""The reclamation goal of the reclaim family, judged from one run (docs/reclaim.md, "The goal").

The goal: at `read_mostly` t:2 (one writer, one reader), one scheme of ours (ebr, qsbr,
hazard_pointers, hazard_pointers_asym) reads at least 5x as fast as atomic_shared_ptr (its
median ns_per_read over ours: wall time; the CPU-time ratio, cpu_ns_per_read, is shown beside
it) AND keeps its peak of retired objects awaiting a free (awaiting_objects_peak, the largest
over the repetitions: a bound must hold in every one) within the bound the scheme states. The hazard-pointer schemes state one that
holds whatever the readers do: a thread scans when its list reaches R = 2·H + 16 objects
(hazard_pointer.hpp, retire_threshold(): 2 × hazard_count() + kThresholdSlack), H the hazard
records, one per handle, one handle per thread; read_mostly has one writer, whose list holds at
most R − 1 before its scan, plus the object being stamped: R. The epoch and quiescent-state
schemes (epoch_based.hpp, qsbr.hpp) state no bound under preemption: a reader preempted
before announcing holds back everything retired after it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from synclab.report.absent import why_absent
from synclab.report.families.base import FamilyRun, FamilyTable
from synclab.report.families.frontier import (EMULATED, MET, MISSED, NOT_MEASURED, Ratio, bar,
                                              absent_reason, ratio_cell, speedup_of)
from synclab.report.tables import Row

FAMILY, SCENARIO, THREADS = "reclaim", "read_mostly", 2
OURS = ("ebr", "qsbr", "hazard_pointers", "hazard_pointers_asym")
REFERENCE = "atomic_shared_ptr"
READ, CPU_READ, PEAK = "ns_per_read", "cpu_ns_per_read", "awaiting_objects_peak"
AT_LEAST = 5.0
HAZARD_POINTER_SCHEMES = ("hazard_pointers", "hazard_pointers_asym")
HAZARD_SLACK = 16  # hazard_pointer.hpp, kThresholdSlack
GOAL_TEXT = f"best of ours ≥ {bar(AT_LEAST)} {REFERENCE} readers, peak within its bound"


def stated_bound(scheme: str, threads: int) -> int | None:
    """The most retired objects the scheme says may await a free at `threads` with one writer
    (the one being stamped included); None for a scheme without a bound under preemption."""
    if scheme in HAZARD_POINTER_SCHEMES:
        return 2 * threads + HAZARD_SLACK  # R = 2·H + 16, H = one hazard record per thread
    return None


@dataclass(frozen=True)
class Candidate:
    scheme: str
    readers: Ratio | None  # atomic_shared_ptr's ns_per_read over ours (wall time)
    cpu: Ratio | None  # the same by cpu_ns_per_read
    peak: float | None  # awaiting_objects_peak, the largest repetition's: a bound holds in every one
    bound: int | None
    absent: str = ""  # why the scheme could not be judged

    @property
    def fast_enough(self) -> bool:
        return self.readers is not None and self.readers.median >= AT_LEAST

    @property
    def bounded(self) -> bool:
        return self.bound is not None and self.peak is not None and self.peak <= self.bound

    @property
    def meets(self) -> bool:
        return not self.absent and self.fast_enough and self.bounded


@dataclass(frozen=True)
class ReclaimJudgement:
    where: str  # "t:2 · compact"; "" if absent
    verdict: str
    why: str
    candidates: tuple[Candidate, ...] = ()


def _candidate(family: FamilyRun, rows: Mapping[str, Row], scheme: str) -> Candidate:
    bound = stated_bound(scheme, THREADS)
    row = rows.get(scheme)
    if row is None:
        return Candidate(scheme, None, None, None, bound,
                         absent_reason(family.run, FAMILY, family.tables, scheme, SCENARIO,
                                       peer=False))
    reference, metrics = rows[REFERENCE].metrics, row.metrics
    for metric in (READ, PEAK):
        if metric not in metrics:
            return Candidate(scheme, None, None, None, bound, f"{metric} not measured for "
                             f"{scheme}: {why_absent(family.run, FAMILY, metric)}")
    cpu = speedup_of(metrics[CPU_READ], reference[CPU_READ]) \
        if CPU_READ in metrics and CPU_READ in reference else None
    return Candidate(scheme, speedup_of(metrics[READ], reference[READ]), cpu,
                     metrics[PEAK].largest, bound)


def _objects(value: float) -> str:
    return f"{value:,.0f}"


def _readers(candidate: Candidate) -> str:
    assert candidate.readers is not None
    cpu = f" (CPU {candidate.cpu.median:.1f}×)" if candidate.cpu else ""
    return f"readers {candidate.readers.median:.1f}×{cpu}"


def _bound(candidate: Candidate) -> str:
    assert candidate.peak is not None
    if candidate.bound is None:
        return f"no bound: peak {_objects(candidate.peak)} objects"
    held = "bound held" if candidate.bounded else "bound exceeded"
    sign = "≤" if candidate.bounded else ">"
    return f"{held} (peak {_objects(candidate.peak)} {sign} R = {candidate.bound})"


def describe(candidate: Candidate) -> str:
    """One scheme against both halves, e.g. "hazard_pointers: bound held (20 ≤ R = 20) but
    readers 4.8× (CPU 4.4×), 4 % short of 5×"."""
    if candidate.absent:
        return candidate.absent
    readers, bound = _readers(candidate), _bound(candidate)
    if candidate.meets:
        return f"{candidate.scheme}: {readers}, {bound}"
    assert candidate.readers is not None
    short = f", {(1 - candidate.readers.median / AT_LEAST) * 100:.0f} % short of {bar(AT_LEAST)}"
    if candidate.fast_enough:
        return f"{candidate.scheme}: {readers} but {bound}"
    if candidate.bounded:
        return f"{candidate.scheme}: {bound} but {readers}{short}"
    return f"{candidate.scheme}: {readers}{short}, and {bound}"


def judge(family: FamilyRun) -> list[ReclaimJudgement]:
    """The goal at each placement of read_mostly t:2; one "not measured" where there is none."""
    if family.run.emulated:
        return [ReclaimJudgement("", NOT_MEASURED, EMULATED)]
    placements: dict[str, dict[str, Row]] = {}
    for table in family.tables:
        for row in table.rows:
            if table.scenario == SCENARIO and row.threads == THREADS:
                placements.setdefault(row.placement, {})[row.primitive] = row
    if not placements:
        return [ReclaimJudgement("", NOT_MEASURED, f"the run has no '{SCENARIO}' case of "
                                                   f"{FAMILY} at t:{THREADS}")]
    return [_judge_at(family, f"t:{THREADS} · {placement}", rows)
            for placement, rows in sorted(placements.items())]


def _judge_at(family: FamilyRun, where: str, rows: Mapping[str, Row]) -> ReclaimJudgement:
    reference = rows.get(REFERENCE)
    if reference is None:
        return ReclaimJudgement(where, NOT_MEASURED, absent_reason(
            family.run, FAMILY, family.tables, REFERENCE, SCENARIO))
    if READ not in reference.metrics or reference.metrics[READ].median <= 0:
        return ReclaimJudgement(where, NOT_MEASURED, f"{READ} not measured for {REFERENCE}: "
                                                     f"{why_absent(family.run, FAMILY, READ)}")
    candidates = tuple(_candidate(family, rows, scheme) for scheme in OURS)
    return _verdict(where, candidates)


def _verdict(where: str, candidates: Sequence[Candidate]) -> ReclaimJudgement:
    absent = [c for c in candidates if c.absent]
    judged = [c for c in candidates if not c.absent]
    unjudged = f"; not judged: {'; '.join(c.absent for c in absent)}" if absent else ""
    if not judged:
        return ReclaimJudgement(where, NOT_MEASURED, "; ".join(c.absent for c in absent),
                                tuple(candidates))
    winners = [c for c in judged if c.meets]
    if winners:
        best = max(winners, key=lambda c: c.readers.median if c.readers else 0.0)
        return ReclaimJudgement(where, MET, describe(best), tuple(candidates))
    return ReclaimJudgement(where, MISSED, "; ".join(describe(c) for c in judged) + unjudged,
                            tuple(candidates))


def _candidates_cell(candidates: Sequence[Candidate]) -> str:
    judged = [c for c in candidates if not c.absent]
    if not judged:
        return "—"
    return "; ".join(f"{c.scheme} {ratio_cell(c.readers)}" + (
        f", CPU {c.cpu.median:.3g}×" if c.cpu else "") + (
        f", peak {_objects(c.peak)}" if c.peak is not None else "") + (
        f" / R = {c.bound}" if c.bound is not None else " / no bound") for c in judged)


def goal_table(family: FamilyRun) -> FamilyTable:
    found = judge(family)
    rows = tuple((GOAL_TEXT, f"{SCENARIO}" + (f" {j.where}" if j.where else ""),
                  _candidates_cell(j.candidates), j.verdict + (f": {j.why}" if j.why else ""))
                 for j in found)
    return FamilyTable(
        "The reclamation goal, judged from this run",
        ("goal", "scenario", f"ours: readers vs {REFERENCE} (wall, median, spread), CPU, "
                             "peak awaiting / bound", "verdict"),
        rows, tuple(j.verdict == MISSED for j in found),
        (f"Readers: {REFERENCE}'s median {READ} over the scheme's, from this run at the same "
         f"scenario, threads and placement (wall time; the CPU-time ratio by {CPU_READ} "
         "beside it). The goal is met when one scheme of ours is at least 5× as fast AND its "
         f"peak of objects awaiting a free ({PEAK}, the largest over the repetitions) is within "
         "the bound it states.",
         "Bounds: hazard_pointers and hazard_pointers_asym, R = 2·H + 16 objects "
         "(hazard_pointer.hpp: a thread scans when its list reaches R; H = one hazard record "
         "per thread, so R = 20 at t:2, the object being stamped included). ebr and qsbr "
         "state no bound under preemption: a preempted reader holds back every object retired "
         "after it (epoch_based.hpp, qsbr.hpp)."))
