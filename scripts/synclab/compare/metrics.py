"""The metrics a comparison knows: each says whether lower or higher is better, and its unit."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_METRICS: tuple[str, ...] = ("ns_per_op", "ops_per_sec", "lat_p99_ns", "fairness_jain")
INSTRUCTION_METRICS: tuple[str, ...] = ("instructions_per_op",)


@dataclass(frozen=True)
class Metric:
    name: str
    lower_is_better: bool
    unit: str

    @property
    def direction(self) -> str:
        return "lower" if self.lower_is_better else "higher"

    @property
    def arrow(self) -> str:
        """'↓' when lower is better, '↑' when higher is."""
        return "↓" if self.lower_is_better else "↑"


_KNOWN: dict[str, Metric] = {m.name: m for m in (
    Metric("ns_per_op", True, "ns"),
    Metric("ops_per_sec", False, "ops/s"),
    Metric("fairness_jain", False, "index"),
    Metric("share_min", False, "share"),
    Metric("share_max", True, "share"),
    Metric("lat_p50_ns", True, "ns"),
    Metric("lat_p99_ns", True, "ns"),
    Metric("lat_p999_ns", True, "ns"),
    Metric("lat_max_ns", True, "ns"),
    Metric("cpu_ns_per_op", True, "ns"),
    Metric("task_clock_ns_per_op", True, "ns"),
    Metric("ctx_switches_per_op", True, "1/op"),
    Metric("futex_waits_per_op", True, "1/op"),
    Metric("futex_wakes_per_op", True, "1/op"),
    Metric("instructions_per_op", True, "instructions"),
)}


def lookup(name: str) -> Metric:
    """A metric by name; unknown names get a direction from their suffix, else ValueError.

    `name:lower` or `name:higher` states the direction explicitly.
    """
    base, sep, direction = name.partition(":")
    base = base.strip()
    if not base:
        raise ValueError(f"invalid metric {name!r}")
    if sep:
        if direction not in ("lower", "higher"):
            raise ValueError(f"invalid metric {name!r} (the direction after ':' is lower or higher)")
        known = _KNOWN.get(base)
        return Metric(base, direction == "lower", known.unit if known else "")
    if base in _KNOWN:
        return _KNOWN[base]
    if base.endswith(("_per_op", "_ns")):
        return Metric(base, True, "ns" if base.endswith("_ns") else "1/op")
    if base.endswith("_per_sec"):
        return Metric(base, False, "1/s")
    raise ValueError(f"metric {base!r}: direction unknown; write {base}:lower or {base}:higher")


def parse_metrics(text: str) -> tuple[Metric, ...]:
    """`ns_per_op,ops_per_sec` -> their Metric definitions, in order, without repeats."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ValueError(f"invalid metric list {text!r}")
    seen: dict[str, Metric] = {}
    for item in items:
        metric = lookup(item)
        seen.setdefault(metric.name, metric)
    return tuple(seen.values())


def defaults(mode: str) -> tuple[Metric, ...]:
    names = INSTRUCTION_METRICS if mode == "instructions" else DEFAULT_METRICS
    return tuple(_KNOWN[name] for name in names)
