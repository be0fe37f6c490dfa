"""The apps panel: each program's throughput per lock relative to the system mutex, beside what
the microbenchmark said about the same lock (docs/apps.md, docs/report.md).

For every program workload, thread count and placement of the apps family, one row per lock:
  app        its throughput ÷ pthread_mutex's (the system mutex, through the same interposer),
             with the spread of the repetitions, and whether it is faster, slower or within noise
             (the ranges of the two do not overlap, or do);
  micro      the locks family's throughput of the same lock ÷ pthread_mutex's at the reference
             level (uncontended for one thread, high up to one thread per PU, oversubscribed
             beyond) with the same threads and placement, from the same results file, judged the
             same way, and the summary's verdict there (fastest, fairest, best at both);
  agrees     whether the two sides fall on the same side of the system mutex.
Then, per workload: the application's best lock and its ratio, the microbenchmark's best at both,
and whether that pick is also the application's best ("holds"). A run without the locks family
says so instead of inventing a verdict.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from synclab.numfmt import factor
from synclab.report.summary import DEFAULT_FAIR_BY, WhyAbsent, pick_winners, registry_reason
from synclab.report.tables import Row, ScenarioTable, parse_label

APPS, LOCKS = "apps", "locks"
SYSTEM_MUTEX = "pthread_mutex"
FASTER, SLOWER, NOISE = "faster", "slower", "within noise"
UNJUDGED = "one repetition: not judged"


def reference_levels(threads: int, pus: int) -> tuple[str, ...]:
    """The microbenchmark levels an application run is read against, first measured first:
    uncontended for one thread, high up to one thread per PU of the placement, beyond that the
    oversubscription sweep (which has every thread count) or the oversubscribed level."""
    if threads <= 1:
        return ("uncontended",)
    return ("high",) if threads <= pus else ("oversub_sweep", "oversubscribed")


def _pus(rows: Sequence[Row], threads: int) -> int:
    """Distinct PUs the rows' label names (the threads when it names none)."""
    for row in rows:
        placement = parse_label(row.label)
        if placement is not None and placement.pus:
            return len(set(placement.pus))
    return threads


@dataclass(frozen=True)
class Side:
    """A lock against the system mutex on one side (the application or the microbenchmark)."""
    ratio: float  # median over median
    lo: float  # the lock's spread over the system mutex's median
    hi: float
    verdict: str  # FASTER, SLOWER or NOISE

    @property
    def text(self) -> str:
        spread = f" ({factor(self.lo)}–{factor(self.hi)})" if self.hi > self.lo else ""
        return f"{factor(self.ratio)}{spread}"


def compare(row: Row, base: Row) -> Side | None:
    """The row's throughput against the base row's: faster or slower only when the two spreads
    (IQR or min–max of the repetitions) do not overlap; not judged from a single repetition."""
    ops, ref = row.metrics.get("ops_per_sec"), base.metrics.get("ops_per_sec")
    if ops is None or ref is None or ref.median <= 0:
        return None
    if row is not base and (ops.n < 2 or ref.n < 2):
        verdict = UNJUDGED
    elif ops.lo > ref.hi:
        verdict = FASTER
    elif ops.hi < ref.lo:
        verdict = SLOWER
    else:
        verdict = NOISE
    return Side(ops.median / ref.median, ops.lo / ref.median, ops.hi / ref.median, verdict)


@dataclass(frozen=True)
class LockRow:
    lock: str
    app: Side | None
    micro: Side | None
    micro_tags: tuple[str, ...]  # "fastest", "fairest", "best at both" at the reference level
    micro_missing: str  # why there is no micro side ("" when there is)

    @property
    def agrees(self) -> bool | None:
        if self.app is None or self.micro is None:
            return None
        return self.app.verdict == self.micro.verdict


@dataclass(frozen=True)
class WorkloadView:
    program: str
    workload: str
    threads: int
    placement: str
    level: str  # the microbenchmark level read against
    rows: tuple[LockRow, ...]  # the application's fastest first
    app_best: str | None
    app_best_ratio: float | None
    micro_best: str | None  # the microbenchmark's best at both at the level ("" when not run)
    micro_note: str  # why micro_best is absent

    @property
    def holds(self) -> bool | None:
        """The microbenchmark's best at both is also the application's fastest lock."""
        if not self.micro_best or self.app_best is None:
            return None
        return self.micro_best == self.app_best

    @property
    def title(self) -> str:
        return f"{self.program}:{self.workload} t:{self.threads} place:{self.placement}"


