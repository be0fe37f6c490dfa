"""How it behaves: fairness against throughput, latency percentiles, CPU time, oversubscription."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from synclab.report.figures.style import (SMALL_SIZE, Style, finish, legend_below, log_axis,
                                          mark_emulated, panel_title, primitive_bars_axis,
                                          ratio_text)
from synclab.report.views import Collapse, CpuCost, Fairness, LatencyRange

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# (attribute, legend text, marker) of the latency percentiles, in increasing order.
PERCENTILES: tuple[tuple[str, str, str], ...] = (
    ("p50", "p50", "o"), ("p99", "p99", "s"), ("p999", "p99.9", "^"), ("max", "max", "x"))


def plot_fairness(data: Fairness, *, ax: Axes, styles: Mapping[str, Style], title: str,
                  emulated: bool) -> None:
    """One point per primitive: x = the fairness criterion, fairer to the right; y = ops/s; the
    band not fair enough for "best at both" shaded, the pick ringed."""
    criterion = data.criterion
    xs = [p.fairness for p in data.points]
    ys = [p.ops_per_sec for p in data.points]
    if criterion.higher_is_fairer:  # an index up to 1
        low = max(0.0, min(xs + [data.floor]) - 0.05)
        right = 1.0 + (1.0 - low) * 0.06
        ax.set_xlim(low, right)
        ax.axvspan(low, data.floor, color="#000000", alpha=0.05, linewidth=0)
        axis = f"fairness: {criterion.label} (1 = all threads equal)"
    else:  # a latency: log scale, lower (fairer) to the right
        log_axis(ax, "x", xs + [data.floor], force=True, times=True)
        low, high = min(xs + [data.floor]) / 1.6, max(xs + [data.floor]) * 1.6
        ax.set_xlim(high, low)
        ax.axvspan(high, data.floor, color="#000000", alpha=0.05, linewidth=0)
        axis = f"fairness: {criterion.label} (log, lower to the right)"
    ax.axvline(data.floor, color="#555555", linewidth=0.8, linestyle="--")
    for point in data.points:
        style = styles[point.primitive]
        ax.scatter([point.fairness], [point.ops_per_sec], color=style.colour, marker=style.marker,
                   s=46, edgecolors="black", linewidths=0.5, zorder=3)
    best = next(p for p in data.points if p.primitive == data.best)
    ax.scatter([best.fairness], [best.ops_per_sec], s=260, facecolors="none",
               edgecolors="black", linewidths=1.2, zorder=4)
    where = ax.transAxes.inverted().transform(ax.transData.transform((best.fairness, 1.0)))[0]
    ha, dx = ("right", 8) if where > 0.6 else ("left", -8) if where < 0.4 else ("center", 0)
    ax.annotate(f"best at both: {best.primitive}", (best.fairness, best.ops_per_sec),
                xytext=(dx, 11), textcoords="offset points", ha=ha, fontsize=SMALL_SIZE)
    is_log = log_axis(ax, "y", ys, force=True)
    top, bottom = max(ys), min(ys)
    if is_log:
        ax.set_ylim(bottom / 1.8, top * 2.0)
    shaded = f"shaded: {'below' if criterion.higher_is_fairer else 'above'} " \
             f"{criterion.text(data.floor)}, too unfair for 'best at both'"
    finish(ax, panel_title(title, emulated), f"{axis}\n{shaded}", "throughput (ops/s, log scale)")
    if emulated:
        mark_emulated(ax)


def plot_latency(ranges: Sequence[LatencyRange], *, ax: Axes, styles: Mapping[str, Style],
                 title: str, emulated: bool) -> None:
    """Per primitive a line from p50 to max with a marker at each percentile (log x)."""
    from matplotlib.lines import Line2D

    names = [r.primitive for r in ranges]
    positions = primitive_bars_axis(ax, names)
    values = []
    for position, r in zip(positions, ranges):
        colour = styles[r.primitive].colour
        points = [(getattr(r, attr), marker) for attr, _, marker in PERCENTILES
                  if getattr(r, attr) is not None]
        xs = [x for x, _ in points]
        values.extend(xs)
        ax.plot([min(xs), max(xs)], [position, position], color=colour, linewidth=2, alpha=0.6)
        for x, marker in points:
            ax.scatter([x], [position], marker=marker, color=colour, s=30, zorder=3,
                       edgecolors="black" if marker != "x" else None, linewidths=0.4)
    log_axis(ax, "x", values, force=True, times=True)
    finish(ax, panel_title(title, emulated), "latency of one operation (log scale)",
           grid_axis="x")
    legend_below(ax, [Line2D([], [], color="#444444", marker=marker, linestyle="none",
                              label=text) for _, text, marker in PERCENTILES], ncol=4)
    if emulated:
        mark_emulated(ax)


def plot_cpu(costs: Sequence[CpuCost], *, ax: Axes, styles: Mapping[str, Style], title: str,
             emulated: bool) -> None:
    """CPU time per op (filled) inside the thread time per op (outline): full = spinning."""
    from matplotlib.patches import Patch

    names = [c.primitive for c in costs]
    positions = primitive_bars_axis(ax, names)
    ax.barh(positions, [c.capacity_ns for c in costs], height=0.72, color="white",
            edgecolor="#666666", linewidth=0.8)
    ax.barh(positions, [c.cpu_ns for c in costs], height=0.42,
            color=[styles[n].colour for n in names])
    for position, cost in zip(positions, costs):
        ax.annotate(f"{cost.busy:.0%} busy", (max(cost.capacity_ns, cost.cpu_ns), position),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=SMALL_SIZE)
    values = [c.capacity_ns for c in costs] + [c.cpu_ns for c in costs]
    if log_axis(ax, "x", values, times=True):
        ax.set_xlim(min(v for v in values if v > 0) / 2, max(values) * 3.5)
        unit = "time per operation (log scale)"
    else:
        ax.set_xlim(0, max(values, default=1.0) * 1.45)
        unit = "time per operation"
    finish(ax, panel_title(title, emulated), unit, grid_axis="x")
    oversubscribed = any(c.pus < c.threads for c in costs)
    capacity = "wall time × PUs used" if oversubscribed else "wall time × threads"
    legend_below(ax, [Patch(facecolor="#999999", label="CPU time of all threads"),
                      Patch(facecolor="white", edgecolor="#666666", label=capacity)], ncol=2)
    if emulated:
        mark_emulated(ax)


def plot_collapse(data: Collapse, *, ax: Axes, styles: Mapping[str, Style], title: str,
                  emulated: bool) -> None:
    """Per primitive, throughput oversubscribed over throughput at high (log x, 1 = no loss)."""
    names = [name for name, _ in data.bars]
    values = [value for _, value in data.bars]
    positions = primitive_bars_axis(ax, names)
    ax.barh(positions, values, height=0.6, color=[styles[n].colour for n in names])
    ax.axvline(1.0, color="black", linewidth=1, linestyle="--")
    for position, value in zip(positions, values):
        ax.annotate(ratio_text(value), (value, position), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=SMALL_SIZE)
    log_axis(ax, "x", values + [1.0], force=True, engineering=False)
    ax.set_xlim(min(values + [1.0]) / 2.5, max(values + [1.0]) * 3)
    finish(ax, panel_title(title, emulated),
           f"ops/s at t:{data.threads} ÷ ops/s at high, t:{data.reference_threads} (log)",
           grid_axis="x")
    if emulated:
        mark_emulated(ax)
