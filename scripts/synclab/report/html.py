"""The report page as one self-contained HTML string (inline CSS, relative image links)."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from synclab.report import fmt
from synclab.report.load import Run
from synclab.report.problems import Problems
from synclab.report.tables import Row, ScenarioTable

# (heading, context key) in the order the header shows them; absent keys are skipped.
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
# (heading, metric) of the table columns after primitive and threads.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ops/s", "ops_per_sec"), ("ns/op", "ns_per_op"), ("fairness (Jain)", "fairness_jain"),
    ("p50", "lat_p50_ns"), ("p99", "lat_p99_ns"), ("p99.9", "lat_p999_ns"),
    ("CPU ns/op", "cpu_ns_per_op"), ("ctx switches/op", "ctx_switches_per_op"),
    ("futex waits/op", "futex_waits_per_op"), ("futex wakes/op", "futex_wakes_per_op"),
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;
max-width:1400px;padding:0 1em;color:#1a1a1a;line-height:1.35}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ccc;padding-bottom:.2em;
margin-top:2em}h3{margin-top:1.6em}h4{margin:1.4em 0 .4em}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0 1em}
th,td{border:1px solid #d0d0d0;padding:.25em .5em;vertical-align:top}
th{background:#f2f2f2;text-align:left}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.data tr.baseline td{background:#f7fbff}
table.context th{width:16em}
.spread{display:block;color:#777;font-size:.8em}
.figures{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.figures img{max-width:100%;border:1px solid #e0e0e0}
.banner{background:#fff0f0;border:2px solid #c00000;color:#900;padding:.6em 1em;font-weight:bold}
.ok{color:#2a7a2a}.problem{color:#a00000}
code{font-size:.95em}.muted{color:#777}
"""


@dataclass(frozen=True)
class ScenarioSection:
    table: ScenarioTable
    figures: tuple[tuple[str, str], ...]  # (relative file name, alt text)


@dataclass(frozen=True)
class RunSection:
    run: Run
    anchor: str
    families: tuple[tuple[str, tuple[ScenarioSection, ...]], ...]
    problems: Problems


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _value_text(value: Any) -> str:
    if isinstance(value, (list, dict)):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return " ".join(value)
        return json.dumps(value)
    return str(value)


# Context keys the header leaves out: shown elsewhere, or too long to help.
_CONTEXT_SKIPPED = frozenset({"synclab_run", "caches"})


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


def _cell(row: Row, metric: str) -> str:
    summary = row.metrics.get(metric)
    spread = fmt.spread(metric, summary)
    extra = f"<span class=spread>{_e(spread)}</span>" if spread else ""
    return f"<td class=num>{_e(fmt.metric(metric, summary))}{extra}</td>"


def render_table(table: ScenarioTable) -> str:
    """The scenario's rows: medians over repetitions, the spread below when there are several."""
    several_places = len(table.placements) > 1
    heads = ["primitive", "threads"] + (["placement"] if several_places else [])
    heads += [heading for heading, _ in TABLE_COLUMNS[:3]] + ["share min / max"]
    heads += [heading for heading, _ in TABLE_COLUMNS[3:]]
    heads.append(f"ratio to {table.baseline}" if table.baseline else "ratio")
    out = ["<table class=data><thead><tr>", "".join(f"<th>{_e(h)}</th>" for h in heads),
           "</tr></thead><tbody>"]
    for row in table.rows:
        tip = row.name + (f" ({row.label})" if row.label else "")
        cells = [f"<td title=\"{_e(tip)}\">{_e(row.primitive)}</td>", f"<td class=num>{row.threads}</td>"]
        if several_places:
            cells.append(f"<td>{_e(row.placement)}</td>")
        cells += [_cell(row, metric) for _, metric in TABLE_COLUMNS[:3]]
        share = " / ".join(fmt.metric(m, row.metrics.get(m)) for m in ("share_min", "share_max"))
        cells.append(f"<td class=num>{_e(share)}</td>")
        cells += [_cell(row, metric) for _, metric in TABLE_COLUMNS[3:]]
        cells.append(f"<td class=num>{_e(fmt.ratio(row.ratio))}</td>")
        css = " class=baseline" if row.is_baseline else ""
        out.append(f"<tr{css}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


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
        items = []
        for missing in problems.missing_counters:
            examples = ", ".join(missing.cases[:3]) + (
                f" and {len(missing.cases) - 3} more" if len(missing.cases) > 3 else "")
            items.append(f"<li><code>{_e(missing.metric)}</code>: absent in {len(missing.cases)} "
                         f"of {missing.total} cases ({_e(examples)})</li>")
        out.append(f"<h4>Missing counters</h4><ul>{''.join(items)}</ul>")
    if not problems.count:
        out.append("<p class=ok>Every planned case ran and reported every counter.</p>")
    return "".join(out)


def render_run(section: RunSection) -> str:
    run = section.run
    out = [f"<section id=\"{_e(section.anchor)}\"><h2>Run {_e(run.label)}</h2>",
           f"<p class=muted>from <code>{_e(run.source)}</code></p>"]
    if run.emulated:
        out.append("<p class=banner>EMULATED run: every timing below comes from an emulator "
                   "and is not a hardware number.</p>")
    out.append("<h3>Machine and build</h3>" + _kv_table(context_rows(run.context, CONTEXT_FIELDS, others=True)))
    out.append("<h3>Run</h3>" + _kv_table(context_rows(run.run_info, RUN_FIELDS)))
    out.append(f"<h3>Problems ({section.problems.count})</h3>" + render_problems(section.problems))
    for family, scenarios in section.families:
        out.append(f"<h3>Family: {_e(family)}</h3>")
        for scenario in scenarios:
            table = scenario.table
            out.append(f"<h4>{_e(table.title)}</h4><div class=figures>")
            out.extend(f"<img src=\"{_e(src)}\" alt=\"{_e(alt)}\">" for src, alt in scenario.figures)
            out.append("</div>" + render_table(table))
    out.append("</section>")
    return "".join(out)


def render_page(sections: Sequence[RunSection], generated: str) -> str:
    """The whole page. Medians are over repetitions; spreads are IQR or min–max as labelled."""
    runs = "".join(f"<li><a href=\"#{_e(s.anchor)}\">{_e(s.run.label)}</a>"
                   f"{' (emulated)' if s.run.emulated else ''}</li>" for s in sections)
    title = "synclab report" + (f": {sections[0].run.label}" if len(sections) == 1 else "")
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content=\"width=device-width, initial-scale=1\"><title>{_e(title)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class=muted>generated {_e(generated)}. Values are medians over "
        "repetitions; below a median, its spread over the repetitions (IQR from 5 repetitions on, "
        "min–max below that). Ratios are against the family's baseline at the same scenario, "
        "threads and placement, from the same run.</p>"
        f"<ul>{runs}</ul>"
        + "".join(render_run(s) for s in sections)
        + "</body></html>\n"
    )
