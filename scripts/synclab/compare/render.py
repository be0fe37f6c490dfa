"""A Comparison rendered for people (text, markdown) and for tools (JSON, JUnit XML, Bencher
BMF, github-action-benchmark). Every function returns a string; none writes files."""
from __future__ import annotations

import json
import math
import statistics
import xml.etree.ElementTree as ET
from typing import Any, Iterable, NamedTuple

from synclab.compare import power, stats
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


def mde_text(row: Row) -> str:
    """The row's minimum detectable effect: '6.2 %', '∞' (no test could fire), '—' (unknown)."""
    if row.mde is None:
        return "—"
    return "∞" if math.isinf(row.mde) else f"{row.mde * 100:.1f} %"


def moved(comparison: Comparison, gated: bool = True) -> list[Row]:
    """Regressions (worst first), then improvements (largest first)."""
    rows = comparison.gated_rows if gated else comparison.reported_rows
    regressed = [r for r in rows if r.verdict == "regressed"]
    improved = [r for r in rows if r.verdict == "improved"]
    return (sorted(regressed, key=lambda r: -r.badness) +
            sorted(improved, key=lambda r: r.badness))


def _settings_line(c: Comparison) -> str:
    o = c.options
    parts = [f"threshold {o.threshold * 100:g} %"]
    if c.deterministic:
        parts.append("instruction counts: deterministic, no test")
    else:
        parts.append(f"Mann–Whitney U, alpha {o.alpha:g} (Benjamini–Hochberg over {c.tests} "
                     f"gated tests: a lone change needs p ≤ {c.level:.2g})")
        parts.append("gated: " + ("each case's primary metric" if o.gate_metrics == "primary"
                                  else "every metric"))
        parts.append(f"MDE at {power.TARGET_POWER:.0%} power")
    if o.normalize_to:
        parts.append(f"normalised to {o.normalize_to}")
    if o.fail_on_inconclusive:
        parts.append("inconclusive fails the gate")
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
    """What the loader and the judge noted about either file (older versions, layouts)."""
    loader = [f"{side} {run.source}: {note}" for side, run in (("BASE", c.base), ("NEW", c.new))
              for note in run.notes]
    return loader + list(c.notes)


def mde_summary(c: Comparison) -> str:
    """The gate's minimum detectable effects at this run's noise, in one line."""
    known = [r.mde for r in c.gated_rows if r.mde is not None]
    if c.deterministic or not known:
        return ""
    finite = sorted(m for m in known if not math.isinf(m))
    blind = len(known) - len(finite)
    text = f"Minimum detectable effect of the {len(known)} gated tests ({power.TARGET_POWER:.0%} power)"
    if finite:
        text += (f": median {statistics.median(finite) * 100:.1f} %, best {finite[0] * 100:.1f} %, "
                 f"worst {finite[-1] * 100:.1f} %")
    if blind:
        text += f"; {blind} could not reach the level at all"
    within = sum(1 for m in finite if m <= c.options.threshold + 1e-12)
    return text + f"; {within} of {len(known)} within the {c.options.threshold * 100:g} % threshold."


def power_note(c: Comparison) -> str:
    """What repetitions the gate's level demands, when the files have fewer."""
    if c.deterministic or not c.rows or c.tests == 0:
        return ""
    reps = min((min(r.n_base, r.n_new) for r in c.gated_rows if r.n_base and r.n_new), default=0)
    if reps == 0:
        return ""
    lone = c.repetitions_for_a_lone_change
    smallest = stats.smallest_p(reps, reps)
    text = (f"With {reps} repetition{'s' if reps > 1 else ''} per side the smallest possible p is "
            f"{smallest:.2g}")
    if smallest > c.level:
        return text + (f"; a lone change among {c.tests} gated tests needs p ≤ {c.level:.2g}: "
                       f"no gated test can fire; use at least {lone} repetitions, and more where "
                       "the noise is high (each inconclusive case says how many).")
    return text + "."


