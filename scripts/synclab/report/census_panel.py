"""The cross-architecture code-generation panel: census.json files side by side.

Pure functions: each takes census documents (synclab.census.document: dicts as read from
census.json) and returns an HTML fragment, or draws on an Axes it is given. Nothing here reads
files except find_census / load_census, nothing writes any.

    census_section_html(docs)      the whole panel: side-by-side summary, ordering check,
                                   mismatches, and per census the function x class count table
    side_by_side_html(docs)        one row per function, one column per census (arch / variant)
    counts_table_html(doc)         one census: function x instruction class counts
    ordering_check_html(docs)      the memory-ordering microcases against the book's table
    draw_atomic_counts(ax, docs)   grouped bars: atomic instructions + barriers per function and
                                   census (lock / unlock of each lock by default)
    CENSUS_CSS                     the few style rules the fragments use beyond the page's own
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from synclab.census.disasm import short_calls

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CENSUS_FILE = "census.json"
CENSUS_CSS = """
table.census td.sig{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}
table.census-side td.sig{min-width:12em}table.census-counts td.sig{white-space:nowrap}
table.census td.num{text-align:right;font-variant-numeric:tabular-nums}
table.census td.zero{color:#bbb;text-align:right}
table.census tr.mismatch td{background:#fff0f0}
table.census tr.family th{background:#e8eef7}
.census-cols{display:flex;flex-wrap:wrap;gap:1.2em;align-items:flex-start}
"""
# Classes that are hints rather than atomics or barriers: shown, not counted as atomics.
_HINT_CLASSES = frozenset({"pause", "yield", "wfe", "wfi", "sev", "sevl", "isb", "llsc_retry"})
_OUTLINE = "__aarch64_"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------- reading

def find_census(run_dir: Path) -> Path | None:
    """census.json beside a run's results.json, when run_suite wrote one."""
    path = Path(run_dir) / CENSUS_FILE
    return path if path.is_file() else None


def load_census(paths: Iterable[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """The census documents that could be read, and one line per file that could not."""
    from synclab.census.document import load

    docs, problems = [], []
    for path in paths:
        try:
            docs.append(load(Path(path)))
        except ValueError as exc:
            problems.append(str(exc))
    return docs, problems


# ---------------------------------------------------------------- labels and cells

def census_label(doc: dict[str, Any]) -> str:
    """'x86_64', 'arm64 LL/SC', 'arm64 LSE', 'arm64 outline atomics' (+ ' (emulated)' never:
    code generation is the target's whether or not it ran under qemu)."""
    arch, variant = doc.get("arch", "?"), doc.get("variant", "default")
    names = {"llsc": "LL/SC", "lse": "LSE", "default": "outline atomics" if arch == "arm64" else ""}
    suffix = names.get(variant, variant)
    return f"{arch} {suffix}".strip()


def function_key(entry: dict[str, Any]) -> str:
    return f"{entry['family']}/{entry['primitive']}/{entry['op']}"


def signature_text(entry: dict[str, Any] | None) -> str:
    """'casa + swpa', '2× ldaxr + 2× stxr', 'cas4_acq()' for an outline helper, 'none'."""
    if entry is None:
        return "–"
    parts: list[str] = []
    helpers = entry.get("outline_helpers") or {}
    for cls, n in entry.get("counts", {}).items():
        if cls == "outline" and helpers:
            continue
        parts.append(cls if n == 1 else f"{n}× {cls}")
    for helper, n in helpers.items():
        name = helper[len(_OUTLINE):] + "()" if helper.startswith(_OUTLINE) else helper
        parts.append(name if n == 1 else f"{n}× {name}")
    if parts:
        return " + ".join(parts)
    calls = entry.get("calls") or []
    return f"none (calls {short_calls(calls)})" if calls else "none"


def atomic_count(entry: dict[str, Any]) -> int:
    """Atomic instructions, barriers and outline calls (hints and retries left out)."""
    return sum(n for cls, n in entry.get("counts", {}).items() if cls not in _HINT_CLASSES)


def _rows(docs: Sequence[dict[str, Any]], families: Sequence[str] | None,
          pattern: str | None) -> dict[str, list[dict[str, Any] | None]]:
    regex = re.compile(pattern) if pattern else None
    rows: dict[str, list[dict[str, Any] | None]] = {}
    for column, doc in enumerate(docs):
        for entry in doc.get("functions", []):
            if families is not None and entry.get("family") not in families:
                continue
            key = function_key(entry)
            if regex is not None and not (regex.search(key) or regex.search(entry.get("symbol", ""))):
                continue
            rows.setdefault(key, [None] * len(docs))[column] = entry
    return rows


# ---------------------------------------------------------------- HTML

def side_by_side_html(docs: Sequence[dict[str, Any]], *, families: Sequence[str] | None = None,
                      pattern: str | None = None) -> str:
    """One row per function, one column per census: the classes it uses, then its length."""
    if not docs:
        return '<p class="muted">No code-generation census.</p>'
    rows = _rows(docs, families, pattern)
    head = "".join(f"<th>{_e(census_label(d))}<span class=\"sub\">{_e(d.get('compiler', ''))} "
                   f"<code>{_e(d.get('cxx_flags', ''))}</code></span></th>" for d in docs)
    out = ['<table class="data census census-side">',
           f"<thead><tr><th>function</th>{head}</tr></thead><tbody>"]
    family = None
    for key, entries in rows.items():
        fam = key.split("/", 1)[0]
        if fam != family:
            family = fam
            out.append(f'<tr class="family"><th colspan="{len(docs) + 1}">{_e(fam)}</th></tr>')
        cells = []
        for entry in entries:
            if entry is None:
                cells.append('<td class="sig muted">–</td>')
                continue
            calls = entry.get("calls") or []
            title = f' title="calls: {_e(short_calls(calls, limit=12))}"' if calls else ""
            cells.append(f'<td class="sig"{title}>{_e(signature_text(entry))}'
                         f'<span class="sub">{entry.get("instructions", 0)} instructions</span></td>')
        out.append(f"<tr><th><code>{_e(key.split('/', 1)[1])}</code></th>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def counts_table_html(doc: dict[str, Any], *, families: Sequence[str] | None = None,
                      pattern: str | None = None) -> str:
    """One census: function x instruction class, the classes that occur in it, in the census's
    order; then the instruction count and the outline helpers called."""
    rows = _rows([doc], families, pattern)
    order = doc.get("classes") or []
    present = {cls for entries in rows.values() for e in entries if e for cls in e["counts"]}
    classes = [c for c in order if c in present] + sorted(present - set(order))
    helpers_used = any(e and e.get("outline_helpers") for entries in rows.values() for e in entries)
    head = "".join(f"<th>{_e(c)}</th>" for c in classes)
    out = [f'<table class="data census census-counts"><caption>{_e(census_label(doc))}</caption>',
           f"<thead><tr><th>function</th>{head}<th>instructions</th>"
           f"{'<th>outline helpers</th>' if helpers_used else ''}</tr></thead><tbody>"]
    for key, (entry,) in rows.items():
        assert entry is not None
        cells = "".join(f'<td class="num">{entry["counts"][c]}</td>' if entry["counts"].get(c)
                        else '<td class="zero">·</td>' for c in classes)
        helpers = ""
        if helpers_used:
            names = ", ".join(f"{h}" + (f" ×{n}" if n > 1 else "")
                              for h, n in (entry.get("outline_helpers") or {}).items())
            helpers = f'<td class="sig">{_e(names)}</td>'
        out.append(f"<tr><th><code>{_e(key)}</code></th>{cells}"
                   f'<td class="num">{entry.get("instructions", 0)}</td>{helpers}</tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def ordering_check_html(docs: Sequence[dict[str, Any]]) -> str:
    """Each census's ordering microcases: expected (reference table) and found, side by side."""
    docs = [d for d in docs if d.get("ordering_check")]
    if not docs:
        return '<p class="muted">No memory-ordering microcases in these census files.</p>'
    keys: dict[tuple[str, str, Any], list[dict[str, Any] | None]] = {}
    for column, doc in enumerate(docs):
        for check in doc["ordering_check"]:
            key = (check["op"], check["order"], check.get("width"))
            keys.setdefault(key, [None] * len(docs))[column] = check
    head = "".join(f"<th>{_e(census_label(d))}<span class=\"sub\">vs {_e(d.get('reference', ''))}"
                   "</span></th>" for d in docs)
    out = ['<table class="data census census-ordering">',
           f"<thead><tr><th>operation</th><th>order</th><th>width</th>{head}</tr></thead><tbody>"]
    for (op, order, width), checks in keys.items():
        bad = any(c is not None and not c["ok"] for c in checks)
        cells = []
        for check in checks:
            if check is None:
                cells.append('<td class="sig muted">–</td>')
            elif check["ok"]:
                cells.append(f'<td class="sig"><span class="ok">✓</span> {_e(check["found"])}</td>')
            else:
                note = f'<span class="sub">{_e(check["note"])}</span>' if check.get("note") else ""
                cells.append(f'<td class="sig"><span class="problem">✗</span> {_e(check["found"])}'
                             f'<span class="sub">expected {_e(check["expected"])}</span>{note}</td>')
        row_class = ' class="mismatch"' if bad else ""
        width_text = f"u{width}" if width else "–"
        out.append(f"<tr{row_class}><td>{_e(op)}</td><td>{_e(order)}</td>"
                   f"<td>{_e(width_text)}</td>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def mismatches_html(docs: Sequence[dict[str, Any]]) -> str:
    items = [(census_label(d), line) for d in docs for line in d.get("mismatches", [])]
    if not items:
        checked = sum(len(d.get("ordering_check", [])) for d in docs)
        return (f'<p class="ok">Every ordering microcase ({checked}) compiles to what the reference '
                "table says.</p>") if checked else ""
    lis = "".join(f"<li><b>{_e(label)}</b>: {_e(line)}</li>" for label, line in items)
    return f'<div class="box"><h3>Differences from the reference table</h3><ul>{lis}</ul></div>'


def census_section_html(docs: Sequence[dict[str, Any]], *, families: Sequence[str] | None = None,
                        problems: Sequence[str] = ()) -> str:
    """The whole panel: how to read it, the side-by-side table, the ordering check, and each
    census's full count table folded away."""
    parts = ['<section class="census">', "<h2>Code generation</h2>",
             '<p class="read">What each primitive\'s hot functions compile to, counted from the '
             "disassembly of the measured build (<code>scripts/census</code>): atomic "
             "read-modify-writes, acquire/release loads and stores, barriers, spin hints and calls "
             "of out-of-line atomics, per architecture and code-generation variant. Code "
             "generation is the target's own even when the run was emulated. Classes and the "
             "reference table: docs/architectures.md.</p>"]
    for line in problems:
        parts.append(f'<p class="problem">{_e(line)}</p>')
    if not docs:
        parts.append('<p class="muted">No census.json for this run.</p></section>')
        return "\n".join(parts)
    parts.append(side_by_side_html(docs, families=families))
    parts.append("<h3>Memory-ordering microcases</h3>")
    parts.append(mismatches_html(docs))
    parts.append(ordering_check_html(docs))
    for doc in docs:
        parts.append(f"<details><summary>{_e(census_label(doc))}: every function, every class"
                     "</summary>")
        parts.append(counts_table_html(doc, families=families))
        parts.append("</details>")
    parts.append("</section>")
    return "\n".join(parts)


# ---------------------------------------------------------------- figure

def draw_atomic_counts(ax: Axes, docs: Sequence[dict[str, Any]], *, family: str = "locks",
                       ops: Sequence[str] = ("lock", "unlock"), max_functions: int = 48) -> None:
    """Grouped horizontal bars: atomic instructions + barriers + outline calls of each function
    (family / ops) in each census. Draws on `ax`; the caller owns the figure."""
    colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
    rows = [(key, entries) for key, entries in _rows(docs, [family], None).items()
            if key.rsplit("/", 1)[1] in ops][:max_functions]
    if not rows or not docs:
        ax.text(0.5, 0.5, "no census", transform=ax.transAxes, ha="center", va="center")
        ax.set_axis_off()
        return
    height = 0.8 / len(docs)
    for column, doc in enumerate(docs):
        ys = [i + (column - (len(docs) - 1) / 2) * height for i in range(len(rows))]
        cells = [entries[column] for _, entries in rows]
        values = [atomic_count(cell) if cell else 0 for cell in cells]
        ax.barh(ys, values, height=height * 0.95, color=colours[column % len(colours)],
                label=census_label(doc))
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([key.split("/", 1)[1] for key, _ in rows], fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlabel("atomic instructions, barriers and outline-atomic calls", fontsize=8.5)
    ax.set_title(f"{family}: code generation per architecture", fontsize=9.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7.5, loc="lower right")
