"""Figures drawn on a given Axes. Nothing here reads files, saves, or shows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from synclab.report.tables import RelativeBars, Series

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# matplotlib's tab10 and tab20, written out so colours do not depend on the installed style.
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
# tab20 with its ten dark shades first: up to ten primitives all get distinct hues.
_TAB20 = _TAB10 + ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
                   "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5")
_MARKERS = ("o", "s", "D", "^", "v", "<", ">", "p", "h", "*")
_LINESTYLES = ("-", "--", ":", "-.")
EMULATED_TAG = "EMULATED"


@dataclass(frozen=True)
class Style:
    colour: str
    marker: str


def primitive_styles(primitives: Iterable[str]) -> dict[str, Style]:
    """A colour and marker per primitive, assigned by sorted name: the same in every figure."""
    names = sorted(set(primitives))
    palette = _TAB10 if len(names) <= len(_TAB10) else _TAB20
    return {name: Style(palette[i % len(palette)], _MARKERS[i % len(_MARKERS)])
            for i, name in enumerate(names)}


def spans_decades(values: Sequence[float], decades: float = 1.0) -> bool:
    """True when the positive values span more than `decades` powers of ten."""
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) > min(positive) * 10 ** decades


def panel_title(title: str, emulated: bool) -> str:
    return f"[{EMULATED_TAG}] {title}" if emulated else title


def mark_emulated(ax: Axes) -> None:
    """A watermark across the panel: these timings are not hardware numbers."""
    ax.text(0.5, 0.5, "EMULATED\nnot hardware timings", transform=ax.transAxes, ha="center",
            va="center", fontsize=22, color="#c00000", alpha=0.18, rotation=20, zorder=0)


def _error_bars(points: Sequence[tuple[float, float, float]]) -> list[list[float]] | None:
    """[[below...], [above...]] for (value, lo, hi) points; None when no point has a spread."""
    below = [max(0.0, value - lo) for value, lo, _ in points]
    above = [max(0.0, hi - value) for value, _, hi in points]
    return [below, above] if any(below) or any(above) else None


def plot_throughput(series: Sequence[Series], *, ax: Axes, styles: Mapping[str, Style],
                    title: str, emulated: bool) -> None:
    """Throughput (ops/s, median with its spread) against threads, one line per primitive."""
    from matplotlib import ticker

    placements = sorted({s.placement for s in series})
    medians = [summary.median for s in series for _, summary in s.points]
    for s in series:
        style = styles[s.primitive]
        xs = [threads for threads, _ in s.points]
        ys = [summary.median for _, summary in s.points]
        errors = _error_bars([(summ.median, summ.lo, summ.hi) for _, summ in s.points])
        label = s.primitive if len(placements) == 1 else f"{s.primitive} ({s.placement})"
        ax.errorbar(xs, ys, yerr=errors, label=label, color=style.colour, marker=style.marker,
                    linestyle=_LINESTYLES[placements.index(s.placement) % len(_LINESTYLES)],
                    capsize=3, markersize=5, linewidth=1.5)
    threads = sorted({t for s in series for t, _ in s.points})
    if threads and threads[-1] >= 8 * threads[0]:
        ax.set_xscale("log", base=2)
    if threads:
        ax.set_xticks(threads)
        ax.xaxis.set_major_formatter(ticker.ScalarFormatter())
        ax.xaxis.set_minor_locator(ticker.NullLocator())
    if spans_decades(medians):
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_ylabel("throughput (ops/s, log scale)")
    else:
        ax.set_ylim(bottom=0, top=max(medians, default=1.0) * 1.15 or 1.0)
        ax.set_ylabel("throughput (ops/s)")
    ax.yaxis.set_major_formatter(ticker.EngFormatter(sep=" "))
    ax.set_xlabel("threads")
    ax.set_title(panel_title(title, emulated), fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    if series:
        ax.legend(title="primitive", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, fontsize=8, title_fontsize=8)
    if emulated:
        mark_emulated(ax)


def plot_relative(bars: RelativeBars, *, ax: Axes, styles: Mapping[str, Style],
                  title: str, emulated: bool) -> None:
    """Horizontal bars: each primitive's throughput over the baseline's (1.0 = baseline)."""
    names = [name for name, _, _, _ in bars.bars]
    values = [value for _, value, _, _ in bars.bars]
    errors = _error_bars([(value, lo, hi) for _, value, lo, hi in bars.bars])
    positions = list(range(len(names)))
    ax.barh(positions, values, xerr=errors, color=[styles[n].colour for n in names],
            capsize=3, height=0.6, label=None)
    ax.set_yticks(positions)
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.axvline(1.0, color="black", linewidth=1, linestyle="--")
    for position, value in zip(positions, values):
        ax.annotate(f"{value:.2f}×", (value, position), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    if spans_decades(values):
        from matplotlib import ticker

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    else:
        ax.set_xlim(0, max(values, default=1.0) * 1.2)
    ax.set_xlabel(f"throughput relative to {bars.baseline} (×; t:{bars.threads}, "
                  f"place:{bars.placement})")
    ax.set_title(panel_title(title, emulated), fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    if emulated:
        mark_emulated(ax)
