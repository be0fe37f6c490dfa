"""The plain-text summary run_suite prints at the end of a run."""
from __future__ import annotations

from typing import Sequence

from synclab.report import fmt
from synclab.report.summary import (CRITERIA, DEFAULT_FAIR_BY, LevelSummary, Pick, WhyAbsent,
                                    level_summaries, registry_reason)
from synclab.report.tables import ScenarioTable

# The metrics of the columns below; a dash in one of them is explained under the block.
_SHOWN = ("ops_per_sec", "ns_per_op", "fairness_jain", "lat_p99_ns")
_COLUMNS = (("primitive", "<"), ("threads", ">"), ("place", "<"), ("ops/s", ">"), ("ns/op", ">"),
            ("fairness", ">"), ("p99", ">"), ("ratio", ">"))


def _pick(pick: Pick | None) -> str:
    if pick is None:
        return "—"
    return f"{pick.primitive} {fmt.ratio(pick.ratio) if pick.ratio is not None else '(no ratio)'}"


def winners_text(summaries: Sequence[LevelSummary], fair_by: str = DEFAULT_FAIR_BY) -> str:
    """One line per family and level: fastest, fairest and best at both (see summary.py), and
    what decided fairness where it was not the criterion asked for."""
    criterion = CRITERIA[fair_by]
    lines = [f"winners at the most threads of each level (× baseline); fairness by {fair_by} "
             f"({criterion.label}; best at both: {criterion.bound} {criterion.margin}):"]
    for s in summaries:
        where = f"{s.family} / {s.level} t:{s.threads}"
        fairest = _pick(s.fairest) if s.fairest else f"— ({s.note})"
        line = (f"  {where}: fastest {_pick(s.fastest)}, fairest {fairest}, "
                f"best at both {_pick(s.best)}")
        if s.verdict is not None and s.verdict.fallback:
            line += f" [by jain: no {s.verdict.asked.metric}]"
        lines.append(line)
    return "\n".join(lines)


def summary_text(tables: Sequence[ScenarioTable], fair_by: str = DEFAULT_FAIR_BY,
                 why: WhyAbsent = registry_reason) -> str:
    """One block per scenario: primitive, threads, ops/s, ns/op, fairness, p99, ratio to baseline;
    then the winners of each level."""
    blocks = []
    for table in tables:
        ratio_title = f"vs {table.baseline}" if table.baseline else "ratio"
        header = [title if title != "ratio" else ratio_title for title, _ in _COLUMNS]
        lines = [header]
        for row in table.rows:
            lines.append([
                row.primitive, str(row.threads), row.placement,
                fmt.metric("ops_per_sec", row.metrics.get("ops_per_sec")),
                fmt.metric("ns_per_op", row.metrics.get("ns_per_op")),
                fmt.metric("fairness_jain", row.metrics.get("fairness_jain")),
                fmt.metric("lat_p99_ns", row.metrics.get("lat_p99_ns")),
                fmt.ratio(row.ratio),
            ])
        widths = [max(len(line[i]) for line in lines) for i in range(len(_COLUMNS))]
        text = [table.title]
        for line in lines:
            cells = [f"{cell:{align}{width}}"
                     for cell, (_, align), width in zip(line, _COLUMNS, widths)]
            text.append("  " + "  ".join(cells).rstrip())
        for metric in _SHOWN:
            lacking = list(dict.fromkeys(row.primitive for row in table.rows
                                         if metric not in row.metrics))
            if lacking:
                text.append(f"  — {metric} not measured for {', '.join(lacking)}: "
                            f"{why(table.family, metric)}")
        blocks.append("\n".join(text))
    summaries = level_summaries(tables, fair_by, why)
    if summaries:
        blocks.append(winners_text(summaries, fair_by))
    return "\n\n".join(blocks) if blocks else "no results"
