"""Memory orderings side by side: the cost of each operation under each ordering."""
from __future__ import annotations

from typing import TYPE_CHECKING

from synclab.report.figures.style import (SMALL_SIZE, error_bars, finish, log_axis,
                                          mark_emulated, panel_title)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from synclab.report.families.ordering import OrderingCosts

# One colour per ordering, from weakest to strongest: light to dark.
ORDER_COLOURS = {"relaxed": "#9ecae1", "acquire": "#6baed6", "release": "#4292c6",
                 "acq_rel": "#2171b5", "seq_cst": "#08306b"}
OTHER_COLOUR = "#999999"


def plot_ordering_costs(data: OrderingCosts, *, ax: Axes, title: str, emulated: bool) -> None:
    """Grouped bars: operations along x, one bar per ordering; 'not measured' marked in place."""
    width = 0.8 / max(1, len(data.orders))
    values = [s.median for s in data.costs.values()]
    for slot, order in enumerate(data.orders):
        xs, ys, spreads = [], [], []
        for group, op in enumerate(data.ops):
            cost = data.costs.get((op, order))
            if cost is not None:
                xs.append(group + (slot - (len(data.orders) - 1) / 2) * width)
                ys.append(cost.median)
                spreads.append((cost.median, cost.lo, cost.hi))
        ax.bar(xs, ys, width=width * 0.92, yerr=error_bars(spreads), capsize=1.5,
               color=ORDER_COLOURS.get(order, OTHER_COLOUR), label=order,
               error_kw={"elinewidth": 0.7})
    is_log = log_axis(ax, "y", values, times=True)
    bottom = min(values) / 2 if is_log else 0.0
    if is_log:
        ax.set_ylim(bottom, max(values) * 2)
    else:
        ax.set_ylim(0, max(values) * 1.2)
    for op, order in data.missing:
        slot = data.orders.index(order)
        x = data.ops.index(op) + (slot - (len(data.orders) - 1) / 2) * width
        ax.annotate("not measured", (x, bottom if is_log else 0), xytext=(0, 3),
                    textcoords="offset points", rotation=90, ha="center", va="bottom",
                    fontsize=SMALL_SIZE - 1, color="#8a5a00")
    ax.set_xticks(range(len(data.ops)))
    ax.set_xticklabels([op.replace("_", "_\u200b") for op in data.ops], fontsize=SMALL_SIZE,
                       rotation=20, ha="right")
    finish(ax, panel_title(title, emulated), "", "ns per operation (one thread)"
           + (", log scale" if is_log else ""), grid_axis="y")
    ax.legend(title="ordering", fontsize=SMALL_SIZE, title_fontsize=SMALL_SIZE, ncol=1,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)
    if emulated:
        mark_emulated(ax)
