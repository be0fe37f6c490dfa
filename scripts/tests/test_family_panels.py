"""The panels of padding, litmus, ordering and channels on small generated runs: each shows the
effect planted in it, flags nothing in a null, and says why when its data is absent."""
from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pytest

from synclab.load import Run, parse
from synclab.report.build import build_report
from synclab.report.families import channels, litmus, ordering, padding
from synclab.report.families.base import FamilyRun, Skip
from synclab.report.families.plots import RELATIVE_OR_ABSOLUTE, AbsoluteBars
from synclab.report.figures.padding import interference_text
from synclab.report.tables import RelativeBars, families, scenario_tables
from synclab.report.views import level_views

PLACE = "cpus:0,1"
LABEL = "pus=0,1 class=same_l3"


def entry(name: str, label: str = LABEL, **metrics: float) -> dict[str, Any]:
    return {"name": name, "run_type": "iteration", "label": label, **metrics}


def run_of(entries: list[dict[str, Any]], **context: Any) -> Run:
    return parse({"context": {"schema_version": 2, **context}, "benchmarks": entries}, "r.json")


T = TypeVar("T")


def drawn(data: T | Skip) -> T:
    """The data of a figure that must be drawn."""
    assert not isinstance(data, Skip), data
    return data


def family_run(run: Run, family: str) -> FamilyRun:
    return FamilyRun(family, tuple(families(scenario_tables(run.records)).get(family, [])), run)


# ---- padding ---------------------------------------------------------------------------------

DISTANCES = list(range(0, 257, 8)) + [320, 384, 512]


def sweep(slowdown_of: Any, base_ns: float = 1.0) -> list[dict[str, Any]]:
    return [entry(f"padding/distance/write/t:2/place:{PLACE}/bytes:{b}", bytes=b,
                  ns_per_op=base_ns * slowdown_of(b), ops_per_sec=2e9 / slowdown_of(b))
            for b in DISTANCES]


def test_padding_curve_marks_where_false_sharing_ends() -> None:
    run = run_of(sweep(lambda b: 3.0 if b < 128 else 1.0),
                 hardware_destructive_interference_size="64", coherency_line_size="64")
    data = drawn(padding.distance_data(family_run(run, "padding")))
    curve, = data.curves
    assert curve.source == "sweep" and curve.interference == 128
    assert "this sweep" in curve.interference_from
    assert interference_text(curve) == "interference distance 128 B (this sweep)"
    assert [p.slowdown for p in curve.points if p.bytes in (0, 120, 128, 512)] == [3, 3, 1, 1]
    assert ("compiler's destructive size", 64) in data.references


def test_padding_curve_flags_nothing_on_a_flat_sweep_with_one_noisy_point() -> None:
    run = run_of(sweep(lambda b: 1.6 if b == 200 else 1.0 + (b % 16) / 100))
    curve, = drawn(padding.distance_data(family_run(run, "padding"))).curves
    assert curve.interference == 0
    assert interference_text(curve) == "no distance slowed down: no false sharing seen"


def test_padding_curve_slowed_even_at_the_largest_distance_says_so() -> None:
    assert padding.interference_distance([(0, 3.0), (64, 2.0), (512, 2.0)], 1.25) is None


def test_padding_summary_alone_gives_its_four_points_and_its_distance() -> None:
    run = run_of([entry(f"padding/distance/summary/t:2/place:{PLACE}", interference_bytes=64,
                        slowdown_at_0=4.0, slowdown_at_8=3.0, slowdown_at_64=1.0,
                        slowdown_at_128=1.0, threshold=1.25, coherency_line_size=64)])
    data = drawn(padding.distance_data(family_run(run, "padding")))
    curve, = data.curves
    assert curve.source == "summary" and curve.interference == 64
    assert [p.bytes for p in curve.points] == [0, 8, 64, 128]
    assert "summary case" in curve.interference_from
    assert ("cache line (sysfs)", 64) in data.references


def test_padding_summary_distance_wins_over_the_sweep() -> None:
    run = run_of(sweep(lambda b: 3.0 if b < 128 else 1.0)
                 + [entry(f"padding/distance/summary/t:2/place:{PLACE}", interference_bytes=64)])
    curve, = drawn(padding.distance_data(family_run(run, "padding"))).curves
    assert curve.source == "sweep" and curve.interference == 64


