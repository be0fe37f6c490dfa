"""The report's panels on synthetic runs (inputs/showcase.json, emulated_arm64.json,
new_families.json): summary winners, family figures, counters, the machine, side by side."""
from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from synclab.report.build import build_report
from synclab.report.counters import counter_status, extra_events, not_measured
from synclab.report.families import generic, locks, panel_for
from synclab.load import Run, load
from synclab.report.machine import c2c_by_class, c2c_matrix, operation_costs
from synclab.report.side_by_side import EMULATED_SUFFIX, run_labels, side_by_side
from synclab.report.summary import LevelSummary, level_summaries
from synclab.report.tables import ScenarioTable, families, scenario_tables
from synclab.report.views import collapse, cpu_costs, fairness_points, level_views

EVENTS = ["cache_misses_per_op", "context_switches_per_op", "cpu_migrations_per_op",
          "cycles_per_op", "instructions_per_op", "page_faults_per_op", "task_clock_ns_per_op"]


def images(index: Path) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', index.read_text(encoding="utf-8"))


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def assert_every_image_exists(index: Path) -> list[str]:
    """Every <img> is a PNG beside index.html, and every PNG there is shown."""
    srcs = images(index)
    for src in srcs:
        assert "/" not in src and (index.parent / src).is_file(), src
        width, height = png_size(index.parent / src)
        assert 100 < width <= 1800 and 100 < height <= 1800, (src, width, height)
    assert sorted(srcs) == sorted(p.name for p in index.parent.glob("*.png"))
    text = index.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "<script" not in text
    return srcs


@pytest.fixture(scope="module")
def showcase(inputs_dir: Path) -> Run:
    return load(inputs_dir / "showcase.json")


@pytest.fixture(scope="module")
def inputs_dir() -> Path:
    return Path(__file__).resolve().parent / "inputs"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory, inputs_dir: Path) -> Path:
    """The report of showcase.json next to emulated_arm64.json, drawn once for this module."""
    out = tmp_path_factory.mktemp("two_runs")
    runs = [load(inputs_dir / "showcase.json"), load(inputs_dir / "emulated_arm64.json")]
    return build_report(runs, out, generated="2024-06-01T12:00:00+00:00")


def level(summaries: list[LevelSummary], scenario: str) -> LevelSummary:
    return next(s for s in summaries if s.scenario == scenario)


def table(tables: list[ScenarioTable], scenario: str) -> ScenarioTable:
    return next(t for t in tables if t.scenario == scenario)


# ---- the summary ---------------------------------------------------------------------------

def test_summary_picks_fastest_fairest_and_best_at_both(showcase: Run) -> None:
    summaries = level_summaries(scenario_tables(showcase.records))
    assert [(s.family, s.scenario, s.threads) for s in summaries] == [
        ("locks", "uncontended", 1), ("locks", "high", 2), ("locks", "oversubscribed", 8)]
    high = level(summaries, "high")
    assert (high.baseline, high.baseline_ops) == ("std_mutex", pytest.approx(1.0e6))
    assert high.fastest.primitive == "tas_spin" and high.fastest.ratio == pytest.approx(4.0)
    assert high.fairest is not None and high.fairest.primitive == "ticket"
    assert high.fairest.ratio == pytest.approx(0.5)
    # pthread_spin (3 M, Jain 0.89) is faster but below 0.9 x 0.999; futex_mutex3 (0.92) is not.
    assert high.fairness_floor == pytest.approx(0.9 * 0.999)
    assert high.best is not None and high.best.primitive == "futex_mutex3"
    assert high.best.ratio == pytest.approx(2.0) and high.best.fairness == pytest.approx(0.92)


def test_summary_with_one_thread_has_no_fairest(showcase: Run) -> None:
    uncontended = level(level_summaries(scenario_tables(showcase.records)), "uncontended")
    assert uncontended.fastest.primitive == "tas_spin"
    assert uncontended.fastest.ratio == pytest.approx(2.5)
    assert uncontended.fairest is None and "one thread" in uncontended.note
    assert uncontended.best == uncontended.fastest


def test_summary_on_the_page(two_runs: Path) -> None:
    text = two_runs.read_text(encoding="utf-8")
    summary = text[text.index("<table class=summary>"):]
    summary = summary[:summary.index("</table>")]
    high = next(row for row in summary.split("<tr>") if ">high<" in row)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", high)
    assert "<b>tas_spin</b> 4.00×" in cells[4]
    assert "<b>ticket</b> 0.50×" in cells[5]
    assert "<b>futex_mutex3</b> 2.00×" in cells[6] and "Jain 0.920" in cells[6]
    assert "best at both" in text and "0.9 × the fairest" in text


# ---- family panels -------------------------------------------------------------------------

