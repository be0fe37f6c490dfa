"""The litmus family: per test, an outcome table per ordering: the non-SC outcome, whether the
ordering allows or forbids it, how often it was seen, and every outcome's count.

A forbidden outcome seen is flagged: a case that sees one fails ("forbidden outcome observed"),
unless the run is emulated (outcomes not judged), where the counters still carry it.
Counts are summed over the case's repetitions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from synclab.load import Run
from synclab.report.families.base import FamilyPanel, FamilyRun, FamilyTable
from synclab.report.tables import case_samples

ORDERS = ("relaxed", "rel_acq", "seq_cst")
SPINLOCK = "relaxed_spinlock"
OUTCOME_PREFIX = "outcome_"


@dataclass(frozen=True)
class Test:
    outcome: str  # the outcome sequential consistency rules out
    forbidden_under: tuple[str, ...]  # the orderings under which the C++ model forbids it
    what: str


# docs/ordering.md, "Allowed and forbidden outcomes".
TESTS: Mapping[str, Test] = {
    "sb": Test("00", ("seq_cst",), "store buffering: x=1; r0=y ∥ y=1; r1=x"),
    "mp": Test("10", ("rel_acq", "seq_cst"), "message passing: data, flag ∥ r0=flag; r1=data"),
    "lb": Test("11", ("rel_acq", "seq_cst"), "load buffering: r0=x; y=1 ∥ r1=y; x=1"),
    "iriw": Test("1010", ("seq_cst",), "independent reads of independent writes, 4 threads"),
    "2+2w": Test("11", ("seq_cst",), "two writers, two variables: final x y"),
}


@dataclass
class Tally:
    """One case's counts summed over its repetitions, or how it failed."""
    counts: dict[str, float] = field(default_factory=dict)
    failed: str = ""
    label: str = ""


def tallies(run: Run, family: str) -> dict[tuple[str, str], Tally]:
    """(test, ordering) -> its tally, from every case of the family, failed ones included."""
    out: dict[tuple[str, str], Tally] = {}
    for case, (_, label, values) in case_samples(run.records).items():
        if case.family == family:
            out[(case.primitive, case.scenario)] = Tally(
                {metric: sum(v) for metric, v in values.items()}, "", label)
    for record in run.records:
        failed = record.case
        if failed is None or failed.family != family or record.status == "ok":
            continue
        tally = out.setdefault((failed.primitive, failed.scenario), Tally())
        tally.failed = tally.failed or record.error_message or record.status
    return out


def _count(value: float) -> str:
    return f"{int(value):,}"


def _outcomes(counts: Mapping[str, float]) -> str:
    return " · ".join(f"{metric[len(OUTCOME_PREFIX):]}: {_count(v)}"
                      for metric, v in sorted(counts.items()) if metric.startswith(OUTCOME_PREFIX))


def _row(test: str, order: str, tally: Tally | None) -> tuple[tuple[str, ...], bool]:
    known = TESTS.get(test)
    status = ("forbidden" if order in known.forbidden_under else "allowed") if known else "see docs"
    if tally is None:
        return (order, "—", status, "not measured: this ordering did not run", "", ""), False
    if tally.failed:
        return (order, "—", status, "—", "FAILED: " + tally.failed, ""), True
    counts = tally.counts
    trials = counts.get("trials")
    seen_metric = OUTCOME_PREFIX + known.outcome if known else ""
    seen: float | None
    if seen_metric in counts:
        seen = counts[seen_metric]
    else:
        seen = counts.get("forbidden_observed", 0) + counts.get("non_sc_observed", 0) \
            if "forbidden_observed" in counts or "non_sc_observed" in counts else None
    forbidden_seen = counts.get("forbidden_observed", 0) > 0 or (status == "forbidden" and bool(seen))
    if seen is None:
        seen_text, verdict = "not reported", "the case reported no outcome counts"
    else:
        share = f" ({seen / trials:.2%})" if trials else ""
        seen_text = _count(seen) + share
        if forbidden_seen:
            verdict = "FORBIDDEN OUTCOME SEEN: a compiler, hardware or harness bug"
            if "emulated" in tally.label:
                verdict += " (emulated run: outcomes not judged by the case)"
        elif seen:
            verdict = "allowed and seen: this hardware reorders here"
        else:
            verdict = "allowed, never seen here" if status == "allowed" else \
                "forbidden, never seen (as required)"
    trials_text = _count(trials) if trials is not None else "not reported"
    return (order, trials_text, status, seen_text, verdict, _outcomes(counts)), forbidden_seen


def _test_table(test: str, found: Mapping[tuple[str, str], Tally]) -> FamilyTable:
    known = TESTS.get(test)
    orders = [o for o in ORDERS if known or (test, o) in found] + sorted(
        o for t, o in found if t == test and o not in ORDERS)
    rows, flagged = [], []
    for order in orders:
        row, flag = _row(test, order, found.get((test, order)))
        rows.append(row)
        flagged.append(flag)
    outcome = f"non-SC outcome {known.outcome}" if known else "non-SC outcomes"
    caption = f"litmus {test}" + (f" ({known.what})" if known else "")
    notes = () if known else (
        f"{test} is not in the report's list of tests: its non-SC outcome and what each "
        "ordering allows come from the case's own counters (forbidden_observed, "
        "non_sc_observed).",)
    return FamilyTable(caption, ("ordering", "trials", f"{outcome} is", "seen", "verdict",
                                 "every outcome's count"), tuple(rows), tuple(flagged), notes)


def _spinlock_table(tally: Tally, arch: str) -> FamilyTable:
    counts = tally.counts
    if tally.failed:
        row, flag = ("relaxed", "—", "—", "FAILED: " + tally.failed), True
    elif "lost_increments" not in counts:
        row, flag = ("relaxed", "—", "not reported", "the case reported no lost increments"), False
    else:
        lost, trials = counts["lost_increments"], counts.get("trials", 0)
        share = f" ({lost / trials:.3%})" if trials else ""
        row = ("relaxed", _count(trials), _count(lost) + share,
               "lost increments seen: allowed, nothing synchronises" if lost else
               "none lost here" + (" (x86-64 cannot lose any: xchg is a full barrier)"
                                   if arch == "x86_64" else
                                   " (the book saw 0.4 % lost on an Apple M1)"))
        flag = False
    return FamilyTable("litmus relaxed_spinlock (R-13: a spin lock with relaxed swap and "
                       "unlock)", ("ordering", "increments", "lost", "verdict"), (row,), (flag,))


def litmus_tables(family: FamilyRun) -> Sequence[FamilyTable]:
    found = tallies(family.run, family.family)
    tests = sorted({test for test, _ in found if test != SPINLOCK},
                   key=lambda t: (list(TESTS).index(t) if t in TESTS else len(TESTS), t))
    tables = [_test_table(test, found) for test in tests]
    if (SPINLOCK, "relaxed") in found:
        tables.append(_spinlock_table(found[(SPINLOCK, "relaxed")],
                                      str(family.run.context.get("arch", ""))))
    return tables


PANEL = FamilyPanel(
    about="The classic memory-model tests run on real threads: for each test and ordering, how "
          "often the outcome sequential consistency rules out was seen, and whether the C++ "
          "model allows it under that ordering (docs/ordering.md). 'Allowed and seen' is the "
          "hardware showing a reordering the model permits (sb under relaxed and rel_acq on "
          "x86-64); a forbidden outcome seen is a bug and is marked in red. The levels below "
          "hold the raw counters.",
    speed=(),
    tables=litmus_tables,
)