def test_padding_without_distance_cases_says_why() -> None:
    run = run_of([entry(f"padding/ch7/none/t:1/place:{PLACE}", ns_per_op=0.3, ops_per_sec=3e9)])
    data = padding.distance_data(family_run(run, "padding"))
    assert isinstance(data, Skip) and "padding/distance/write" in data.reason


# ---- litmus ----------------------------------------------------------------------------------

def litmus_case(test: str, order: str, label: str = LABEL, **outcomes: float) -> dict[str, Any]:
    counts = {f"outcome_{k[1:]}": v for k, v in outcomes.items()}
    trials = sum(counts.values())
    return {**entry(f"litmus/{test}/{order}/t:2/place:{PLACE}", label, trials=trials,
                    forbidden_observed=0, non_sc_observed=0), **counts}


def table_rows(run: Run) -> dict[str, dict[str, tuple[tuple[str, ...], bool]]]:
    tables = litmus.litmus_tables(family_run(run, "litmus"))
    return {t.caption.split()[1]: {row[0]: (row, flag) for row, flag in zip(t.rows, t.flagged)}
            for t in tables}


def test_litmus_allowed_reordering_is_shown_and_not_flagged() -> None:
    run = run_of([litmus_case("sb", "relaxed", _00=40, _01=30, _10=30, _11=0),
                  litmus_case("sb", "seq_cst", _00=0, _01=50, _10=50, _11=0)])
    sb = table_rows(run)["sb"]
    row, flagged = sb["relaxed"]
    assert not flagged and row[2] == "allowed" and row[3].startswith("40 (40.00%")
    assert row[4].startswith("allowed and seen")
    row, flagged = sb["seq_cst"]
    assert not flagged and row[2] == "forbidden" and row[3].startswith("0")
    assert row[4] == "forbidden, never seen (as required)"
    row, flagged = sb["rel_acq"]
    assert not flagged and row[1] == "—" and row[3].startswith("not measured")


def test_litmus_forbidden_outcome_seen_is_flagged() -> None:
    seen = litmus_case("mp", "rel_acq", "pus=0,1 emulated: outcomes not judged",
                       _00=10, _01=10, _10=3, _11=10)
    seen["forbidden_observed"] = 3
    failed = {"name": f"litmus/lb/seq_cst/t:2/place:{PLACE}", "run_type": "iteration",
              "error_occurred": True,
              "error_message": "forbidden outcome observed: outcome 11 x2"}
    rows = table_rows(run_of([seen, failed]))
    row, flagged = rows["mp"]["rel_acq"]
    assert flagged and row[4].startswith("FORBIDDEN OUTCOME SEEN") and "emulated" in row[4]
    row, flagged = rows["lb"]["seq_cst"]
    assert flagged and "forbidden outcome observed" in row[4]


def test_litmus_counts_sum_over_repetitions() -> None:
    run = run_of([litmus_case("2+2w", "relaxed", _11=2, _12=8),
                  litmus_case("2+2w", "relaxed", _11=1, _12=9)])
    row, _ = table_rows(run)["2+2w"]["relaxed"]
    assert row[1] == "20" and row[3].startswith("3 (15.00%")


def test_litmus_relaxed_spinlock_lost_increments_are_allowed() -> None:
    run = run_of([entry(f"litmus/relaxed_spinlock/relaxed/t:2/place:{PLACE}", trials=1000,
                        lost_increments=4, forbidden_observed=0, non_sc_observed=4)])
    table, = litmus.litmus_tables(family_run(run, "litmus"))
    assert table.flagged == (False,) and table.rows[0][2].startswith("4 (0.400%")
    run = run_of([entry(f"litmus/relaxed_spinlock/relaxed/t:2/place:{PLACE}", trials=1000,
                        lost_increments=0)], arch="aarch64")
    table, = litmus.litmus_tables(family_run(run, "litmus"))
    assert table.rows[0][2] == "0 (0.000%)" and "x86-64" not in table.rows[0][3]


# ---- ordering --------------------------------------------------------------------------------

def ordering_case(op: str, order: str, threads: int, ns: float) -> dict[str, Any]:
    return entry(f"ordering/{op}/{order}/t:{threads}/place:{PLACE}", ns_per_op=ns,
                 ops_per_sec=1e9 / ns)