def _micro_rows(tables: Sequence[ScenarioTable], levels: Sequence[str], threads: int,
                placement: str) -> tuple[str, list[Row]]:
    """The first of `levels` the locks family measured at these threads and placement, and its
    rows there; the first level and no rows when none was."""
    for level in levels:
        for table in tables:
            if table.family == LOCKS and table.scenario == level and not table.params:
                rows = [row for row in table.rows if row.threads == threads and row.placement == placement]
                if rows:
                    return level, rows
    return levels[0], []


def views(tables: Sequence[ScenarioTable], fair_by: str = DEFAULT_FAIR_BY,
          why: WhyAbsent = registry_reason) -> list[WorkloadView]:
    """One view per apps workload, thread count and placement that measured the system mutex."""
    out = []
    for table in tables:
        if table.family != APPS:
            continue
        program, _, workload = table.scenario.partition(":")
        for placement in table.placements:
            for threads in sorted({row.threads for row in table.rows if row.placement == placement}):
                rows = [row for row in table.rows if row.threads == threads and row.placement == placement]
                base = next((row for row in rows if row.primitive == SYSTEM_MUTEX), None)
                if base is None:
                    continue
                level, micro = _micro_rows(tables, reference_levels(threads, _pus(rows, threads)),
                                           threads, placement)
                micro_base = next((row for row in micro if row.primitive == SYSTEM_MUTEX), None)
                winners = pick_winners(micro, threads, fair_by, family=LOCKS, why=why) if micro else None
                tags: dict[str, list[str]] = {}
                if winners is not None:
                    for tag, pick in (("fastest", winners.fastest), ("fairest", winners.fairest),
                                      ("best at both", winners.best)):
                        if pick is not None:
                            tags.setdefault(pick.primitive, []).append(tag)
                if not micro:
                    missing = f"the locks family was not run at {level}, t:{threads}, place:{placement}"
                elif micro_base is None:
                    missing = f"{SYSTEM_MUTEX} was not measured by the locks family there"
                else:
                    missing = ""
                lock_rows = []
                for row in rows:
                    twin = next((m for m in micro if m.primitive == row.primitive), None)
                    micro_side = compare(twin, micro_base) if twin and micro_base else None
                    lock_rows.append(LockRow(row.primitive, compare(row, base), micro_side,
                                             tuple(tags.get(row.primitive, ())),
                                             missing or ("" if micro_side else
                                                         "not measured by the locks family")))
                lock_rows.sort(key=lambda r: (-(r.app.ratio if r.app else 0.0), r.lock))
                best = lock_rows[0] if lock_rows and lock_rows[0].app else None
                micro_best = winners.best.primitive if winners and winners.best else None
                note = missing or ("" if micro_best else (winners.note if winners else ""))
                out.append(WorkloadView(program, workload, threads, placement, level,
                                        tuple(lock_rows), best.lock if best else None,
                                        best.app.ratio if best and best.app else None,
                                        micro_best, note))
    return out


def _holds_text(view: WorkloadView) -> str:
    if view.app_best is None:
        return "no lock has a throughput"
    text = f"best lock {view.app_best} at {factor(view.app_best_ratio or 0)} the system mutex"
    if view.holds is None:
        return text + f"; no microbenchmark verdict ({view.micro_note or 'not measured'})"
    verdict = "holds" if view.holds else "does not hold"
    return (text + f"; the microbenchmark's best at both ({view.level}, t:{view.threads}) is "
            f"{view.micro_best}: its pick {verdict} here")


