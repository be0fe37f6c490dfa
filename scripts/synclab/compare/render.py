"""A Comparison rendered for people (text, markdown) and for tools (JSON, JUnit XML, Bencher
BMF, github-action-benchmark). Every function returns a string; none writes files."""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from typing import Any, Iterable, NamedTuple

from synclab.compare import stats
from synclab.compare.judge import VERDICTS, Comparison, Row
from synclab.load import Run
from synclab.metrics import Metric, lookup

FORMATS: tuple[str, ...] = ("text", "markdown", "json", "junit", "bmf", "gab", "gab-bigger")
# Bencher's built-in measures for the two headline metrics; other metrics keep their names.
BMF_MEASURES: dict[str, str] = {"ns_per_op": "latency", "ops_per_sec": "throughput"}


class Entry(NamedTuple):
    """One case x metric of one run, as dashboards take it."""
    case: str
    metric: str
    median: float
    q1: float
    q3: float
    n: int


# ---------------------------------------------------------------- values

def value(metric: Metric, number: float | None, normalised: bool = False) -> str:
    if number is None:
        return "—"
    if normalised:
        return f"{number:.3g}×"
    return metric.format(number)


def change(row: Row) -> str:
    """'+10.2 %' (new over base), with '+∞' when the base was 0."""
    if row.ratio is None:
        return "—"
    if math.isinf(row.ratio):
        return "+∞"
    return f"{(row.ratio - 1) * 100:+.1f} %"


def p_text(row: Row) -> str:
    return "—" if row.q_value is None else f"{row.q_value:.2g}"


def moved(comparison: Comparison) -> list[Row]:
    """Regressions (worst first), then improvements (largest first)."""
    regressed = [r for r in comparison.rows if r.verdict == "regressed"]
    improved = [r for r in comparison.rows if r.verdict == "improved"]
    return (sorted(regressed, key=lambda r: -r.badness) +
            sorted(improved, key=lambda r: r.badness))


def _settings_line(c: Comparison) -> str:
    o = c.options
    parts = [f"threshold {o.threshold * 100:g} %"]
    if c.deterministic:
        parts.append("instruction counts: deterministic, no test")
    else:
        parts.append(f"alpha {o.alpha:g} (Benjamini–Hochberg over {c.tests} tests)")
    if o.normalize_to:
        parts.append(f"normalised to {o.normalize_to}")
    return ", ".join(parts)


def _reps(run: Run) -> str:
    counts = sorted({len(case.reps) for case in run.cases.values() if case.reps})
    if not counts:
        return "0"
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"


def _summary_counts(c: Comparison) -> str:
    counts = c.counts(per_case=True)
    return ", ".join(f"{counts[v]} {v}" for v in VERDICTS)


def file_notes(c: Comparison) -> list[str]:
    """What the loader noted about either file (e.g. written before schema_version existed)."""
    return [f"{side} {run.source}: {note}" for side, run in (("BASE", c.base), ("NEW", c.new))
            for note in run.notes]


def power_note(c: Comparison) -> str:
    """Why a test cannot fire with too few repetitions, and what a lone change needs."""
    if c.deterministic or not c.rows:
        return ""
    reps = min((min(r.n_base, r.n_new) for r in c.rows if r.n_base and r.n_new), default=0)
    if reps == 0:
        return ""
    lone = c.repetitions_for_a_lone_change
    text = (f"With {reps} repetition{'s' if reps > 1 else ''} per side the smallest possible p is "
            f"{stats.smallest_p(reps, reps):.2g}")
    if stats.smallest_p(reps, reps) > c.options.alpha:
        return text + (f" > alpha {c.options.alpha:g}: no test can fire; use at least "
                       f"{c.repetitions_needed} repetitions.")
    if c.tests > 1 and reps < lone:
        return text + (f"; a single change among {c.tests} tests needs p ≤ "
                       f"{c.options.alpha / c.tests:.2g}, i.e. {lone} repetitions.")
    return text + "."


# ---------------------------------------------------------------- text

