"""Channels: the ping-pong round trip of each channel against the machine's cache line."""
from __future__ import annotations

from typing import TYPE_CHECKING

from synclab.report.figures.style import (LABEL_SIZE, SMALL_SIZE, error_bars, finish, legend_below,
                                          log_axis, mark_emulated, panel_title, primitive_bars_axis,
                                          time_tick)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from synclab.report.families.channels import PingPong

BAR_COLOUR = "#4c78a8"
LINE_COLOUR = "#c00000"


def plot_pingpong(data: PingPong, *, ax: Axes, title: str, emulated: bool) -> None:
    """Horizontal bars of ns per round trip; the cache-line round trip as a red line, and each
    bar's multiple of it."""
    names = [trip.label for trip in data.trips]
    values = [trip.time.median for trip in data.trips]
    positions = primitive_bars_axis(ax, names)
    ax.barh(positions, values, color=BAR_COLOUR, height=0.6, capsize=2,
            xerr=error_bars([(t.time.median, t.time.lo, t.time.hi) for t in data.trips]),
            error_kw={"elinewidth": 0.8})
    for position, trip in zip(positions, data.trips):
        text = time_tick(trip.time.median)
        if data.line_ns:
            text += f" ({trip.time.median / data.line_ns:.3g}× the line)"
        ax.annotate(text, (max(trip.time.median, trip.time.hi), position), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=SMALL_SIZE)
    shown = values + ([data.line_ns] if data.line_ns else [])
    is_log = log_axis(ax, "x", shown, times=True)
    top = max(max(t.time.hi, t.time.median) for t in data.trips)
    if is_log:
        ax.set_xlim(min(v for v in shown if v > 0) / 2, top * 12)
    else:
        ax.set_xlim(0, top * 1.6)
    if data.line_ns:
        ax.axvline(data.line_ns, color=LINE_COLOUR, linewidth=1.5,
                   label=f"{data.line_what}: {time_tick(data.line_ns)}")
    else:
        ax.plot([], [], " ", label=f"no reference: {data.line_what}")
    if data.below_line:
        ax.plot([], [], " ", label=f"{len(data.below_line)} channel(s) below the line: the "
                                   "reference was measured on a busy machine")
    finish(ax, panel_title(title, emulated), "time of one round trip", grid_axis="x")
    ax.xaxis.label.set_size(LABEL_SIZE)
    handles, _ = ax.get_legend_handles_labels()
    legend_below(ax, handles, ncol=1)
    if emulated:
        mark_emulated(ax)
