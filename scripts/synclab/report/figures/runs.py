"""Several runs side by side: each primitive's throughput over its own run's baseline."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from synclab.report.figures.style import (RUN_HATCHES, SMALL_SIZE, Style, finish, log_axis,
                                          mark_emulated, panel_title)
from synclab.report.side_by_side import SideBySide

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_side_by_side(data: SideBySide, *, ax: Axes, styles: Mapping[str, Style],
                      title: str, legend_ax: Axes | None = None) -> None:
    """One bar group per primitive, one bar per run: colour = primitive, hatch = run.

    The legend of the runs goes on `legend_ax` (turned off as an axes) when given, else
    beside `ax`.
    """
    from matplotlib.patches import Patch

    n_runs = len(data.runs)
    width = 0.8 / n_runs
    values = []
    for r, run in enumerate(data.runs):
        hatch = RUN_HATCHES[r % len(RUN_HATCHES)]
        for p, primitive in enumerate(data.primitives):
            x = p - 0.4 + width * (r + 0.5)
            value = run.ratios.get(primitive)
            if value is None:
                ax.text(x, 0.02, "not run", rotation=90, ha="center", va="bottom",
                        fontsize=SMALL_SIZE, color="#555555",
                        transform=ax.get_xaxis_transform())
                continue
            values.append(value)
            ax.bar(x, value, width=width * 0.92, color=styles[primitive].colour, hatch=hatch,
                   edgecolor="#222222", linewidth=0.5)
    ax.axhline(1.0, color="black", linewidth=1, linestyle="--")
    ax.set_xticks(range(len(data.primitives)))
    ax.set_xticklabels(data.primitives, rotation=30, ha="right", fontsize=SMALL_SIZE + 0.5)
    ax.set_xlim(-0.6, len(data.primitives) - 0.4)
    if log_axis(ax, "y", values + [1.0], engineering=False):
        ax.set_ylim(min(values + [1.0]) / 1.6, max(values + [1.0]) * 1.6)
        ylabel = f"ops/s ÷ own run's {data.baseline} (×, log scale)"
    else:
        ax.set_ylim(0, max(values + [1.0]) * 1.15)
        ylabel = f"ops/s ÷ own run's {data.baseline} (×)"
    finish(ax, panel_title(title, data.emulated), "primitive", ylabel, grid_axis="y")
    handles = [Patch(facecolor="#dddddd", edgecolor="#222222", hatch=RUN_HATCHES[r % len(RUN_HATCHES)],
                     label=f"{run.label}  (t:{run.threads}, place:{run.placement})")
               for r, run in enumerate(data.runs)]
    options = {"handles": handles, "title": "run (bar pattern)", "fontsize": SMALL_SIZE + 0.5,
               "title_fontsize": SMALL_SIZE + 0.5, "handleheight": 1.6, "handlelength": 2.4}
    if legend_ax is not None:
        legend_ax.axis("off")
        legend_ax.legend(loc="upper left", frameon=False, borderaxespad=0.0, **options)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **options)
    if data.emulated:
        mark_emulated(ax)