def test_level_views_use_the_most_threads(showcase: Run) -> None:
    tables = scenario_tables(showcase.records)
    [view] = level_views(table(tables, "high"), tables)
    assert view.threads == 2 and view.thread_counts == [1, 2] and len(view.rows) == 5
    fairness = fairness_points(view)
    assert fairness is not None and fairness.best == "futex_mutex3"
    assert fairness.floor == pytest.approx(0.8991)
    spin = {c.primitive: c for c in cpu_costs(view)}
    assert spin["tas_spin"].busy == pytest.approx(0.97) and spin["std_mutex"].busy == pytest.approx(0.45)


def test_oversubscription_collapse_and_cpu_capacity(showcase: Run) -> None:
    tables = scenario_tables(showcase.records)
    [view] = level_views(table(tables, "oversubscribed"), tables)
    data = collapse(view)
    assert data is not None and (data.threads, data.reference_threads) == (8, 2)
    ratios = dict(data.bars)
    assert ratios["tas_spin"] == pytest.approx(0.01) and ratios["ticket"] == pytest.approx(0.02)
    assert ratios["futex_mutex3"] == pytest.approx(0.9)
    assert data.bars[0][0] == "tas_spin"  # the worst first
    # 8 threads on 2 PUs: the CPU time they could use is wall time x 2, not x 8.
    cost = next(c for c in cpu_costs(view) if c.primitive == "tas_spin")
    assert (cost.threads, cost.pus) == (8, 2) and cost.busy == pytest.approx(0.97)
    [high] = level_views(table(tables, "high"), tables)
    assert collapse(high) is None


def test_panels_are_chosen_by_family() -> None:
    assert panel_for("locks") is locks.PANEL
    assert panel_for("rwlocks") is generic.PANEL and panel_for("no_such_family") is generic.PANEL
    assert panel_for("channels") is not generic.PANEL and panel_for("padding").overview
    assert [p.key for p in generic.PANEL.speed] == ["throughput", "relative"]
    assert not generic.PANEL.behaviour
    assert [p.key for p in locks.PANEL.behaviour] == ["fairness", "latency", "cpu", "collapse"]


def test_every_promised_file(two_runs: Path) -> None:
    srcs = assert_every_image_exists(two_runs)
    assert sorted(srcs) == sorted([
        "run1-locks-uncontended-speed.png", "run1-locks-uncontended-behaviour.png",
        "run1-locks-high-speed.png", "run1-locks-high-behaviour.png",
        "run1-locks-oversubscribed-speed.png", "run1-locks-oversubscribed-behaviour.png",
        "run1-machine-c2c.png", "run1-machine-costs.png",
        "run2-locks-uncontended-speed.png", "run2-locks-uncontended-behaviour.png",
        "run2-locks-high-speed.png", "run2-locks-high-behaviour.png",
        "compare-locks_uncontended.png", "compare-locks_high.png"])
    text = two_runs.read_text(encoding="utf-8")
    for needle in ("fairness against throughput", "latency percentiles", "CPU time per operation",
                   "oversubscription collapse", "throughput relative to the baseline",
                   "throughput against threads: only one thread count was measured",
                   "fairness against throughput: one thread"):
        assert needle in text, needle


def test_tables_show_each_case_placement(two_runs: Path) -> None:
    text = two_runs.read_text(encoding="utf-8")
    assert "<th>PUs · class</th>" in text
    assert "PUs 0,1 · same core" in text and "PUs 0,1 ×4 · same core · oversubscribed" in text
    assert "Placement used per case" in text


# ---- counters ------------------------------------------------------------------------------

def test_event_counters_and_what_was_not_counted(showcase: Run) -> None:
    tables = scenario_tables(showcase.records)
    assert extra_events(row for t in tables for row in t.rows) == EVENTS
    status = counter_status(showcase.context)
    assert status.pmu_available is True and "cycles" in status.available
    assert dict(status.unavailable) == {"l1d_misses": "no such event on this PMU",
                                        "xsnp_hitm": "not supported by this PMU; more text"}
    lines = dict(not_measured(status, EVENTS))
    assert set(lines) == {"l1d_misses", "xsnp_hitm"}


def test_counters_when_there_is_no_pmu(inputs_dir: Path) -> None:
    run = load(inputs_dir / "complete.json")
    lines = dict(not_measured(counter_status(run.context), []))
    assert lines["hardware counters (cycles, instructions, cache and coherence misses)"] == \
        "perf_event_paranoid=3"
    assert counter_status({}).recorded is False
    assert "not recorded" in dict(not_measured(counter_status({}), []))["event counters"]


