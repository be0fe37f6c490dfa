"""results.json handling (synclab.results): merging, atomic writes, the latest symlink."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from synclab import results


def test_write_json_atomic(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    results.write_json_atomic(path, {"a": 1})
    results.write_json_atomic(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert os.listdir(tmp_path) == ["results.json"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    results.write_json_atomic(path, {"a": 1})
    with pytest.raises(TypeError):
        results.write_json_atomic(path, {"a": object()})
    assert json.loads(path.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["results.json"]


def test_results_file_keeps_every_case_and_the_first_context_flat(tmp_path: Path) -> None:
    info = {"run_id": "r", "cases_done": 0}
    doc = results.ResultsFile(tmp_path / "results.json", info)
    doc.add_case({}, [results.failure_entry("locks/x/high/t:1/place:compact", "timed_out", "slow", 3)])
    doc.add_case({"cpu_model": "A"}, [{"name": "locks/y/high/t:1/place:compact"}])
    doc.add_case({"cpu_model": "B"}, [{"name": "locks/z/high/t:1/place:compact"}])
    info["cases_done"] = 3
    doc.write()
    written = json.loads((tmp_path / "results.json").read_text())
    assert written["context"]["cpu_model"] == "A"
    assert written["context"]["schema_version"] == results.SCHEMA_VERSION == 2
    assert written["context"]["synclab_families"] == {
        "locks": {"cases": 2, "context": {}, "varies": {"cpu_model": ["A", "B"]}}}
    assert written["context"]["synclab_run"] == {"run_id": "r", "cases_done": 3}
    assert [b["name"].split("/")[1] for b in written["benchmarks"]] == ["x", "y", "z"]
    failure = written["benchmarks"][0]
    assert failure["error_occurred"] is True and failure["synclab_status"] == "timed_out"
    assert failure["error_message"] == "timed out: slow" and failure["run_type"] == "iteration"
    assert failure["run_name"] == failure["name"]


def test_the_context_is_merged_per_family_without_loss(tmp_path: Path) -> None:
    """Shared keys stay flat only; a family's own keys and the values that differ are kept."""
    doc = results.ResultsFile(tmp_path / "results.json", {})
    machine = {"cpu_model": "A", "harness_padding_bytes": "128"}
    doc.add_case({**machine, "lock_peers_missing": "tbb", "date": "1"},
                 [{"name": "locks/a/high/t:2/place:compact"}])
    doc.add_case({**machine, "channel_semantics": "{}", "date": "2"},
                 [{"name": "channels/q/spsc/t:2/place:compact"}])
    doc.add_case({**machine, "channel_semantics": "{}", "date": "3", "test_slowdown": "q:10"},
                 [{"name": "channels/q/burst/t:2/place:compact"}])
    doc.add_case({**machine, "padding_default_bytes": "128", "date": "4"},
                 [{"name": "padding/p/sweep/t:2/place:compact"}])
    doc.context["mode"] = "time"  # the runner's own key, over the cases'
    context = doc.document()["context"]
    assert {key: context[key] for key in ("cpu_model", "lock_peers_missing", "channel_semantics",
                                          "padding_default_bytes", "date", "mode")} == {
        "cpu_model": "A", "lock_peers_missing": "tbb", "channel_semantics": "{}",
        "padding_default_bytes": "128", "date": "1", "mode": "time"}
    assert context["synclab_families"] == {
        "locks": {"cases": 1, "context": {"lock_peers_missing": "tbb", "date": "1"},
                  "varies": {}},
        "channels": {"cases": 2, "context": {"channel_semantics": "{}"},
                     "varies": {"date": ["2", "3"], "test_slowdown": ["q:10", None]}},
        "padding": {"cases": 1, "context": {"padding_default_bytes": "128", "date": "4"},
                    "varies": {}},
    }


def test_read_gb_output_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no --benchmark_out"):
        results.read_gb_output(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        results.read_gb_output(bad)
    bad.write_text("[]")
    with pytest.raises(ValueError, match="benchmarks"):
        results.read_gb_output(bad)


def test_point_symlink_replaces_and_is_relative(tmp_path: Path) -> None:
    first, second = tmp_path / "run1", tmp_path / "run2"
    first.mkdir()
    second.mkdir()
    link = tmp_path / "latest"
    results.point_symlink(link, first)
    results.point_symlink(link, second)
    assert os.readlink(link) == "run2" and link.resolve() == second.resolve()
    assert sorted(os.listdir(tmp_path)) == ["latest", "run1", "run2"]
