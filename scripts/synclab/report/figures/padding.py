"""False sharing: slowdown against the distance between two written variables."""
from __future__ import annotations

from typing import TYPE_CHECKING

from synclab.report.figures.style import (LINESTYLES, SMALL_SIZE, error_bars, finish,
                                          log_axis, mark_emulated, panel_title)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from synclab.report.families.padding import DistanceCurve, DistanceData

CURVE_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b")
MARK_COLOUR = "#c00000"


def interference_text(curve: DistanceCurve) -> str:
    """What the curve says about where false sharing ends, in words for the legend."""
    if curve.interference is None:
        return f"slowed down even at {curve.points[-1].bytes} B: pad further than the sweep"
    if curve.interference <= curve.points[0].bytes:
        return "no distance slowed down: no false sharing seen"
    found = "summary case" if curve.interference_from.startswith("the summary") else "this sweep"
    return f"interference distance {curve.interference} B ({found})"


def _by_value(references: tuple[tuple[str, int], ...]) -> list[tuple[int, list[str]]]:
    """References that coincide share one line and one label."""
    grouped: dict[int, list[str]] = {}
    for what, value in references:
        grouped.setdefault(value, []).append(what)
    return sorted(grouped.items())


def plot_distance_curve(data: DistanceData, *, ax: Axes, title: str, emulated: bool) -> None:
    """One line per placement; the measured interference distance as a red vertical line."""
    from matplotlib import ticker

    several = len(data.curves) > 1
    slowdowns = []
    for index, curve in enumerate(data.curves):
        xs = [p.bytes for p in curve.points]
        ys = [p.slowdown for p in curve.points]
        slowdowns += ys + [p.hi for p in curve.points]
        where = f"{curve.placement}: " if several else ""
        ax.errorbar(xs, ys, yerr=error_bars([(p.slowdown, p.lo, p.hi) for p in curve.points]),
                    color=CURVE_COLOURS[index % len(CURVE_COLOURS)], marker="o", markersize=3.5,
                    linewidth=1.3, capsize=2, linestyle=LINESTYLES[index % len(LINESTYLES)],
                    label=f"{where}{'sweep' if curve.source == 'sweep' else 'summary points'}")
        if curve.interference is not None and curve.interference > curve.points[0].bytes:
            ax.axvline(curve.interference, color=MARK_COLOUR, linewidth=1.6,
                       linestyle=LINESTYLES[index % len(LINESTYLES)],
                       label=f"{where}{interference_text(curve)}")
        else:
            ax.plot([], [], " ", label=f"{where}{interference_text(curve)}")
    for value, whats in _by_value(data.references):
        ax.axvline(value, color="#888888", linewidth=0.9, linestyle=":")
        ax.annotate(f"{' = '.join(whats)}: {value} B", (value, 0.02),
                    xycoords=("data", "axes fraction"), xytext=(3, 0), textcoords="offset points",
                    rotation=90, va="bottom", fontsize=SMALL_SIZE - 0.5, color="#555555",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    ax.axhline(1.0, color="black", linewidth=0.9, linestyle="--")
    threshold = data.curves[0].threshold
    ax.axhline(threshold, color="#555555", linewidth=0.8, linestyle=":",
               label=f"slowed down above {threshold:g}×")
    largest = max(p.bytes for curve in data.curves for p in curve.points)
    ax.set_xlim(-8, largest + 8)
    ax.xaxis.set_major_locator(ticker.MultipleLocator(64 if largest <= 512 else 128))
    if not log_axis(ax, "y", slowdowns, engineering=False):
        ax.set_ylim(0, max(slowdowns + [threshold]) * 1.15)
    finish(ax, panel_title(title, emulated), "distance between the two written variables (bytes)",
           "slowdown (× far apart)")
    ax.legend(loc="upper right", fontsize=SMALL_SIZE, frameon=True, framealpha=0.85)
    if emulated:
        mark_emulated(ax)
