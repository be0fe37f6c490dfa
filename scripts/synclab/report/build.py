"""Writes the report for a list of runs: the PNGs and index.html beside them.

Figures are grouped so that their number stays small: per family and contention level, one
"speed" figure and (for families with a panel of their own) one "behaviour" figure; per run, the
machine's limits; per family and level, one side-by-side figure when there are several runs.
"""
from __future__ import annotations

import datetime
import io
import math
import re
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

from synclab.report import apps_panel, census_panel
from synclab.report import counters
from synclab.report.families import PANELS, panel_for
from synclab.report.families.base import FamilyPanel, FamilyRun, Plot, Skip
from synclab.report.figures.machine import plot_c2c, plot_operation_costs
from synclab.report.figures.runs import plot_side_by_side
from synclab.report.figures.style import (LABEL_SIZE, Style, mark_emulated, panel_title,
                                          primitive_legend, primitive_styles)
from synclab.report.html import (Comparison, CounterBlock, FamilySection, FigureRef, LevelSection,
                                 MachineSection, NotMeasured, RunSection, render_page,
                                 table_columns)
from synclab.load import Run
from synclab.report.machine import (c2c_by_class, c2c_matrix, machine_rows, operation_costs,
                                    placements_used)
from synclab.report.absent import run_peers_missing, run_primitives_left_out, sampling_off, why_absent
from synclab.report.problems import find_problems
from synclab.report.side_by_side import context_comparison, run_labels, side_by_side
from synclab.report.advice import advise
from synclab.report.reproduction import reproduce
from synclab.report.summary import DEFAULT_FAIR_BY, WhyAbsent, level_summaries
from synclab.report.tables import ScenarioTable, all_primitives, families, scenario_tables
from synclab.report.views import LevelView, level_views
from synclab.results import write_text_atomic

DPI = 90
# Figures are flat colours, lines and text: a 256-colour palette keeps them intact at about a
# quarter of the bytes of matplotlib's RGBA PNG, so a whole report stays light (docs/report.md).
PALETTE_COLOURS = 256
# Inches: one plot of a level figure, and the legend column beside the plots.
CELL_WIDTH = 4.5
LEGEND_WIDTH = 2.1


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


def _grid(count: int) -> tuple[int, int]:
    """(rows, columns) for `count` plots: one row up to three, then two or three per row."""
    columns = count if count <= 3 else (2 if count == 4 else 3)
    return math.ceil(count / columns), columns


def _save(fig: Any, path: Path) -> None:
    from PIL import Image  # matplotlib's own dependency

    rgba = io.BytesIO()
    fig.savefig(rgba, dpi=DPI, bbox_inches="tight", format="png")
    rgba.seek(0)
    with Image.open(rgba) as image:
        image.convert("RGB").quantize(colors=PALETTE_COLOURS).save(path, format="PNG",
                                                                    optimize=True)


