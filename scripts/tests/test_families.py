"""One contention model, from run_suite's side: --family, the custom level (--cs-ns, --think-ns,
--cs-lines), the family x level table --list shows, and the bad input refused before anything is
built or run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import INPUTS, REPO, assert_one_line_error, clean_env, run_suite
from synclab import cases, describe
from synclab.errors import UsageError
from synclab.runner import families

FAKE_FAMILIES = "locks,channels,padding"
DESCRIBING = clean_env(FAKE_BENCH_FAMILIES=FAKE_FAMILIES, FAKE_BENCH_DESCRIBE="1")
RECORDED = describe.parse((INPUTS / "describe.json").read_text(encoding="utf-8"))
BUILT = REPO / "build" / "release" / "benches" / "synclab_bench"


def test_the_docs_table_is_the_binary_s_recorded_table() -> None:
    docs = families.from_docs()
    recorded = families.from_description(RECORDED, "recorded")
    assert docs.levels == recorded.levels and docs.custom == recorded.custom == {"locks",
                                                                                 "rwlocks"}


def test_the_docs_table_is_the_built_binary_s_table() -> None:
    if not BUILT.is_file():
        pytest.skip(f"no built bench binary at {BUILT}")
    verdict = describe.ask(BUILT)
    if not describe.knows_describe(verdict):
        pytest.skip(f"{BUILT} predates {describe.DESCRIBE_FLAG}")
    live = families.from_binary(BUILT)
    assert live.source.endswith("--synclab_describe")
    docs = families.from_docs()
    assert (live.levels, live.custom) == (docs.levels, docs.custom), (
        "docs/contention.md's family table differs from the binary's (benches/family_table.cpp)")


TABLE = families.from_description(RECORDED, "recorded")
QUICK = cases.PROFILES["quick"].contention


@pytest.mark.parametrize("named, explicit, custom, expected", [
    ((), None, None, families.Selection((), QUICK, True)),
    (("channels",), None, None,
     families.Selection(("channels",), ("uncontended", "high", "oversubscribed"), True)),
    # different levels per family: each keeps its own, so the binary is not told the families
    (("locks", "condvars"), None, None, families.Selection(("locks", "condvars"), QUICK, False)),
    (("locks", "condvars"), ("high",), None,
     families.Selection(("locks", "condvars"), ("high",), True)),
    (("locks",), None, "custom-cs1ns-think0ns-lines1", families.Selection(("locks",), (), True)),
    ((), ("high",), "custom-cs1ns-think0ns-lines1", families.Selection((), ("high",), True)),
])
def test_what_a_selection_runs(named: tuple[str, ...], explicit: tuple[str, ...] | None,
                               custom: str | None, expected: families.Selection) -> None:
    assert families.select(TABLE, named, explicit, "quick", QUICK, custom) == expected


@pytest.mark.parametrize("named, explicit, custom, needle", [
    (("condvars",), ("uncontended",), None,
     "--family condvars cannot run --contention uncontended (it runs: high; docs/contention.md)"),
    (("locks", "litmus"), ("low",), None, "--family litmus cannot run --contention low"),
    (("channels",), None, "custom-cs5ns-think0ns-lines1",
     "--family channels has no critical section or think time to set: it cannot run the custom "
     "level custom-cs5ns-think0ns-lines1 (families that can: locks, rwlocks)"),
    (("nosuch",), None, None, "--family nosuch: no such family (known: locks, rwlocks,"),
])
def test_a_selection_that_cannot_run(named: tuple[str, ...], explicit: tuple[str, ...] | None,
                                     custom: str | None, needle: str) -> None:
    with pytest.raises(UsageError) as error:
        families.select(TABLE, named, explicit, "quick", QUICK, custom)
    assert needle in str(error.value)


def test_a_profile_none_of_whose_levels_a_family_takes() -> None:
    with pytest.raises(UsageError, match="takes none of profile smoke's levels"):
        families.select(TABLE, ("condvars",), None, "smoke", ("uncontended", "low"), None)


def test_the_custom_level_s_name_and_flags() -> None:
    level = cases.CustomLevel(200, 1000, 4)
    assert level.name == "custom-cs200ns-think1000ns-lines4"
    assert level.flags() == ["--synclab_cs_ns=200", "--synclab_think_ns=1000",
                             "--synclab_cs_lines=4"]
    plan = cases.make_plan("smoke", pus=2, custom=level, families=("locks",))
    flags = cases.synclab_flags(plan)
    assert plan.contention == () and not any(f.startswith("--synclab_contention") for f in flags)
    assert "--synclab_cs_ns=200" in flags and "--synclab_families=locks" in flags


BAD = [
    (["--cs-ns", "-1"], "argument --cs-ns: invalid value '-1'"),
    (["--cs-ns", "ten"], "argument --cs-ns"),
    (["--think-ns", "10000001"], "argument --think-ns: invalid value '10000001' (expected whole "
                                 "ns from 0 to 10000000)"),
    (["--cs-lines", "0"], "argument --cs-lines: invalid value '0'"),
    (["--cs-lines", "9"], "from 1 to 8"),
    (["--family", "Locks!"], "invalid family list"),
    (["--family", ""], "invalid family list"),
    (["--family", "nosuch"], "--family nosuch: no such family"),
    (["--family", "condvars", "--contention", "uncontended"],
     "--family condvars cannot run --contention uncontended (it runs: high"),
    (["--family", "channels", "--cs-ns", "100"], "has no critical section or think time"),
    (["--fair-by", "nope"], "argument --fair-by: invalid choice: 'nope'"),
    (["--mode", "instructions", "--cs-ns", "5"], "--mode instructions counts only the uncontended"),
    (["--ab", "HEAD", "--family", "locks,condvars"], "name the levels with --contention for --ab"),
]


@pytest.mark.parametrize("args, needle", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_contradictory_input_is_one_line_before_anything_is_built(args: list[str], needle: str,
                                                                  tmp_path: Path) -> None:
    """No --bench, no --no-build: a build would come next, and an unknown preset would say so;
    these options are refused before that (against the docs' family table)."""
    proc = run_suite(*args, "--preset", "no_such_preset", "--out", str(tmp_path / "run"),
                     bench=None, timeout=30)
    line = assert_one_line_error(proc, "run_suite")
    assert needle in line and "preset" not in line
    assert not (tmp_path / "run").exists()


def test_the_binary_s_own_table_is_used_when_it_is_at_hand() -> None:
    line = assert_one_line_error(run_suite("--family", "rwlocks", "--list", env=DESCRIBING),
                                 "run_suite")
    assert line.endswith("--family rwlocks: no such family (known: locks, channels, padding)")


def test_list_shows_each_family_s_levels_and_cases() -> None:
    proc = run_suite("--family", "locks,channels", "--profile", "full", "--list",
                     env=DESCRIBING)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    table = lines.index("families and levels (from fake_bench.py --synclab_describe):")
    names = lines[:table]
    assert {name.split("/")[0] for name in names} == {"locks", "channels"}
    assert {name.split("/")[2] for name in names if name.startswith("channels/")} == {
        "empty", "burst", "spsc", "mpsc_preempt"}
    assert any("/oversub_sweep/" in name for name in names)  # locks keep every level
    rows = {line.split()[0]: line.split() for line in lines[table + 2:-1]}
    assert rows["locks"][1:] == ["uncontended*", "low*", "medium*", "high*", "oversubscribed*",
                                 "oversub_sweep*", "yes",
                                 str(sum(n.startswith("locks/") for n in names))]
    assert rows["channels"][-1] == "8" and rows["channels"][1:5] == [
        "uncontended*", "low*", "high*", "oversubscribed*"]
    assert rows["padding"][-2:] == ["(not", "selected)"]
    assert lines[-1].startswith(f"{len(names)} cases")


def test_a_custom_level_runs_alone_or_beside_named_levels() -> None:
    alone = run_suite("--cs-ns", "200", "--think-ns", "1000", "--cs-lines", "4",
                      "--threads", "1,2", "--list", env=DESCRIBING)
    assert alone.returncode == 0, alone.stderr
    names = [line for line in alone.stdout.splitlines() if "/" in line and " " not in line]
    assert names == [f"locks/{p}/custom-cs200ns-think1000ns-lines4/t:{t}/place:compact"
                     for p in ("std_mutex", "futex_mutex3", "tas_spin") for t in (1, 2)]
    assert "  custom level: custom-cs200ns-think1000ns-lines4" in alone.stdout
    both = run_suite("--cs-ns", "200", "--contention", "high", "--threads", "2", "--list",
                     env=DESCRIBING)
    assert both.returncode == 0, both.stderr
    scenarios = {line.split("/")[2] for line in both.stdout.splitlines()
                 if line.startswith("locks/")}
    assert scenarios == {"high", "custom-cs200ns-think0ns-lines1"}
    channels = [line for line in both.stdout.splitlines() if line.startswith("channels/")]
    assert channels == ["channels/mutex_queue/spsc/t:2/place:compact",
                        "channels/spsc_ring/spsc/t:2/place:compact"]


def test_a_custom_level_run_records_its_name(tmp_path: Path) -> None:
    proc = run_suite("--cs-ns", "300", "--profile", "smoke", "--threads", "2",
                     "--filter", "std_mutex", "--no-report", "--out", str(tmp_path / "run"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    assert [b["name"] for b in doc["benchmarks"]] == [
        "locks/std_mutex/custom-cs300ns-think0ns-lines1/t:2/place:compact"]
    assert doc["context"]["custom_level"] == "custom-cs300ns-think0ns-lines1"
