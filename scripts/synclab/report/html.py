"""The report page as one self-contained HTML string (inline CSS, relative image links).

Order of the page: what it answers and how to read it; per run, what to use on this machine and, folded, the summary (winners per family
and contention level), what was not measured and what is missing, the book's experiments
reproduced (reproduction.py); the runs side by side; then
per run the machine, each family's figures and tables, the event counters, the problems, and
the full results context.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from synclab.report import census_panel
from synclab.metrics import format_value
from synclab.report import fmt
from synclab.report.counters import CounterRow, CounterStatus, event_name
from synclab.report.figures.style import Style
from synclab.load import Run
from synclab.report.machine import C2CMatrix, ClassLatency, OperationCost, PlacementUse
from synclab.report.problems import Problems
from synclab.report.side_by_side import EMULATED_SUFFIX, ComparedField
from synclab.report.advice import Advice, describe_row
from synclab.report import reproduction
from synclab.report.summary import (CRITERIA, DEFAULT_FAIR_BY, FAIR_BY, PICK_METRICS,
                                    LevelSummary, Pick)
from synclab.results import FAMILIES_KEY
from synclab.report.tables import Row, ScenarioTable, class_text, parse_label
from synclab.report.families.base import FamilyTable

# (heading, context key) of the full context, in order; the keys not named follow by name.
CONTEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("CPU", "cpu_model"), ("topology", "topology"), ("arch", "arch"), ("emulated", "emulated"),
    ("placement", "placement"), ("PMU", "pmu"), ("counters", "counters"),
    ("compiler", "compiler"), ("flags", "cxx_flags"), ("build type", "build_type"),
    ("kernel", "kernel"), ("libc", "libc"), ("VM", "vm"), ("governor", "governor"),
    ("delay calibration (iterations/µs)", "delay_iters_per_us"),
    ("latency sampling", "latency_sampling"), ("host", "host_name"), ("CPUs", "num_cpus"),
    ("MHz per CPU", "mhz_per_cpu"), ("CPU scaling", "cpu_scaling_enabled"),
    ("load average", "load_avg"), ("benchmark library build", "library_build_type"),
    ("synclab version", "synclab_version"), ("git sha", "git_sha"), ("date", "date"),
    ("executable", "executable"),
)
RUN_FIELDS: tuple[tuple[str, str], ...] = (
    ("run id", "run_id"), ("profile", "profile"), ("command", "argv"), ("started", "started"),
    ("finished", "finished"), ("cases planned", "cases_planned"), ("cases done", "cases_done"),
    ("cases timed out", "cases_timed_out"), ("cases failed", "cases_failed"),
    ("interrupted", "interrupted"),
)
# (heading, metric) of the table columns after primitive, threads and placement.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ops/s", "ops_per_sec"), ("ns/op", "ns_per_op"), ("fairness (Jain)", "fairness_jain"),
    ("p50", "lat_p50_ns"), ("p99", "lat_p99_ns"), ("p99.9", "lat_p999_ns"),
    ("CPU ns/op", "cpu_ns_per_op"), ("ctx switches/op", "ctx_switches_per_op"),
    ("futex waits/op", "futex_waits_per_op"), ("futex wakes/op", "futex_wakes_per_op"),
)
# Short-term fairness (docs/metrics.md): columns of the tables where any case reports them.
SHORT_TERM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("short-term Jain", "fairness_jain_short"), ("handoff ratio", "handoff_ratio"),
    ("run length mean", "run_length_mean"), ("run length max", "run_length_max"),
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.2em auto;
max-width:1400px;padding:0 1em;color:#1a1a1a;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.1em}h2{border-bottom:2px solid #ccc;padding-bottom:.2em;
margin-top:1.8em}h3{margin-top:1.6em}h4{margin:1.6em 0 .3em}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0 1em}
th,td{border:1px solid #d0d0d0;padding:.25em .5em;vertical-align:top}
th{background:#f2f2f2;text-align:left}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.data tr.baseline td{background:#f7fbff}
table.data tr.flag td{background:#ffe8e8;color:#900;font-weight:600}
table.data caption{text-align:left;font-weight:600;padding:.2em 0}
table.context th{width:16em}
td.absent{color:#8a5a00;font-size:.85em;white-space:nowrap}
table.summary td{vertical-align:middle}table.summary td.pick{min-width:13em}
table.compare tr.differs td,table.compare tr.differs th{background:#fff8e0}
.sub{display:block;color:#666;font-size:.85em}
.spread{display:block;color:#777;font-size:.8em}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;
vertical-align:baseline;border:1px solid rgba(0,0,0,.25)}
.figure{margin:.6em 0 1em}.figure img{max-width:100%;border:1px solid #e0e0e0}
.figures{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.figures .figure{margin:0;max-width:100%}
.read{font-size:.88em;color:#333;margin:.2em 0 .8em;max-width:70em}
.read dt{font-weight:600;display:inline}.read dd{display:inline;margin:0 0 0 .3em}
.read div{margin:.15em 0}
.lead{font-size:1.02em;max-width:62em}
.box{border:1px solid #d8d8d8;background:#fafafa;padding:.5em 1em;margin:.8em 0;max-width:70em}
.box h3{margin:.2em 0 .4em;font-size:1.05em}.box ul{margin:.2em 0;padding-left:1.3em}
.banner{background:#fff0f0;border:2px solid #c00000;color:#900;padding:.6em 1em;font-weight:bold}
.ok{color:#2a7a2a}.problem{color:#a00000}
nav.toc{font-size:.92em}nav.toc a{margin-right:.9em}
details>summary{cursor:pointer;color:#1f4f8f;margin:.3em 0}
code{font-size:.95em}.muted{color:#777}
"""


