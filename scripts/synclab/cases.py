"""Profiles, the parsing of run_suite's option values, and planning which cases to run.

A profile's repetitions and window are chosen for the regression gate's power
(docs/regressions.md, "Samples"): every repetition is one window and one sample, and a
one-thread window's noise is the same at 10, 20 or 40 ms on a shared machine while the number
of samples sets what a test can see, so profiles take many short windows rather than a few
long ones. Cases of several threads are measured for their behaviour (throughput, fairness,
latency under contention): their spread between windows is the scheduler's, tens of per cent,
which no gate of minutes can narrow to 10 %, so the default profile gives them fewer windows,
each long enough to hold many scheduling quanta (docs/regressions.md, "Contended cases").
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from synclab.errors import regex
from synclab.names import CONTENTION_LEVELS, parse_case_name

# Grace period of the binary's in-process watchdog (--synclab_watchdog_s), in seconds.
# run_suite always passes it, so the outer timeout below and the binary agree by construction.
WATCHDOG_GRACE_S = 10
# Slack of the outer watchdog beyond the measured windows: start-up, calibration checks, output.
CASE_TIMEOUT_SLACK_S = 30.0
# Per repetition, on top of the measured window: thread start, barrier, counters, statistics.
REPETITION_OVERHEAD_S = 1.0


def format_duration(ms: int) -> str:
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


@dataclass(frozen=True)
class Sampling:
    """How one case is measured: `repetitions` windows of `duration_ms` each."""
    repetitions: int
    duration_ms: int

    def __str__(self) -> str:
        return f"{self.repetitions} x {format_duration(self.duration_ms)}"


@dataclass(frozen=True)
class Profile:
    name: str
    contention: tuple[str, ...]
    # None: the binary's default (1, 2, 4, ... and the PU count); PUS_ONLY: the placement's PU
    # count alone (the fully contended machine; `uncontended` is one thread whatever the list)
    threads: tuple[int, ...] | None
    repetitions: int
    duration_ms: int
    purpose: str
    # False: --synclab_sweeps=off, each family's key cases only (docs/contention.md, "Key cases
    # and sweeps"); True: the binary's sweeps too.
    sweeps: bool = True
    # Cases of more than one thread, when they are measured otherwise than one-thread cases
    # (None: alike).
    contended: Sampling | None = None


PUS_ONLY: tuple[int, ...] = (0,)  # Profile.threads: the placement's PU count alone

# What a case needs for the regression gate to see a 10 % change on a shared 2-core machine
# (docs/regressions.md, "Samples" and "Validated on this machine"): the default profile
# measures every case so, and is kept short by the cases it chooses, not by fewer windows.
# The default plan's levels: each primitive's fast path, the whole machine contending, and
# more threads than PUs; what lies between them, and the sweeps, are the full profile's, so
# the default run takes minutes.
KEY_LEVELS = ("uncontended", "high", "oversubscribed")
GATE_REPETITIONS = 40
GATE_WINDOW_MS = 20
# The default run's contended cases: enough windows for a median and its spread (and for a
# Mann-Whitney test to reach p ~ 1e-5 on a large change), each 40 ms, about a dozen 3 ms
# scheduler slices per PU, so every thread runs in every window even at four threads per PU.
DEFAULT_CONTENDED = Sampling(10, 40)

PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile("smoke", ("uncontended", "high"), (1, 2), 1, 100,
                "does it run: every family once (one repetition: no verdict can fire)"),
        Profile("quick", KEY_LEVELS, PUS_ONLY, GATE_REPETITIONS, GATE_WINDOW_MS,
                "default: each family's key cases at uncontended, high (all PUs) and "
                "oversubscribed; one-thread cases as the gate measures them, contended cases "
                f"{DEFAULT_CONTENDED}", sweeps=False, contended=DEFAULT_CONTENDED),
        Profile("full", CONTENTION_LEVELS, None, GATE_REPETITIONS, 100,
                "numbers to decide on: the gate's repetitions, longer windows"),
        Profile("gate", ("uncontended",), (1,), GATE_REPETITIONS, GATE_WINDOW_MS,
                "the regression gate: every one-thread fast path (run_suite --ab)"),
    )
}
DEFAULT_PROFILE = "quick"


def profiles_help() -> str:
    """The profile table as plain text, for --help."""
    lines = ["profiles:",
             f"  {'name':<7} {'contention':<42} {'threads':<22} {'reps':>4} {'duration':>8} "
             f"sweeps"]
    for p in PROFILES.values():
        threads = "PUs" if p.threads == PUS_ONLY else \
            ",".join(map(str, p.threads)) + " (capped to PUs)" if p.threads else "1,2,4,... and PUs"
        lines.append(f"  {p.name:<7} {','.join(p.contention):<42} {threads:<22} "
                     f"{p.repetitions:>4} {format_duration(p.duration_ms):>8} "
                     f"{'on' if p.sweeps else 'off'}")
        if p.contended is not None:
            lines.append(f"  {'':<7} {'(cases of more than one thread)':<65} "
                         f"{p.contended.repetitions:>4} "
                         f"{format_duration(p.contended.duration_ms):>8}")
        lines.append(f"  {'':<7} {p.purpose}")
    here = ",".join(map(str, default_threads(available_pus())))
    lines.append(f"  1,2,4,... and PUs: {here} on this machine ({available_pus()} PUs)")
    return "\n".join(lines)


_DURATION = re.compile(r"(?P<number>\d+(?:\.\d*)?|\.\d+)(?P<unit>ms|s)")


def parse_duration(text: str) -> int:
    """`200ms`, `1s`, `0.5s` -> milliseconds (a whole number, at least 1)."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"invalid duration {text!r} (expected e.g. 200ms, 1s, 0.5s)")
    value = float(match["number"]) * (1000.0 if match["unit"] == "s" else 1.0)
    ms = round(value)
    if ms < 1 or abs(value - ms) > 1e-9:
        raise ValueError(f"invalid duration {text!r} (must be a whole number of milliseconds, at least 1ms)")
    return ms


