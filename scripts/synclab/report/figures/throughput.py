"""How fast: throughput against threads, and throughput relative to the family's baseline."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from synclab.report.figures.style import (LABEL_SIZE, LINESTYLES, SMALL_SIZE, Style, error_bars,
                                          finish, log_axis, mark_emulated, panel_title,
                                          primitive_bars_axis, ratio_text)
from synclab.report.tables import RelativeBars, Series

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_throughput(series: Sequence[Series], *, ax: Axes, styles: Mapping[str, Style],
                    title: str, emulated: bool, legend: bool = True) -> None:
    """Throughput (ops/s, median with its spread) against threads, one line per primitive."""
    from matplotlib import ticker

    placements = sorted({s.placement for s in series})
    medians = [summary.median for s in series for _, summary in s.points]
    for s in series:
        style = styles[s.primitive]
        xs = [threads for threads, _ in s.points]
        ys = [summary.median for _, summary in s.points]
        errors = error_bars([(summ.median, summ.lo, summ.hi) for _, summ in s.points])
        label = s.primitive if len(placements) == 1 else f"{s.primitive} ({s.placement})"
        ax.errorbar(xs, ys, yerr=errors, label=label, color=style.colour, marker=style.marker,
                    linestyle=LINESTYLES[placements.index(s.placement) % len(LINESTYLES)],
                    capsize=3, markersize=5, linewidth=1.5)
    threads = sorted({t for s in series for t, _ in s.points})
    if threads and threads[-1] >= 8 * threads[0]:
        ax.set_xscale("log", base=2)
    if threads:
        ax.set_xticks(threads)
        ax.xaxis.set_major_formatter(ticker.ScalarFormatter())
        ax.xaxis.set_minor_locator(ticker.NullLocator())
    is_log = log_axis(ax, "y", medians)
    if not is_log:
        ax.set_ylim(bottom=0, top=max(medians, default=1.0) * 1.15 or 1.0)
    finish(ax, panel_title(title, emulated), "threads",
           "throughput (ops/s, log scale)" if is_log else "throughput (ops/s)")
    if series and legend:
        ax.legend(title="primitive", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, fontsize=SMALL_SIZE, title_fontsize=SMALL_SIZE)
    if emulated:
        mark_emulated(ax)


def plot_relative(bars: RelativeBars, *, ax: Axes, styles: Mapping[str, Style],
                  title: str, emulated: bool) -> None:
    """Horizontal bars: each primitive's throughput over the baseline's (1.0 = baseline)."""
    names = [name for name, _, _, _ in bars.bars]
    values = [value for _, value, _, _ in bars.bars]
    errors = error_bars([(value, lo, hi) for _, value, lo, hi in bars.bars])
    positions = primitive_bars_axis(ax, names)
    ax.barh(positions, values, xerr=errors, color=[styles[n].colour for n in names],
            capsize=2, height=0.6, error_kw={"elinewidth": 0.8})
    ax.axvline(1.0, color="black", linewidth=1, linestyle="--")
    for position, (_, value, _, high) in zip(positions, bars.bars):
        ax.annotate(ratio_text(value), (max(value, high), position), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=SMALL_SIZE)
    tops = [max(value, high) for _, value, _, high in bars.bars]
    if log_axis(ax, "x", values, engineering=False):
        low = min(v for v in values if v > 0)
        ax.set_xlim(low / 1.6, max(tops) * 2.4)
    else:
        ax.set_xlim(0, max(tops, default=1.0) * 1.3)
    finish(ax, panel_title(title, emulated),
           f"throughput ÷ {bars.baseline} (×, same threads)", grid_axis="x")
    ax.xaxis.label.set_size(LABEL_SIZE)
    if emulated:
        mark_emulated(ax)


def plot_absolute(bars: Sequence[tuple[str, float, float, float]], *, ax: Axes,
                  styles: Mapping[str, Style], title: str, emulated: bool) -> None:
    """Horizontal bars: each primitive's throughput (ops/s, median with its spread)."""
    from synclab.metrics import describe

    names = [name for name, _, _, _ in bars]
    values = [value for _, value, _, _ in bars]
    errors = error_bars([(value, lo, hi) for _, value, lo, hi in bars])
    positions = primitive_bars_axis(ax, names)
    ax.barh(positions, values, xerr=errors, color=[styles[n].colour for n in names],
            capsize=2, height=0.6, error_kw={"elinewidth": 0.8})
    for position, (_, value, _, high) in zip(positions, bars):
        ax.annotate(describe("ops_per_sec").format(value), (max(value, high), position), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=SMALL_SIZE)
    tops = [max(value, high) for _, value, _, high in bars]
    if log_axis(ax, "x", values):
        low = min(v for v in values if v > 0)
        ax.set_xlim(low / 1.6, max(tops) * 3.0)
    else:
        ax.set_xlim(0, max(tops, default=1.0) * 1.3)
    finish(ax, panel_title(title, emulated), "throughput (ops/s)", grid_axis="x")
    if emulated:
        mark_emulated(ax)
