"""Every metric a results file can carry: its unit, which way is better, what it means, and how
its numbers are written. The report, compare and history all read this one table.

A row names one metric (`ns_per_op`) or a family of them with `<placeholders>`
(`<event>_per_op`, `slowdown_pad_<bytes>`). Exact names are found first, then the patterns in
table order, so a narrower pattern stands above a wider one. A metric of a new workload is one
row in METRICS; a unit is one entry in UNIT_FORMATS. Definitions: docs/metrics.md and each
family's page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from synclab import numfmt

LOWER = "lower"    # lower is better
HIGHER = "higher"  # higher is better
# A metric with neither direction describes the case (its size, a count of trials); no verdict
# is ever drawn from it.

# The one formatter of each unit.
UNIT_FORMATS: dict[str, Callable[[float], str]] = {
    "ns": numfmt.duration_ns, "ms": numfmt.duration_ms,
    "ops/s": numfmt.si, "1/s": numfmt.si,
    "index": numfmt.fixed3, "share": numfmt.fixed3, "fraction": numfmt.fixed3,
    "1/op": numfmt.general, "1/msg": numfmt.general, "1/round trip": numfmt.general,
    "1/round": numfmt.general, "1/read": numfmt.general, "1/update": numfmt.general,
    "instructions": numfmt.fixed2,
    "count": numfmt.count, "acquisitions": numfmt.count, "bytes": numfmt.count,
    "×": numfmt.factor,
}

# Why a metric may be missing from a case that otherwise ran (shown as "not measured: why").
SAMPLING_OFF = "latency sampling was off (run_suite --latency-sampling off)"
NEEDS_TWO_PUS = "measured only for cases with two threads or more on distinct PUs"
EVENT_UNAVAILABLE = ("the event cannot be counted on this machine or was not requested "
                     "(the context's counters_unavailable says why)")
LOCK_LIKE_ONLY = "recorded only by lock-like families, which know who held the lock"
ONLY_WHEN_COUNTED = "present only when a perf event was counted"
ONLY_WHEN_NONZERO = "present only when not 0"
FUTEX_UNCOUNTED = ("futex calls are counted by the syscalls tracepoint, or without it only "
                   "for primitives whose wait layer counts them (futex_count_source)")


@dataclass(frozen=True)
class Metric:
    name: str             # the metric, or a pattern with <placeholders> in the table
    unit: str             # a key of UNIT_FORMATS; "" for a metric nothing is known about
    better: str | None    # LOWER, HIGHER, or None: describes the case, never judged
    label: str            # what it is, for people
    absent: str = ""      # why a case may legitimately lack it; "" when every case has it

    @property
    def lower_is_better(self) -> bool:
        return self.better == LOWER

    @property
    def direction(self) -> str:
        return self.better or "neither"

    @property
    def arrow(self) -> str:
        """'↓' when lower is better, '↑' when higher is, '' when neither."""
        return {LOWER: "↓", HIGHER: "↑"}.get(self.better or "", "")

    def format(self, value: float) -> str:
        return UNIT_FORMATS.get(self.unit, numfmt.general)(value)


# What every primitive case reports (harness/src/metrics.cpp), in the order tables show them.
_EVERY_CASE: tuple[Metric, ...] = (
    Metric("ops_per_sec", "ops/s", HIGHER, "operations per second, all workers"),
    Metric("ns_per_op", "ns", LOWER, "window length per operation"),
    Metric("fairness_jain", "index", HIGHER, "Jain's index over per-thread operations"),
    Metric("share_min", "share", HIGHER, "least productive thread's operations over the mean"),
    Metric("share_max", "share", LOWER, "most productive thread's operations over the mean"),
    Metric("lat_p50_ns", "ns", LOWER, "latency of one operation, median", SAMPLING_OFF),
    Metric("lat_p99_ns", "ns", LOWER, "latency of one operation, 99th percentile", SAMPLING_OFF),
    Metric("lat_p999_ns", "ns", LOWER, "latency of one operation, 99.9th percentile",
           SAMPLING_OFF),
    Metric("lat_max_ns", "ns", LOWER, "latency of one operation, largest sampled", SAMPLING_OFF),
    Metric("handoffs_per_sec", "1/s", HIGHER, "owner changes per second"),
    Metric("cpu_ns_per_op", "ns", LOWER, "CPU time of all workers per operation"),
    Metric("ctx_switches_per_op", "1/op", LOWER, "context switches per operation (getrusage)"),
    Metric("futex_waits_per_op", "1/op", LOWER,
           "futex wait calls per operation (the context's futex_count_source says counted how)",
           FUTEX_UNCOUNTED),
    Metric("futex_wakes_per_op", "1/op", LOWER,
           "futex wake calls per operation (the context's futex_count_source says counted how)",
           FUTEX_UNCOUNTED),
)

METRICS: tuple[Metric, ...] = _EVERY_CASE + (
    # --- bookkeeping of every case
    Metric("lat_samples", "count", None, "operations timed for the percentiles", SAMPLING_OFF),
    Metric("threads_run", "count", None, "worker threads of the case"),
    Metric("pin_violations", "count", LOWER, "times a worker was found off its planned CPU"),
    Metric("counter_scaling_min", "fraction", None,
           "least share of the window an event was counting (1 = not multiplexed)",
           ONLY_WHEN_COUNTED),
    Metric("futex_trace_failed", "count", LOWER,
           "workers that could not trace their futex calls although the tracepoint exists",
           ONLY_WHEN_NONZERO),
    Metric("counter_groups_failed", "count", LOWER, "event groups that did not open in a worker",
           ONLY_WHEN_NONZERO),
    # --- short-term fairness of lock-like families
    Metric("handoff_ratio", "fraction", HIGHER,
           "share of acquisitions that changed owner (1 round-robin, near 0 batching)",
           LOCK_LIKE_ONLY),
    Metric("run_length_mean", "acquisitions", LOWER,
           "mean run of consecutive acquisitions by one thread", LOCK_LIKE_ONLY),
    Metric("run_length_max", "acquisitions", LOWER,
           "longest run of consecutive acquisitions by one thread", LOCK_LIKE_ONLY),
    Metric("fairness_jain_short", "index", HIGHER, "Jain's index over short sub-windows",
           LOCK_LIKE_ONLY),
    # --- handoffs against the physical limit (lock family)
    Metric("oneway_ns", "ns", LOWER, "one-way cache-line transfer between the case's PUs",
           NEEDS_TWO_PUS),
    Metric("oneway_best_ns", "ns", LOWER, "fastest batch's one-way cache-line transfer"),
    Metric("handoff_efficiency", "fraction", HIGHER,
           "handoffs per second over one line transfer per handoff", NEEDS_TWO_PUS),
    # --- instruction counts (run_suite --mode instructions, callgrind)
    Metric("instructions_per_op", "instructions", LOWER, "instructions per operation",
           EVENT_UNAVAILABLE),
    Metric("instructions_fixed", "instructions", None,
           "instructions of a window outside its operations"),
    Metric("window_ops_<window>", "count", None, "operations of the <window> callgrind window"),
    Metric("window_instructions_<window>", "count", None,
           "instructions of the <window> callgrind window"),
    # --- the apps family: a real program under a lock (runner/apps.py, docs/apps.md); per
    # operation means per operation of the program's own throughput metric
    Metric("futex_calls_per_op", "1/op", LOWER, "futex(2) calls of the whole program per operation",
           "counted by perf stat on the sys_enter_futex tracepoint, where perf and tracefs allow it"),
    Metric("lock_acquisitions_per_op", "1/op", None, "pthread mutex acquisitions per operation",
           "read from the interposer's statistics file"),
    Metric("lock_contended_ratio", "fraction", LOWER,
           "share of mutex acquisitions that found the mutex held", "read from the interposer's "
           "statistics file"),
    Metric("lock_wait_p50_ns", "ns", LOWER, "wait of a contended mutex acquisition, median",
           "present only when some acquisition was contended"),
    Metric("lock_wait_p99_ns", "ns", LOWER, "wait of a contended mutex acquisition, 99th percentile",
           "present only when some acquisition was contended"),
    Metric("lock_wait_max_ns", "ns", LOWER, "longest wait of a contended mutex acquisition",
           "present only when some acquisition was contended"),
    Metric("cond_waits_per_op", "1/op", None, "condition-variable waits per operation",
           "read from the interposer's statistics file"),
    Metric("mutexes_used", "count", None, "pthread mutexes (addresses) the program locked",
           "read from the interposer's statistics file"),
    Metric("app_phase_ms", "ms", None, "length of the program's measured phase, by its own clock"),
    # --- Google Benchmark's own time fields
    Metric("real_time", "ns", LOWER, "Google Benchmark's time per iteration (ns per operation)"),
    Metric("cpu_time", "ns", LOWER, "CPU time of all the case's threads per operation"),
    # --- family-specific descriptions and checks
    Metric("wakeups_per_round", "1/round", None, "waiters woken per notify_all round"),
    Metric("max_holders", "count", None, "most holders inside the semaphore at once"),
    Metric("permits", "count", None, "permits of the semaphore"),
    Metric("primed", "count", None, "1 when the channel held a message before the window"),
    Metric("producers", "count", None, "producer threads"),
    Metric("consumers", "count", None, "consumer threads"),
    Metric("upgrade_success_ratio", "fraction", HIGHER, "weak-to-strong upgrades that succeeded"),
    Metric("empty_wakeup_ratio", "fraction", LOWER, "wake-ups that found nothing to do"),
    Metric("signal_slept_ratio", "fraction", None, "signals that found a sleeping waiter"),
    Metric("taken_after_sleep_ratio", "fraction", None,
           "items taken by a waiter that had slept"),
    Metric("lost_ratio", "fraction", None, "increments lost by the racy counter"),
    Metric("lost_increments", "count", None, "increments lost by the racy counter"),
    Metric("forbidden_observed", "count", LOWER, "outcomes the memory model forbids, observed"),
    Metric("non_sc_observed", "count", None, "outcomes no sequentially consistent run gives"),
    Metric("trials", "count", None, "litmus trials run"),
    Metric("round_trips", "count", None, "ping-pong round trips"),
    # --- atomic_queue's protocol (channels aq_throughput / aq_pingpong): fixed work, best run
    Metric("messages_per_sec_best", "1/s", HIGHER, "messages per second of the best run"),
    Metric("messages_per_sec_mean", "1/s", HIGHER, "messages per second, mean over the runs"),
    Metric("messages_per_sec_stdev", "1/s", None, "messages per second, standard deviation over the runs"),
    Metric("round_trips_per_sec_best", "1/s", HIGHER, "round trips per second of the best run"),
    Metric("round_trips_per_sec_mean", "1/s", HIGHER, "round trips per second, mean over the runs"),
    Metric("round_trips_per_sec_stdev", "1/s", None,
           "round trips per second, standard deviation over the runs"),
    Metric("rtt_best_run_ns", "ns", LOWER, "mean round trip of the best run"),
    Metric("protocol_runs", "count", None, "runs of the fixed work, the best one reported"),
    Metric("protocol_messages", "count", None, "messages of one run"),
    Metric("max_slowdown", "×", LOWER, "largest slowdown over the padding sweep"),
    Metric("threshold", "×", None, "slowdown that counts as interference"),
    Metric("bytes", "bytes", None, "bytes between the two written words"),
    Metric("point_window_ms", "ms", None, "window of each point of the sweep"),
    Metric("ns_per_msg", "ns", LOWER, "window length per message"),
    Metric("ns_per_round_trip", "ns", LOWER, "window length per round trip"),
    # --- the reclaim family (docs/reclaim.md)
    Metric("ns_per_read", "ns", LOWER, "window length per read, all readers",
           "absent at t:1: the writer alone, no reader"),
    Metric("ns_per_update", "ns", LOWER, "window length per update of the writer",
           "absent when the writer made no update in the window"),
    Metric("awaiting_objects_peak", "count", LOWER,
           "most retired objects awaiting reclamation (exact: sampled at every retire)",
           "absent when the writer made no update in the window"),
    Metric("awaiting_objects_mean", "count", LOWER,
           "retired objects awaiting reclamation, mean over the updates",
           "absent when the writer made no update in the window"),
    Metric("awaiting_bytes_peak", "bytes", LOWER,
           "most bytes awaiting reclamation (objects × the scheme's object size)",
           "absent when the writer made no update in the window"),
    Metric("awaiting_bytes_mean", "bytes", LOWER,
           "bytes awaiting reclamation, mean over the updates",
           "absent when the writer made no update in the window"),
    Metric("outcome_<outcome>", "count", None, "trials that ended in outcome <outcome>"),
    Metric("slowdown_<where>", "×", LOWER, "slowdown <where> over the padded reference"),
    Metric("<what>_per_sec_pad_<bytes>", "1/s", HIGHER, "<what> per second at <bytes>-byte padding"),
    Metric("<what>_fairness_jain", "index", HIGHER, "Jain's index over the <what> threads"),
    Metric("<what>_samples", "count", None, "<what> operations timed", SAMPLING_OFF),
    Metric("<what>_ratio", "fraction", None, "<what> as a share"),
    # --- whole families of names, by their suffix
    Metric("<what>_ns_per_<unit>", "ns", LOWER, "<what> ns per <unit>"),
    Metric("<event>_per_op", "1/op", LOWER, "<event> per operation", EVENT_UNAVAILABLE),
    Metric("<what>_per_msg", "1/msg", LOWER, "<what> per message"),
    Metric("<what>_per_round_trip", "1/round trip", LOWER, "<what> per round trip"),
    Metric("<what>_per_round", "1/round", LOWER, "<what> per round"),
    Metric("<what>_per_read", "1/read", LOWER, "<what> per read"),
    Metric("<what>_per_update", "1/update", LOWER, "<what> per update"),
    Metric("<what>_per_sec", "1/s", HIGHER, "<what> per second"),
    Metric("<what>_ns", "ns", LOWER, "<what> in ns"),
    Metric("<what>_ms", "ms", None, "<what> in ms"),
    Metric("<what>_msgs", "count", None, "<what> in messages"),
    Metric("<what>_bytes", "bytes", None, "<what> in bytes"),
    Metric("bytes_per_<what>", "bytes", None, "bytes per <what>"),
    Metric("<what>_size", "bytes", None, "<what> size in bytes"),
)

CORE: tuple[str, ...] = tuple(m.name for m in _EVERY_CASE)
LATENCY: frozenset[str] = frozenset(m.name for m in _EVERY_CASE if m.absent == SAMPLING_OFF)
# Google Benchmark's time fields: the user counters say the same more precisely (docs/metrics.md).
GB_TIMES: frozenset[str] = frozenset({"real_time", "cpu_time"})

_PLACEHOLDER = re.compile(r"<([a-z]+)>")
_EXACT: dict[str, Metric] = {m.name: m for m in METRICS if "<" not in m.name}
_PATTERNS: tuple[tuple[re.Pattern[str], Metric], ...] = tuple(
    (re.compile(_PLACEHOLDER.sub(lambda p: f"(?P<{p[1]}>.+?)", re.escape(m.name))), m)
    for m in METRICS if "<" in m.name)


def lookup(name: str) -> Metric | None:
    """The table's row for a metric name, its placeholders filled in; None when unknown."""
    known = _EXACT.get(name)
    if known is not None:
        return known
    for pattern, row in _PATTERNS:
        match = pattern.fullmatch(name)
        if match:
            parts = match.groupdict()
            label = _PLACEHOLDER.sub(lambda p: parts[p[1]].replace("_", " "), row.label)
            return replace(row, name=name, label=label)
    return None