def _inconclusive_count(c: Comparison) -> str:
    counts = c.counts(per_case=True)
    return f"{counts['inconclusive']} inconclusive" + (
        " (each fails the gate: --fail-on-inconclusive)" if c.options.fail_on_inconclusive
        and counts["inconclusive"] else "")


# ---------------------------------------------------------------- text

def _footnotes(rows: list[Row]) -> dict[str, int]:
    """Notes shared by three rows or more, numbered: the text table prints them once."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.note:
            counts[row.note] = counts.get(row.note, 0) + 1
    shared = [note for note, n in counts.items() if n >= 3]
    return {note: i for i, note in enumerate(shared, 1)}


def _metric_cell(row: Row) -> str:
    if row.metric.name == "status":
        return "status"
    return f"{row.metric.name} {row.metric.arrow}" + ("" if row.gated else " (not gated)")


def text(c: Comparison) -> str:
    norm = bool(c.options.normalize_to)
    footnotes = _footnotes(c.rows)
    head = ("case", "metric", "base", "new", "change", "p(BH)", "MDE", "verdict")
    table = [head]
    for row in c.rows:
        verdict = row.verdict
        if row.note in footnotes:
            verdict += f" [{footnotes[row.note]}]"
        elif row.note:
            verdict += f" ({row.note})"
        table.append((row.case, _metric_cell(row), value(row.metric, row.base, norm),
                      value(row.metric, row.new, norm), change(row), p_text(row), mde_text(row),
                      verdict))
    widths = [max(len(r[i]) for r in table) for i in range(len(head) - 1)]
    lines = [f"BASE {c.base.source} ({c.base.revision_label})  vs  NEW {c.new.source} ({c.new.revision_label})"]
    for r in table:
        lines.append("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(r, widths))) + "  " + r[-1])
    lines += [f"[{i}] {note}" for note, i in footnotes.items()]
    cases = len(c.case_verdicts())
    lines.append("")
    lines.append(f"{cases} gated cases: {_summary_counts(c)}; {_settings_line(c)}")
    if c.options.fail_on_inconclusive and c.counts(per_case=True)["inconclusive"]:
        lines.append(_inconclusive_count(c))
    reported = c.counts(gated=False)
    if c.reported_rows:
        lines.append("reported, not gated (case × metric): " +
                     ", ".join(f"{reported[v]} {v}" for v in VERDICTS))
    for label, names in (("only in BASE", c.only_base), ("only in NEW", c.only_new),
                         ("not normalised (no reference)", c.not_normalized),
                         ("none of the metrics", c.no_metrics),
                         ("not gated (no primary metric)", c.not_gated)):
        if names:
            lines.append(f"{label}: {', '.join(names)}")
    if c.context_differences:
        lines.append("contexts differ (--force): " + "; ".join(c.context_differences))
    for note in (mde_summary(c), power_note(c)):
        if note:
            lines.append(note)
    lines += [f"note: {text_}" for text_ in file_notes(c)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- markdown

def _md(text_: str) -> str:
    return text_.replace("|", "\\|").replace("\n", " ")


def _md_moved(c: Comparison, norm: bool) -> list[str]:
    rows = moved(c)
    if not rows:
        return [f"Nothing gated moved by {c.options.threshold * 100:g} % or more with significance."]
    lines = ["### What moved (worst first)", "",
             "| verdict | case | metric | base | new | change | p (BH) | MDE | note |",
             "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        lines.append(f"| {row.verdict} | `{row.case}` | {_metric_cell(row)} | "
                     f"{value(row.metric, row.base, norm)} | {value(row.metric, row.new, norm)} | "
                     f"{change(row)} | {p_text(row)} | {mde_text(row)} | {_md(row.note)} |")
    return lines


def _md_rows(title: str, rows: list[Row], norm: bool, limit: int = 10) -> list[str]:
    """A folded table of rows, largest change first."""
    if not rows:
        return []
    lines = ["", f"<details><summary>{title} ({len(rows)})</summary>", "",
             "| case | metric | base | new | change | p (BH) | MDE | verdict |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for row in sorted(rows, key=lambda r: -abs(r.badness))[:limit]:
        lines.append(f"| `{row.case}` | {_metric_cell(row)} | {value(row.metric, row.base, norm)} | "
                     f"{value(row.metric, row.new, norm)} | {change(row)} | {p_text(row)} | "
                     f"{mde_text(row)} | {row.verdict} |")
    if len(rows) > limit:
        lines.append(f"| … {len(rows) - limit} more | | | | | | | |")
    return lines + ["", "</details>"]


def _md_inconclusive(c: Comparison) -> list[str]:
    rows = [r for r in c.gated_rows if r.verdict == "inconclusive"]
    if not rows:
        return []
    lines = ["", f"<details><summary>Inconclusive ({len(rows)}): what each would need</summary>",
             ""]
    for row in rows[:50]:
        lines.append(f"- `{row.case}` {row.metric.name}: {_md(row.note)}")
    if len(rows) > 50:
        lines.append(f"- … {len(rows) - 50} more (compare.json has every row)")
    return lines + ["", "</details>"]


def markdown(c: Comparison) -> str:
    """A CI job summary: what moved, worst first, then the counts and the power."""
    norm = bool(c.options.normalize_to)
    counts = c.counts(per_case=True)
    title = ", ".join((f"**{counts[v]} {v}**" if (v == "regressed" or (
        v == "inconclusive" and c.options.fail_on_inconclusive)) and counts[v] else
        f"{counts[v]} {v}") for v in VERDICTS)
    context = c.new.context
    machine = " · ".join(str(context[k]) for k in ("cpu_model", "arch") if context.get(k))
    lines = [f"## synclab compare: {title}", "",
             f"BASE `{c.base.revision_label}` → NEW `{c.new.revision_label}`" + (f" · {machine}" if machine else "") +
             f" · repetitions {_reps(c.base)}/{_reps(c.new)} · {_settings_line(c)}", ""]
    lines += _md_moved(c, norm)
    lines += _md_rows("Gated, moved beyond the threshold but within the noise",
                      [r for r in c.gated_rows if r.verdict == "unchanged" and r.note], norm)
    by_row, reported = c.counts(), c.counts(gated=False)
    lines += ["", "### Counts", "", "| verdict | gated cases | gated case × metric | reported, not gated |",
              "|---|---:|---:|---:|"]
    lines += [f"| {v} | {counts[v]} | {by_row[v]} | {reported[v]} |" for v in VERDICTS]
    summary = mde_summary(c)
    if summary:
        lines += ["", summary]
    lines += _md_inconclusive(c)
    lines += _md_rows("Reported, not gated: what moved", [r for r in moved(c, gated=False)], norm)
    for label, names in (("Only in BASE (not compared)", c.only_base),
                         ("Only in NEW (not compared)", c.only_new),
                         ("Not normalised (no reference case)", c.not_normalized),
                         ("Not compared (none of the metrics)", c.no_metrics),
                         ("Not gated (no primary metric)", c.not_gated)):
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


def _row_doc(row: Row) -> dict[str, Any]:
    return {
        "name": row.case, "metric": row.metric.name, "base": _finite(row.base),
        "new": _finite(row.new), "ratio": _finite(row.ratio), "p_value": row.p_value,
        "verdict": row.verdict, "q_value": row.q_value, "direction": row.metric.direction,
        "gated": row.gated, "n_base": row.n_base, "n_new": row.n_new,
        "base_iqr": list(row.base_quartiles) if row.base_quartiles else None,
        "new_iqr": list(row.new_quartiles) if row.new_quartiles else None,
        "noise": None if row.spread is None else power.relative(row.spread),
        "mde": _finite(row.mde), "detectable": None if row.mde is None else math.isfinite(row.mde),
        "repetitions_needed": row.repetitions_needed, "note": row.note}


def json_doc(c: Comparison) -> dict[str, Any]:
    o = c.options
    return {
        "cases": [_row_doc(row) for row in c.rows],
        "counts": c.counts(), "case_counts": c.counts(per_case=True),
        "reported_counts": c.counts(gated=False), "regressed": c.regressed,
        "failed": c.failed,
        "only_in_base": c.only_base, "only_in_new": c.only_new, "not_normalized": c.not_normalized,
        "no_metrics": c.no_metrics, "not_gated": c.not_gated,
        "settings": {"metrics": [m.name for m in c.metrics], "threshold": o.threshold,
                     "alpha": o.alpha, "normalize_to": o.normalize_to, "tests": c.tests,
                     "level": None if c.deterministic else c.level,
                     "reported_tests": c.reported_tests, "gate_metrics": o.gate_metrics,
                     "power": power.TARGET_POWER, "fail_on_inconclusive": o.fail_on_inconclusive,
                     "test": "mann-whitney",
                     "deterministic": c.deterministic, "forced": c.context_differences},
        "notes": file_notes(c),
        "base": {"source": c.base.source, "git_sha": c.base.context.get("git_sha")},
        "new": {"source": c.new.source, "git_sha": c.new.context.get("git_sha")},
    }


def json_text(c: Comparison) -> str:
    return json.dumps(json_doc(c), indent=2, allow_nan=False) + "\n"


# ---------------------------------------------------------------- junit

def _detail(rows: list[Row], norm: bool) -> str:
    return "\n".join(
        f"{r.metric.name}{'' if r.gated else ' (not gated)'}: {value(r.metric, r.base, norm)} -> "
        f"{value(r.metric, r.new, norm)} ({change(r)}, p(BH) {p_text(r)}, MDE {mde_text(r)}) "
        f"{r.verdict}" + (f": {r.note}" if r.note else "")
        for r in rows)


def junit(c: Comparison) -> str:
    """One testcase per gated case: a failure when its gated metric regressed (or, with
    --fail-on-inconclusive, was inconclusive), skipped when inconclusive."""
    norm = bool(c.options.normalize_to)
    by_case: dict[str, list[Row]] = {}
    for row in c.rows:
        by_case.setdefault(row.case, []).append(row)
    verdicts = c.case_verdicts()
    blind_fails = c.options.fail_on_inconclusive
    failures = sum(1 for v in verdicts.values()
                   if v == "regressed" or (blind_fails and v == "inconclusive"))
    skipped = 0 if blind_fails else sum(1 for v in verdicts.values() if v == "inconclusive")
    counts = {"tests": str(len(verdicts)), "failures": str(failures), "errors": "0",
              "skipped": str(skipped)}
    suites = ET.Element("testsuites", {"name": "synclab compare", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "synclab compare", "time": "0", **counts})
    props = ET.SubElement(suite, "properties")
    per_case = c.counts(per_case=True)
    for key, val in (("base", c.base.revision_label), ("new", c.new.revision_label),
                     ("settings", _settings_line(c)), *((v, str(per_case[v])) for v in VERDICTS),
                     ("minimum detectable effect", mde_summary(c))):
        ET.SubElement(props, "property", name=key, value=val)
    for case, verdict in verdicts.items():
        rows = by_case[case]
        parts = case.split("/")
        classname = ".".join(parts[:2]) if len(parts) >= 2 else "synclab"
        element = ET.SubElement(suite, "testcase", classname=classname, name=case, time="0")
        detail = _detail(rows, norm)
        gated = [r for r in rows if r.gated]
        if verdict == "regressed":
            bad = [r for r in gated if r.verdict == "regressed"]
            message = "; ".join(f"{r.metric.name} {change(r)}" if r.metric.name != "status"
                                else r.note for r in bad)
            failure = ET.SubElement(element, "failure", message=f"regressed: {message}",
                                    type="regressed")
            failure.text = detail
        elif verdict == "inconclusive":
            notes = "; ".join(sorted({r.note for r in gated if r.verdict == "inconclusive"}))
            if blind_fails:
                failure = ET.SubElement(element, "failure", message=f"inconclusive: {notes}",
                                        type="inconclusive")
                failure.text = detail
            else:
                ET.SubElement(element, "skipped", message="inconclusive: " + notes)
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