def _level_figure(plots: Sequence[tuple[Plot, Any]], view: LevelView, *, heading: str,
                  styles: Mapping[str, Style], emulated: bool, path: Path) -> None:
    """A row (or two) of plots with one legend of the primitives beside them."""
    from matplotlib.figure import Figure

    primitives = sorted({row.primitive for row in view.table.rows if row.placement == view.placement})
    rows, columns = _grid(len(plots))
    cell_height = max(3.1, 0.2 * len(primitives) + 1.7)
    fig = Figure(figsize=(CELL_WIDTH * columns + LEGEND_WIDTH, cell_height * rows + 0.5),
                 layout="constrained")
    grid = fig.add_gridspec(rows, columns + 1,
                            width_ratios=[CELL_WIDTH] * columns + [LEGEND_WIDTH])
    for index, (plot, data) in enumerate(plots):
        ax = fig.add_subplot(grid[index // columns, index % columns])
        plot.draw(data, ax, styles, plot.title(view), False)
        if emulated:
            mark_emulated(ax)
    primitive_legend(fig.add_subplot(grid[:, columns]), primitives, styles,
                     title="primitive" + ("\n(emulated run)" if emulated else ""))
    fig.suptitle(panel_title(heading, emulated), fontsize=LABEL_SIZE + 2, x=0.0,
                 horizontalalignment="left")
    _save(fig, path)


def _prepared(plots: Sequence[Plot], view: LevelView) -> tuple[list[tuple[Plot, Any]], list[str]]:
    """The plots that apply to the view with their data, and the reasons others are left out."""
    drawn, left_out = [], []
    for plot in plots:
        data = plot.prepare(view)
        if isinstance(data, Skip):
            left_out.append(data.reason)
        elif data is not None:
            drawn.append((plot, data))
    return drawn, left_out


def _why(run: Run) -> WhyAbsent:
    return lambda family, metric: why_absent(run, family, metric)


def _level_section(run: Run, run_label: str, table: ScenarioTable,
                   family_tables: Sequence[ScenarioTable], prefix: str, out_dir: Path,
                   styles: Mapping[str, Style], fair_by: str) -> LevelSection:
    panel = panel_for(table.family)
    figures: list[FigureRef] = []
    left_out_all: list[str] = []
    views = level_views(table, family_tables, fair_by, _why(run))
    for view in views:
        base = slug("-".join(p for p in (table.family, table.scenario, table.params) if p))
        if len(views) > 1:
            base += "-" + slug(view.placement)
        where = f"t:{view.threads}, place:{view.placement}"
        for kind, plots, what in (("speed", panel.speed, "how fast"),
                                  ("behaviour", panel.behaviour, "how it behaves")):
            drawn, left_out = _prepared(plots, view)
            left_out_all.extend(r for r in left_out if r not in left_out_all)
            if not drawn:
                continue
            name = f"{prefix}{base}-{kind}.png"
            heading = f"{table.title}: {what} ({where}) — {run_label}"
            _level_figure(drawn, view, heading=heading, styles=styles, emulated=run.emulated,
                          path=out_dir / name)
            figures.append(FigureRef(name, f"{table.title}: {what}, "
                                           + ", ".join(plot.name for plot, _ in drawn),
                                     tuple((plot.name, plot.how_to_read) for plot, _ in drawn)))
    threads = max((view.threads for view in views), default=0)
    events = counters.extra_events(table.rows)
    block = None
    if events:
        top = [row for view in views for row in view.rows]
        shown = counters.counter_rows(top, events)
        block = CounterBlock(tuple(events), tuple(shown), threads, not_measured(
            run, table.family, events,
            [(r.primitive, {e for e, v in zip(events, r.values) if v is not None})
             for r in shown]))
    absent = not_measured(run, table.family, [m for _, m in table_columns(table)],
                          [(row.primitive, row.metrics.keys()) for row in table.rows])
    return LevelSection(table, threads, tuple(figures), tuple(left_out_all), block, absent)


def not_measured(run: Run, family: str, metrics: Sequence[str],
                 rows: Sequence[tuple[str, Collection[str]]]) -> tuple[NotMeasured, ...]:
    """For each metric some rows (primitive, the metrics it has) lack: which, and why."""
    out = []
    for metric in metrics:
        lacking = tuple(dict.fromkeys(primitive for primitive, has in rows if metric not in has))
        if lacking:
            out.append(NotMeasured(metric, why_absent(run, family, metric), lacking))
    return tuple(out)


def _machine_section(run: Run, tables: Sequence[ScenarioTable], prefix: str,
                     out_dir: Path) -> MachineSection:
    from matplotlib.figure import Figure

    matrix = c2c_matrix(run.records)
    c2c_figure = None
    if matrix is not None:
        side = min(11.0, max(4.2, 0.42 * len(matrix.pus) + 2.2))
        fig = Figure(figsize=(side + 1.2, side), layout="constrained")
        plot_c2c(matrix, ax=fig.add_subplot(),
                 title=f"core-to-core one-way latency ({len(matrix.pus)} PUs)",
                 emulated=run.emulated)
        name = f"{prefix}machine-c2c.png"
        _save(fig, out_dir / name)
        c2c_figure = FigureRef(name, "core-to-core one-way latency between every pair of PUs")
    costs = operation_costs(run.records)
    costs_figure = None
    if costs:
        fig = Figure(figsize=(6.4, 0.32 * len(costs) + 1.9), layout="constrained")
        plot_operation_costs(costs, ax=fig.add_subplot(),
                             title="uncontended cost of atomic operations and syscalls",
                             emulated=run.emulated)
        name = f"{prefix}machine-costs.png"
        _save(fig, out_dir / name)
        costs_figure = FigureRef(name, "uncontended cost of atomic operations and syscalls")
    return MachineSection(tuple(machine_rows(run.context)), tuple(placements_used(tables)),
                          matrix, tuple(c2c_by_class(matrix)) if matrix else (), c2c_figure,
                          tuple(costs), costs_figure)


def _not_measured(run: Run, status: counters.CounterStatus, events: Sequence[str],
                  machine: MachineSection) -> list[tuple[str, str]]:
    lines = counters.not_measured(status, events)
    if machine.c2c is None:
        lines.append(("core-to-core latency", "not measured in this run"))
    if not machine.costs:
        lines.append(("uncontended atomic and syscall costs", "not measured in this run"))
    if sampling_off(run.context):
        lines.append(("latency percentiles", "latency sampling was off"))
    for family, missing in run_peers_missing(run):
        lines.append((f"{family} peers not built", missing))
    for family, left_out in run_primitives_left_out(run):
        lines.append((f"{family} primitives left out", left_out))
    return lines


def _family_overview(panel: FamilyPanel, family: FamilyRun, prefix: str, out_dir: Path
                     ) -> tuple[list[FigureRef], list[str]]:
    """The panel's figures over the whole family, and why those not drawn are not."""
    from matplotlib.figure import Figure

    figures, left_out = [], []
    for overview in panel.overview:
        data = overview.prepare(family)
        if isinstance(data, Skip):
            left_out.append(data.reason)
        elif data is not None:
            fig = Figure(figsize=overview.size(data), layout="constrained")
            overview.draw(data, fig.add_subplot(), overview.title, family.run.emulated)
            name = f"{prefix}{slug(family.family)}-{overview.key}.png"
            _save(fig, out_dir / name)
            figures.append(FigureRef(name, f"{family.family}: {overview.name}",
                                     ((overview.name, overview.how_to_read),)))
    return figures, left_out


def _run_section(run: Run, index: int, label: str, tables: Sequence[ScenarioTable], prefix: str,
                 out_dir: Path, styles: Mapping[str, Style], fair_by: str) -> RunSection:
    grouped = families(tables)
    family_sections = []
    for family, family_tables in grouped.items():
        levels = tuple(_level_section(run, label, table, family_tables, prefix, out_dir, styles,
                                      fair_by) for table in family_tables)
        panel, whole = panel_for(family), FamilyRun(family, tuple(family_tables), run)
        figures, left_out = _family_overview(panel, whole, prefix, out_dir)
        family_sections.append(FamilySection(
            family, panel.about, family in PANELS, levels, tuple(figures), tuple(left_out),
            tuple(panel.tables(whole)) if panel.tables else ()))
    machine = _machine_section(run, tables, prefix, out_dir)
    status = counters.counter_status(run.context)
    events = counters.extra_events(row for table in tables for row in table.rows)
    return RunSection(run, f"run-{index + 1}", label,
                      tuple(level_summaries(tables, fair_by, _why(run))), status,
                      tuple(_not_measured(run, status, events, machine)), machine,
                      tuple(family_sections), find_problems(run, tables), fair_by,
                      tuple(advise(tables, fair_by, _why(run))), tuple(reproduce(run)))


def _comparison(runs: Sequence[Run], tables_per_run: Sequence[Sequence[ScenarioTable]],
                labels: Sequence[str], out_dir: Path, styles: Mapping[str, Style]) -> Comparison:
    from matplotlib.figure import Figure

    figures = []
    for data in side_by_side(runs, tables_per_run, labels):
        legend_height = 0.3 + 0.28 * len(data.runs)
        fig = Figure(figsize=(max(8.0, 0.45 * len(data.primitives) * len(data.runs) + 2.5),
                              4.0 + legend_height), layout="constrained")
        grid = fig.add_gridspec(2, 1, height_ratios=[4.0, legend_height])
        threads = ", ".join(sorted({f"t:{run.threads}" for run in data.runs}))
        plot_side_by_side(data, ax=fig.add_subplot(grid[0]), styles=styles,
                          title=f"{data.title}: throughput ÷ each run's {data.baseline} "
                                f"({threads})", legend_ax=fig.add_subplot(grid[1]))
        name = slug(f"compare-{data.title}") + ".png"
        _save(fig, out_dir / name)
        figures.append(FigureRef(name, f"{data.title}: the runs side by side"))
    emulated = tuple(run.emulated for run in runs)
    return Comparison(tuple(labels), emulated, tuple(figures), tuple(context_comparison(runs)))


def _apps_section(run: Run, tables: Sequence[ScenarioTable], prefix: str, out_dir: Path,
                  fair_by: str) -> str:
    """The apps panel of one run (apps_panel.py); "" without apps cases."""
    views = apps_panel.views(tables, fair_by, _why(run))
    name = f"{prefix}apps.png"
    return apps_panel.section_html(views, name if views and apps_panel.plot(views, out_dir / name)
                                   else None)


def build_report(runs: Sequence[Run], out_dir: Path, *, generated: str | None = None,
                 fair_by: str = DEFAULT_FAIR_BY) -> Path:
    """Draws every figure, writes index.html into out_dir and returns its path."""
    import matplotlib
    matplotlib.use("Agg")

    out_dir.mkdir(parents=True, exist_ok=True)
    tables_per_run = [scenario_tables(run.records) for run in runs]
    styles = primitive_styles(all_primitives(t for tables in tables_per_run for t in tables))
    labels = run_labels(runs)
    sections = []
    for index, (run, tables, label) in enumerate(zip(runs, tables_per_run, labels)):
        prefix = f"run{index + 1}-" if len(runs) > 1 else ""
        sections.append(_run_section(run, index, label, tables, prefix, out_dir, styles,
                                     fair_by))
    comparison = _comparison(runs, tables_per_run, labels, out_dir, styles) \
        if len(runs) > 1 else None
    stamp = generated or datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    index_path = out_dir / "index.html"
    census_paths = [p for p in (census_panel.find_census(Path(run.source).parent) for run in runs) if p]
    census_docs, census_problems = census_panel.load_census(census_paths)
    census_html = census_panel.census_section_html(census_docs, problems=census_problems) \
        if census_docs or census_problems else ""
    apps_html = "".join(_apps_section(run, tables, f"run{i + 1}-" if len(runs) > 1 else "", out_dir,
                                      fair_by)
                        for i, (run, tables) in enumerate(zip(runs, tables_per_run)))
    write_text_atomic(index_path, render_page(sections, comparison, styles, stamp,
                                              census_html=census_html, fair_by=fair_by,
                                              apps_html=apps_html))
    return index_path
