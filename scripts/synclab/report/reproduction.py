"""The book's experiments, reproduced: one row per measured result of Mara Bos, *Rust Atomics and
Locks* (O'Reilly 2023), beside this run's figure and whether the book's shape holds here.

Every row is a view of cases the suite runs anyway (docs/reproduction.md): nothing is measured
twice. EXPERIMENTS is the one table: the report reads it to fill the rows, and run_suite reads
it to expand `--filter reproduction/R-10` (or `reproduction/` for all) into the regexes of the
cases an experiment reads. Each verdict is an explicit rule on medians over the repetitions; a
case the run lacks makes the row say so and how to run it, never a 0. Where the book's number is
machine-specific, or where the claim is not the book's at all, the row's caveat says so.
"""
from __future__ import annotations

import html
import re
import statistics
from dataclasses import dataclass
from typing import Callable, Sequence

from synclab.load import CaseSamples, Run
from synclab.metrics import format_value
from synclab.names import parse_case_name

ALIAS = "reproduction/"
HOLDS = "holds"
FAILS = "does not hold"
NO_VERDICT = "no verdict"
NOT_IN_RUN = "not in this run"
NO_FIGURE = "no figure"  # a case it reads failed or lacks the metric

# The thresholds of the rules (docs/reproduction.md says why each is where it is).
SLOWED = 1.4  # the smallest slowdown the book reports for a contended line (Apple M1, R-6)
NOT_SLOWED = 1.25  # above the point-to-point noise of a quiet machine (docs/padding.md)
FUTEX_LADDER = 3.0  # 2-state / 3-state at one thread, the book's "factor ten" at 3x
SPIN_BAND = 1.5  # spinning neither wins nor loses by more than this factor
RELAXED_LOAD_NS = 1.0  # a relaxed load in a loop costs a few cycles (book: 0.3 ns)
ORDERING_SAME = 1.25  # orderings of one x86-64 operation cost the same within this
SEQ_CST_STORE = 1.5  # an x86-64 seq_cst store (xchg) costs at least this x a plain store
CLAIM_FACTOR = 3.0  # "about N ns" holds within this factor either way


class Absent(Exception):
    """A case the experiment reads is not in the run."""


class Unusable(Exception):
    """A case is in the run but gives no value: it failed or lacks the metric."""


def case_regex(family: str, primitive: str, scenario: str, threads: str = r"\d+",
               params: str = "") -> str:
    """An anchored regex of a case name, any placement; `params` like '/target:same'."""
    return f"^{family}/{primitive}/{scenario}/t:{threads}/place:[^/]+{params}$"


def _placement(name: str) -> str | None:
    case = parse_case_name(name)
    return case.placement if case else None