@dataclass(frozen=True)
class FigureRef:
    src: str  # file name beside index.html
    alt: str
    notes: tuple[tuple[str, str], ...] = ()  # (plot, how to read it), in the figure's order


@dataclass(frozen=True)
class NotMeasured:
    """A metric some cases of a level lack: which primitives, and why."""
    metric: str
    why: str
    primitives: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.metric} for {', '.join(self.primitives)}: not measured: {self.why}"


@dataclass(frozen=True)
class CounterBlock:
    events: tuple[str, ...]  # counter keys, e.g. cycles_per_op
    rows: tuple[CounterRow, ...]
    threads: int
    absent: tuple[NotMeasured, ...] = ()  # events some of the rows lack


@dataclass(frozen=True)
class LevelSection:
    table: ScenarioTable
    threads: int  # the highest thread count of the level, which the figures show
    figures: tuple[FigureRef, ...]
    left_out: tuple[str, ...]  # plots not drawn here, and why
    counters: CounterBlock | None
    absent: tuple[NotMeasured, ...] = ()  # the table's metrics some of its cases lack


@dataclass(frozen=True)
class FamilySection:
    family: str
    about: str
    dedicated: bool  # False: the generic panel
    levels: tuple[LevelSection, ...]
    overview: tuple[FigureRef, ...] = ()  # figures over the whole family
    left_out: tuple[str, ...] = ()  # overview figures not drawn, and why
    tables: tuple[FamilyTable, ...] = ()  # the panel's own tables


@dataclass(frozen=True)
class MachineSection:
    rows: tuple[tuple[str, str], ...]
    placements: tuple[PlacementUse, ...]
    c2c: C2CMatrix | None
    c2c_classes: tuple[ClassLatency, ...]
    c2c_figure: FigureRef | None
    costs: tuple[OperationCost, ...]
    costs_figure: FigureRef | None


@dataclass(frozen=True)
class RunSection:
    run: Run
    anchor: str
    label: str
    summaries: tuple[LevelSummary, ...]
    counter_status: CounterStatus
    not_measured: tuple[tuple[str, str], ...]  # (what, why)
    machine: MachineSection
    families: tuple[FamilySection, ...]
    problems: Problems
    fair_by: str = DEFAULT_FAIR_BY
    advice: tuple[Advice, ...] = ()
    reproduction: tuple[reproduction.Row, ...] = ()


@dataclass(frozen=True)
class Comparison:
    labels: tuple[str, ...]
    emulated: tuple[bool, ...]
    figures: tuple[FigureRef, ...]
    context: tuple[ComparedField, ...]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _value_text(value: Any) -> str:
    if isinstance(value, (list, dict)):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return " ".join(value)
        return json.dumps(value)
    return str(value)


# Context keys the full context leaves out: shown elsewhere, or too long to help.
_CONTEXT_SKIPPED = frozenset({"synclab_run", "caches", FAMILIES_KEY})


def context_rows(context: Mapping[str, Any], fields: Sequence[tuple[str, str]], *,
                 others: bool = False) -> list[tuple[str, str]]:
    """(heading, text) for each field present in the context, in the order given.

    With others=True the keys not named in `fields` follow under their own names.
    """
    rows = [(heading, _value_text(context[key])) for heading, key in fields
            if key in context and context[key] not in (None, "")]
    if others:
        named = {key for _, key in fields} | _CONTEXT_SKIPPED
        rows += [(key, _value_text(value)) for key, value in sorted(context.items())
                 if key not in named and value not in (None, "")]
    return rows


def _kv_table(rows: Sequence[tuple[str, str]]) -> str:
    if not rows:
        return "<p class=muted>(none recorded)</p>"
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table class=context>{body}</table>"


def level_anchor(run_anchor: str, family: str, scenario: str, params: str) -> str:
    parts = [run_anchor, family, scenario] + ([params] if params else [])
    return "-".join("".join(c if c.isalnum() else "_" for c in part) for part in parts)


def _swatch(primitive: str, styles: Mapping[str, Style]) -> str:
    style = styles.get(primitive)
    return f"<span class=swatch style=\"background:{style.colour}\"></span>" if style else ""