def _footnotes(rows: list[Row]) -> dict[str, int]:
    """Notes shared by three rows or more, numbered: the text table prints them once."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.note:
            counts[row.note] = counts.get(row.note, 0) + 1
    shared = [note for note, n in counts.items() if n >= 3]
    return {note: i for i, note in enumerate(shared, 1)}


def text(c: Comparison) -> str:
    norm = bool(c.options.normalize_to)
    footnotes = _footnotes(c.rows)
    head = ("case", "metric", "base", "new", "change", "p(BH)", "verdict")
    table = [head]
    for row in c.rows:
        metric = f"{row.metric.name} {row.metric.arrow}" if row.metric.name != "status" else "status"
        verdict = row.verdict
        if row.note in footnotes:
            verdict += f" [{footnotes[row.note]}]"
        elif row.note:
            verdict += f" ({row.note})"
        table.append((row.case, metric, value(row.metric, row.base, norm),
                      value(row.metric, row.new, norm), change(row), p_text(row), verdict))
    widths = [max(len(r[i]) for r in table) for i in range(len(head) - 1)]
    lines = [f"BASE {c.base.source} ({c.base.revision_label})  vs  NEW {c.new.source} ({c.new.revision_label})"]
    for r in table:
        lines.append("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(r, widths))) + "  " + r[-1])
    lines += [f"[{i}] {note}" for note, i in footnotes.items()]
    cases = len(c.case_verdicts())
    lines.append("")
    lines.append(f"{cases} cases: {_summary_counts(c)}; {_settings_line(c)}")
    for label, names in (("only in BASE", c.only_base), ("only in NEW", c.only_new),
                         ("not normalised (no reference)", c.not_normalized),
                         ("none of the metrics", c.no_metrics)):
        if names:
            lines.append(f"{label}: {', '.join(names)}")
    if c.context_differences:
        lines.append("contexts differ (--force): " + "; ".join(c.context_differences))
    note = power_note(c)
    if note:
        lines.append(note)
    lines += [f"note: {text_}" for text_ in file_notes(c)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- markdown

def _md(text_: str) -> str:
    return text_.replace("|", "\\|").replace("\n", " ")


def markdown(c: Comparison) -> str:
    """A CI job summary: what moved, worst first, then the counts."""
    norm = bool(c.options.normalize_to)
    counts = c.counts(per_case=True)
    title = ", ".join((f"**{counts[v]} {v}**" if v == "regressed" and counts[v] else
                       f"{counts[v]} {v}") for v in VERDICTS)
    context = c.new.context
    machine = " · ".join(str(context[k]) for k in ("cpu_model", "arch") if context.get(k))
    lines = [f"## synclab compare: {title}", "",
             f"BASE `{c.base.revision_label}` → NEW `{c.new.revision_label}`" + (f" · {machine}" if machine else "") +
             f" · repetitions {_reps(c.base)}/{_reps(c.new)} · {_settings_line(c)}", ""]
    rows = moved(c)
    if rows:
        lines += ["### What moved (worst first)", "",
                  "| verdict | case | metric | base | new | change | p (BH) | note |",
                  "|---|---|---|---:|---:|---:|---:|---|"]
        for row in rows:
            metric = row.metric.name + ("" if row.metric.name == "status" else f" {row.metric.arrow}")
            lines.append(f"| {row.verdict} | `{row.case}` | {metric} | "
                         f"{value(row.metric, row.base, norm)} | {value(row.metric, row.new, norm)} | "
                         f"{change(row)} | {p_text(row)} | {_md(row.note)} |")
    else:
        lines.append(f"Nothing moved by {c.options.threshold * 100:g} % or more with significance.")
    noisy = sorted((r for r in c.rows if r.verdict == "unchanged" and r.note),
                   key=lambda r: -abs(r.badness))
    if noisy:
        lines += ["", f"<details><summary>Moved beyond the threshold but within the noise "
                      f"({len(noisy)}), largest first</summary>", "",
                  "| case | metric | base | new | change | p (BH) |", "|---|---|---:|---:|---:|---:|"]
        for row in noisy[:10]:
            lines.append(f"| `{row.case}` | {row.metric.name} {row.metric.arrow} | "
                         f"{value(row.metric, row.base, norm)} | {value(row.metric, row.new, norm)} | "
                         f"{change(row)} | {p_text(row)} |")
        if len(noisy) > 10:
            lines.append(f"| … {len(noisy) - 10} more | | | | | |")
        lines += ["", "</details>"]
    by_row = c.counts()
    lines += ["", "### Counts", "", "| verdict | cases | case × metric |", "|---|---:|---:|"]
    lines += [f"| {v} | {counts[v]} | {by_row[v]} |" for v in VERDICTS]
    inconclusive = [r for r in c.rows if r.verdict == "inconclusive"]
    if inconclusive:
        notes: dict[str, dict[str, list[str]]] = {}
        for row in inconclusive:
            notes.setdefault(row.note, {}).setdefault(row.case, []).append(row.metric.name)
        lines += ["", f"<details><summary>Inconclusive ({len(inconclusive)})</summary>", ""]
        for note, by_case in notes.items():
            items = [f"`{case}` ({', '.join(names)})" for case, names in by_case.items()]
            shown = ", ".join(items[:20]) + (f" and {len(items) - 20} more" if len(items) > 20 else "")
            lines.append(f"- {_md(note)}: {shown}")
        lines += ["", "</details>"]
    for label, names in (("Only in BASE (not compared)", c.only_base),
                         ("Only in NEW (not compared)", c.only_new),
                         ("Not normalised (no reference case)", c.not_normalized),
                         ("Not compared (none of the metrics)", c.no_metrics)):
        if names:
            lines += ["", f"<details><summary>{label}: {len(names)}</summary>", ""]
            lines += [f"- `{n}`" for n in names] + ["", "</details>"]
    if c.context_differences:
        lines += ["", "Contexts differ (compared with --force): " +
                  "; ".join(_md(d) for d in c.context_differences)]
    note = power_note(c)
    if note:
        lines += ["", note]
    about_files = file_notes(c)
    if about_files:
        lines += [""] + [f"- note: {_md(text_)}" for text_ in about_files]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- json

def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def json_doc(c: Comparison) -> dict[str, Any]:
    cases = []
    for row in c.rows:
        cases.append({
            "name": row.case, "metric": row.metric.name, "base": _finite(row.base),
            "new": _finite(row.new), "ratio": _finite(row.ratio), "p_value": row.p_value,
            "verdict": row.verdict, "q_value": row.q_value, "direction": row.metric.direction,
            "n_base": row.n_base, "n_new": row.n_new,
            "base_iqr": list(row.base_quartiles) if row.base_quartiles else None,
            "new_iqr": list(row.new_quartiles) if row.new_quartiles else None,
            "note": row.note})
    o = c.options
    return {
        "cases": cases,
        "counts": c.counts(), "case_counts": c.counts(per_case=True), "regressed": c.regressed,
        "only_in_base": c.only_base, "only_in_new": c.only_new, "not_normalized": c.not_normalized,
        "no_metrics": c.no_metrics,
        "settings": {"metrics": [m.name for m in c.metrics], "threshold": o.threshold,
                     "alpha": o.alpha, "normalize_to": o.normalize_to, "tests": c.tests,
                     "deterministic": c.deterministic, "forced": c.context_differences},
        "base": {"source": c.base.source, "git_sha": c.base.context.get("git_sha")},
        "new": {"source": c.new.source, "git_sha": c.new.context.get("git_sha")},
    }


def json_text(c: Comparison) -> str:
    return json.dumps(json_doc(c), indent=2, allow_nan=False) + "\n"


# ---------------------------------------------------------------- junit

def junit(c: Comparison) -> str:
    """One testcase per compared case; a failure when one of its metrics regressed."""
    norm = bool(c.options.normalize_to)
    by_case: dict[str, list[Row]] = {}
    for row in c.rows:
        by_case.setdefault(row.case, []).append(row)
    verdicts = c.case_verdicts()
    failures = sum(1 for v in verdicts.values() if v == "regressed")
    skipped = sum(1 for v in verdicts.values() if v == "inconclusive")
    suites = ET.Element("testsuites", name="synclab compare", tests=str(len(by_case)),
                        failures=str(failures), errors="0", skipped=str(skipped))
    suite = ET.SubElement(suites, "testsuite", name="synclab compare", tests=str(len(by_case)),
                          failures=str(failures), errors="0", skipped=str(skipped), time="0")
    props = ET.SubElement(suite, "properties")
    for key, val in (("base", c.base.revision_label), ("new", c.new.revision_label),
                     ("settings", _settings_line(c))):
        ET.SubElement(props, "property", name=key, value=val)
    for case, rows in by_case.items():
        parts = case.split("/")
        classname = ".".join(parts[:2]) if len(parts) >= 2 else "synclab"
        element = ET.SubElement(suite, "testcase", classname=classname, name=case, time="0")
        detail = "\n".join(
            f"{r.metric.name}: {value(r.metric, r.base, norm)} -> {value(r.metric, r.new, norm)} "
            f"({change(r)}, p(BH) {p_text(r)}) {r.verdict}" + (f": {r.note}" if r.note else "")
            for r in rows)
        if verdicts[case] == "regressed":
            bad = [r for r in rows if r.verdict == "regressed"]
            message = "; ".join(f"{r.metric.name} {change(r)}" if r.metric.name != "status"
                                else r.note for r in bad)
            failure = ET.SubElement(element, "failure", message=f"regressed: {message}",
                                    type="regressed")
            failure.text = detail
        elif verdicts[case] == "inconclusive":
            notes = sorted({r.note for r in rows if r.verdict == "inconclusive"})
            ET.SubElement(element, "skipped", message="inconclusive: " + "; ".join(notes))
        ET.SubElement(element, "system-out").text = detail
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# ---------------------------------------------------------------- dashboards

def entries(run: Run, metrics: Iterable[Metric]) -> list[Entry]:
    """Median and quartiles of each metric of each case that ran (raw values, not normalised)."""
    out = []
    names = [m.name for m in metrics]
    for case in run.cases.values():
        for name in names:
            vals = case.values(name)
            if vals:
                q1, q3 = stats.quartiles(vals)
                out.append(Entry(case.name, name, stats.median(vals), q1, q3, len(vals)))
    return out


def bmf(items: Iterable[Entry]) -> str:
    """Bencher Metric Format: {case: {measure: {value, lower_value, upper_value}}} (quartiles)."""
    doc: dict[str, dict[str, dict[str, float]]] = {}
    for e in items:
        measure = BMF_MEASURES.get(e.metric, e.metric)
        doc.setdefault(e.case, {})[measure] = {"value": e.median, "lower_value": e.q1,
                                               "upper_value": e.q3}
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def gab(items: Iterable[Entry], *, lower_is_better: bool = True, extra: str = "") -> str:
    """github-action-benchmark custom JSON for one direction: customSmallerIsBetter takes the
    lower-is-better metrics, customBiggerIsBetter (lower_is_better=False) the others."""
    out = []
    for e in items:
        metric = lookup(e.metric)
        if metric is None or metric.better is None or metric.lower_is_better != lower_is_better:
            continue
        item: dict[str, Any] = {"name": f"{e.case} {e.metric}", "unit": metric.unit,
                                "value": e.median}
        if e.n > 1:
            item["range"] = f"± {(e.q3 - e.q1) / 2:.4g}"
        spread = f"median of {e.n}; IQR {e.q1:.4g} to {e.q3:.4g}" if e.n > 1 else "one repetition"
        item["extra"] = spread + (f"; {extra}" if extra else "")
        out.append(item)
    return json.dumps(out, indent=2, allow_nan=False) + "\n"


def render(c: Comparison, form: str) -> str:
    if form == "text":
        return text(c)
    if form == "markdown":
        return markdown(c)
    if form == "json":
        return json_text(c)
    if form == "junit":
        return junit(c)
    items = entries(c.new, c.metrics)
    if form == "bmf":
        return bmf(items)
    if form in ("gab", "gab-bigger"):
        return gab(items, lower_is_better=form == "gab", extra=f"base {c.base.revision_label}")
    raise ValueError(f"unknown format {form!r}")
