"""The machine's limits: core-to-core latency heat map and uncontended operation costs."""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from synclab.metrics import format_value
from synclab.report.figures.style import (SMALL_SIZE, finish, legend_below, log_axis,
                                          mark_emulated, panel_title, spans_decades)
from synclab.report.machine import COST_GROUPS, C2CMatrix, OperationCost

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Cells are annotated with their value up to this many PUs; beyond, the colours must do.
ANNOTATE_MAX_PUS = 16
MAX_TICK_LABELS = 32
_GROUP_COLOURS = {"atomics": "#4c72b0", "syscall": "#dd8452"}


def plot_c2c(matrix: C2CMatrix, *, ax: Axes, title: str, emulated: bool) -> None:
    """One-way latency for every PU pair; the diagonal and unmeasured pairs are left blank."""
    import numpy as np
    from matplotlib import colors

    values = np.array([[np.nan if v is None else v for v in row] for row in matrix.oneway_ns],
                      dtype=float)
    for i in range(len(matrix.pus)):
        values[i, i] = np.nan
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    if high <= low:  # one value (a single pair): any colour will do, keep the scale readable
        low, high = low * 0.9, high * 1.1
    norm = colors.LogNorm(low, high) if spans_decades(list(finite)) else \
        colors.Normalize(low, high)
    from matplotlib import colormaps

    cmap = colormaps["viridis_r"].copy()  # short latencies light, long ones dark
    cmap.set_bad("white")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, interpolation="nearest")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    bar.set_label("one-way latency (ns)", fontsize=SMALL_SIZE + 1)
    bar.ax.tick_params(labelsize=SMALL_SIZE)
    n = len(matrix.pus)
    step = max(1, -(-n // MAX_TICK_LABELS))  # every PU up to MAX_TICK_LABELS, then every step-th
    ticks = list(range(0, n, step))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_ticks(ticks)
        axis.set_ticklabels([str(matrix.pus[i]) for i in ticks], fontsize=SMALL_SIZE)
    if n <= ANNOTATE_MAX_PUS:
        middle = (low + high) / 2
        for i in range(n):
            for j in range(n):
                if np.isfinite(values[i, j]):
                    ax.text(j, i, f"{values[i, j]:.0f}", ha="center", va="center",
                            fontsize=SMALL_SIZE if n <= 8 else SMALL_SIZE - 1.5,
                            color="white" if values[i, j] > middle else "black")
    finish(ax, panel_title(title, emulated), "PU (OS number) of the second thread",
           "PU (OS number) of the first thread", grid_axis="x")
    ax.grid(False)
    if emulated:
        mark_emulated(ax)


def plot_operation_costs(costs: Sequence[OperationCost], *, ax: Axes, title: str,
                         emulated: bool) -> None:
    """Horizontal bars of ns per operation, atomics and syscalls in their own colours."""
    from matplotlib.patches import Patch

    names = [f"{c.operation}" for c in costs]
    values = [c.cost.median for c in costs]
    positions = list(range(len(costs)))
    ax.barh(positions, values, height=0.6, color=[_GROUP_COLOURS.get(c.group, "#777777")
                                                   for c in costs])
    ax.set_yticks(positions)
    ax.set_yticklabels(names, fontsize=SMALL_SIZE + 0.5)
    ax.set_ylim(len(costs) - 0.5, -0.5)
    for position, value in zip(positions, values):
        ax.annotate(format_value("ns_per_op", value), (value, position), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=SMALL_SIZE)
    if log_axis(ax, "x", values, times=True):
        ax.set_xlim(min(v for v in values if v > 0) / 2, max(values) * 4)
        label = "time per operation, one thread (log scale)"
    else:
        ax.set_xlim(0, max(values, default=1.0) * 1.3)
        label = "time per operation, one thread"
    finish(ax, panel_title(title, emulated), label, grid_axis="x")
    groups = [g for g in COST_GROUPS if any(c.group == g for c in costs)]
    legend_below(ax, [Patch(color=_GROUP_COLOURS[g], label=g) for g in groups], ncol=len(groups))
    if emulated:
        mark_emulated(ax)