def test_ordering_costs_set_orderings_side_by_side() -> None:
    run = run_of([ordering_case("store", "relaxed", 1, 0.5), ordering_case("store", "seq_cst", 1, 9.0),
                  ordering_case("load", "relaxed", 1, 0.4), ordering_case("load", "acquire", 1, 0.4),
                  ordering_case("load", "seq_cst", 1, 0.4)])
    data = drawn(ordering.ordering_costs(family_run(run, "ordering"), 1))
    assert data.ops == ("load", "store")
    assert data.orders == ("relaxed", "acquire", "seq_cst")
    assert data.costs[("store", "seq_cst")].median / data.costs[("store", "relaxed")].median == 18
    # store has no acquire ordering: not "missing"; every measured cost is there
    assert data.missing == ()
    run = run_of([ordering_case("store", "relaxed", 1, 0.5), ordering_case("store", "release", 1, 0.5),
                  ordering_case("store", "seq_cst", 1, 9.0), ordering_case("load", "relaxed", 1, 0.4)])
    data = drawn(ordering.ordering_costs(family_run(run, "ordering"), 1))
    # load has no release ordering (no bar, nothing missing); its seq_cst was not measured
    assert data.missing == (("load", "seq_cst"),)


def test_ordering_without_the_thread_count_says_why() -> None:
    run = run_of([ordering_case("load", "relaxed", 1, 0.4)])
    data = ordering.ordering_costs(family_run(run, "ordering"), 2)
    assert isinstance(data, Skip) and "t:2" in data.reason and "measured: t:1" in data.reason


# ---- channels --------------------------------------------------------------------------------

def pingpong(primitive: str, cap: str, rtt: float | None) -> dict[str, Any]:
    case = entry(f"channels/{primitive}/pingpong/t:2/place:{PLACE}/cap:{cap}/payload:8",
                 ops_per_sec=2e9 / (rtt or 1000))
    return {**case, "ns_per_round_trip": rtt} if rtt is not None else case


C2C = entry("limits/c2c/pingpong/t:2/place:cpus:0,1", roundtrip_ns=100.0, oneway_ns=50.0)


def test_pingpong_is_set_against_the_line_round_trip() -> None:
    run = run_of([pingpong("spsc_ring", "1024", 400.0), pingpong("mutex_ring", "1024", 20000.0),
                  pingpong("rendezvous", "0", None), C2C])
    data = drawn(channels.pingpong_data(family_run(run, "channels")))
    assert data.line_ns == 100.0 and "PU 0 ↔ PU 1" in data.line_what
    assert [t.label for t in data.trips] == ["spsc_ring · cap:1024", "mutex_ring · cap:1024"]
    assert data.unmeasured == ("rendezvous · cap:0",)
    assert data.below_line == ()


def test_pingpong_faster_than_the_line_says_the_reference_was_disturbed() -> None:
    run = run_of([pingpong("spsc_ring", "1024", 40.0), pingpong("mutex_ring", "1024", 900.0), C2C])
    assert drawn(channels.pingpong_data(family_run(run, "channels"))).below_line == (
        "spsc_ring",)


def test_pingpong_without_c2c_says_why() -> None:
    run = run_of([pingpong("spsc_ring", "1024", 400.0)])
    data = drawn(channels.pingpong_data(family_run(run, "channels")))
    assert data.line_ns is None and "limits/c2c/pingpong" in data.line_what
    run = run_of([entry(f"channels/spsc_ring/spsc/t:2/place:{PLACE}/cap:1024/payload:8",
                        ops_per_sec=1e7)])
    assert isinstance(channels.pingpong_data(family_run(run, "channels")), Skip)


def spsc(primitive: str, cap: str, ops: float) -> dict[str, Any]:
    return entry(f"channels/{primitive}/spsc/t:2/place:{PLACE}/cap:{cap}/payload:8",
                 ops_per_sec=ops)


