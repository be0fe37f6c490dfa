"""The one results loader (synclab.load): schema_version, not_measured, and one line for a bad
file, the same through the report, compare and history."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import INPUTS, REPO, REPORT, assert_one_line_error, report, run_cli
from synclab import load
from synclab.results import SCHEMA_VERSION, ResultsFile

CASE = "locks/tas_spin/high/t:2/place:compact"


def doc(context: dict[str, Any], reps: int = 3) -> dict[str, Any]:
    entries = [{"name": CASE, "run_name": CASE, "run_type": "iteration", "repetitions": reps,
                "repetition_index": i, "threads": 1, "iterations": 1, "real_time": 100.0 + i,
                "time_unit": "ns", "ops_per_sec": 1e7 - i, "ns_per_op": 100.0 + i,
                "fairness_jain": 0.9, "label": "pus=0,1 class=same_core"} for i in range(reps)]
    return {"context": context, "benchmarks": entries}


def write(path: Path, content: dict[str, Any]) -> Path:
    path.write_text(json.dumps(content))
    return path


def test_the_writer_stamps_the_version_the_loader_reads(tmp_path: Path) -> None:
    results = ResultsFile(tmp_path / "results.json", {"run_id": "r"})
    results.add_case({"arch": "x86_64"}, doc({})["benchmarks"])
    results.write()
    run = load.load(results.path)
    assert run.context["schema_version"] == SCHEMA_VERSION == run.schema_version == 2
    assert run.notes == () and run.label == "r"
    assert run.families["locks"].cases == 1 and run.context_of("locks")["arch"] == "x86_64"


def test_a_file_without_a_version_is_read_as_version_0_with_a_note(tmp_path: Path) -> None:
    run = load.load(write(tmp_path / "old.json", doc({"arch": "x86_64"})))
    assert run.schema_version == 0
    assert len(run.notes) == 1 and "no schema_version" in run.notes[0]
    assert list(run.cases) == [CASE] and len(run.cases[CASE].reps) == 3


@pytest.mark.parametrize("version, accepted", [(2, 2), (1, 1), ("1", 1), (0, 0)])
def test_versions_this_loader_reads(version: object, accepted: int, tmp_path: Path) -> None:
    run = load.load(write(tmp_path / "r.json", doc({"schema_version": version})))
    assert run.schema_version == accepted and run.notes == ()


@pytest.mark.parametrize("version, needle", [
    (3, "results schema version 3; this synclab reads versions up to 2 (a newer synclab "
        "wrote it)"),
    ("one", "is 'one', not a whole number"),
    (True, "is True, not a whole number"),
    (1.5, "is 1.5, not a whole number"),
])
def test_versions_it_refuses(version: object, needle: str, tmp_path: Path) -> None:
    path = write(tmp_path / "r.json", doc({"schema_version": version}))
    with pytest.raises(load.ResultsError) as error:
        load.load(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and message.endswith(needle) and "\n" not in message


def test_not_measured_says_why_a_metric_is_absent(tmp_path: Path) -> None:
    reasons = {"futex_waits_per_op": "std_mutex sleeps outside the counted wait layer"}
    run = load.load(write(tmp_path / "r.json", doc({"schema_version": 1,
                                                     "not_measured": json.dumps(reasons)})))
    assert run.not_measured == reasons
    assert run.why_absent("futex_waits_per_op") == reasons["futex_waits_per_op"]
    assert run.why_absent("ns_per_op") is None
    assert load.load(write(tmp_path / "none.json", doc({"schema_version": 1}))).not_measured == {}


def test_the_context_of_each_family_is_read_back(tmp_path: Path) -> None:
    """Version 2: what one family's cases said is that family's; version 1 files still read."""
    results = ResultsFile(tmp_path / "results.json", {"run_id": "r"})
    lock = [{**entry, "name": "locks/a/high/t:2/place:compact", "run_name": ""}
            for entry in doc({})["benchmarks"]]
    channel = [{**entry, "name": "channels/q/spsc/t:2/place:compact", "run_name": ""}
               for entry in doc({})["benchmarks"]]
    locks_why = json.dumps({"futex_waits_per_op": "peers bypass the wait layer"})
    results.add_case({"arch": "x86_64", "not_measured": locks_why, "date": "d1"}, lock)
    results.add_case({"arch": "x86_64", "channel_semantics": "{}", "date": "d2"}, channel)
    results.add_case({"arch": "x86_64", "channel_semantics": "{}", "date": "d3"}, channel)
    results.write()
    run = load.load(results.path)
    assert run.context["channel_semantics"] == "{}" and run.context["date"] == "d1"
    assert run.context_of("channels")["channel_semantics"] == "{}"
    assert "channel_semantics" not in run.context_of("locks")
    assert run.context_of("channels")["date"] == "d2"
    assert run.families["channels"].varies == {"date": ("d2", "d3")}
    assert run.families["channels"].cases == 2
    assert run.why_absent("futex_waits_per_op", "locks") == "peers bypass the wait layer"
    assert run.why_absent("futex_waits_per_op", "channels") is None
    assert run.why_absent("futex_waits_per_op") == "peers bypass the wait layer"
    old = load.load(write(tmp_path / "v1.json", doc({"schema_version": 1, "arch": "arm64"})))
    assert old.families == {} and old.context_of("locks")["arch"] == "arm64"


@pytest.mark.parametrize("value", [3, {"locks": []}, {"locks": {"varies": {"date": "x"}}},
                                   {"locks": {"cases": True}}])
def test_a_malformed_family_context_is_one_line(value: object, tmp_path: Path) -> None:
    path = write(tmp_path / "r.json", doc({"schema_version": 2, "synclab_families": value}))
    with pytest.raises(load.ResultsError, match="context.synclab_families") as error:
        load.load(path)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("value", ["{not json", "[1, 2]", json.dumps({"x": 1}), "42"])
def test_a_malformed_not_measured_is_one_line(value: str, tmp_path: Path) -> None:
    path = write(tmp_path / "r.json", doc({"schema_version": 1, "not_measured": value}))
    with pytest.raises(load.ResultsError, match="context.not_measured is not a JSON object"):
        load.load(path)


def test_a_failed_repetition_marks_its_case_and_aggregates_are_left_out(tmp_path: Path) -> None:
    content = doc({})
    content["benchmarks"][1] = {"name": CASE, "run_name": CASE, "run_type": "iteration",
                                "error_occurred": True, "error_message": "timed out: 30 s",
                                "synclab_status": "timed_out"}
    content["benchmarks"].append({"name": CASE + "_median", "run_name": CASE,
                                  "run_type": "aggregate", "aggregate_name": "median",
                                  "ns_per_op": 101.0})
    run = load.load(write(tmp_path / "r.json", content))
    case = run.cases[CASE]
    assert case.status == "timed_out" and case.message == "timed out: 30 s"
    assert case.values("ns_per_op") == [100.0, 102.0]
    assert len(run.records) == 4


def test_repetitions_are_required_only_where_statistics_need_them() -> None:
    aggregates = load.load(INPUTS / "aggregates_only.json")
    assert aggregates.records  # the report falls back to the medians
    with pytest.raises(load.ResultsError, match="only aggregate entries"):
        load.require_repetitions(aggregates)
    empty = load.parse({"benchmarks": []}, "empty.json")
    with pytest.raises(load.ResultsError, match="empty.json: has no benchmark entries"):
        load.require_repetitions(empty)


def test_case_names_are_required_only_by_the_report() -> None:
    foreign = load.load(INPUTS / "foreign.json")
    assert foreign.cases  # compare and history take any Google Benchmark file
    with pytest.raises(load.ResultsError, match="not a synclab case name"):
        load.require_case_names(foreign)


def test_every_tool_says_what_is_wrong_with_a_bad_file_in_one_line(tmp_path: Path) -> None:
    future = write(tmp_path / "future.json", doc({"schema_version": 7}))
    good = write(tmp_path / "good.json", doc({"schema_version": 1}))
    scripts = REPO / "scripts" / "synclab"
    commands = {
        "report": [sys.executable, str(REPORT), str(future),
                   "--out", str(tmp_path / "out")],
        "compare": [sys.executable, str(scripts / "compare" / "cli.py"), str(good), str(future)],
        "history": [sys.executable, str(scripts / "history" / "cli.py"), "add", str(future),
                    "--db", str(tmp_path / "h.sqlite")],
    }
    for prog, argv in commands.items():
        line = assert_one_line_error(run_cli(argv), prog)
        assert f"{future}: results schema version 7" in line, prog
    assert not (tmp_path / "h.sqlite").exists()


def test_an_old_file_still_renders_and_compares_with_a_note(tmp_path: Path) -> None:
    old = INPUTS / "complete.json"
    proc = report(str(old), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "no schema_version in its context" in (tmp_path / "index.html").read_text()
    compare = run_cli([sys.executable, str(REPO / "scripts" / "synclab" / "compare" / "cli.py"),
                       str(old), str(old)])
    assert compare.returncode == 0, compare.stderr
    assert f"note: BASE {old}: no schema_version" in compare.stdout