def test_counters_panel_on_the_page(two_runs: Path) -> None:
    text = two_runs.read_text(encoding="utf-8")
    panel = text[text.index('id="run-1-counters"'):text.index('id="run-1-missing"')]
    for needle in ("cycles/op", "instructions/op", "task_clock_ns/op", "page_faults/op",
                   "cache_misses/op", "counted (share of the window)", "50%",
                   "l1d_misses", "no such event on this PMU"):
        assert needle in panel, needle
    top = text[:text.index('id=side-by-side')]
    assert top.count("no such event on this PMU") == 1  # stated once near the top
    arm = text[text.index('id="run-2-counters"'):text.index('id="run-2-missing"')]
    assert "emulated (qemu-aarch64)" in arm and "No case reported an event counter" in arm


# ---- the machine ---------------------------------------------------------------------------

def test_core_to_core_matrix(showcase: Run) -> None:
    matrix = c2c_matrix(showcase.records)
    assert matrix is not None and matrix.pus == (0, 1, 2, 3)
    assert matrix.cell(0, 1) == 20.0 and matrix.cell(1, 0) == 21.0  # both directions measured
    assert matrix.cell(3, 2) == 22.0  # one direction fills both cells
    assert all(matrix.cell(pu, pu) is None for pu in matrix.pus)
    assert matrix.roundtrip_ns[0][1] == 40.0
    classes = c2c_by_class(matrix)
    assert [(c.topology_class, c.pairs, c.median_ns) for c in classes] == [
        ("same_core", 2, 21.0), ("cross_l3", 4, 85.0)]


def test_core_to_core_heat_map() -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from synclab.report.figures.machine import plot_c2c
    from synclab.report.machine import C2CMatrix

    matrix = C2CMatrix((0, 1, 2), ((None, 10.0, 50.0), (10.0, None, None), (50.0, None, None)),
                       ((None,) * 3,) * 3, {})
    fig = Figure()
    ax = fig.add_subplot()
    plot_c2c(matrix, ax=ax, title="c2c", emulated=False)
    assert sorted(t.get_text() for t in ax.texts) == ["10", "10", "50", "50"]  # blanks stay blank
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert "PU" in ax.get_xlabel() and "PU" in ax.get_ylabel()


def test_operation_costs(showcase: Run) -> None:
    costs = operation_costs(showcase.records)
    assert [(c.group, c.operation) for c in costs] == [
        ("atomics", "exchange"), ("atomics", "fetch_add"), ("atomics", "seqcst_store"),
        ("atomics", "cas"), ("atomics", "pause"), ("syscall", "getppid"),
        ("syscall", "futex_wake_nowaiter")]
    assert costs[-1].cost.median == 120.0 and costs[0].placement.startswith("cpus:0 (PU 0")


def test_machine_on_the_page(two_runs: Path, inputs_dir: Path, tmp_path: Path) -> None:
    text = two_runs.read_text(encoding="utf-8")
    machine = text[text.index('id="run-1-machine"'):text.index('id="run-1-family-locks"')]
    for needle in ("Example CPU 9000", "Package:1 L3Cache:1", "-march=x86-64-v2", "glibc 2.36",
                   "run1-machine-c2c.png", "same core", "run1-machine-costs.png",
                   "futex_wake_nowaiter", "120 ns"):
        assert needle in machine, needle
    arm = text[text.index('id="run-2-machine"'):text.index('id="run-2-family-locks"')]
    assert arm.count("Not measured in this run") == 2


# ---- side by side --------------------------------------------------------------------------

def test_run_labels_tell_runs_apart(showcase: Run) -> None:
    def variant(**context: str) -> Run:
        return Run(showcase.source, {**showcase.context, **context},
                   {**showcase.run_info, "run_id": context.get("run", "r1")}, ())

    assert run_labels([variant(arch="x86_64"), variant(arch="arm64")]) == [
        "lab1 · x86_64", "lab1 · arm64"]
    assert run_labels([variant(git_sha="aaaaaaa1"), variant(git_sha="bbbbbbb2")]) == [
        "lab1 · x86_64 · aaaaaaa", "lab1 · x86_64 · bbbbbbb"]
    assert run_labels([variant(run="r1"), variant(run="r2")]) == [
        "lab1 · x86_64 · 1234567 · r1", "lab1 · x86_64 · 1234567 · r2"]
    assert run_labels([variant(), variant()]) == [
        "lab1 · x86_64 · 1234567 · r1 #1", "lab1 · x86_64 · 1234567 · r1 #2"]


def test_side_by_side_normalises_to_each_runs_baseline(showcase: Run, inputs_dir: Path) -> None:
    arm = load(inputs_dir / "emulated_arm64.json")
    runs = [showcase, arm]
    tables = [scenario_tables(r.records) for r in runs]
    compared = side_by_side(runs, tables, run_labels(runs))
    assert [(c.family, c.scenario) for c in compared] == [("locks", "uncontended"), ("locks", "high")]
    high = compared[1]
    assert high.primitives[0] == "std_mutex" and high.emulated
    native, emulated = high.runs
    assert native.label == "lab1 · x86_64" and not native.emulated
    assert emulated.label == f"lab1 · arm64 {EMULATED_SUFFIX}"
    assert native.ratios["tas_spin"] == pytest.approx(4.0)
    assert emulated.ratios["futex_mutex3"] == pytest.approx(3.0)
    assert "pthread_spin" not in emulated.ratios  # not run there: no bar