def test_a_level_without_its_baseline_gets_absolute_bars() -> None:
    run = run_of([spsc("spsc_ring", "16", 3e7), spsc("mpmc_bounded", "16", 1e7),
                  spsc("spsc_ring", "1024", 4e7), spsc("mutex_ring", "1024", 1e7),
                  spsc("rendezvous", "0", 1e5)])
    prepared = {}
    for table in scenario_tables(run.records):
        view, = level_views(table, [table])
        prepared[table.params.split("/")[0]] = RELATIVE_OR_ABSOLUTE.prepare(view)
    assert isinstance(prepared["cap:1024"], RelativeBars)
    assert dict((n, v) for n, v, _, _ in prepared["cap:1024"].bars)["spsc_ring"] == 4
    assert isinstance(prepared["cap:16"], AbsoluteBars)
    assert [name for name, *_ in prepared["cap:16"].bars] == ["spsc_ring", "mpmc_bounded"]
    assert "not measured here" in prepared["cap:16"].why
    assert isinstance(prepared["cap:0"], AbsoluteBars) and "no baseline" in prepared["cap:0"].why


# ---- the page --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = run_of(sweep(lambda b: 3.0 if b < 128 else 1.0)
                 + [litmus_case("sb", "relaxed", _00=4, _01=3, _10=3, _11=0),
                    {"name": f"litmus/mp/seq_cst/t:2/place:{PLACE}", "run_type": "iteration",
                     "error_occurred": True, "error_message": "forbidden outcome observed: 10"},
                    ordering_case("load", "relaxed", 1, 0.4),
                    ordering_case("store", "seq_cst", 1, 9.0),
                    pingpong("spsc_ring", "1024", 400.0), spsc("spsc_ring", "16", 3e7), C2C],
                 hardware_destructive_interference_size="64")
    return build_report([run], tmp_path_factory.mktemp("page"), generated="now")


def test_the_page_shows_every_panel(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for name in ("padding-distance.png", "ordering-costs-t1.png", "channels-pingpong.png"):
        assert f'src="{name}"' in text and (page.parent / name).stat().st_size < 150_000
    assert "litmus sb" in text and "<tr class=flag>" in text
    assert "cost per operation at t:2: no ordering case ran with 2 thread(s)" in text
    assert "channels-spsc-cap_16_payload_8-speed.png" in text
    # the levels the family-wide figures and tables already show fold into one list
    litmus_section = text.split("Family: litmus")[1].split("Family: ordering")[0]
    assert "<details><summary>Every case's numbers: 1 level(s) of litmus" in litmus_section
    assert "Every case's numbers: 1 level(s) of channels" not in text
    assert "the baseline was not measured here" not in text.split("Family: channels")[1] \
        .split("<details>")[0]


# ---- reclaim ---------------------------------------------------------------------------------

def test_reclaim_table_compares_readers_with_atomic_shared_ptr_and_leaves_t1_reads_absent() -> None:
    from synclab.report.families import reclaim
    run = run_of([
        entry(f"reclaim/ebr/read_mostly/t:2/place:{PLACE}", ops_per_sec=1e8, ns_per_read=10.0,
              ns_per_update=200.0, awaiting_objects_peak=3, awaiting_objects_mean=1.5,
              awaiting_bytes_peak=384, retire_to_free_p50_ns=400, retire_to_free_p99_ns=900),
        entry(f"reclaim/atomic_shared_ptr/read_mostly/t:2/place:{PLACE}", ops_per_sec=1e7,
              ns_per_read=60.0, ns_per_update=300.0, awaiting_objects_peak=1,
              awaiting_objects_mean=1.0, awaiting_bytes_peak=128),
        entry(f"reclaim/ebr/read_mostly/t:1/place:{PLACE}", ops_per_sec=5e6, ns_per_update=180.0,
              awaiting_objects_peak=2, awaiting_objects_mean=1.0, awaiting_bytes_peak=256),
    ])
    table, = reclaim.reclaim_tables(family_run(run, "reclaim"))
    rows = {(r[1], r[2]): r for r in table.rows}
    assert rows[("2", "ebr")][4] == "6.00×"
    assert rows[("2", "atomic_shared_ptr")][4] == "1.00×"
    assert rows[("1", "ebr")][3] == "—" and rows[("1", "ebr")][4] == "—"
    assert rows[("2", "ebr")][6] == "3"


def test_reclaim_panel_is_chosen_for_the_family() -> None:
    from synclab.report.families import panel_for, reclaim
    assert panel_for("reclaim") is reclaim.PANEL