def parse_threads(text: str) -> tuple[int, ...]:
    """`1,2,4` -> (1, 2, 4): positive integers, sorted, without repeats."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item.isdigit() for item in items):
        raise ValueError(f"invalid thread list {text!r} (expected positive integers, e.g. 1,2,4)")
    values = sorted({int(item) for item in items})
    if values[0] < 1:
        raise ValueError(f"invalid thread list {text!r} (thread counts start at 1)")
    return tuple(values)


def parse_contention(text: str) -> tuple[str, ...]:
    """`uncontended,high` -> the named levels, in their natural order."""
    items = [item.strip() for item in text.split(",")]
    unknown = [item for item in items if item not in CONTENTION_LEVELS]
    if not text.strip() or unknown:
        raise ValueError(f"invalid contention level {','.join(unknown) or repr(text)} "
                         f"(choose from {','.join(CONTENTION_LEVELS)})")
    return tuple(level for level in CONTENTION_LEVELS if level in items)


_CPU_LIST = re.compile(r"\d+(-\d+)?(,\d+(-\d+)?)*")
_MAX_CPU = 2**31 - 1  # the binary reads CPU numbers as int


def parse_cpu_list(text: str) -> tuple[int, ...]:
    """`0,2-3` -> (0, 2, 3): each CPU once (the binary's grammar, harness/src/placement.cpp)."""
    if not _CPU_LIST.fullmatch(text):
        raise ValueError(f"invalid CPU list {text!r} (expected e.g. 0,1 or 0-3)")
    cpus: set[int] = set()
    for item in text.split(","):
        first, _, last = item.partition("-")
        low, high = int(first), int(last or first)
        if high > _MAX_CPU:
            raise ValueError(f"invalid CPU list {text!r}: {high} is not a CPU number")
        if high < low:
            raise ValueError(f"invalid CPU range {item!r} in {text!r}")
        twice = cpus.intersection(range(low, high + 1))
        if twice:
            raise ValueError(f"invalid CPU list {text!r}: CPU {min(twice)} appears twice")
        cpus.update(range(low, high + 1))
    return tuple(sorted(cpus))


def parse_placement(text: str) -> str:
    """Checks the form of a placement policy: compact, scatter or cpus:LIST. Whether the CPUs
    exist here is the binary's to say (it knows the topology)."""
    if text in ("compact", "scatter"):
        return text
    if text.startswith("cpus:"):
        parse_cpu_list(text[len("cpus:"):])
        return text
    raise ValueError(f"invalid placement {text!r} (expected compact, scatter or cpus:LIST)")


def placement_pus(placement: str, available: int) -> int:
    """How many PUs a placement spans: the CPU list's length, else the PUs this process may use."""
    if placement.startswith("cpus:"):
        return len(parse_cpu_list(placement[len("cpus:"):]))
    return max(1, available)


def default_threads(pus: int) -> tuple[int, ...]:
    """The thread counts the binary runs when none are asked for: 1, 2, 4, ... below the PU
    count, then the PU count (harness/src/suite_options.cpp)."""
    counts = []
    n = 1
    while n < pus:
        counts.append(n)
        n *= 2
    return tuple(counts) + (max(1, pus),)


def available_pus() -> int:
    """PUs this process may run on (its affinity mask, so a cpuset or taskset is honoured)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_case_timeout(repetitions: int, duration_ms: int) -> float:
    """The outer watchdog: repetitions x (window + 1 s) + the in-process watchdog's grace + 30 s."""
    return (repetitions * (duration_ms / 1000.0 + REPETITION_OVERHEAD_S)
            + WATCHDOG_GRACE_S + CASE_TIMEOUT_SLACK_S)


# Measured on a shared 2-core VM at load 4-5, the futex tracepoints held beside the cases: a
# process of the bench binary (its delay calibration passed in) starts and ends in about 40 ms,
# and each repetition adds about 7 ms to its window, plus about 2 ms per thread beyond the
# first (threads, pinning, barrier, counters): the default run's one-thread cases took 1.13 s
# a case at 40 x 20 ms, its contended cases 0.71 s at 10 x 50 ms.
PROCESS_START_S = 0.04
REPETITION_COST_S = 0.007
THREAD_COST_S = 0.002
# Around the cases: the build check and the delay calibration before them, the census of the
# primitives' code and the report with its figures after them (35 s in the run above).
OUTSIDE_CASES_S = 35.0


def expected_case_seconds(repetitions: int, duration_ms: int, threads: int = 1) -> float:
    """Rough time one case takes when nothing goes wrong (for estimates only)."""
    per_repetition = duration_ms / 1000.0 + REPETITION_COST_S + THREAD_COST_S * (threads - 1)
    return repetitions * per_repetition + PROCESS_START_S


# A level of the user's own: the binary's bounds (harness/src/suite_options.cpp).
MAX_CUSTOM_NS = 10_000_000
MAX_CUSTOM_CS_LINES = 8


@dataclass(frozen=True)
class CustomLevel:
    """--cs-ns, --think-ns, --cs-lines: a level named by its parameters (docs/contention.md)."""
    cs_ns: int = 0
    think_ns: int = 0
    cs_lines: int = 1

    @property
    def name(self) -> str:
        return f"custom-cs{self.cs_ns}ns-think{self.think_ns}ns-lines{self.cs_lines}"

    def flags(self) -> list[str]:
        return [f"--synclab_cs_ns={self.cs_ns}", f"--synclab_think_ns={self.think_ns}",
                f"--synclab_cs_lines={self.cs_lines}"]


def parse_custom_ns(text: str) -> int:
    """A custom level's cs or think time: whole ns from 0 to MAX_CUSTOM_NS."""
    if not text.strip().isdigit() or int(text) > MAX_CUSTOM_NS:
        raise ValueError(f"invalid value {text!r} (expected whole ns from 0 to {MAX_CUSTOM_NS})")
    return int(text)


def parse_cs_lines(text: str) -> int:
    """A custom level's cache lines written in the critical section: 1 to MAX_CUSTOM_CS_LINES."""
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_CUSTOM_CS_LINES:
        raise ValueError(f"invalid value {text!r} (expected a whole number of cache lines "
                         f"from 1 to {MAX_CUSTOM_CS_LINES})")
    return int(text)


@dataclass(frozen=True)
class Plan:
    """Everything that decides which cases run and how."""
    profile: str
    contention: tuple[str, ...]  # () with a custom level: only that one
    threads: tuple[int, ...] | None
    placement: str
    repetitions: int
    duration_ms: int
    case_timeout_s: float
    test_cases: bool
    latency_sampling: bool = True
    counters: str = "auto"
    families: tuple[str, ...] = ()  # () every family
    families_flag: bool = True  # False: the families are selected by name only (see select())
    custom: CustomLevel | None = None
    plugins: tuple[str, ...] = ()  # lock plugins run in every lock scenario (runner/apps_plugins.py)
    sweeps: bool = True  # False: --synclab_sweeps=off
    # Cases of more than one thread, measured otherwise (None: like every other case).
    contended: Sampling | None = None
    contended_timeout_s: float | None = None

    def sampling(self, name: str) -> Sampling:
        """How the case `name` is measured: the contended sampling for a case of more than
        one thread when the plan has one, the plan's repetitions and window otherwise."""
        if self.contended is not None and _threads(name) > 1:
            return self.contended
        return Sampling(self.repetitions, self.duration_ms)

    def case_timeout(self, name: str) -> float:
        """The outer watchdog of the case `name`."""
        if self.contended_timeout_s is not None and _threads(name) > 1:
            return self.contended_timeout_s
        return self.case_timeout_s

    def samplings(self) -> str:
        """The plan's windows in words, e.g. "40 x 20ms (one thread), 10 x 40ms (contended)"."""
        plain = Sampling(self.repetitions, self.duration_ms)
        if self.contended is None or self.contended == plain:
            return str(plain)
        return f"{plain} (one thread), {self.contended} (more threads)"

    def expected_seconds(self, names: list[str]) -> float:
        """Rough time the cases `names` take when nothing goes wrong (for estimates only)."""
        return sum(expected_case_seconds(s.repetitions, s.duration_ms, _threads(name))
                   for name, s in zip(names, map(self.sampling, names)))


def _threads(name: str) -> int:
    parsed = parse_case_name(name)
    return parsed.threads if parsed is not None else 1


def make_plan(profile_name: str, *, contention: tuple[str, ...] | None = None,
              threads: tuple[int, ...] | None = None, placement: str = "compact",
              repetitions: int | None = None, duration_ms: int | None = None,
              case_timeout_s: float | None = None, test_cases: bool = False,
              latency_sampling: bool = True, counters: str = "auto", pus: int = 1,
              families: tuple[str, ...] = (), families_flag: bool = True,
              custom: CustomLevel | None = None, sweeps: bool | None = None) -> Plan:
    """Fills what the options left open from the profile. `pus` caps the profile's thread list;
    with a custom level and no levels named, only the custom level runs. Repetitions or a
    window asked for apply to every case, contended or not."""
    profile = PROFILES[profile_name]
    if threads is None and profile.threads is not None:
        cap = placement_pus(placement, pus)
        threads = (cap,) if profile.threads == PUS_ONLY else \
            tuple(t for t in profile.threads if t <= cap) or (1,)
    reps = repetitions if repetitions is not None else profile.repetitions
    duration = duration_ms if duration_ms is not None else profile.duration_ms
    timeout = case_timeout_s if case_timeout_s is not None else default_case_timeout(reps, duration)
    levels = contention if contention is not None else () if custom else profile.contention
    asked = repetitions is not None or duration_ms is not None
    contended = None if asked else profile.contended
    contended_timeout = None if contended is None else case_timeout_s if \
        case_timeout_s is not None else default_case_timeout(contended.repetitions,
                                                             contended.duration_ms)
    return Plan(profile.name, levels, threads, placement, reps, duration, timeout, test_cases,
                latency_sampling, counters, families, families_flag, custom,
                sweeps=profile.sweeps if sweeps is None else sweeps, contended=contended,
                contended_timeout_s=contended_timeout)


def synclab_flags(plan: Plan) -> list[str]:
    """The synclab flags that select the cases (used for listing and for running alike)."""
    flags = [f"--synclab_contention={','.join(plan.contention)}"] if plan.contention else []
    flags += [f"--synclab_placement={plan.placement}",
              f"{DURATION_FLAG}{plan.duration_ms}",
              f"--synclab_watchdog_s={WATCHDOG_GRACE_S}"]
    if plan.custom is not None:
        flags += plan.custom.flags()
    if plan.families and plan.families_flag:
        flags.append(f"--synclab_families={','.join(plan.families)}")
    if plan.threads is not None:
        flags.insert(0, f"--synclab_threads={','.join(map(str, plan.threads))}")
    if not plan.sweeps:
        flags.append("--synclab_sweeps=off")
    if plan.test_cases:
        flags.append("--synclab_test_cases")
    if not plan.latency_sampling:
        flags.append("--synclab_sampling=off")
    if plan.counters != "auto":
        flags.append(f"--synclab_counters={plan.counters}")
    if plan.plugins:
        flags.append(f"--synclab_plugin={','.join(plan.plugins)}")
    return flags


def with_window(flags: list[str], window_ms: int) -> list[str]:
    """`flags` with the measured window set to `window_ms` (replacing the one they carry)."""
    return [f for f in flags if not f.startswith(DURATION_FLAG)] + [f"{DURATION_FLAG}{window_ms}"]


DURATION_FLAG = "--synclab_duration_ms="


def parse_filter(text: str) -> str:
    """--filter's value as a regex: `reproduction/` or `reproduction/R-N` stand for the cases the
    book's experiments read (docs/reproduction.md), anything else is a Python regex."""
    from synclab.report.reproduction import ALIAS, filter_regex

    return filter_regex(text) if text.startswith(ALIAS) else regex(text)


def filter_cases(names: list[str], pattern: str | None,
                 families: tuple[str, ...] = ()) -> list[str]:
    """The names `re.search` finds `pattern` in (all of them without a pattern), of `families`
    (every family when empty)."""
    regex = re.compile(pattern) if pattern is not None else None
    return [name for name in names if (regex is None or regex.search(name))
            and (not families or name.split("/", 1)[0] in families)]


def parse_counters(text: str) -> str:
    """Checks the form of a counter request; the binary resolves it against this machine."""
    if not re.fullmatch(r"[A-Za-z0-9_:.\-]+(,[A-Za-z0-9_:.\-]+)*", text):
        raise ValueError(f"invalid counter request {text!r} "
                         "(expected auto, off, a set such as default or os, or EVENT,EVENT)")
    return text


# Under user-mode emulation (qemu) a window's timings are not hardware numbers: what such a run
# shows is that every case runs correctly on the target and what its code is. So its windows are
# short and there is one repetition, unless the options ask for more.
EMULATED_DURATION_MS = 50
EMULATED_REPETITIONS = 1


def emulated_defaults(profile_name: str, repetitions: int | None,
                      duration_ms: int | None) -> tuple[int, int]:
    """(repetitions, duration_ms) of an emulated run: the options' values, else the profile's
    capped at EMULATED_REPETITIONS and EMULATED_DURATION_MS."""
    profile = PROFILES[profile_name]
    reps = repetitions if repetitions is not None else min(profile.repetitions, EMULATED_REPETITIONS)
    duration = duration_ms if duration_ms is not None else min(profile.duration_ms,
                                                               EMULATED_DURATION_MS)
    return reps, duration
