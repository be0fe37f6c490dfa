"""Writes the report for a list of runs: one PNG per figure and index.html beside them."""
from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Mapping, Sequence

from synclab.report.figures import Style, plot_relative, plot_throughput, primitive_styles
from synclab.report.html import RunSection, ScenarioSection, render_page
from synclab.report.load import Run
from synclab.report.problems import find_problems
from synclab.report.tables import (ScenarioTable, all_primitives, relative_throughput,
                                   scenario_tables, throughput_series)
from synclab.results import write_text_atomic

DPI = 100


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


def _subtitle(run: Run, placement: str | None) -> str:
    parts = [str(run.context.get("cpu_model") or run.context.get("host_name") or "")]
    if placement:
        parts.append(f"place:{placement}")
    return ", ".join(p for p in parts if p)


def _scenario_figures(run: Run, table: ScenarioTable, prefix: str, out_dir: Path,
                      styles: Mapping[str, Style]) -> tuple[tuple[str, str], ...]:
    from matplotlib.figure import Figure

    figures = []
    base = slug("-".join(p for p in (table.family, table.scenario, table.params) if p))
    series = throughput_series(table)
    if series:
        placement = table.placements[0] if len(table.placements) == 1 else None
        title = f"{table.title}: throughput vs threads\n{_subtitle(run, placement)}"
        fig = Figure(figsize=(7.5, 4.2))
        plot_throughput(series, ax=fig.add_subplot(), styles=styles, title=title,
                        emulated=run.emulated)
        name = f"{prefix}throughput-{base}.png"
        fig.savefig(out_dir / name, dpi=DPI, bbox_inches="tight")
        figures.append((name, f"{table.title}: throughput against threads"))
    for bars in relative_throughput(table):
        title = (f"{table.title}: throughput relative to {bars.baseline} at t:{bars.threads}\n"
                 f"{_subtitle(run, bars.placement)}")
        fig = Figure(figsize=(6.5, max(2.4, 0.42 * len(bars.bars) + 1.4)))
        plot_relative(bars, ax=fig.add_subplot(), styles=styles, title=title, emulated=run.emulated)
        where = f"-{slug(bars.placement)}" if len(table.placements) > 1 else ""
        name = f"{prefix}relative-{base}{where}.png"
        fig.savefig(out_dir / name, dpi=DPI, bbox_inches="tight")
        figures.append((name, f"{table.title}: throughput relative to {bars.baseline}"))
    return tuple(figures)


def build_report(runs: Sequence[Run], out_dir: Path, *, generated: str | None = None) -> Path:
    """Draws every figure, writes index.html into out_dir and returns its path."""
    import matplotlib
    matplotlib.use("Agg")

    out_dir.mkdir(parents=True, exist_ok=True)
    tables_per_run = [scenario_tables(run.records) for run in runs]
    styles = primitive_styles(all_primitives(t for tables in tables_per_run for t in tables))
    sections = []
    for index, (run, tables) in enumerate(zip(runs, tables_per_run)):
        prefix = f"run{index + 1}-" if len(runs) > 1 else ""
        families: dict[str, list[ScenarioSection]] = {}
        for table in tables:
            figures = _scenario_figures(run, table, prefix, out_dir, styles)
            families.setdefault(table.family, []).append(ScenarioSection(table, figures))
        sections.append(RunSection(run, f"run-{index + 1}",
                                   tuple((family, tuple(s)) for family, s in families.items()),
                                   find_problems(run, tables)))
    stamp = generated or datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    index_path = out_dir / "index.html"
    write_text_atomic(index_path, render_page(sections, stamp))
    return index_path
