"""The frontier locks among all locks: throughput against handoff ratio, one plot per level."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synclab.report.families.frontier import FRONTIER_LOCKS
from synclab.report.figures.style import (SMALL_SIZE, TITLE_SIZE, finish, log_axis,
                                          mark_emulated, panel_title)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from synclab.report.families.frontier import FrontierFigure, LevelPoints

REST_COLOUR = "#b5b5b5"
OTHER_COLOUR = "#222222"
GOAL_COLOUR = "#2ca02c"
# A distinct colour per frontier lock, the same in both plots (tab10 hues other than the goal's
# green and the greys of the rest).
FRONTIER_COLOURS = dict(zip(FRONTIER_LOCKS, ("#1f77b4", "#ff7f0e", "#d62728", "#9467bd",
                                             "#8c564b", "#e377c2", "#17becf", "#bcbd22")))
X_LIMITS = (-0.04, 1.04)  # a handoff ratio is a share


def _colour(role: str, primitive: str) -> str:
    if role == "frontier":
        return FRONTIER_COLOURS.get(primitive, OTHER_COLOUR)
    return OTHER_COLOUR if role == "other" else REST_COLOUR


def _plot_level(level: LevelPoints, ax: Axes) -> None:
    order = {"": 0, "other": 1, "frontier": 2}  # the highlighted points are drawn last, on top
    for point in sorted(level.points, key=lambda p: order[p.role]):
        colour = _colour(point.role, point.primitive)
        size = 6.5 if point.role else 4.5
        ax.errorbar([point.handoff], [point.ops.median],
                    yerr=[[max(0.0, point.ops.median - point.ops.lo)],
                          [max(0.0, point.ops.hi - point.ops.median)]],
                    fmt="o" if point.role != "other" else "s", color=colour, markersize=size,
                    elinewidth=0.8, capsize=2, zorder=3 + order[point.role])
        if point.role:
            ax.annotate(point.primitive, (point.handoff, point.ops.median), xytext=(5, 3),
                        textcoords="offset points", fontsize=SMALL_SIZE, color=colour,
                        zorder=6)
    values = [v for p in level.points for v in (p.ops.lo, p.ops.median, p.ops.hi)]
    if level.goal_ops:
        values.append(level.goal_ops)
    log_axis(ax, "y", values, force=True)
    positive = [v for v in values if v > 0]
    bottom, top = min(positive) / 2, max(positive) * 2.5
    ax.set_ylim(bottom, top)
    ax.set_xlim(*X_LIMITS)
    if level.goal_ops:
        left = level.goal_handoff if level.goal_handoff is not None else X_LIMITS[0]
        ax.fill_between([left, X_LIMITS[1]], level.goal_ops, top, color=GOAL_COLOUR,
                        alpha=0.12, linewidth=0, zorder=1)
    finish(ax, f"{level.level} at t:{level.threads}", "handoff ratio (share of acquisitions "
           "that changed owner)", "ops/s")


def _legend(ax: Axes, data: FrontierFigure) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    roles = {(p.role, p.primitive) for level in data.levels for p in level.points}
    handles: list[Any] = [Line2D([], [], color=FRONTIER_COLOURS.get(name, OTHER_COLOUR),
                                 marker="o", linestyle="", label=name)
                          for name in FRONTIER_LOCKS if ("frontier", name) in roles]
    others = sorted(name for role, name in roles if role == "other")
    if others:
        handles.append(Line2D([], [], color=OTHER_COLOUR, marker="s", linestyle="",
                              label="compared with: " + ", ".join(others)))
    if any(role == "" for role, _ in roles):
        handles.append(Line2D([], [], color=REST_COLOUR, marker="o", linestyle="",
                              label="every other lock"))
    if any(level.goal_ops for level in data.levels):
        handles.append(Patch(color=GOAL_COLOUR, alpha=0.25, label="every goal of the level met"))
    ax.axis("off")
    ax.legend(handles=handles, loc="upper center", ncol=3, frameon=False, fontsize=SMALL_SIZE,
              borderaxespad=0.0)


def plot_frontier(data: FrontierFigure, *, ax: Axes, title: str, emulated: bool) -> None:
    """Replaces `ax` with one plot per level and a legend under them."""
    fig, spec = ax.figure, ax.get_subplotspec()
    ax.remove()
    assert spec is not None
    grid = spec.subgridspec(2, len(data.levels), height_ratios=[4.2, 0.9])
    for index, level in enumerate(data.levels):
        level_ax = fig.add_subplot(grid[0, index])
        _plot_level(level, level_ax)
        if emulated:
            mark_emulated(level_ax)
    _legend(fig.add_subplot(grid[1, :]), data)
    fig.suptitle(panel_title(title, emulated), fontsize=TITLE_SIZE, x=0.0,
                 horizontalalignment="left")
