"""The trend page: one figure per case x metric x machine, with the change points E-divisive
finds marked on it, and a table of every change point at the top."""
from __future__ import annotations

import html
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from synclab.metrics import describe
from synclab.history import edivisive
from synclab.history.store import Point

DPI = 100


@dataclass(frozen=True)
class Change:
    """A change point of one series, with the medians of the segments on either side."""
    index: int
    revision: str
    date: str
    before: float
    after: float
    p_value: float

    @property
    def ratio(self) -> float | None:
        return self.after / self.before if self.before else None


@dataclass(frozen=True)
class Series:
    case: str
    metric: str
    machine: str
    points: tuple[Point, ...]
    changes: tuple[Change, ...]

    @property
    def image(self) -> str:
        return f"{slug(self.case)}__{slug(self.metric)}__{self.machine}.png"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def detect(points: Sequence[Point], *, significance: float, permutations: int, min_size: int,
           seed: int) -> tuple[Change, ...]:
    """E-divisive change points of a series of run medians."""
    values = [p.median for p in points]
    if len(values) < 2 * min_size:
        return ()
    found = edivisive.e_divisive(values, significance=significance, permutations=permutations,
                                 min_size=min_size, seed=seed)
    spans = edivisive.segments(len(values), found)
    out = []
    for cp, (before, after) in zip(found, zip(spans[:-1], spans[1:])):
        point = points[cp.index]
        out.append(Change(cp.index, point.revision, point.date,
                          statistics.median(values[before[0]:before[1]]),
                          statistics.median(values[after[0]:after[1]]), cp.p_value))
    return tuple(out)


def build_series(raw: Mapping[tuple[str, str, str], list[Point]], *, case_filter: str | None,
                 machine: str | None, significance: float, permutations: int, min_size: int,
                 seed: int) -> list[Series]:
    regex = re.compile(case_filter) if case_filter else None
    out = []
    for (case, metric, fp), points in sorted(raw.items()):
        if regex and not regex.search(case):
            continue
        if machine and not fp.startswith(machine):
            continue
        changes = detect(points, significance=significance, permutations=permutations,
                         min_size=min_size, seed=seed)
        out.append(Series(case, metric, fp, tuple(points), changes))
    return out


def _lower_is_better(metric: str) -> bool | None:
    row = describe(metric)
    return None if row.better is None else row.lower_is_better


def plot_series(series: Series, *, ax: Any) -> None:
    """Draws the run medians with their IQR, the segment medians and the change points on ax."""
    x = list(range(len(series.points)))
    y = [p.median for p in series.points]
    low = [p.median - (p.q1 if p.q1 is not None else p.median) for p in series.points]
    high = [(p.q3 if p.q3 is not None else p.median) - p.median for p in series.points]
    ax.errorbar(x, y, yerr=[low, high], fmt="o", ms=3, lw=0.8, color="#1f77b4", ecolor="#9ecae1",
                capsize=2, label="median, IQR of the repetitions")
    bounds = [0] + [c.index for c in series.changes] + [len(y)]
    for start, end in zip(bounds[:-1], bounds[1:]):
        level = statistics.median(y[start:end])
        ax.hlines(level, start - 0.4, end - 0.6, colors="#555555", linestyles="-", lw=1.2)
    lower = _lower_is_better(series.metric)
    for change in series.changes:
        worse = None if lower is None else (change.after > change.before) == lower
        color = "#d62728" if worse else "#2ca02c" if worse is False else "#ff7f0e"
        ax.axvline(change.index - 0.5, color=color, ls="--", lw=1.2)
        ratio = change.ratio
        text = f"{change.revision[:7] or '?'}" + (f" {(ratio - 1) * 100:+.1f}%" if ratio else "")
        ax.annotate(text, (change.index - 0.5, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=7, color=color)
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([(p.revision or "?")[:7] for p in series.points][::step], rotation=45,
                       fontsize=7, ha="right")
    ax.set_title(f"{series.case}\n{series.metric} · machine {series.machine}", fontsize=8)
    ax.set_ylabel(describe(series.metric).label, fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="y", alpha=0.3)


def _change_rows(all_series: Sequence[Series]) -> list[str]:
    rows = []
    for s in all_series:
        fmt = describe(s.metric).format
        lower = _lower_is_better(s.metric)
        for c in s.changes:
            ratio = c.ratio
            direction = "" if lower is None or ratio is None else (
                "worse" if (ratio > 1) == lower else "better")
            rows.append(
                f"<tr><td><code>{html.escape(s.case)}</code></td><td>{html.escape(s.metric)}</td>"
                f"<td>{s.machine}</td><td><code>{html.escape(c.revision[:12] or '?')}</code> "
                f"({html.escape(c.date[:10])})</td><td>{fmt(c.before)}</td><td>{fmt(c.after)}</td>"
                f"<td>{'' if ratio is None else f'{(ratio - 1) * 100:+.1f} %'} {direction}</td>"
                f"<td>{c.p_value:.3f}</td><td><a href='#{slug(s.image)}'>figure</a></td></tr>")
    return rows


def page(all_series: Sequence[Series], *, title: str, settings: str) -> str:
    rows = _change_rows(all_series)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>",
        "body{font-family:sans-serif;margin:1.5em;max-width:75em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.25em .5em;font-size:90%}figure{display:inline-block;"
        "margin:.5em}figcaption{font-size:80%;color:#555}code{font-size:90%}",
        "</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(all_series)} series; change points by E-divisive means ({html.escape(settings)})."
        " Each point is one run's median over its repetitions, the bar its IQR; horizontal lines "
        "are segment medians; dashed lines mark change points (red worse, green better). "
        "Method: docs/regressions.md.</p>",
        "<h2>Change points</h2>",
    ]
    if rows:
        parts += ["<table><tr><th>case</th><th>metric</th><th>machine</th><th>from revision</th>"
                  "<th>before</th><th>after</th><th>change</th><th>p</th><th></th></tr>",
                  *rows, "</table>"]
    else:
        parts.append("<p>None found.</p>")
    parts.append("<h2>Series</h2>")
    for s in all_series:
        caption = f"{len(s.points)} runs, {len(s.changes)} change point(s)"
        parts.append(f"<figure id='{slug(s.image)}'><img src='{html.escape(s.image)}' "
                     f"alt='{html.escape(s.case)} {html.escape(s.metric)}'>"
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write(all_series: Sequence[Series], out_dir: Path, *, title: str, settings: str) -> Path:
    """Writes one PNG per series and index.html into out_dir; returns index.html."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from synclab.results import write_text_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    for s in all_series:
        fig = Figure(figsize=(6.4, 3.2))
        plot_series(s, ax=fig.add_subplot(1, 1, 1))
        fig.savefig(out_dir / s.image, dpi=DPI, bbox_inches="tight")
    index = out_dir / "index.html"
    write_text_atomic(index, page(all_series, title=title, settings=settings))
    return index