class Cases:
    """The run's cases as an experiment reads them: medians of one metric over repetitions."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.arch = str(run.context.get("arch", "") or "")
        self.placement = next(filter(None, map(_placement, run.cases)), None)

    def find(self, pattern: str) -> CaseSamples:
        """The case `pattern` names; of several placements, the run's first, so that the
        cases one experiment compares ran alike."""
        regex = re.compile(pattern)
        found = [samples for name, samples in self.run.cases.items() if regex.search(name)]
        if not found:
            raise Absent(pattern)
        return next((s for s in found if _placement(s.name) == self.placement), found[0])

    def median(self, pattern: str, metric: str = "ns_per_op") -> float:
        samples = self.find(pattern)
        if samples.status != "ok":
            raise Unusable(f"{samples.name} {samples.status.replace('_', ' ')}: "
                           f"{samples.message}")
        values = samples.values(metric)
        if not values:
            why = self.run.why_absent(metric, samples.name.split("/", 1)[0])
            raise Unusable(f"{samples.name} has no {metric}" + (f" ({why})" if why else ""))
        return statistics.median(values)

    def total(self, pattern: str, metric: str) -> float:
        """The metric summed over the repetitions (counts, such as lost increments)."""
        samples = self.find(pattern)
        values = samples.values(metric)
        if samples.status != "ok" or not values:
            raise Unusable(f"{samples.name} gives no {metric}")
        return sum(values)

    def thread_counts(self, pattern_of: Callable[[str], str]) -> list[int]:
        """Thread counts at which `pattern_of(threads)` names a case, largest first."""
        found = {int(match.group(1)) for name in self.run.cases
                 if (match := re.search(r"/t:(\d+)/", name)) and
                 re.search(pattern_of(match.group(1)), name)}
        return sorted(found, reverse=True)


@dataclass(frozen=True)
class Outcome:
    ours: str  # this run's figures
    verdict: str  # HOLDS, FAILS or NO_VERDICT
    reason: str  # the rule applied to the figures


Measure = Callable[[Cases], Outcome]


@dataclass(frozen=True)
class Experiment:
    id: str
    title: str
    where: str  # chapter and section of the book, or the source when it is not the book
    setup: str  # the book's set-up, short, in our words
    book: str  # the book's number
    rule: str  # when the shape holds here
    cases: tuple[str, ...]  # regexes of the cases it reads
    measure: Measure | None
    caveat: str = ""
    not_run: str = ""  # for experiments the lab does not run: why


@dataclass(frozen=True)
class Row:
    experiment: Experiment
    verdict: str  # HOLDS, FAILS, NO_VERDICT, NOT_IN_RUN or NO_FIGURE
    ours: str
    reason: str


def _x(value: float) -> str:
    return f"{value:.2f}×"


def _ns(value: float) -> str:
    return format_value("ns_per_op", value)


def _judge(holds: bool, ours: str, reason: str) -> Outcome:
    return Outcome(ours, HOLDS if holds else FAILS, reason)


# ---- R-4 .. R-9: chapter 7, the cost of a shared line -------------------------------------

def _ch7(background: str = "none", target: str = "") -> str:
    if background == "none":
        return case_regex("padding", "ch7", "none", "1")
    return case_regex("padding", "ch7", background, "2", f"/target:{target}")


def _relaxed_load(cases: Cases) -> Outcome:
    ns = cases.median(_ch7())
    return _judge(ns <= RELAXED_LOAD_NS, f"{_ns(ns)} per load",
                  f"{_ns(ns)} {'≤' if ns <= RELAXED_LOAD_NS else '>'} {RELAXED_LOAD_NS:g} ns")


def _against_padded(background: str, target: str, slowed: bool) -> Measure:
    """Loads with `background` on `target` ÷ the same background on a padded variable: the
    line's cost apart from a second busy thread's (docs/padding.md, "Chapter 7")."""
    def measure(cases: Cases) -> Outcome:
        near = cases.median(_ch7(background, target))
        far = cases.median(_ch7(background, "padded"))
        alone = cases.median(_ch7())
        ratio = near / far
        ours = (f"{_ns(near)} per load, {_x(ratio)} the padded variable's {_ns(far)} "
                f"({_x(near / alone)} no background's {_ns(alone)})")
        if slowed:
            return _judge(ratio >= SLOWED, ours, f"{_x(ratio)} {'≥' if ratio >= SLOWED else '<'}"
                                                 f" {SLOWED:g}×")
        return _judge(ratio < NOT_SLOWED, ours,
                      f"{_x(ratio)} {'<' if ratio < NOT_SLOWED else '≥'} {NOT_SLOWED:g}×")
    return measure


def _padded_cure(cases: Cases) -> Outcome:
    padded = cases.median(_ch7("store", "padded"))
    alone = cases.median(_ch7())
    ratio = padded / alone
    return _judge(ratio < NOT_SLOWED, f"{_ns(padded)} per load, {_x(ratio)} no background's "
                                      f"{_ns(alone)}",
                  f"{_x(ratio)} {'<' if ratio < NOT_SLOWED else '≥'} {NOT_SLOWED:g}×")


# ---- chapter 9, the futex mutex ladder -----------------------------------------

def _lock(primitive: str, scenario: str, threads: str) -> str:
    return case_regex("locks", primitive, scenario, threads)


def _futex_ladder(cases: Cases) -> Outcome:
    two = cases.median(_lock("futex_mutex2", "uncontended", "1"))
    three = cases.median(_lock("futex_mutex3", "uncontended", "1"))
    ratio = two / three
    return _judge(ratio >= FUTEX_LADDER, f"futex_mutex2 {_ns(two)}, futex_mutex3 {_ns(three)} "
                                         f"per lock+unlock: {_x(ratio)}",
                  f"{_x(ratio)} {'≥' if ratio >= FUTEX_LADDER else '<'} {FUTEX_LADDER:g}×")


def _spin_before_wait(cases: Cases) -> Outcome:
    counts = [t for t in cases.thread_counts(lambda t: _lock("futex_mutex3", "high", t))
              if t in cases.thread_counts(lambda t: _lock("futex_mutex3_spin", "high", t))]
    if not counts:
        raise Absent(_lock("futex_mutex3(_spin)?", "high", r"\d+"))
    threads = str(counts[0])
    plain = cases.median(_lock("futex_mutex3", "high", threads), "ops_per_sec")
    spin = cases.median(_lock("futex_mutex3_spin", "high", threads), "ops_per_sec")
    ratio = spin / plain
    side = "faster, like the book's older Intel" if ratio > 1 else \
        "slower, like the book's newer AMD"
    ours = (f"t:{threads}: spinning {format_value('ops_per_sec', spin)} ops/s, without "
            f"{format_value('ops_per_sec', plain)} ops/s: {_x(ratio)} ({side})")
    within = 1 / SPIN_BAND <= ratio <= SPIN_BAND
    return _judge(within, ours, f"{_x(ratio)} {'within' if within else 'outside'} "
                                f"{1 / SPIN_BAND:.2f}×–{SPIN_BAND:g}×")


# ---- chapter 7, the relaxed spin lock ------------------------------------------------

RELAXED_SPINLOCK = case_regex("litmus", "relaxed_spinlock", "relaxed", "2")


def _relaxed_spinlock(cases: Cases) -> Outcome:
    lost = cases.total(RELAXED_SPINLOCK, "lost_increments")
    trials = cases.total(RELAXED_SPINLOCK, "trials")
    ours = f"{lost:,.0f} lost of {trials:,.0f} increments ({lost / trials:.4%})"
    if cases.arch in ("x86_64", "amd64"):
        return _judge(lost == 0, ours, f"x86-64: {lost:,.0f} lost, the rule wants 0")
    like = "the book's Apple M1" if lost else "the book's Raspberry Pi 3 and phone"
    return Outcome(ours, NO_VERDICT, f"{cases.arch or 'this architecture'} may lose "
                                     f"increments or not; here like {like}")


# ---- R-20 .. R-22: costs quoted by secondary texts, not by the book -----------------------

ORDERINGS = {
    "load": ("relaxed", "acquire", "seq_cst"),
    "store": ("relaxed", "release", "seq_cst"),
    "fetch_add": ("relaxed", "acquire", "release", "acq_rel", "seq_cst"),
    "exchange": ("relaxed", "acquire", "release", "acq_rel", "seq_cst"),
    "compare_exchange": ("relaxed", "acquire", "release", "acq_rel", "seq_cst"),
}


def _ordering(op: str, order: str) -> str:
    return case_regex("ordering", op, order, "1")


def _ordering_costs(cases: Cases) -> Outcome:
    ratios = {(op, order): cases.median(_ordering(op, order)) / cases.median(_ordering(op, "relaxed"))
              for op, orders in ORDERINGS.items() for order in orders if order != "relaxed"}
    ours = "; ".join(f"{op} " + ", ".join(f"{order} {_x(ratios[op, order])}" for order in orders
                                          if order != "relaxed")
                     for op, orders in ORDERINGS.items())
    if cases.arch not in ("x86_64", "amd64"):
        return Outcome(ours, NO_VERDICT, f"the rule is x86-64's; {cases.arch or 'this machine'}"
                                         " shows its ratios only")
    seq_store = ratios.pop(("store", "seq_cst"))
    off = {key: r for key, r in ratios.items() if not 1 / ORDERING_SAME <= r <= ORDERING_SAME}
    holds = not off and seq_store >= SEQ_CST_STORE
    reason = (f"store seq_cst {_x(seq_store)} {'≥' if seq_store >= SEQ_CST_STORE else '<'} "
              f"{SEQ_CST_STORE:g}×; " + ("every other ordering within "
                                          f"{ORDERING_SAME:g}× of relaxed" if not off else
                                          "outside " + f"{ORDERING_SAME:g}×: " + ", ".join(
                                              f"{op} {order} {_x(r)}"
                                              for (op, order), r in off.items())))
    return _judge(holds, ours, reason)


def _claim(value: float, claimed: float) -> bool:
    return claimed / CLAIM_FACTOR <= value <= claimed * CLAIM_FACTOR


def _arc_costs(cases: Cases) -> Outcome:
    arc = cases.median(case_regex("refcount", "arc", "uncontended", "1"))
    rc = cases.median(case_regex("refcount", "rc", "uncontended", "1"))
    return _judge(_claim(arc, 15.0), f"arc clone + drop {_ns(arc)} (rc, not atomic: {_ns(rc)})",
                  f"{_ns(arc)} {'within' if _claim(arc, 15.0) else 'outside'} "
                  f"{CLAIM_FACTOR:g}× of 15 ns")


STD_MUTEX = case_regex("locks", "std_mutex", "uncontended", "1")
STD_SHARED_READ = case_regex("rwlocks", "std_shared_mutex", "uncontended", "1", "/reads:100")


def _lock_costs(cases: Cases) -> Outcome:
    mutex = cases.median(STD_MUTEX)
    read = cases.median(STD_SHARED_READ)
    holds = _claim(mutex, 10.0) and _claim(read, 20.0)
    return _judge(holds, f"std::mutex {_ns(mutex)}, std::shared_mutex read {_ns(read)} "
                         "per lock+unlock",
                  f"mutex {'within' if _claim(mutex, 10.0) else 'outside'} {CLAIM_FACTOR:g}× "
                  f"of 10 ns, read {'within' if _claim(read, 20.0) else 'outside'} "
                  f"{CLAIM_FACTOR:g}× of 20 ns")


# ---- the table -----------------------------------------------------------------------------

CH7 = "ch. 7, Impact on Performance"
VM_CAVEAT = ("on a virtual machine or SMT siblings a second busy thread slows the first even "
             "without sharing, which is why the rule divides by the padded variable's figure; "
             "on a loaded virtual machine whose vCPUs rarely run at the same time the line "
             "rarely moves and every slowdown shrinks toward 1×")



def _line(experiment_id: str, title: str, where: str, setup: str, book: str, background: str,
          target: str, slowed: bool, caveat: str) -> Experiment:
    """A chapter 7 experiment: loads with `background` on `target` against a padded variable."""
    loop = {"load": "loads", "store": "stores", "cas_fail": "failing compare-exchanges"}
    where_to = "a neighbour in its line" if target == "neighbour" else "the loaded variable"
    rule = (f"holds if loads with background {loop[background]} on {where_to} are "
            + (f"≥ {SLOWED:g}×" if slowed else f"< {NOT_SLOWED:g}×")
            + " loads with the same background on a padded variable")
    return Experiment(experiment_id, title, where, setup, book, rule,
                      (_ch7(background, target), _ch7(background, "padded"), _ch7()),
                      _against_padded(background, target, slowed), caveat)


EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("R-1", "sleeping while holding a lock", "ch. 1, Rust's Mutex",
               "10 threads each lock a mutex, increment 100 times and sleep 1 s holding it",
               "about 10 s", "", (), None,
               not_run="a sleep inside the critical section measures the sleep, not the lock; "
                       "the critical section lengths of the contention levels cover the point "
                       "(docs/contention.md)"),
    Experiment("R-2", "sleeping after unlocking", "ch. 1, Rust's Mutex",
               "the same, unlocking before the sleep", "about 1 s", "", (), None,
               not_run="as R-1"),
    Experiment("R-3", "a loop the optimiser removes", CH7,
               "10⁹ relaxed loads without an optimisation barrier",
               "an unreasonably low time", "", (), None,
               not_run="the harness keeps every operation behind an optimisation barrier, so "
                       "no case can be optimised away; the code-generation census shows the "
                       "instructions that remain"),
    Experiment("R-4", "a relaxed load in a loop", CH7,
               "one thread, 10⁹ relaxed loads of one atomic behind an optimisation barrier",
               "about 300 ms: 0.3 ns per load (a not-so-recent x86-64)",
               f"holds if a load costs ≤ {RELAXED_LOAD_NS:g} ns", (_ch7(),), _relaxed_load,
               "an absolute time: it scales with the clock; a virtual machine's steal time "
               "adds to it"),
    _line("R-5", "loads while another core loads", CH7,
          "R-4 with a second thread loading the same atomic in a loop",
          "about 300 ms, the same as alone: the line stays shared in both caches",
          "load", "same", False, VM_CAVEAT),
    _line("R-6", "loads while another core stores", CH7,
          "R-4 with a second thread storing 0 to the same atomic in a loop",
          "about 3 s, almost 10× (older x86-64); 350 → 500 ms (1.4×) on an Apple M1; "
          "250 → 650 ms (2.6×) on a recent AMD", "store", "same", True,
          "the 10× is one older x86-64: the book's newer machines show 1.4× and 2.6×; "
          + VM_CAVEAT),
    _line("R-7", "loads while another core's compare-exchange fails", CH7 + " (box)",
          "R-4 with a second thread running a compare-exchange 10 → 20 that never succeeds",
          "no number: \"the same effect\" as stores on most architectures", "cas_fail", "same",
          True, "a failing compare-exchange still takes the line exclusive on x86-64 (lock "
                "cmpxchg); " + VM_CAVEAT),
    _line("R-8", "false sharing", CH7,
          "R-6 with the stores going to neighbours of the loaded atomic in the same line",
          "several seconds, as R-6 (the same older x86-64)", "store", "neighbour", True,
          "our neighbour is 8 bytes away in one 64-byte line; " + VM_CAVEAT),
    Experiment("R-9", "padding cures false sharing", CH7,
               "R-8 with each atomic aligned to 64 bytes",
               "about 300 ms, as with no background thread; some CPUs need 128 bytes",
               f"holds if loads beside a padded variable's stores are < {NOT_SLOWED:g}× loads "
               "with no background thread",
               (_ch7("store", "padded"), _ch7()), _padded_cure,
               "our padded variable is in the next 128-byte block (the book's tip for CPUs "
               "whose prefetcher pairs lines); a second busy thread on a virtual machine or an "
               "SMT sibling slows the loads without any sharing, which fails this rule"),
    Experiment("R-10", "the futex mutex: 2 states vs 3", "ch. 9, Benchmarking",
               "one thread, 5,000,000 lock + increment + unlock; a mutex whose unlock always "
               "wakes vs one that knows whether anyone waits",
               "400 vs 40 ms, \"a factor ten\" (Linux, recent AMD); 1800 vs 60 ms (older "
               "Intel); about 50 ms for both on macOS",
               f"holds if futex_mutex2 costs ≥ {FUTEX_LADDER:g}× futex_mutex3 per lock+unlock",
               (_lock("futex_mutex2", "uncontended", "1"),
                _lock("futex_mutex3", "uncontended", "1")), _futex_ladder,
               "the factor is the price of a futex wake syscall against two atomic operations; "
               "it depends on the OS (macOS's wake keeps its own bookkeeping, so both cost the "
               "same there) and grows where syscalls are dear (virtual machines, mitigations)"),
    Experiment("R-11", "spin before waiting", "ch. 9, Benchmarking",
               "4 threads × 5,000,000 lock + increment + unlock; the 3-state mutex without and "
               "with a short spin before sleeping",
               "900 → 750 ms with spinning (older Intel), 650 → 800 ms (newer AMD): \"it "
               "depends\"",
               f"holds if neither wins by more than {SPIN_BAND:g}× in throughput at high "
               "contention (the book: about 20 % either way)",
               (_lock("futex_mutex3", "high", r"\d+"), _lock("futex_mutex3_spin", "high", r"\d+")),
               _spin_before_wait,
               "our high level uses as many threads as PUs (the book: 4) and a short critical "
               "section of its own (docs/contention.md); the direction is machine-specific by "
               "the book's own account"),
    Experiment("R-12", "a condition variable does not busy-wait", "ch. 9, Condition Variable",
               "one waiter; another thread sleeps 1 s, then notifies once; count the waiter's "
               "wake-ups", "fewer than 10", "", (), None,
               not_run="a correctness check, not a timing: every condition variable's contract "
                       "test counts the wake-ups of one notification and fails at 10 or more "
                       "(tests/primitives/condvar_contract_test.cpp)"),
    Experiment("R-13", "a spin lock with relaxed orderings", "ch. 7, An Experiment",
               "4 threads × 1,000,000 increments under a spin lock whose swap and unlock are "
               "relaxed, with only compiler fences",
               "4,000,000 every time on x86-64, a Raspberry Pi 3 and a 2021 phone; about 0.4 % "
               "lost on an Apple M1",
               "x86-64: holds if no increment is lost; elsewhere losing some or none are both "
               "the book's (no verdict)",
               (RELAXED_SPINLOCK,), _relaxed_spinlock,
               "our case runs 2 threads for the window, not 4 × 1,000,000; on x86-64 the swap "
               "is xchg, a full barrier, so nothing can be lost"),
    Experiment("R-14", "ID allocation overflow", "ch. 2, Example: ID Allocation",
               "fetch_add on a 32-bit counter", "wraps after 4,294,967,296 calls", "", (), None,
               not_run="an argument about overflow, not a measurement"),
    Experiment("R-15", "Arc reference count overflow", "ch. 2 and ch. 6",
               "clone an Arc until the count overflows",
               "centuries on 64 bits, seconds on 32", "", (), None,
               not_run="an argument about overflow, not a measurement"),
    Experiment("R-16", "condition variable counter overflow", "ch. 9, Condition Variable",
               "missed notifications until the counter wraps", "4,294,967,296 of them", "", (),
               None, not_run="an argument about overflow, not a measurement"),
    Experiment("R-17", "publishing with one acquire fence", "ch. 3, Fences",
               "10 threads publish with release stores; one acquire fence after relaxed loads",
               "prints what is ready (functional)", "", (), None,
               not_run="functional: the ordering lab's litmus tests and the primitives' stress "
                       "tests cover release/acquire publication"),
    Experiment("R-18", "waiting on a futex", "ch. 8, Futex",
               "a thread waits on a futex; another stores and wakes it after 3 s",
               "\"Waiting...\" then \"Done!\" (functional)", "", (), None,
               not_run="functional: the futex wrapper's tests and every futex primitive's "
                       "stress tests cover it"),
    Experiment("R-19", "progress reporting", "ch. 2, Progress Reporting",
               "workers process 100 items; the main thread reports every second",
               "functional", "", (), None, not_run="functional: no number to compare"),
    Experiment("R-20", "the cost of each memory ordering",
               "not in the book: a secondary text's unsourced table",
               "relative cost of each ordering against relaxed",
               "x86 all ~1× (SeqCst ~1–2×); ARM acquire/release ~3×, acq_rel ~5×, seq_cst ~10×",
               f"x86-64 (the book's ch. 7 code generation): holds if every ordering of a load, "
               f"a read-modify-write and a non-seq_cst store is within {ORDERING_SAME:g}× of "
               f"relaxed and a seq_cst store costs ≥ {SEQ_CST_STORE:g}× a relaxed one",
               tuple(_ordering(op, order) for op, orders in ORDERINGS.items() for order in orders),
               _ordering_costs,
               "the book (ch. 7, Figure 7-1) contradicts the table for x86-64: only seq_cst "
               "stores (xchg) and seq_cst fences emit different instructions; on ARM64 seq_cst "
               "costs what acq_rel costs, with no dmb"),
    Experiment("R-21", "the cost of an atomic reference count",
               "not in the book: a secondary text's unsourced figures",
               "Arc clone and drop on one thread", "clone ~5–10 ns, drop ~5–10 ns",
               f"holds if one clone + drop is within {CLAIM_FACTOR:g}× of 15 ns",
               (case_regex("refcount", "arc", "uncontended", "1"),
                case_regex("refcount", "rc", "uncontended", "1")), _arc_costs,
               "unsourced; an absolute time that scales with the clock"),
    Experiment("R-22", "the cost of a mutex and an rwlock", "not in the book: a secondary "
               "text's unsourced figures",
               "lock + unlock with nobody else around", "mutex ~10 ns; rwlock read ~20 ns",
               f"holds if each is within {CLAIM_FACTOR:g}× of its claim",
               (STD_MUTEX, STD_SHARED_READ), _lock_costs,
               "unsourced; our figure includes the harness's loop and one cache line written "
               "in the critical section (docs/contention.md); the claimed contended 1–10 µs is "
               "a park/unpark latency our throughput figures do not measure"),
    Experiment("R-23", "assorted costs", "not in the book: secondary texts",
               "coherence traffic, thread stacks, context switches", "100+ cycles, 2 MB, "
               "1–10 µs", "", (), None,
               not_run="not the book's; the machine section's core-to-core latency and "
                       "operation costs measure the first"),
    Experiment("R-24", "stress workloads", "not in the book: secondary texts",
               "threads × increments under a mutex or fetch_add", "the exact total", "", (),
               None, not_run="correctness: every primitive's stress tests check exact totals"),
    Experiment("R-25", "Amdahl's law", "not in the book: a secondary text",
               "10 % serial code", "at most 10× speed-up", "", (), None,
               not_run="arithmetic, not a measurement"),
)

BY_ID = {experiment.id: experiment for experiment in EXPERIMENTS}


def runnable() -> tuple[Experiment, ...]:
    return tuple(e for e in EXPERIMENTS if e.measure is not None)


def run_command(experiment: Experiment) -> str:
    return f"scripts/run_suite --filter '{ALIAS}{experiment.id}'"


def filter_regex(text: str) -> str:
    """`reproduction/` or `reproduction/R-N` -> one regex of the cases those experiments read;
    ValueError for an experiment that does not exist or is not run."""
    wanted = text[len(ALIAS):]
    if not wanted:
        chosen = runnable()
    elif wanted in BY_ID and BY_ID[wanted].measure is not None:
        chosen = (BY_ID[wanted],)
    elif wanted in BY_ID:
        raise ValueError(f"{wanted} is not run by synclab: {BY_ID[wanted].not_run}")
    else:
        raise ValueError(f"no experiment {wanted!r} (runnable: "
                         f"{', '.join(e.id for e in runnable())}; docs/reproduction.md)")
    return "|".join(dict.fromkeys(f"(?:{pattern})" for e in chosen for pattern in e.cases))


def reproduce(run: Run) -> list[Row]:
    """One row per runnable experiment, from the run's cases; none for a run that timed nothing
    (--mode instructions)."""
    if run.mode != "time":
        return []
    cases = Cases(run)
    rows = []
    for experiment in runnable():
        assert experiment.measure is not None
        try:
            outcome = experiment.measure(cases)
        except Absent:
            rows.append(Row(experiment, NOT_IN_RUN, f"not in this run: run "
                                                     f"`{run_command(experiment)}`", ""))
            continue
        except Unusable as exc:
            rows.append(Row(experiment, NO_FIGURE, str(exc), ""))
            continue
        if run.emulated:
            outcome = Outcome(outcome.ours, NO_VERDICT, "emulated run: timings and orderings "
                                                        "are the emulator's, not hardware's")
        rows.append(Row(experiment, outcome.verdict, outcome.ours, outcome.reason))
    return rows


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _code(text: str) -> str:
    """Escapes text and shows `backticked` parts as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


