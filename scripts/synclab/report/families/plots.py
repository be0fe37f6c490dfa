"""The plots family panels are made of: each prepares its data from a LevelView and draws it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from synclab.report.families.base import Plot, Prepared, Skip
from synclab.report.figures.behaviour import (plot_collapse, plot_cpu, plot_fairness,
                                              plot_latency)
from synclab.report.figures.throughput import plot_absolute, plot_relative, plot_throughput
from synclab.report.tables import relative_throughput
from synclab.report.views import (LevelView, collapse, cpu_costs, fairness_points,
                                  latency_ranges, series_at)


def _throughput(view: LevelView) -> Prepared:
    if len(view.thread_counts) < 2:
        return Skip("throughput against threads: only one thread count was measured at this "
                    "level (see the bars)")
    return series_at(view) or Skip("throughput against threads: no throughput measured")


def _draw_throughput(data: Any, ax: Any, styles: Mapping, title: str, emulated: bool) -> None:
    plot_throughput(data, ax=ax, styles=styles, title=title, emulated=emulated, legend=False)


THROUGHPUT = Plot(
    "throughput", "throughput against threads",
    "Higher is better. A line that falls as threads are added means each handoff costs more "
    "than the extra thread brings. Error bars: spread over the repetitions.",
    _throughput, lambda view: "throughput vs threads", _draw_throughput)


def _relative(view: LevelView) -> Prepared:
    if view.table.baseline is None:
        return Skip(f"throughput relative to a baseline: the family {view.table.family!r} has "
                    "no baseline primitive yet")
    bars = next((b for b in relative_throughput(view.table) if b.placement == view.placement),
                None)
    if bars is None:
        return Skip(f"throughput relative to {view.table.baseline}: the baseline was not "
                    "measured here")
    return bars


def _draw_relative(data: Any, ax: Any, styles: Mapping, title: str, emulated: bool) -> None:
    plot_relative(data, ax=ax, styles=styles, title=title, emulated=emulated)


RELATIVE = Plot(
    "relative", "throughput relative to the baseline",
    "Each primitive's throughput divided by the baseline's at the same thread count, from the "
    "same run: right of the dashed line (1×) is faster than the baseline.",
    _relative,
    lambda view: f"relative to {view.table.baseline} at t:{view.threads}",
    _draw_relative)


def _fairness(view: LevelView) -> Prepared:
    if view.threads <= 1:
        return Skip("fairness against throughput: one thread, so fairness is 1 by definition")
    return fairness_points(view) or Skip("fairness against throughput: no fairness measured")


def _draw_fairness(data: Any, ax: Any, styles: Mapping, title: str, emulated: bool) -> None:
    plot_fairness(data, ax=ax, styles=styles, title=title, emulated=emulated)


FAIRNESS = Plot(
    "fairness", "fairness against throughput",
    "One point per primitive: further right is fairer by the summary's criterion (the x axis "
    "names it: short-term Jain index by default, 1 = every thread got its share in every short "
    "stretch; a p99 latency axis runs from long on the left to short on the right), higher is "
    "faster. The shaded band is too unfair to count as 'best at both'; the ringed point is the "
    "best at both.",
    _fairness, lambda view: f"fairness vs throughput at t:{view.threads}", _draw_fairness)


def _latency(view: LevelView) -> Prepared:
    return latency_ranges(view) or Skip("latency percentiles: not measured (latency sampling "
                                        "off, or not reported)")


def _draw_latency(data: Any, ax: Any, styles: Mapping, title: str, emulated: bool) -> None:
    plot_latency(data, ax=ax, styles=styles, title=title, emulated=emulated)


LATENCY = Plot(
    "latency", "latency percentiles",
    "Time of single operations, from the median (●) to the worst one seen (×). A long "
    "stretch from p50 to p99.9 means some operations wait far longer than usual: queueing, "
    "unfairness or a preempted holder.",
    _latency, lambda view: f"latency at t:{view.threads}", _draw_latency)


def _cpu(view: LevelView) -> Prepared:
    return cpu_costs(view) or Skip("CPU time per operation: not measured")


def _draw_cpu(data: Any, ax: Any, styles: Mapping, title: str, emulated: bool) -> None:
    plot_cpu(data, ax=ax, styles=styles, title=title, emulated=emulated)


CPU = Plot(
    "cpu", "CPU time per operation",
    "Filled bar: CPU time all threads used per operation. Outline: wall time per operation × "
    "threads, the CPU time they could have used. 'Busy' near 100 % at a contended level means "
    "waiters spin; well below, they sleep in the kernel, or the machine was running other work "
    "(see the load average in the summary).",
    _cpu, lambda view: f"CPU time per op at t:{view.threads}", _draw_cpu)


def _collapse(view: LevelView) -> Prepared:
    if view.table.scenario != "oversubscribed":
        return None
    return collapse(view) or Skip("oversubscription collapse: the 'high' level was not "
                                  "measured, so there is nothing to compare with")


def _draw_collapse(data: Any, ax: Any, styles: Mapping, title: str, emulated: bool) -> None:
    plot_collapse(data, ax=ax, styles=styles, title=title, emulated=emulated)


COLLAPSE = Plot(
    "collapse", "oversubscription collapse",
    "Throughput with more threads than PUs divided by throughput at 'high' with one thread "
    "per PU. 1× means no loss; a lock whose waiters spin while the holder is preempted "
    "collapses far below it.",
    _collapse, lambda view: "oversubscribed ÷ high", _draw_collapse)


def _throughput_lines(view: LevelView) -> Prepared:
    """The throughput lines where the level has several thread counts; silent otherwise (the
    family draws the level another way: bars, or a figure over all levels)."""
    return None if len(view.thread_counts) < 2 else _throughput(view)


THROUGHPUT_LINES = Plot(THROUGHPUT.key, THROUGHPUT.name, THROUGHPUT.how_to_read,
                        _throughput_lines, THROUGHPUT.title, THROUGHPUT.draw)


@dataclass(frozen=True)
class AbsoluteBars:
    """Each primitive's throughput at the level's top thread count, where no ratio can be had."""
    threads: int
    why: str  # why there is no ratio to a baseline
    bars: tuple[tuple[str, float, float, float], ...]  # primitive, median ops/s, lo, hi


def _relative_or_absolute(view: LevelView) -> Prepared:
    """Ratios to the baseline where it was measured here; else each primitive's throughput."""
    relative = _relative(view)
    if not isinstance(relative, Skip):
        return relative
    bars = sorted(((row.primitive, ops.median, ops.lo, ops.hi) for row in view.rows
                   if (ops := row.metrics.get("ops_per_sec")) is not None),
                  key=lambda bar: (-bar[1], bar[0]))
    if not bars:
        return Skip("throughput: not measured at this level")
    return AbsoluteBars(view.threads, relative.reason, tuple(bars))


def _title_relative_or_absolute(view: LevelView) -> str:
    if isinstance(_relative(view), Skip):
        return f"throughput at t:{view.threads} (no baseline here)"
    return f"relative to {view.table.baseline} at t:{view.threads}"


def _draw_relative_or_absolute(data: Any, ax: Any, styles: Mapping, title: str,
                               emulated: bool) -> None:
    if isinstance(data, AbsoluteBars):
        plot_absolute(data.bars, ax=ax, styles=styles, title=title, emulated=emulated)
    else:
        plot_relative(data, ax=ax, styles=styles, title=title, emulated=emulated)


RELATIVE_OR_ABSOLUTE = Plot(
    "relative", "throughput relative to the baseline, or absolute where it has none",
    "Relative: each primitive's throughput divided by the baseline's at the same thread count, "
    "from the same run (right of the dashed line, 1×, is faster). Where the baseline was not "
    "measured at this level (or the level has none), the bars are each primitive's own "
    "throughput instead: longer is faster.",
    _relative_or_absolute, _title_relative_or_absolute, _draw_relative_or_absolute)