def _figure(figure: FigureRef) -> str:
    out = [f"<div class=figure><img src=\"{_e(figure.src)}\" alt=\"{_e(figure.alt)}\">"]
    if figure.notes:
        items = "".join(f"<div><dt>{_e(name)}:</dt><dd>{_e(text)}</dd></div>"
                        for name, text in figure.notes)
        out.append(f"<dl class=read>{items}</dl>")
    out.append("</div>")
    return "".join(out)


# ---- summary -------------------------------------------------------------------------------

def _pick_cell(pick: Pick | None, note: str, styles: Mapping[str, Style]) -> str:
    if pick is None:
        return f"<td class=pick><span class=muted>— {_e(note)}</span></td>"
    ratio = fmt.ratio(pick.ratio) if pick.ratio is not None else "no ratio"
    shown = "".join(f" · {label} {format_value(metric, pick.shown[metric])}"
                    for metric, label in PICK_METRICS if metric in pick.shown)
    return (f"<td class=pick>{_swatch(pick.primitive, styles)}<b>{_e(pick.primitive)}</b> "
            f"{_e(ratio)}<span class=sub>{_e(format_value('ops_per_sec', pick.ops_per_sec))} "
            f"ops/s{_e(shown)}</span></td>")


def _decided_by(s: LevelSummary) -> str:
    if s.verdict is None:
        return f"<td><span class=muted>{_e(s.note)}</span></td>"
    out = _e(s.verdict.statement)
    if s.verdict.unrated:
        names = "; ".join(f"{name}: not measured: {why}" for name, why in s.verdict.unrated)
        out += f"<span class=sub>not rated — {_e(names)}</span>"
    return f"<td>{out}</td>"