def describe(name: str) -> Metric:
    """lookup(), or for a name the table does not know: no unit, no direction."""
    return lookup(name) or Metric(name, "", None, name.replace("_", " "))


def format_value(name: str, value: float) -> str:
    """A value of the metric, written in its unit's one format."""
    return describe(name).format(value)


# Each case's primary metric, the one a regression gate judges: time per operation. The first
# of PRIMARY a case carries is its primary; a case with none of them (a padding sweep, a litmus
# test, a hardware limit) is reported, never gated. Instruction files carry
# instructions_per_op; real_time is the fallback for a plain Google Benchmark file. At one
# thread the primary is the CPU time per operation: the wall time of a window also holds the
# time the thread was not running (another tenant, a neighbour's build), which on a shared
# machine is most of the noise and none of the code's cost (docs/regressions.md).
PRIMARY: tuple[str, ...] = ("instructions_per_op", "ns_per_op", "ns_per_msg", "ns_per_round_trip",
                            "real_time")
ONE_THREAD_PRIMARY = "cpu_ns_per_op"


def primary_metric(names: Iterable[str], threads: int | None = None) -> str | None:
    """The primary metric among the names a case of `threads` threads carries; None when it
    has none."""
    present = set(names)
    primary = next((name for name in PRIMARY if name in present), None)
    if threads == 1 and primary in ("ns_per_op", "real_time") and ONE_THREAD_PRIMARY in present:
        return ONE_THREAD_PRIMARY
    return primary
