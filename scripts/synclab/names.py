"""The vocabulary of case names: family/primitive/scenario/t:THREADS/place:POLICY[/param:value...]."""
from __future__ import annotations

from dataclasses import dataclass

# Contention levels in the order reports list them: run_suite's copy of the binary's list
# (harness/src/contention.cpp), kept so options are checked before anything is built;
# tests/test_run_parameters.py ties the two through --synclab_describe.
# oversub_sweep: `high` at 0.5, 1, 2 and 4 threads per PU (docs/contention.md).
CONTENTION_LEVELS: tuple[str, ...] = ("uncontended", "low", "medium", "high", "oversubscribed",
                                     "oversub_sweep")

# The reference primitive of each family: ratios and normalised plots are taken against it.
FAMILY_BASELINES: dict[str, str] = {
    "locks": "std_mutex",
    "rwlocks": "std_shared_mutex",
    "condvars": "std_condvar",
    "channels": "mutex_queue",  # a std::mutex + std::condition_variable queue: what code starts with
    "refcount": "shared_ptr",
}
# A bounded channel makes a full sender wait and an unbounded one never does: cases with a
# capacity (cap:N, N > 0) are compared with this bounded baseline at the same capacity.
BOUNDED_CHANNEL_BASELINE = "mutex_ring"

# Components Google Benchmark itself appends to a run name; they are not synclab parameters.
_GB_SUFFIX_KEYS = frozenset({"iterations", "repeats", "min_time", "min_warmup_time", "threads"})
_GB_SUFFIX_FLAGS = frozenset({"real_time", "manual_time", "process_time"})


@dataclass(frozen=True)
class CaseName:
    family: str
    primitive: str
    scenario: str
    threads: int
    placement: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def params_text(self) -> str:
        """The parameters as they appear in the name, e.g. "cs:50ns/think:0ns" ("" if none)."""
        return "/".join(f"{key}:{value}" for key, value in self.params)


def parse_case_name(name: str) -> CaseName | None:
    """Splits a case name into its parts; None when it is not a synclab case name."""
    parts = name.split("/")
    if len(parts) < 5:
        return None
    family, primitive, scenario, threads_part, place_part = parts[:5]
    if not (family and primitive and scenario):
        return None
    if not threads_part.startswith("t:") or not threads_part[2:].isdigit():
        return None
    threads = int(threads_part[2:])
    if threads < 1 or not place_part.startswith("place:") or len(place_part) == len("place:"):
        return None
    params: list[tuple[str, str]] = []
    for part in parts[5:]:
        if part in _GB_SUFFIX_FLAGS:
            continue
        key, sep, value = part.partition(":")
        if not sep or not key:
            return None
        if key in _GB_SUFFIX_KEYS:
            continue
        params.append((key, value))
    return CaseName(family, primitive, scenario, threads, place_part[len("place:"):], tuple(params))


def baseline_for(family: str, params: tuple[tuple[str, str], ...] = ()) -> str | None:
    """The baseline of a family's cases with these parameters, or None for a family without one.

    Channels: mutex_ring where the case has a capacity (cap:N, N > 0), mutex_queue where it is
    unbounded, none for a rendezvous channel (cap:0: no mutex channel hands over unbuffered)."""
    capacity = dict(params).get("cap", "")
    if family == "channels" and capacity == "0":
        return None
    if family == "channels" and capacity.isdigit():
        return BOUNDED_CHANNEL_BASELINE
    return FAMILY_BASELINES.get(family)


def scenario_order(scenario: str) -> tuple[int, str]:
    """Sort key: the contention levels in their natural order, then other scenarios by name."""
    if scenario in CONTENTION_LEVELS:
        return (CONTENTION_LEVELS.index(scenario), "")
    return (len(CONTENTION_LEVELS), scenario)