VERDICT_CLASS = {HOLDS: "ok", FAILS: "problem", NO_FIGURE: "problem"}


def render_html(rows: Sequence[Row], anchor: str) -> str:
    """The report's section: the table of rows, then the experiments not run, folded."""
    if not rows:
        return ""
    heading = f"<h3 id=\"{_e(anchor)}-reproduction\">The book's experiments, reproduced</h3>"
    if all(row.verdict == NOT_IN_RUN for row in rows):
        return (f"{heading}<p class=muted>None of the cases the book's experiments read ran "
                f"here: <code>scripts/run_suite --filter '{ALIAS}'</code> runs them "
                "(docs/reproduction.md).</p>")
    out = [heading,
           "<p class=muted>Mara Bos, <i>Rust Atomics and Locks</i> (O'Reilly 2023), against this "
           "run: each row reads cases the suite runs anyway; the verdict applies the rule shown "
           "to the medians over repetitions (docs/reproduction.md).</p>",
           "<table class=reproduction><thead><tr><th>experiment</th><th>the book's set-up</th>"
           "<th>the book</th><th>this run</th><th>shape here</th><th>caveat</th></tr></thead>"
           "<tbody>"]
    for row in rows:
        e = row.experiment
        css = VERDICT_CLASS.get(row.verdict, "muted")
        out.append(f"<tr><td><b>{_e(e.id)}</b> {_e(e.title)}<br><span class=muted>"
                   f"{_e(e.where)}</span></td><td>{_e(e.setup)}</td><td>{_e(e.book)}</td>"
                   f"<td>{_code(row.ours)}</td><td><span class={css}>{_e(row.verdict)}</span>"
                   + (f": {_e(row.reason)}" if row.reason else "")
                   + f"<br><span class=muted>rule: {_e(e.rule)}</span></td>"
                   f"<td>{_e(e.caveat)}</td></tr>")
    out.append("</tbody></table>")
    skipped = [e for e in EXPERIMENTS if e.measure is None]
    out.append(f"<details><summary>Not run by synclab ({len(skipped)} experiments) and why"
               "</summary><ul>" + "".join(
                   f"<li><b>{_e(e.id)}</b> {_e(e.title)} ({_e(e.where)}; the book: "
                   f"{_e(e.book)}): {_e(e.not_run)}</li>" for e in skipped) + "</ul></details>")
    return "".join(out)


def render_markdown(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table (docs/reproduction.md quotes a run's)."""
    lines = ["| experiment | the book | this run | shape here |", "|---|---|---|---|"]
    for row in rows:
        e = row.experiment
        reason = f": {row.reason}" if row.reason else ""
        lines.append(f"| {e.id} {e.title} | {e.book} | {row.ours} | {row.verdict}{reason} |")
    return "\n".join(lines) + "\n"
