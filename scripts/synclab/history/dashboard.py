"""The history dashboard: one self-contained interactive page of every series and its change
points (`scripts/history dashboard`).

The page is one HTML file that needs no network and no file beside it: the charting library
(dygraphs, Debian's libjs-dygraphs) and the data are inlined; a page opened from disk could not
fetch() them. What it embeds is bounded (PAGE_BUDGET_BYTES, POINTS_BUDGET): a series with more
runs than its share is cut into equal buckets of consecutive runs, each shown by its run
closest to the bucket's median, so a step stays a step and every point shown is a real run that
links to its report; the runs either side of each change point are always kept. The change
points are the windowed t-test's (changepoints.py) over every run, not over the points shown.

Series are (case, metric, machine); one chart shows one case and metric with a line per
machine, so machines are compared side by side. dashboard.js draws the page.
"""
from __future__ import annotations

import datetime
import html
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from synclab.history import changepoints
from synclab.history.engines import HistoryError
from synclab.metrics import describe, primary_metric
from synclab.names import parse_case_name

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "dashboard.js"
STYLE = HERE / "dashboard.css"
DYGRAPHS_DIR = Path("/usr/share/javascript/dygraphs")
DYGRAPHS_FILES = ("dygraph.min.js", "dygraph.min.css")

# The page's size budget: what a browser parses in well under a second, and what a CI artifact
# or a mail attachment carries. The points budget keeps the data within it (about 12 bytes a
# point); every series keeps at least MIN_POINTS_PER_SERIES.
PAGE_BUDGET_BYTES = 24 * 2 ** 20
POINTS_BUDGET = 1_200_000
MAX_POINTS_PER_SERIES = 400
MIN_POINTS_PER_SERIES = 24
SIGNIFICANT_DIGITS = 5


@dataclass(frozen=True)
class Run:
    run_id: str
    revision: str
    date: str
    machine: str
    source: str


@dataclass
class Table:
    """Every series of a history: values[k, r] is key k's median in run r (NaN: not measured)."""
    runs: list[Run]
    keys: list[tuple[str, str]]  # (case, metric)
    values: np.ndarray
    machines: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Links:
    """How a run's report and revision are reached from the page."""
    report_url: str | None = None  # a template with {run_id}; else the report beside its results
    revision_url: str | None = None  # a template with {revision}
    out_dir: Path = Path(".")


def check_template(template: str, placeholder: str, option: str) -> str:
    try:
        filled = template.format(**{placeholder: "x"})
    except (KeyError, IndexError, ValueError) as exc:
        raise HistoryError(f"{option} {template}: only {{{placeholder}}} may be filled in "
                           f"({exc})") from None
    if filled == template:
        raise HistoryError(f"{option} {template}: has no {{{placeholder}}}")
    return template


