"""The channels family: throughput per level (ratios to the baseline where it was measured at the
same shape, capacity and payload, absolute throughput where it was not), and the ping-pong
round trip of every channel against the machine's measured cache-line round trip; above them, the
queue goal judged from the run (queue_goal.py)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from synclab.report.families import queue_goal
from synclab.report.families.base import FamilyPanel, FamilyRun, Overview, Skip
from synclab.report.families.plots import RELATIVE_OR_ABSOLUTE, THROUGHPUT_LINES
from synclab.report.machine import C2CMatrix, c2c_matrix
from synclab.report.tables import Row, Summary, parse_label

PINGPONG = "pingpong"
ROUND_TRIP = "ns_per_round_trip"


@dataclass(frozen=True)
class RoundTrip:
    label: str  # the primitive, with the capacity (and placement) where they vary
    primitive: str
    time: Summary  # ns per round trip


@dataclass(frozen=True)
class PingPong:
    trips: tuple[RoundTrip, ...]  # fastest first
    line_ns: float | None  # the machine's cache-line round trip between the cases' PUs
    line_what: str  # where line_ns comes from, or why it is absent
    unmeasured: tuple[str, ...]  # channels whose ping-pong reported no round-trip time

    @property
    def below_line(self) -> tuple[str, ...]:
        """Channels faster than the cache line: the reference was disturbed (a busy machine,
        descheduled vCPUs), since a message and its reply each move at least one line."""
        if self.line_ns is None:
            return ()
        return tuple(trip.label for trip in self.trips if trip.time.median < self.line_ns)


def line_round_trip(matrix: C2CMatrix | None, rows: list[Row]) -> tuple[float | None, str]:
    """The c2c round trip of the pair the ping-pong cases ran on; the median over the measured
    pairs when that pair was not measured; None (with why) without a c2c measurement."""
    if matrix is None:
        return None, ("the machine's cache-line round trip (limits/c2c/pingpong) was not "
                      "measured in this run")
    pairs = {placement.pus[:2] for row in rows
             if (placement := parse_label(row.label)) and len(set(placement.pus)) >= 2}
    if len(pairs) == 1:
        a, b = next(iter(pairs))
        if a in matrix.pus and b in matrix.pus:
            trip = matrix.roundtrip_ns[matrix.pus.index(a)][matrix.pus.index(b)]
            if trip is not None:
                return trip, f"cache-line round trip PU {a} ↔ PU {b} (limits/c2c)"
    trips = [t for line in matrix.roundtrip_ns for t in line if t is not None]
    if not trips:
        return None, "the c2c cases reported no round-trip time"
    return statistics.median(trips), ("cache-line round trip, median over the measured PU "
                                      "pairs (limits/c2c; the channels' own pair was not measured)")


def pingpong_data(family: FamilyRun) -> PingPong | Skip:
    levels = [t for t in family.tables if t.scenario == PINGPONG]
    rows = [row for table in levels for row in table.rows]
    if not rows:
        return Skip("ping-pong round trip: no ping-pong case ran in this run")
    several_params = len({t.params for t in levels}) > 1
    several_places = len({row.placement for row in rows}) > 1
    trips, unmeasured = [], []
    for table in levels:
        for row in table.rows:
            label = row.primitive + (f" · {table.params.split('/')[0]}" if several_params else "") \
                + (f" · {row.placement}" if several_places else "")
            time = row.metrics.get(ROUND_TRIP)
            if time is None:
                unmeasured.append(label)
            else:
                trips.append(RoundTrip(label, row.primitive, time))
    if not trips:
        return Skip("ping-pong round trip: the ping-pong cases reported no round-trip time "
                    f"({ROUND_TRIP})")
    line_ns, line_what = line_round_trip(c2c_matrix(family.run.records), rows)
    trips.sort(key=lambda trip: (trip.time.median, trip.label))
    return PingPong(tuple(trips), line_ns, line_what, tuple(unmeasured))


def _draw(data: PingPong, ax: Any, title: str, emulated: bool) -> None:
    from synclab.report.figures.channels import plot_pingpong
    plot_pingpong(data, ax=ax, title=title, emulated=emulated)


PINGPONG_LATENCY = Overview(
    "pingpong", "ping-pong round trip against the cache line",
    "One message there and one back, per channel (median round trip, with its spread). The "
    "red line is the machine's own cache-line round trip between the same PUs: no channel "
    "can beat it, since a message and its reply each move at least one line; bars below it "
    "mean the reference was measured while the machine was busy (the legend says so), and "
    "the multiples are then too small. A channel a few times above the line spins well; far "
    "above it sleeps in the kernel (futex) or is descheduled.",
    pingpong_data, _draw, "ping-pong: time of one round trip",
    lambda data: (6.4, max(2.6, 0.24 * len(data.trips) + 1.6)))

PANEL = FamilyPanel(
    about="Channels move messages between threads: spsc and mpmc throughput, ping-pong "
          "latency, bursts, the cost of an empty receive, and a preempted producer "
          "(docs/channels.md). Each level compares like with like: bounded channels with "
          "mutex_ring at the same capacity, unbounded ones with mutex_queue; where that "
          "baseline was not measured (or a rendezvous channel has none) the bars show each "
          "channel's own throughput. The ping-pong figure sets every channel's round trip "
          "against the machine's cache-line round trip. The section opens with the queue goal "
          "judged from this run: the best new queue against atomic_queue and moodycamel.",
    speed=(THROUGHPUT_LINES, RELATIVE_OR_ABSOLUTE),
    overview=(PINGPONG_LATENCY,),
    tables=queue_goal.tables,
)