def text(views_: Sequence[WorkloadView]) -> str:
    """The panel as plain text, for run_suite's summary."""
    if not views_:
        return ""
    blocks = ["apps: throughput ÷ the system mutex (pthread_mutex), beside the microbenchmark's "
              "ratio for the same lock"]
    for view in views_:
        lines = [("lock", "app ÷ pthread", "", f"micro ({view.level}) ÷ pthread", "", "micro verdict",
                  "agrees")]
        for row in view.rows:
            lines.append((row.lock, row.app.text if row.app else "—", row.app.verdict if row.app else "",
                          row.micro.text if row.micro else "—", row.micro.verdict if row.micro else "",
                          ", ".join(row.micro_tags),
                          {True: "yes", False: "no", None: "—"}[row.agrees]))
        widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
        body = ["  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
                for line in lines]
        blocks.append("\n".join([view.title, *body, "  " + _holds_text(view)]))
    return "\n\n".join(blocks)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def section_html(views_: Sequence[WorkloadView], figure: str | None) -> str:
    """The panel as an HTML section ("" when the run has no apps case)."""
    if not views_:
        return ""
    parts = ["<section id=apps><h2>Applications: does the microbenchmark's ranking hold?</h2>",
             "<p>Each program ran unmodified with every pthread mutex and condition variable on the "
             "lock named (libsynclab_interpose.so), against glibc's own mutex through the same "
             "interposer. <b>app</b>: the program's own throughput ÷ the system mutex's (spread of "
             "the repetitions in brackets); <b>micro</b>: the locks family's throughput of the same "
             "lock ÷ pthread_mutex at the level named (uncontended for one thread, high up to one "
             "thread per PU, oversubscribed beyond), "
             "same threads and placement, same run. Faster or slower only when the spreads do not "
             "overlap; <b>agrees</b>: both sides on the same side of the system mutex "
             "(docs/apps.md).</p>"]
    if figure:
        parts.append(f"<figure><img src=\"{_e(figure)}\" alt=\"application ratio against "
                     "microbenchmark ratio per lock\"><figcaption>One point per lock and workload: "
                     "right of 1× faster in the microbenchmark, above 1× faster in the program; "
                     "points off the diagonal are where the microbenchmark misleads.</figcaption>"
                     "</figure>")
    for view in views_:
        parts.append(f"<h3>{_e(view.title)}</h3><p>{_e(_holds_text(view))}</p><table><tr><th>lock</th>"
                     f"<th>app ÷ pthread_mutex</th><th>micro ({_e(view.level)}) ÷ pthread_mutex</th>"
                     "<th>microbenchmark verdict</th><th>agrees</th></tr>")
        for row in view.rows:
            app = f"{row.app.text} <span class=muted>{_e(row.app.verdict)}</span>" if row.app else "—"
            micro = (f"{row.micro.text} <span class=muted>{_e(row.micro.verdict)}</span>"
                     if row.micro else f"<span class=muted>{_e(row.micro_missing)}</span>")
            agrees = {True: "yes", False: "<b>no</b>", None: "—"}[row.agrees]
            parts.append(f"<tr><td>{_e(row.lock)}</td><td>{app}</td><td>{micro}</td>"
                         f"<td>{_e(', '.join(row.micro_tags))}</td><td>{agrees}</td></tr>")
        parts.append("</table>")
    parts.append("</section>")
    return "".join(parts)


def plot(views_: Sequence[WorkloadView], path: Path) -> bool:
    """Application ratio against microbenchmark ratio, one point per lock and workload; False
    when no lock has both."""
    points = [(view, row) for view in views_ for row in view.rows if row.app and row.micro]
    if not points:
        return False
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 6.0), layout="constrained")
    ax = fig.add_subplot()
    markers = "os^Dv<>p*h"
    workloads = list(dict.fromkeys(view.title for view, _ in points))
    for index, title in enumerate(workloads):
        mine = [(view, row) for view, row in points if view.title == title]
        ax.scatter([row.micro.ratio for _, row in mine if row.micro],
                   [row.app.ratio for _, row in mine if row.app], marker=markers[index % len(markers)],
                   label=title, alpha=0.8)
        for _, row in mine:
            assert row.app and row.micro
            ax.annotate(row.lock, (row.micro.ratio, row.app.ratio), fontsize=7, xytext=(3, 2),
                        textcoords="offset points")
    values = [v for _, row in points if row.app and row.micro for v in (row.app.ratio, row.micro.ratio)]
    low, high = min(values + [1.0]) / 1.2, max(values + [1.0]) * 1.2
    ax.plot([low, high], [low, high], color="grey", linewidth=0.8, linestyle=":")
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel("microbenchmark: throughput ÷ pthread_mutex (×)")
    ax.set_ylabel("application: throughput ÷ pthread_mutex (×)")
    ax.set_title("where the microbenchmark's ranking holds")
    ax.legend(fontsize=7, loc="best")
    fig.savefig(path, dpi=90, bbox_inches="tight")
    return True