def test_side_by_side_panel_labels_the_emulated_run(showcase: Run, inputs_dir: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from synclab.report.figures.runs import plot_side_by_side
    from synclab.report.figures.style import primitive_styles

    runs = [showcase, load(inputs_dir / "emulated_arm64.json")]
    tables = [scenario_tables(r.records) for r in runs]
    high = side_by_side(runs, tables, run_labels(runs))[1]
    ax = Figure().add_subplot()
    plot_side_by_side(high, ax=ax, styles=primitive_styles(high.primitives), title="locks / high")
    assert ax.get_title().endswith(EMULATED_SUFFIX)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("lab1 · x86_64") and EMULATED_SUFFIX not in legend[0]
    assert EMULATED_SUFFIX in legend[1]
    assert ax.get_yscale() == "log"  # 0.2x .. 4x


def test_side_by_side_on_the_page(two_runs: Path) -> None:
    text = two_runs.read_text(encoding="utf-8")
    side = text[text.index('id=side-by-side'):text.index('<section id="run-1"')]
    assert "compare-locks_high.png" in side and f"lab1 · arm64 <span class=problem>{EMULATED_SUFFIX}" in side
    assert "<tr class=\"differs\"><th>architecture</th><td>x86_64</td><td>arm64</td>" in side
    run2 = text[text.index('<section id="run-2"'):]
    assert EMULATED_SUFFIX in run2[:300] and "EMULATED run" in run2


# ---- families without a panel --------------------------------------------------------------

def test_unknown_families_get_the_generic_panel(tmp_path: Path, inputs_dir: Path) -> None:
    run = load(inputs_dir / "new_families.json")
    assert list(families(scenario_tables(run.records))) == [
        "channels", "condvars", "ordering", "padding", "refcount", "rwlocks"]
    index = build_report([run], tmp_path)
    srcs = assert_every_image_exists(index)
    # ordering's own panel regroups its levels by operation; padding has no distance cases here
    assert sorted(srcs) == sorted([f"{f}-high-speed.png" for f in (
        "channels", "condvars", "padding", "refcount", "rwlocks")]
        + ["ordering-costs-t1.png", "ordering-costs-t2.png"])
    text = index.read_text(encoding="utf-8")
    for family in ("channels", "refcount", "padding", "ordering", "rwlocks", "condvars"):
        assert f"Family: {family}" in text
    assert "none for this family" in text
    assert "Not drawn: distance curve: neither the distance sweep" in text
    assert "<b>mpmc_ring</b> no ratio" in text or "<b>mutex_deque</b> no ratio" in text


def test_behaviour_plots_scales_and_labels(showcase: Run) -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from synclab.report.figures.behaviour import (plot_collapse, plot_cpu, plot_fairness,
                                                  plot_latency)
    from synclab.report.figures.style import primitive_styles
    from synclab.report.views import latency_ranges

    tables = scenario_tables(showcase.records)
    [view] = level_views(table(tables, "oversubscribed"), tables)
    styles = primitive_styles(table(tables, "high").primitives)
    fig = Figure()
    axes = [fig.add_subplot(2, 2, i + 1) for i in range(4)]
    fairness = fairness_points(view)
    collapsed = collapse(view)
    assert fairness is not None and collapsed is not None
    plot_fairness(fairness, ax=axes[0], styles=styles, title="f", emulated=False)
    plot_latency(latency_ranges(view), ax=axes[1], styles=styles, title="l", emulated=False)
    plot_cpu(cpu_costs(view), ax=axes[2], styles=styles, title="c", emulated=False)
    plot_collapse(collapsed, ax=axes[3], styles=styles, title="o", emulated=True)
    assert axes[0].get_yscale() == "log" and "Jain" in axes[0].get_xlabel()
    assert "ops/s" in axes[0].get_ylabel()
    assert axes[1].get_xscale() == "log" and "latency" in axes[1].get_xlabel()
    assert [t.get_text() for t in axes[1].get_legend().get_texts()] == ["p50", "p99", "p99.9", "max"]
    assert "wall time × PUs used" in [t.get_text() for t in axes[2].get_legend().get_texts()]
    assert any("busy" in t.get_text() for t in axes[2].texts)
    assert axes[3].get_xscale() == "log" and axes[3].get_title().endswith(EMULATED_SUFFIX)
    assert [t.get_text() for t in axes[3].get_yticklabels()][0] == "tas_spin"