def render_advice(section: RunSection, styles: Mapping[str, Style]) -> str:
    """'What to use on this machine': the answer, before the evidence."""
    if not section.advice:
        return ("<p class=muted>No situation of the recommendations was measured in this run "
                "(docs/report.md, \"What to use\").</p>")
    heads = ["family", "situation", "threads", "use", "runner-up", "baseline", "why"]
    out = ["<h3>What to use on this machine</h3><table class=advice><thead><tr>",
           "".join(f"<th>{_e(h)}</th>" for h in heads), "</tr></thead><tbody>"]
    for a in section.advice:
        anchor = level_anchor(section.anchor, a.situation.family, a.situation.scenario,
                              a.situation.params)
        base = (describe_row(a.baseline_row) if a.baseline_row else
                f"{a.baseline}: not measured at t:{a.threads}" if a.baseline else "none")
        out.append(
            f"<tr><td>{_e(a.situation.family)}</td>"
            f"<td><a href=\"#{_e(anchor)}\">{_e(a.situation.label)}</a></td>"
            f"<td class=num>{a.threads}</td>"
            f"<td>{_swatch(a.recommended.primitive, styles)}<b>{_e(describe_row(a.recommended))}</b></td>"
            f"<td>{_e(describe_row(a.runner_up))}</td><td>{_e(base)}</td>"
            f"<td>{_e(a.why)}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_summary(section: RunSection, styles: Mapping[str, Style]) -> str:
    if not section.summaries:
        return "<p class=problem>No primitive produced a throughput in this run.</p>"
    several_places = len({s.placement for s in section.summaries}) > 1
    heads = ["family", "contention", "threads"] + (["placement"] if several_places else []) + [
        "baseline", "fastest (× baseline)", "fairest (× baseline)", "best at both (× baseline)",
        "fairness decided"]
    out = ["<table class=summary><thead><tr>", "".join(f"<th>{_e(h)}</th>" for h in heads),
           "</tr></thead><tbody>"]
    for s in section.summaries:
        table_anchor = level_anchor(section.anchor, s.family, s.scenario, s.params)
        base = (f"{_e(s.baseline)}<span class=sub>{_e(format_value('ops_per_sec', s.baseline_ops))} ops/s</span>"
                if s.baseline and s.baseline_ops else
                f"<span class=muted>{_e(s.baseline or 'none')}: not measured</span>"
                if s.baseline else "<span class=muted>none for this family</span>")
        cells = [f"<td>{_e(s.family)}</td>", f"<td><a href=\"#{_e(table_anchor)}\">{_e(s.level)}</a></td>",
                 f"<td class=num>{s.threads}</td>"]
        if several_places:
            cells.append(f"<td>{_e(s.placement)}</td>")
        cells += [f"<td>{base}</td>", _pick_cell(s.fastest, "", styles),
                  _pick_cell(s.fairest, s.note, styles), _pick_cell(s.best, s.note, styles),
                  _decided_by(s)]
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    criterion = CRITERIA[section.fair_by]
    out.append(f"<p class=read>Fairness criterion: <b>{_e(section.fair_by)}</b> "
               f"(<code>--fair-by</code>; {_e(', '.join(FAIR_BY))}): fairest = the best "
               f"{_e(criterion.label)}; best at both = {_e(criterion.rule)}. Where a level has "
               "no such measurement, its row says so and falls back to the Jain index over the "
               "whole window.</p>")
    return "".join(out)


def _machine_line(run: Run) -> str:
    ctx = run.context
    parts = [str(ctx.get(k)) for k in ("cpu_model", "arch", "topology") if ctx.get(k)]
    if str(ctx.get("vm", "")).lower() == "true":
        parts.append("virtual machine")
    info = run.run_info
    if info.get("profile"):
        count = info.get("repetitions")
        reps = f", {count} repetition{'s' if count != 1 else ''}" if count else ""
        window = f" of {info['duration_ms']} ms" if info.get("duration_ms") else ""
        contended = info.get("contended_repetitions")
        if contended and info.get("contended_duration_ms"):
            window += (f" (one thread; contended cases {contended} of "
                       f"{info['contended_duration_ms']} ms)")
        parts.append(f"profile {info['profile']}{reps}{window}")
    if ctx.get("git_sha"):
        parts.append(f"synclab {ctx['git_sha']}")
    if info.get("run_id"):
        parts.append(f"run {info['run_id']}")
    return " · ".join(parts)


def render_glance(section: RunSection, styles: Mapping[str, Style], several: bool) -> str:
    """The top of the page for one run: summary table, what was not measured, what is missing."""
    run = section.run
    title = f"Summary — {section.label}" if several else "Summary"
    emulated = f" <span class=problem>{_e(EMULATED_SUFFIX)}</span>" if run.emulated else ""
    out = [f"<h2 id=\"summary-{_e(section.anchor)}\">{_e(title)}{emulated}</h2>",
           f"<p class=muted>{_e(_machine_line(run))}</p>"]
    if run.emulated:
        out.append("<p class=banner>EMULATED run: every timing of this run comes from an "
                   "emulator and is not a hardware number.</p>")
    out.append(render_advice(section, styles))
    out.append(f"<details><summary>Every family and level: fastest, fairest, best at both "
               f"({len(section.summaries)} rows)</summary>{render_summary(section, styles)}"
               "</details>")
    out.append("<div class=box><h3>Not measured in this run</h3>")
    if section.not_measured:
        out.append("<ul>" + "".join(f"<li><b>{_e(what)}</b>: {_e(why)}</li>"
                                    for what, why in section.not_measured) + "</ul>")
    else:
        out.append("<p class=ok>Everything the harness can measure was measured.</p>")
    problems = section.problems
    out.append("<h3>What is missing, and caveats</h3>")
    if problems.count or problems.notes:
        items = [f"<li>{_e(note)}</li>" for note in problems.notes]
        if problems.failed:
            items.append(f"<li>{len(problems.failed)} case(s) timed out or failed</li>")
        if problems.missing_baselines:
            items.append(f"no baseline in {len(problems.missing_baselines)} place(s) (a family "
                         "without one, or a thread count where it did not run): no ratio there")
            items[-1] = f"<li>{items[-1]}</li>"
        if problems.missing_counters:
            names = ", ".join(m.metric for m in problems.missing_counters)
            items.append(f"<li>counters absent in some cases: {_e(names)}</li>")
        out.append("<ul>" + "".join(items) + f"</ul><p><a href=\"#{_e(section.anchor)}-missing\">"
                   "details</a></p>")
    else:
        out.append("<p class=ok>Nothing: every planned case ran and reported every counter.</p>")
    out.append("</div>")
    out.append(reproduction.render_html(section.reproduction, section.anchor))
    return "".join(out)


# ---- tables --------------------------------------------------------------------------------

def table_columns(table: ScenarioTable) -> list[tuple[str, str]]:
    """(heading, metric) of the table's metric columns: the core ones, then the short-term
    fairness ones when any case of the table reports them."""
    short = [column for column in SHORT_TERM_COLUMNS
             if any(column[1] in row.metrics for row in table.rows)]
    return list(TABLE_COLUMNS[:3]) + short + list(TABLE_COLUMNS[3:])


def _cell(row: Row, metric: str, marks: Mapping[str, str]) -> str:
    summary = row.metrics.get(metric)
    if summary is None:
        return f"<td class=absent>not measured<sup>{_e(marks.get(metric, ''))}</sup></td>"
    spread = fmt.spread(metric, summary)
    extra = f"<span class=spread>{_e(spread)}</span>" if spread else ""
    return f"<td class=num>{_e(fmt.metric(metric, summary))}{extra}</td>"


def render_table(table: ScenarioTable, absent: Sequence[NotMeasured] = ()) -> str:
    """The scenario's rows: medians over repetitions, the spread below when there are several;
    a metric a case lacks reads "not measured", with the reason under the table."""
    several_places = len(table.placements) > 1
    columns = table_columns(table)
    marks = {item.metric: str(index) for index, item in enumerate(absent, 1)}
    heads = ["primitive", "threads"] + (["placement"] if several_places else []) + ["PUs · class"]
    heads += [heading for heading, _ in columns[:3]] + ["share min / max"]
    heads += [heading for heading, _ in columns[3:]]
    heads.append(f"ratio to {table.baseline}" if table.baseline else "ratio")
    out = ["<table class=data><thead><tr>", "".join(f"<th>{_e(h)}</th>" for h in heads),
           "</tr></thead><tbody>"]
    for row in table.rows:
        tip = row.name + (f" ({row.label})" if row.label else "")
        cells = [f"<td title=\"{_e(tip)}\">{_e(row.primitive)}</td>", f"<td class=num>{row.threads}</td>"]
        if several_places:
            cells.append(f"<td>{_e(row.placement)}</td>")
        placement = parse_label(row.label)
        cells.append(f"<td>{_e(placement.text if placement else row.label or '—')}</td>")
        cells += [_cell(row, metric, marks) for _, metric in columns[:3]]
        share = " / ".join(fmt.metric(m, row.metrics.get(m)) for m in ("share_min", "share_max"))
        cells.append(f"<td class=num>{_e(share)}</td>")
        cells += [_cell(row, metric, marks) for _, metric in columns[3:]]
        cells.append(f"<td class=num>{_e(fmt.ratio(row.ratio))}</td>")
        css = " class=baseline" if row.is_baseline else ""
        out.append(f"<tr{css}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    if absent:
        out.append("<ul class=read>" + "".join(
            f"<li><sup>{_e(marks[item.metric])}</sup> <code>{_e(item.metric)}</code> not "
            f"measured: {_e(item.why)}</li>" for item in absent) + "</ul>")
    return "".join(out)


def render_level(section: LevelSection, run_anchor: str) -> str:
    table = section.table
    anchor = level_anchor(run_anchor, table.family, table.scenario, table.params)
    places = ", ".join(table.placements)
    out = [f"<h4 id=\"{_e(anchor)}\">{_e(table.title)}</h4>",
           f"<p class=muted>Figures at t:{section.threads}, the most threads measured at this "
           f"level (placement {_e(places)}); the table has every thread count.</p>"]
    out.extend(_figure(figure) for figure in section.figures)
    if section.left_out:
        out.append("<p class=muted>Not drawn: " + _e("; ".join(section.left_out)) + ".</p>")
    rows = len(table.rows)
    if section.absent:
        out.append("<p class=muted>Not measured in some cases of this level (the figures "
                   "leave them out): " + _e("; ".join(item.text for item in section.absent))
                   + ".</p>")
    out.append(f"<details><summary>Table: {rows} row(s), every thread count, with placement "
               f"and spread</summary>{render_table(table, section.absent)}</details>")
    return "".join(out)


def render_family_table(table: FamilyTable) -> str:
    head = "".join(f"<th>{_e(column)}</th>" for column in table.columns)
    body = "".join(
        f"<tr{' class=flag' if flagged else ''}>" + "".join(f"<td>{_e(cell)}</td>" for cell in row)
        + "</tr>" for row, flagged in zip(table.rows, table.flagged or (False,) * len(table.rows)))
    notes = "".join(f"<li>{_e(note)}</li>" for note in table.notes)
    return (f"<table class=data><caption>{_e(table.caption)}</caption><thead><tr>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table>" + (f"<ul class=read>{notes}</ul>" if notes else ""))


def render_family(section: FamilySection, run_anchor: str) -> str:
    out = [f"<h3 id=\"{_e(run_anchor)}-family-{_e(section.family)}\">Family: {_e(section.family)}</h3>",
           f"<p>{_e(section.about)}</p>"]
    out.extend(_figure(figure) for figure in section.overview)
    if section.left_out:
        out.append("<p class=muted>Not drawn: " + _e("; ".join(section.left_out)) + ".</p>")
    out.extend(render_family_table(table) for table in section.tables)
    # Under a family-wide figure or table, the levels it already shows fold into one list.
    folded = [level for level in section.levels if not level.figures] \
        if section.overview or section.tables else []
    out.extend(render_level(level, run_anchor) for level in section.levels if level not in folded)
    if folded:
        out.append(f"<details><summary>Every case's numbers: {len(folded)} level(s) of "
                   f"{_e(section.family)} shown above</summary>"
                   + "".join(render_level(level, run_anchor) for level in folded) + "</details>")
    return "".join(out)


# ---- counters ------------------------------------------------------------------------------

def _counter_cell(metric: str, value: float | None, marks: Mapping[str, str]) -> str:
    if value is None:
        return f"<td class=absent>not measured<sup>{_e(marks.get(metric, ''))}</sup></td>"
    return f"<td class=num>{_e(format_value(metric, value))}</td>"


def render_counters(section: RunSection) -> str:
    out = [f"<h3 id=\"{_e(section.anchor)}-counters\">Event counters per operation</h3>"]
    counter_lines = [(what, why) for what, why in section.not_measured
                     if what not in ("core-to-core latency", "uncontended atomic and syscall costs",
                                     "latency percentiles")]
    status = section.counter_status
    if status.available:
        out.append("<p>Counted: " + _e(", ".join(status.available)) + ".</p>")
    if counter_lines:
        out.append("<p>Not measured:</p><ul>" + "".join(
            f"<li><b>{_e(what)}</b>: {_e(why)}</li>" for what, why in counter_lines) + "</ul>")
    blocks = [(family, level) for family in section.families for level in family.levels
              if level.counters and level.counters.rows]
    if blocks:
        out.append("<p>Per family and contention level, at the level's highest thread count "
                   "(medians over repetitions; open a line for its table):</p>")
    else:
        out.append("<p class=muted>No case reported an event counter (no <code>*_per_op</code> "
                   "counter besides the standard ones).</p>")
    for family, level in blocks:
        block = level.counters
        assert block is not None
        heads = ["primitive", "threads"] + [event_name(e) + "/op" for e in block.events]
        scaled = any(r.scaling is not None and r.scaling < 0.999 for r in block.rows)
        if scaled:
            heads.append("counted (share of the window)")
        events = ", ".join(event_name(e) for e in block.events)
        opened = " open" if len(blocks) == 1 else ""
        out.append(f"<details{opened}><summary>{_e(level.table.title)} at t:{block.threads}: "
                   f"{len(block.rows)} primitive(s) × {_e(events)}</summary>")
        out.append("<table class=data><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads)
                   + "</tr></thead><tbody>")
        marks = {item.metric: str(index) for index, item in enumerate(block.absent, 1)}
        for row in block.rows:
            cells = [f"<td>{_e(row.primitive)}</td>", f"<td class=num>{row.threads}</td>"]
            cells += [_counter_cell(e, v, marks) for e, v in zip(block.events, row.values)]
            if scaled:
                cells.append(f"<td class=num>{'—' if row.scaling is None else f'{row.scaling:.0%}'}</td>")
            out.append(f"<tr>{''.join(cells)}</tr>")
        out.append("</tbody></table>")
        if block.absent:
            out.append("<ul class=read>" + "".join(
                f"<li><sup>{_e(marks[item.metric])}</sup> {_e(item.text)}</li>"
                for item in block.absent) + "</ul>")
        out.append("</details>")
    if status.requested or status.settings:
        rows = ([("request", status.requested)] if status.requested else []) + list(status.settings)
        out.append("<details><summary>How the counters were set up</summary>"
                   + _kv_table(rows) + "</details>")
    return "".join(out)


# ---- machine -------------------------------------------------------------------------------

def render_machine(section: RunSection) -> str:
    machine = section.machine
    out = [f"<h3 id=\"{_e(section.anchor)}-machine\">The machine</h3>", _kv_table(machine.rows)]
    if machine.placements:
        rows = "".join(f"<tr><td>{_e(use.label)}</td><td>{_e('; '.join(use.cases))}</td></tr>"
                       for use in machine.placements)
        out.append("<h4>Placement used per case</h4><table><thead><tr><th>PUs · topology class"
                   f"</th><th>cases (family / level / threads)</th></tr></thead><tbody>{rows}"
                   "</tbody></table>")
    out.append("<h4>Core-to-core latency</h4>")
    if machine.c2c is None or machine.c2c_figure is None:
        out.append("<p class=muted>Not measured in this run (no <code>limits/c2c/pingpong</code> "
                   "cases).</p>")
    else:
        out.append("<p class=read>Two threads pinned to PUs <i>row</i> and <i>column</i> take "
                   "turns writing one cache line; each cell is half the round trip, the time for "
                   "the line to move once. No lock can hand itself over faster than this between "
                   "those PUs. The diagonal (a PU with itself) is blank.</p>")
        out.append(_figure(machine.c2c_figure))
        if machine.c2c_classes:
            rows = "".join(f"<tr><td>{_e(class_text(c.topology_class))}</td>"
                           f"<td class=num>{c.pairs}</td><td class=num>{_e(format_value('oneway_ns', c.min_ns))}</td>"
                           f"<td class=num>{_e(format_value('oneway_ns', c.median_ns))}</td>"
                           f"<td class=num>{_e(format_value('oneway_ns', c.max_ns))}</td></tr>"
                           for c in machine.c2c_classes)
            out.append("<table class=data><thead><tr><th>topology class of the pair</th>"
                       "<th>pairs</th><th>min</th>"
                       f"<th>median</th><th>max</th></tr></thead><tbody>{rows}</tbody></table>")
    out.append("<h4>Uncontended atomic and syscall costs</h4>")
    if not machine.costs or machine.costs_figure is None:
        out.append("<p class=muted>Not measured in this run (no <code>limits/atomics</code> or "
                   "<code>limits/syscall</code> cases).</p>")
    else:
        out.append("<p class=read>One thread, nobody else around: the building blocks of every "
                   "lock's fast path (atomics) and slow path (syscalls).</p>")
        rows = "".join(f"<tr><td>{_e(c.group)}</td><td><code>{_e(c.operation)}</code></td>"
                       f"<td class=num>{_e(format_value('ns_per_op', c.cost.median))}"
                       + (f"<span class=spread>{_e(fmt.spread('ns_per_op', c.cost))}</span>"
                          if c.cost.spread else "")
                       + f"</td><td>{_e(c.placement)}</td></tr>" for c in machine.costs)
        out.append("<div style=\"display:flex;gap:1.5em;flex-wrap:wrap;align-items:flex-start\">"
                   "<table class=data><thead><tr><th>group</th><th>operation</th><th>time/op</th>"
                   f"<th>placement</th></tr></thead><tbody>{rows}</tbody></table>"
                   + _figure(machine.costs_figure) + "</div>")
    return "".join(out)


# ---- problems ------------------------------------------------------------------------------

def render_problems(problems: Problems) -> str:
    out = []
    for note in problems.notes:
        out.append(f"<p>{_e(note)}</p>")
    if problems.failed:
        rows = "".join(f"<tr><td><code>{_e(f.name)}</code></td><td class=problem>"
                       f"{_e(f.status.replace('_', ' '))}</td><td>{_e(f.message)}</td></tr>"
                       for f in problems.failed)
        out.append("<h4>Timed-out and failed cases</h4><table><thead><tr><th>case</th>"
                   f"<th>status</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>")
    if problems.missing_baselines:
        items = "".join(f"<li>{_e(line)}</li>" for line in problems.missing_baselines)
        out.append(f"<h4>Missing baselines</h4><ul>{items}</ul>")
    if problems.missing_counters:
        lines = []
        for missing in problems.missing_counters:
            examples = ", ".join(missing.cases[:3]) + (
                f" and {len(missing.cases) - 3} more" if len(missing.cases) > 3 else "")
            why = f"; not measured: {_e(missing.reason)}" if missing.reason else ""
            lines.append(f"<li><code>{_e(missing.metric)}</code>: absent in {len(missing.cases)} "
                         f"of {missing.total} cases ({_e(examples)}){why}</li>")
        out.append(f"<h4>Missing counters</h4><ul>{''.join(lines)}</ul>")
    if not problems.count:
        out.append("<p class=ok>Every planned case ran and reported every counter.</p>")
    return "".join(out)


# ---- runs and page -------------------------------------------------------------------------

def render_run(section: RunSection) -> str:
    run = section.run
    suffix = f" {EMULATED_SUFFIX}" if run.emulated else ""
    out = [f"<section id=\"{_e(section.anchor)}\"><h2>Details — {_e(section.label)}{_e(suffix)}</h2>",
           f"<p class=muted>from <code>{_e(run.source)}</code></p>"]
    if run.emulated:
        out.append("<p class=banner>EMULATED run: every timing below comes from an emulator "
                   "and is not a hardware number.</p>")
    out.append(render_machine(section))
    for family in section.families:
        out.append(render_family(family, section.anchor))
    out.append(render_counters(section))
    out.append(f"<h3 id=\"{_e(section.anchor)}-missing\">What is missing "
               f"({section.problems.count})</h3>" + render_problems(section.problems))
    out.append("<details><summary>Full results context</summary><h4>Machine and build</h4>"
               + _kv_table(context_rows(shared_context(run), CONTEXT_FIELDS, others=True))
               + render_family_contexts(run)
               + "<h4>Run</h4>" + _kv_table(context_rows(run.run_info, RUN_FIELDS))
               + "</details>")
    out.append("</section>")
    return "".join(out)


# A key whose values differ between cases shows this many of them, then how many more.
VARIES_SHOWN = 6


def shared_context(run: Run) -> dict[str, Any]:
    """The context keys every case shared (all of it for files before schema version 2)."""
    own = {key for family in run.families.values() for key in (*family.own, *family.varies)}
    return {key: value for key, value in run.context.items() if key not in own}


def _varies_text(values: Sequence[Any]) -> str:
    texts = [_value_text(v) if v is not None else "(absent in some cases)" for v in values]
    more = len(texts) - VARIES_SHOWN
    return " | ".join(texts[:VARIES_SHOWN]) + (f" | … {more} more in results.json" if more > 0
                                                else "")


def render_family_contexts(run: Run) -> str:
    """Per family, what its cases' contexts said beyond the shared part (schema version 2)."""
    out = []
    for family, entry in sorted(run.families.items()):
        rows = context_rows(entry.own, (), others=True)
        rows += [(f"{key} (differs between its cases)", _varies_text(values))
                 for key, values in sorted(entry.varies.items())]
        out.append(f"<h4>Family {_e(family)} ({entry.cases} case(s))</h4>" + _kv_table(rows))
    return "".join(out)


def render_comparison(comparison: Comparison) -> str:
    out = ["<h2 id=side-by-side>Side by side</h2>",
           "<p class=lead>Speeds from different machines do not compare; ratios do. Each bar is "
           "a primitive's throughput divided by <i>its own run's</i> baseline, at that run's "
           "highest thread count of the level. Bar colour = primitive (as everywhere on this "
           "page), bar pattern = run.</p><ul>"]
    for label, emulated in zip(comparison.labels, comparison.emulated):
        out.append(f"<li>{_e(label)}" + (f" <span class=problem>{_e(EMULATED_SUFFIX)}</span>"
                                          if emulated else "") + "</li>")
    out.append("</ul>")
    if comparison.figures:
        out.append("<div class=figures>" + "".join(_figure(f) for f in comparison.figures)
                   + "</div>")
    else:
        out.append("<p class=muted>No family and contention level has a baseline in two runs: "
                   "nothing to put side by side.</p>")
    heads = "".join(f"<th>{_e(label)}</th>" for label in comparison.labels)
    rows = "".join(f"<tr class=\"{'differs' if field.differs else ''}\"><th>{_e(field.heading)}</th>"
                   + "".join(f"<td>{_e(v) or '—'}</td>" for v in field.values) + "</tr>"
                   for field in comparison.context)
    out.append("<h3>The runs' contexts</h3><p class=muted>Rows that differ between runs are "
               "highlighted.</p>"
               f"<table class=\"context compare\"><thead><tr><th></th>{heads}</tr></thead>"
               f"<tbody>{rows}</tbody></table>")
    return "".join(out)


def _how_to_read(fair_by: str) -> str:
    criterion = CRITERIA[fair_by]
    return (
        "<p class=lead>The summary answers, for each family of primitives and each contention "
        "level, at the level's highest thread count: which primitive is the <b>fastest</b> "
        "(highest median throughput), the <b>fairest</b> and the <b>best at both</b>, by the "
        f"fairness criterion <b>{_e(fair_by)}</b>: fairest = the best {_e(criterion.label)}; "
        f"best at both = {_e(criterion.rule)}. Each row says what decided it. Jain's index over "
        "the whole window alone would reward a lock whose holder re-takes it in long batches; "
        "the short-term Jain index, the handoff ratio and the p99 latency do not "
        "(docs/metrics.md). Each pick is shown as its throughput ÷ the family's baseline at "
        "the same thread count in the same run (1.00× = as fast as the baseline), with its "
        "fairness figures underneath. The figures and tables below say how each got there.</p>")


def _toc(sections: Sequence[RunSection], comparison: Comparison | None) -> str:
    links = []
    for s in sections:
        name = f" — {s.label}" if len(sections) > 1 else ""
        links.append(f"<a href=\"#summary-{_e(s.anchor)}\">Summary{_e(name)}</a>")
        if s.reproduction:
            links.append(f"<a href=\"#{_e(s.anchor)}-reproduction\">The book's experiments"
                         f"{_e(name)}</a>")
    if comparison is not None:
        links.append("<a href=\"#side-by-side\">Side by side</a>")
    for s in sections:
        name = f" ({s.label})" if len(sections) > 1 else ""
        links.append(f"<a href=\"#{_e(s.anchor)}-machine\">Machine{_e(name)}</a>")
        links += [f"<a href=\"#{_e(s.anchor)}-family-{_e(f.family)}\">{_e(f.family)}{_e(name)}</a>"
                  for f in s.families]
        links.append(f"<a href=\"#{_e(s.anchor)}-counters\">Counters{_e(name)}</a>")
        links.append(f"<a href=\"#{_e(s.anchor)}-missing\">What is missing{_e(name)}</a>")
    return "<nav class=toc>" + "".join(links) + "</nav>"


def render_page(sections: Sequence[RunSection], comparison: Comparison | None,
                styles: Mapping[str, Style], generated: str, *, census_html: str = "",
                fair_by: str = DEFAULT_FAIR_BY, apps_html: str = "") -> str:
    """The whole page. Medians are over repetitions; spreads are IQR or min–max as labelled."""
    several = len(sections) > 1
    title = "synclab report" + (f": {sections[0].label}" if len(sections) == 1 else
                                f": {len(sections)} runs side by side")
    runs = "".join(f"<li><a href=\"#summary-{_e(s.anchor)}\">{_e(s.label)}</a>"
                   f"{' ' + _e(EMULATED_SUFFIX) if s.run.emulated else ''}</li>"
                   for s in sections) if several else ""
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content=\"width=device-width, initial-scale=1\"><title>{_e(title)}</title>"
        f"<style>{_CSS}{census_panel.CENSUS_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class=muted>generated {_e(generated)}. Values are medians over "
        "repetitions; below a median, its spread over the repetitions (IQR from 5 repetitions on, "
        "min–max below that). Ratios are against the family's baseline at the same scenario, "
        "threads and placement, from the same run. Each primitive has one colour on every "
        "figure.</p>"
        + (f"<ul>{runs}</ul>" if runs else "")
        + _toc(sections, comparison)
        + _how_to_read(fair_by)
        + "".join(render_glance(s, styles, several) for s in sections)
        + apps_html
        + (render_comparison(comparison) if comparison is not None else "")
        + "".join(render_run(s) for s in sections)
        + census_html
        + "</body></html>\n"
    )
