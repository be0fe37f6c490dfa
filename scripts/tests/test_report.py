"""The report command line and page (synclab.report.cli, report.build/html/figures)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO, assert_one_line_error, clean_env, report, run_cli
from synclab.report.figures import panel_title, plot_throughput, primitive_styles
from synclab.load import load
from synclab.report.tables import scenario_tables, throughput_series


def images(index: Path) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', index.read_text(encoding="utf-8"))


def assert_self_contained(index: Path) -> None:
    text = index.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "<script" not in text
    srcs = images(index)
    assert srcs
    for src in srcs:
        assert "/" not in src and (index.parent / src).is_file(), src
        assert (index.parent / src).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_of_a_complete_run(tmp_path: Path, inputs: Path) -> None:
    proc = report(str(inputs / "complete.json"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    index = tmp_path / "out" / "index.html"
    assert proc.stdout.strip() == str(index)
    assert_self_contained(index)
    text = index.read_text(encoding="utf-8")
    for needle in ("Example CPU 9000", "1 package, 1 NUMA node", "perf_event_paranoid",
                   "GCC 12.2.0", "-O2 -g -DNDEBUG", "glibc 2.36", "412.5", "20240501-100000-lab1",
                   "ratio to std_mutex", "2.00×", "min–max", "Every planned case ran"):
        assert needle in text, needle
    assert sorted(images(index)) == sorted(
        ["locks-uncontended-speed.png", "locks-uncontended-behaviour.png",
         "locks-high-speed.png", "locks-high-behaviour.png"])


def test_report_defaults_to_the_results_directory(tmp_path: Path, inputs: Path) -> None:
    shutil.copy(inputs / "partial.json", tmp_path / "results.json")  # the smallest report
    proc = report(str(tmp_path / "results.json"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "index.html").is_file()


def test_report_of_partial_results(tmp_path: Path, inputs: Path) -> None:
    proc = report(str(inputs / "partial.json"), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    index = tmp_path / "index.html"
    assert_self_contained(index)
    text = index.read_text(encoding="utf-8")
    for needle in ("Timed-out and failed cases", "locks/futex_mutex3/high/t:2/place:compact",
                   "timed out", "SIGSEGV", "Missing baselines", "no std_mutex at t:2",
                   "Missing counters", "futex_waits_per_op", "lat_p99_ns", "Single repetition"):
        assert needle in text, needle
    # The top of the page says what is missing before any detail, and the summary keeps
    # what is there: at high, t:2 only tas_spin ran, without its baseline.
    top = text[:text.index("<section")]
    for needle in ("What is missing", "2 case(s) timed out or failed", "Single repetition",
                   "std_mutex: not measured", "<b>tas_spin</b> no ratio"):
        assert needle in top, needle


def test_report_of_two_runs(tmp_path: Path, inputs: Path) -> None:
    proc = report(str(inputs / "complete.json"), str(inputs / "partial.json"), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    index = tmp_path / "index.html"
    assert_self_contained(index)
    srcs = images(index)
    assert any(s.startswith("run1-") for s in srcs) and any(s.startswith("run2-") for s in srcs)
    text = index.read_text(encoding="utf-8")
    assert "20240501-100000-lab1-abc1234" in text and "20240501-110000-lab1-abc1234" in text


def test_emulated_run_is_labelled(tmp_path: Path, inputs: Path) -> None:
    doc = json.loads((inputs / "partial.json").read_text())
    doc["context"]["emulated"] = "true"
    (tmp_path / "results.json").write_text(json.dumps(doc))
    proc = report(str(tmp_path / "results.json"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "EMULATED run" in text
    summary = text[text.index("<h2"):text.index("</h2>")]
    assert "(emulated — timings are not hardware numbers)" in summary


def test_throughput_panel(inputs: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    run = load(inputs / "complete.json")
    high = next(t for t in scenario_tables(run.records) if t.scenario == "high")
    ax = Figure().add_subplot()
    plot_throughput(throughput_series(high), ax=ax, styles=primitive_styles(high.primitives),
                    title="locks / high", emulated=True)
    assert ax.get_title() == panel_title("locks / high", True) == \
        "locks / high (emulated — timings are not hardware numbers)"
    assert any("EMULATED" in text.get_text() for text in ax.texts)
    assert ax.get_yscale() == "log"  # 0.5 M .. 8 M spans more than a decade
    assert [t.get_text() for t in ax.get_legend().get_texts()] == high.primitives
    assert ax.get_xlabel() == "threads" and "ops/s" in ax.get_ylabel()


@pytest.mark.parametrize("name, reason", [("corrupt.json", "not valid JSON"),
                                          ("foreign.json", "not a synclab case name")])
def test_bad_results_file(tmp_path: Path, inputs: Path, name: str, reason: str) -> None:
    line = assert_one_line_error(report(str(inputs / name), "--out", str(tmp_path)), "report")
    assert name in line and reason in line
    assert not (tmp_path / "index.html").exists()


@pytest.mark.parametrize("content, reason", [("[1, 2]", "not an object"), ('{"context": {}}', "benchmarks"),
                                             ('{"benchmarks": [42]}', "not an object"),
                                             ('{"benchmarks": [], "context": []}', "context")])
def test_foreign_json_shapes(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "weird.json"
    path.write_text(content)
    line = assert_one_line_error(report(str(path), "--out", str(tmp_path)), "report")
    assert "weird.json" in line and reason in line


def test_report_usage_errors(tmp_path: Path) -> None:
    assert_one_line_error(report(), "report")
    assert_one_line_error(report(str(tmp_path / "missing.json")), "report")
    assert_one_line_error(report(str(tmp_path)), "report")
    assert_one_line_error(report("x.json", "--bogus"), "report")


def test_report_wrapper_script(tmp_path: Path, inputs: Path) -> None:
    proc = run_cli([str(REPO / "scripts" / "report"), str(inputs / "partial.json"),
                    "--out", str(tmp_path)], env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "index.html").is_file()


FUTEX_WHY = ("std_mutex sleeps in glibc's own futex calls, which the counted wait layer does "
             "not see, and the syscall tracepoint was not available")


def futex_results(tmp_path: Path, not_measured: dict[str, str] | None) -> Path:
    """locks/high at t:2: futex_mutex3 with futex counters, std_mutex without them."""
    entries = []
    for primitive, futex in (("std_mutex", False), ("futex_mutex3", True)):
        name = f"locks/{primitive}/high/t:2/place:compact"
        for rep in range(2):
            values = {"ops_per_sec": 4e6 + rep, "ns_per_op": 250.0, "fairness_jain": 0.99,
                      "share_min": 0.98, "share_max": 1.02, "lat_p50_ns": 100.0,
                      "lat_p99_ns": 900.0, "lat_p999_ns": 2000.0, "cpu_ns_per_op": 400.0,
                      "ctx_switches_per_op": 0.001, "handoffs_per_sec": 1e5}
            if futex:
                values.update(futex_waits_per_op=0.02, futex_wakes_per_op=0.02)
            entries.append({"name": name, "run_name": name, "run_type": "iteration",
                            "repetitions": 2, "repetition_index": rep, "threads": 1,
                            "iterations": 1, "label": "pus=0,1 class=same_core", **values})
    context = {"schema_version": 2, "latency_sampling": "on, 1 in 64 operations"}
    if not_measured is not None:
        context["not_measured"] = json.dumps(not_measured)
    path = tmp_path / "futex.json"
    path.write_text(json.dumps({"context": context, "benchmarks": entries}))
    return path


def data_row(page: str, primitive: str) -> str:
    table = page[page.index("<table class=data>"):]
    row = next(r for r in table.split("<tr") if f">{primitive}</td>" in r)
    return row[:row.index("</tr>")]


def test_a_metric_absent_for_one_primitive_says_why_never_zero(tmp_path: Path) -> None:
    why = {"futex_waits_per_op": FUTEX_WHY, "futex_wakes_per_op": FUTEX_WHY}
    proc = report(str(futex_results(tmp_path, why)), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    escaped = FUTEX_WHY.replace("'", "&#x27;")
    std, futex = data_row(page, "std_mutex"), data_row(page, "futex_mutex3")
    assert std.count("<td class=absent>not measured") == 2 and ">0<" not in std
    assert futex.count("<td class=absent>") == 0 and ">0.0200<" in futex
    assert f"<code>futex_waits_per_op</code> not measured: {escaped}" in page
    assert f"futex_waits_per_op for std_mutex: not measured: {escaped}" in page
    assert f"not measured: {escaped}" in page[page.index("Missing counters"):]


def test_without_a_reason_in_the_file_the_report_still_says_it_was_not_measured(
        tmp_path: Path) -> None:
    proc = report(str(futex_results(tmp_path, None)), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<td class=absent>not measured" in data_row(page, "std_mutex")
    assert ("futex_waits_per_op for std_mutex: not measured: futex calls are counted by the "
            "syscalls tracepoint") in page