def library() -> tuple[str, str]:
    """dygraphs' script and style, from the Debian package."""
    paths = [DYGRAPHS_DIR / name for name in DYGRAPHS_FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise HistoryError(f"{missing[0]} not found: the dashboard needs libjs-dygraphs "
                           "(scripts/install-deps.sh installs it)")
    return paths[0].read_text(encoding="utf-8"), paths[1].read_text(encoding="utf-8")


# ---------------------------------------------------------------- reading the database

def load(database: Any, metrics: set[str] | None = None) -> Table:
    """Every run's medians as one table; runs of one shape share their key order."""
    runs = [Run(r["run_id"], r["revision"], r["date"], r["machine"], r["source"] or "")
            for r in database.runs()]
    index: dict[tuple[str, str], int] = {}
    columns: list[tuple[np.ndarray, np.ndarray]] = []
    rows = np.empty(0, dtype=np.int64)

    def take(keys: list[tuple[str, str]] | None, medians: Sequence[float]) -> None:
        nonlocal rows
        if keys is not None:
            rows = np.array([index.setdefault(key, len(index)) for key in keys], dtype=np.int64)
        columns.append((rows, np.array(medians, dtype=float)))
    database.read_medians([run.run_id for run in runs], metrics, take)
    values = np.full((len(index), len(runs)), np.nan)
    for r, (rows, medians) in enumerate(columns):
        values[rows, r] = medians
    keys = sorted(index, key=index.__getitem__)
    return Table(runs, keys, values, database.machines())


def narrow(table: Table, *, case_filter: str | None = None, machine: str | None = None) -> Table:
    """Only cases matching case_filter (re.search) and runs of machines whose fingerprint
    starts with machine."""
    import re

    keep_keys = np.array([case_filter is None or re.search(case_filter, case) is not None
                          for case, _ in table.keys], dtype=bool)
    keep_runs = np.array([machine is None or run.machine.startswith(machine)
                          for run in table.runs], dtype=bool)
    values = table.values[np.ix_(keep_keys, keep_runs)] if table.values.size else table.values
    return Table([r for r, k in zip(table.runs, keep_runs) if k],
                 [key for key, k in zip(table.keys, keep_keys) if k], values, table.machines)


# ---------------------------------------------------------------- downsampling

def bucket_representatives(x: np.ndarray, cap: int) -> np.ndarray:
    """Indices (rows x cap) of the points that stand for cap equal buckets of consecutive runs
    of each row of x (rows x n, finite): in each bucket the run closest to its median."""
    count, n = x.shape
    if n <= cap:
        return np.tile(np.arange(n), (count, 1))
    edges = np.linspace(0, n, cap + 1).astype(int)
    out = np.empty((count, cap), dtype=np.int64)
    for b in range(cap):
        lo, hi = edges[b], edges[b + 1]
        chunk = x[:, lo:hi]
        centre = np.median(chunk, axis=1, keepdims=True)
        out[:, b] = lo + np.argmin(np.abs(chunk - centre), axis=1)
    return out


def points_per_series(series: int) -> int:
    if series == 0:
        return MAX_POINTS_PER_SERIES
    return int(min(MAX_POINTS_PER_SERIES, max(MIN_POINTS_PER_SERIES, POINTS_BUDGET // series)))


# ---------------------------------------------------------------- the page's data

@dataclass
class Series:
    key: int  # row of the table
    machine: int  # index into the page's machines
    runs: np.ndarray  # table columns of its runs, in date order
    values: np.ndarray
    changes: list[changepoints.ChangePoint]


def _series_of(table: Table, settings: changepoints.Settings) -> tuple[list[str], list[Series]]:
    machines = sorted({run.machine for run in table.runs})
    out: list[Series] = []
    run_machine = np.array([machines.index(run.machine) for run in table.runs], dtype=np.int64)
    for m in range(len(machines)):
        cols = np.flatnonzero(run_machine == m)
        block = table.values[:, cols]
        present = ~np.isnan(block)
        full = np.flatnonzero(present.all(axis=1))
        found = changepoints.detect_many(block[full], settings) if len(full) else []
        for k, changes in zip(full, found):
            out.append(Series(int(k), m, cols, block[k], changes))
        partial = np.flatnonzero(present.any(axis=1) & ~present.all(axis=1))
        ragged = [block[k][present[k]] for k in partial]
        for k, values, changes in zip(partial, ragged,
                                      changepoints.detect_ragged(ragged, settings)):
            out.append(Series(int(k), m, cols[present[k]], values, changes))
    out.sort(key=lambda s: (table.keys[s.key], s.machine))
    return machines, out


def _shown(series: Sequence[Series], cap: int) -> list[np.ndarray]:
    """Indices of the points each series shows."""
    shown: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(series)
    by_length: dict[int, list[int]] = {}
    for i, s in enumerate(series):
        by_length.setdefault(len(s.values), []).append(i)
    for length, members in by_length.items():
        picked = bucket_representatives(np.array([series[i].values for i in members]), cap)
        for i, row in zip(members, picked):
            forced = [j for c in series[i].changes for j in (c.index - 1, c.index)]
            shown[i] = np.union1d(row, np.array(forced, dtype=np.int64))
    return shown


def _number(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _numbers(values: np.ndarray) -> list[float]:
    return _rounded(values).tolist()


def _rounded(values: np.ndarray) -> np.ndarray:
    """Values rounded to SIGNIFICANT_DIGITS, vectorised: an integer divided or multiplied by an
    exact power of ten is the double nearest the decimal, which JSON then writes short."""
    v = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.where(v != 0, np.floor(np.log10(np.abs(v))), 0).astype(int)
    shift = SIGNIFICANT_DIGITS - 1 - exponent
    up = np.clip(shift, 0, 22)
    down = np.clip(-shift, 0, 22)
    small = np.round(v * 10.0 ** up) / 10.0 ** up
    large = np.round(v / 10.0 ** down) * 10.0 ** down
    return np.where(shift >= 0, small, large)


def _epoch(date: str, fallback: int) -> int:
    try:
        parsed = datetime.datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return int(parsed.timestamp())


def _report_link(run: Run, links: Links) -> str:
    if links.report_url:
        return links.report_url.format(run_id=run.run_id)
    if not run.source:
        return ""
    report = Path(run.source).resolve().parent / "index.html"
    if not report.is_file():
        return ""
    return os.path.relpath(report, links.out_dir.resolve())


def _case_fields(case: str) -> list[Any]:
    name = parse_case_name(case)
    if name is None:
        return [case, case.split("/")[0], "", "", 0, ""]
    return [case, name.family, name.primitive, name.scenario, name.threads, name.placement]


def _primary_at(case: str, carried: set[str], metric_at: dict[str, int]) -> int:
    """The index of the case's primary metric, the one the gate judges (-1: none)."""
    name = parse_case_name(case)
    primary = primary_metric(carried, name.threads if name is not None else None)
    return metric_at[primary] if primary is not None else -1


def _rank(change: list[Any], better: int) -> tuple[int, float]:
    """Sort key, worst first: steps the wrong way by size, then steps of metrics without a
    direction, then improvements."""
    before, after = change[2], change[3]
    size = abs(math.log(after / before)) if before > 0 and after > 0 else math.inf
    if better == 0:
        return (1, -size)
    worse = (after > before) == (better < 0)
    return (0 if worse else 2, -size)


def page_data(table: Table, *, settings: changepoints.Settings, links: Links, title: str,
              database: str) -> dict[str, Any]:
    machines, series = _series_of(table, settings)
    cap = points_per_series(len(series))
    shown = _shown(series, cap)
    used_keys = sorted({s.key for s in series})
    case_names = sorted({table.keys[k][0] for k in used_keys})
    metric_names = sorted({table.keys[k][1] for k in used_keys})
    case_at = {name: i for i, name in enumerate(case_names)}
    metric_at = {name: i for i, name in enumerate(metric_names)}
    carried: dict[str, set[str]] = {}
    for key in used_keys:
        carried.setdefault(table.keys[key][0], set()).add(table.keys[key][1])
    metric_rows: list[tuple[str, str, int]] = []
    for name in metric_names:
        row = describe(name)
        metric_rows.append((name, row.label, -1 if row.better == "lower" else
                            1 if row.better == "higher" else 0))
    dates = [_epoch(run.date, i) for i, run in enumerate(table.runs)]
    out_series, changes = [], []
    # Rounded all at once: one vectorised pass, not one per series.
    lengths = np.cumsum([len(keep) for keep in shown])[:-1]
    rounded = np.split(_rounded(np.concatenate(
        [s.values[keep] for s, keep in zip(series, shown)] or [np.empty(0)])), lengths)
    for i, (s, keep) in enumerate(zip(series, shown)):
        cols = s.runs[keep]
        case, metric = table.keys[s.key]
        deltas = np.diff(cols, prepend=0).tolist()
        out_series.append([case_at[case], metric_at[metric], s.machine, len(s.values), deltas,
                           rounded[i].tolist()])
        better = metric_rows[metric_at[metric]][2]
        for c in s.changes:
            change = [i, int(s.runs[c.index]), _number(c.before), _number(c.after),
                      float(f"{c.p_value:.2g}")]
            changes.append((_rank(change, better), change))
    changes.sort(key=lambda item: item[0])
    machine_rows = []
    for fp in machines:
        fields = table.machines.get(fp, {})
        machine_rows.append({"fingerprint": fp, "arch": fields.get("arch", "") or "?",
                             "cpu": fields.get("cpu_model", ""),
                             "topology": fields.get("topology", "")})
    return {
        "title": title, "database": database,
        "generated": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "settings": settings.describe(),
        "budget": {"page_bytes": PAGE_BUDGET_BYTES, "points": POINTS_BUDGET,
                   "points_per_series": cap},
        "revision_url": links.revision_url or "",
        "runs": {"id": [r.run_id for r in table.runs], "revision": [r.revision for r in table.runs],
                 "date": dates, "machine": [machines.index(r.machine) for r in table.runs],
                 "report": [_report_link(r, links) for r in table.runs],
                 "source": [r.source for r in table.runs]},
        "machines": machine_rows,
        "cases": [_case_fields(name) + [_primary_at(name, carried[name], metric_at)]
                  for name in case_names],
        "metrics": metric_rows,
        "series": out_series,
        "changes": [change for _, change in changes],
    }


def _script_json(data: dict[str, Any]) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render(data: dict[str, Any]) -> str:
    script, style = library()
    return "\n".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(data['title'])}</title>",
        f"<style>{style}</style>",
        f"<style>{STYLE.read_text(encoding='utf-8')}</style>",
        "</head><body>",
        f"<h1>{html.escape(data['title'])}</h1>",
        "<p id='summary'></p>",
        "<form id='filters' onsubmit='return false'></form>",
        "<h2>Change points, worst first</h2><div id='changes'></div>",
        "<h2>Series</h2><p id='status'></p><div id='charts'></div>",
        "<p><button id='more' type='button'>show more charts</button></p>",
        f"<script id='data' type='application/json'>{_script_json(data)}</script>",
        f"<script>{script}</script>",
        f"<script>{SCRIPT.read_text(encoding='utf-8')}</script>",
        "</body></html>"]) + "\n"


def write(table: Table, out_dir: Path, *, settings: changepoints.Settings, links: Links,
          title: str, database: str) -> tuple[Path, dict[str, Any]]:
    """Writes out_dir/index.html; returns it and the page's data."""
    from synclab.results import write_text_atomic

    if not table.runs:
        raise HistoryError(f"{database}: holds no runs")
    data = page_data(table, settings=settings, links=links, title=title, database=database)
    if not data["series"]:
        raise HistoryError(f"{database}: no series matches")
    text = render(data)
    size = len(text.encode("utf-8"))
    if size > PAGE_BUDGET_BYTES:
        raise HistoryError(f"the page would be {size / 2 ** 20:.1f} MiB, over its budget of "
                           f"{PAGE_BUDGET_BYTES / 2 ** 20:.0f} MiB: choose fewer series with "
                           "--metric or --filter")
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    write_text_atomic(index, text)
    return index, data
