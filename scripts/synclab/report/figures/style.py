"""What every figure shares: one colour and marker per primitive, log-scale rules, labels."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from synclab.report.side_by_side import EMULATED_SUFFIX

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# matplotlib's tab10 and tab20, written out so colours do not depend on the installed style.
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
# tab20 with its ten dark shades first: up to ten primitives all get distinct hues.
_TAB20 = _TAB10 + ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
                   "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5")
_MARKERS = ("o", "s", "D", "^", "v", "<", ">", "p", "h", "*")
LINESTYLES = ("-", "--", ":", "-.")
# Hatches tell runs apart in side-by-side bars, whose colours stay the primitives'.
RUN_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")
# Font sizes: titles, labels, ticks and legends, annotations.
TITLE_SIZE = 9.5
LABEL_SIZE = 8.5
SMALL_SIZE = 7.5


@dataclass(frozen=True)
class Style:
    colour: str
    marker: str


def primitive_styles(primitives: Iterable[str]) -> dict[str, Style]:
    """A colour and marker per primitive, assigned by sorted name: the same in every figure."""
    names = sorted(set(primitives))
    palette = _TAB10 if len(names) <= len(_TAB10) else _TAB20
    # Past the palette's length the marker shifts, so (colour, marker) pairs stay distinct.
    return {name: Style(palette[i % len(palette)],
                        _MARKERS[(i + i // len(palette)) % len(_MARKERS)])
            for i, name in enumerate(names)}


def spans_decades(values: Sequence[float], decades: float = 1.0) -> bool:
    """True when the positive values span more than `decades` powers of ten."""
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) > min(positive) * 10 ** decades


def panel_title(title: str, emulated: bool) -> str:
    """A title, with the emulated suffix when the panel shows an emulated run."""
    return f"{title} {EMULATED_SUFFIX}" if emulated else title


def mark_emulated(ax: Axes) -> None:
    """A watermark across the panel: these timings are not hardware numbers."""
    ax.text(0.5, 0.5, "EMULATED\nnot hardware timings", transform=ax.transAxes, ha="center",
            va="center", fontsize=18, color="#c00000", alpha=0.16, rotation=20, zorder=0)


def error_bars(points: Sequence[tuple[float, float, float]]) -> list[list[float]] | None:
    """[[below...], [above...]] for (value, lo, hi) points; None when no point has a spread."""
    below = [max(0.0, value - lo) for value, lo, _ in points]
    above = [max(0.0, hi - value) for value, _, hi in points]
    return [below, above] if any(below) or any(above) else None


_TIME_UNITS = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns"))


def time_tick(value: float) -> str:
    """A tick for a time in ns: 20 -> '20 ns', 1500 -> '1.5 µs'."""
    for scale, unit in _TIME_UNITS:
        if abs(value) >= scale or scale == 1.0:
            return f"{value / scale:.3g} {unit}" if value else "0"
    return f"{value:g}"


def log_axis(ax: Axes, axis: str, values: Sequence[float], *, force: bool = False,
             engineering: bool = True, times: bool = False) -> bool:
    """Log scale on `axis` ("x" or "y") when the values span more than a decade (or `force`).

    Ticks read as numbers (1, 2, 5 per decade): SI prefixes with `engineering`, times with
    units for values in ns with `times`. Returns whether the axis is logarithmic.
    """
    from matplotlib import ticker

    positive = [v for v in values if v > 0]
    use_log = bool(positive) and (force or spans_decades(positive))
    target = ax.xaxis if axis == "x" else ax.yaxis
    if use_log:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        target.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        target.set_minor_formatter(ticker.NullFormatter())
    if times:
        if not use_log:  # time labels are wide: a few round ticks
            target.set_major_locator(ticker.MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
        target.set_major_formatter(ticker.FuncFormatter(lambda v, _: time_tick(v)))
    elif engineering:
        target.set_major_formatter(ticker.EngFormatter(sep=" "))
    elif use_log:
        target.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    return use_log


def ratio_text(value: float) -> str:
    return f"{value:.2f}×" if value >= 0.1 else f"{value:.3f}×"


def primitive_bars_axis(ax: Axes, names: Sequence[str]) -> list[int]:
    """Primitive names down the y axis, first on top; returns the bar positions."""
    positions = list(range(len(names)))
    ax.set_yticks(positions)
    ax.set_yticklabels(names, fontsize=SMALL_SIZE)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.tick_params(axis="x", labelsize=SMALL_SIZE)
    return positions


def _tidy_log_ticks(ax: Axes) -> None:
    """Fewer ticks per decade on log axes that span many decades, so the labels never overlap."""
    import math

    from matplotlib import ticker

    for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log" or min(limits) <= 0:
            continue
        decades = math.log10(max(limits) / min(limits))
        if decades <= 2.2:
            continue
        subs = (1.0, 3.0) if decades <= 3.2 else (1.0,)
        axis.set_major_locator(ticker.LogLocator(base=10, subs=subs, numticks=8))


def finish(ax: Axes, title: str, xlabel: str, ylabel: str = "", *, grid_axis: str = "both") -> None:
    """Title, axis labels, tick sizes, a light grid; thins the ticks of wide log axes."""
    _tidy_log_ticks(ax)
    ax.set_title(title, fontsize=TITLE_SIZE)
    ax.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=SMALL_SIZE)
    ax.grid(True, axis=grid_axis, which="major", alpha=0.3)
    ax.set_axisbelow(True)


def primitive_legend(ax: Axes, primitives: Sequence[str], styles: Mapping[str, Style], *,
                     title: str = "primitive") -> None:
    """A legend of primitive colours and markers filling `ax` (an axes kept for the legend)."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=styles[name].colour, marker=styles[name].marker,
                      linestyle="-", markersize=6, label=name) for name in primitives]
    ax.axis("off")
    if handles:
        ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=LABEL_SIZE,
                  title=title, title_fontsize=LABEL_SIZE, borderaxespad=0.0)


# How far below the axes a legend under the x-axis label starts, in inches (ticks + label).
LEGEND_BELOW_INCHES = 0.42


def legend_below(ax: Axes, handles: Sequence, ncol: int) -> None:
    """A legend under the x-axis label, clear of the data, at the same distance on any height."""
    from matplotlib.transforms import ScaledTranslation

    below = ax.transAxes + ScaledTranslation(0, -LEGEND_BELOW_INCHES, ax.figure.dpi_scale_trans)
    ax.legend(handles=list(handles), loc="upper center", bbox_to_anchor=(0.5, 0.0),
              bbox_transform=below, ncol=ncol, frameon=False, fontsize=SMALL_SIZE,
              handlelength=1.5, columnspacing=1.0, borderaxespad=0.0)
