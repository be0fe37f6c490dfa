"""scripts/history dashboard: the page's data on both engines (change points worst first, links
to reports and revisions, machines side by side), its size budget, downsampling of long series,
bad input; and the page in headless Chromium: series drawn, no console error, filters work."""
from __future__ import annotations

import gc
import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from conftest import assert_one_line_error
from synclab.history import changepoints, dashboard
from synclab.report.browser import CHROMEDRIVER, headless_chromium
from test_history import CASE, OTHER, history, results_doc, write

SETTINGS = changepoints.Settings()


def page_json(index: Path) -> dict[str, Any]:
    text = index.read_text(encoding="utf-8")
    match = re.search(r"<script id='data' type='application/json'>(.*?)</script>", text, re.S)
    assert match
    return json.loads(match.group(1).replace("<\\/", "</"))


def two_machine_history(tmp_path: Path, db: str, runs: int = 30, step_at: int = 18) -> None:
    """tas_spin 10 % slower from run step_at on machine A only; std_mutex flat; every other
    run of A has its report beside its results."""
    rng = np.random.default_rng(3)
    paths = []
    for cpu in ("CPU A", "CPU B"):
        for i in range(runs):
            slow = 1.10 if i >= step_at and cpu == "CPU A" else 1.0
            values = {CASE: 40.0 * slow * float(np.exp(rng.normal(0, 0.01))),
                      OTHER: 50.0 * float(np.exp(rng.normal(0, 0.01)))}
            doc = results_doc(f"{cpu[-1]}{i:02d}", f"{i:02d}abcdef{cpu[-1]}",
                              f"2024-01-{i + 1:02d}T10:00:00+00:00", values, seed=i, cpu=cpu)
            doc["context"]["schema_version"] = 2
            folder = tmp_path / f"{cpu[-1]}{i:02d}"
            folder.mkdir()
            if i % 2:
                (folder / "index.html").write_text("<p>report</p>")
            paths.append(write(folder / "results.json", doc))
    assert history("add", *paths, "--db", db).returncode == 0


@pytest.fixture
def built(db: str, tmp_path: Path) -> tuple[str, Path]:
    two_machine_history(tmp_path, db)
    out = tmp_path / "board"
    proc = history("dashboard", "--db", db, "--out", out,
                   "--revision-url", "https://example.org/commit/{revision}")
    assert proc.returncode == 0, proc.stderr
    assert "12 series, 2 change point(s)" in proc.stdout
    return db, out / "index.html"


def test_the_page_holds_every_series_and_the_worst_change_first(built: tuple[str, Path]) -> None:
    _, index = built
    data = page_json(index)
    assert len(data["runs"]["id"]) == 60 and len(data["machines"]) == 2
    assert {m["arch"] for m in data["machines"]} == {"x86_64"}
    cases = [row[0] for row in data["cases"]]
    assert cases == sorted([CASE, OTHER])
    assert [c[1:5] for c in data["cases"]] == [["locks", "std_mutex", "uncontended", 1],
                                               ["locks", "tas_spin", "uncontended", 1]]
    # ns_per_op got worse by about 10 %, ops_per_sec with it: both on tas_spin, machine A
    changes = data["changes"]
    assert len(changes) == 2
    for series_index, run, before, after, p in changes:
        case_i, metric_i, machine_i = data["series"][series_index][:3]
        assert data["cases"][case_i][0] == CASE and p < 1e-3
        assert data["runs"]["id"][run] == "A18"
        assert data["machines"][machine_i]["cpu"] == "CPU A"
        assert 0.08 < abs(after / before - 1) < 0.12
    # each run links to the report beside its results where there is one, and names no
    # report where there is none
    reports = dict(zip(data["runs"]["id"], data["runs"]["report"]))
    assert reports["A01"] == "../A01/index.html" and reports["A00"] == ""
    assert data["revision_url"] == "https://example.org/commit/{revision}"
    assert all(len(s[5]) == s[3] == 30 for s in data["series"])  # short: nothing dropped
    text = index.read_text()
    assert "Dygraph" in text and "<script src" not in text and "<link" not in text
    assert "fetch(" not in text.split("<script id='data'")[0]


def test_filters_narrow_what_is_written(built: tuple[str, Path], tmp_path: Path) -> None:
    db, _ = built
    out = tmp_path / "narrow"
    proc = history("dashboard", "--db", db, "--out", out, "--metric", "ns_per_op",
                   "--filter", "std_mutex")
    assert proc.returncode == 0 and "2 series, 0 change point(s)" in proc.stdout
    data = page_json(out / "index.html")
    assert [m[0] for m in data["metrics"]] == ["ns_per_op"] and data["changes"] == []


def test_bad_input_is_one_line(built: tuple[str, Path], tmp_path: Path) -> None:
    db, _ = built
    afile = tmp_path / "file"
    afile.write_text("x")
    empty = tmp_path / "empty.sqlite"
    assert history("migrate", "--db", empty).returncode == 0
    for args, needle in (
            (["--out", afile], "exists and is not a directory"),
            (["--out", Path("/proc/no/such")], "cannot write under /proc"),
            (["--out", tmp_path / "o", "--filter", "nothing-like-this"], "no series matches"),
            (["--out", tmp_path / "o", "--revision-url", "https://x/{sha}"],
             "only {revision} may be filled in"),
            (["--out", tmp_path / "o", "--report-url", "https://x/report"], "has no {run_id}"),
            (["--out", tmp_path / "o", "--max-p", "2"], "--max-p"),
            (["--out", tmp_path / "o", "--window", "1"], "--window")):
        assert needle in assert_one_line_error(history("dashboard", "--db", db, *args), "history")
    assert "holds no runs" in assert_one_line_error(
        history("dashboard", "--db", empty, "--out", tmp_path / "o"), "history")
    assert "no such history database" in assert_one_line_error(
        history("dashboard", "--db", tmp_path / "none.sqlite", "--out", tmp_path / "o"), "history")
    assert not (tmp_path / "o").exists()


def test_without_dygraphs_the_reason_is_named(built: tuple[str, Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    db, _ = built
    monkeypatch.setattr(dashboard, "DYGRAPHS_DIR", tmp_path / "nowhere")
    line = assert_one_line_error(history("dashboard", "--db", db, "--out", tmp_path / "o"),
                                 "history")
    assert "needs libjs-dygraphs" in line


# ---------------------------------------------------------------- scale: downsampling, budget

def test_the_table_holds_each_runs_medians_whatever_its_layout(db: str, tmp_path: Path) -> None:
    """Runs whose files list their cases in another order, leave one out, or come back to an
    earlier layout: every median lands in its own series and run (a reader that kept the
    previous run's key order would swap CASE and OTHER, whose values differ by 10 x)."""
    third = "locks/ticket/uncontended/t:1/place:compact"
    layouts = [(CASE, OTHER, third), (CASE, OTHER, third), (OTHER, CASE, third),
               (OTHER, CASE), (OTHER, CASE), (CASE, OTHER, third), (third, CASE)]
    base = {CASE: 10.0, OTHER: 100.0, third: 1000.0}
    paths = []
    for i, cases in enumerate(layouts):
        doc = results_doc(f"r{i}", f"{i}abc", f"2024-01-{i + 1:02d}", {c: base[c] + i for c in cases})
        paths.append(write(tmp_path / f"r{i}.json", doc))
    assert history("add", *paths, "--db", db).returncode == 0
    from synclab.history import store

    with store.Database(db) as database:
        table = dashboard.load(database)
        only = dashboard.load(database, {"ns_per_op"})
        expected = {run.run_id: {(case, metric): median
                                 for case, metric, median, *_ in database.run_rows(run.run_id)}
                    for run in table.runs}
    assert [run.run_id for run in table.runs] == [f"r{i}" for i in range(len(layouts))]
    for r, run in enumerate(table.runs):
        got = {key: table.values[k, r] for k, key in enumerate(table.keys)
               if not np.isnan(table.values[k, r])}
        assert got == expected[run.run_id]
        shown = {key[0]: only.values[k, r] for k, key in enumerate(only.keys)
                 if not np.isnan(only.values[k, r])}
        assert shown == {case: expected[run.run_id][case, "ns_per_op"] for case in layouts[r]}
        assert all(abs(shown[case] / (base[case] + r) - 1) < 0.05 for case in layouts[r])
    assert {metric for _, metric in only.keys} == {"ns_per_op"}
    assert gc.isenabled()  # the reader's pause of the cycle collector is over


def test_a_series_of_100000_runs_is_cut_to_its_share_and_keeps_its_step() -> None:
    rng = np.random.default_rng(1)
    x = 100 * np.exp(rng.normal(0, 0.01, 100_000))
    x[60_000:] *= 1.10
    keep = dashboard.bucket_representatives(x[None, :], 300)[0]
    assert len(keep) == 300 and np.all(np.diff(keep) > 0)
    shown = x[keep]
    before, after = shown[keep < 60_000], shown[keep >= 60_000]
    assert np.all(np.abs(before / 100 - 1) < 0.02) and np.all(np.abs(after / 110 - 1) < 0.02)


def synthetic_table(series: int, runs: int, seed: int = 0) -> dashboard.Table:
    rng = np.random.default_rng(seed)
    cases = [f"locks/lock{i:04d}/high/t:{1 + i % 2}/place:compact" for i in range(series // 4)]
    metrics = ["ns_per_op", "ops_per_sec", "lat_p99_ns", "fairness_jain"]
    keys = [(c, m) for c in cases for m in metrics][:series]
    values = 100 * np.exp(rng.normal(0, 0.02, (len(keys), runs)))
    values[::50, runs // 2:] *= 1.2  # a step in every 50th series
    start = np.datetime64("2024-01-01T00:00:00")
    run_rows = [dashboard.Run(f"r{i:05d}", f"{i:040x}", str(start + np.timedelta64(i, "h")) +
                              "+00:00", "abc123def456", "") for i in range(runs)]
    return dashboard.Table(run_rows, keys, values,
                           {"abc123def456": {"arch": "x86_64", "cpu_model": "Synthetic"}})


def test_the_page_of_20000_series_stays_within_its_budget(tmp_path: Path) -> None:
    table = synthetic_table(20_000, 80)
    index, data = dashboard.write(table, tmp_path, settings=SETTINGS,
                                  links=dashboard.Links(out_dir=tmp_path), title="t",
                                  database="synthetic")
    assert index.stat().st_size <= dashboard.PAGE_BUDGET_BYTES
    points = sum(len(s[5]) for s in data["series"])
    cap = data["budget"]["points_per_series"]
    assert cap == dashboard.POINTS_BUDGET // 20_000
    assert points <= dashboard.POINTS_BUDGET + 2 * len(data["changes"])
    assert all(s[3] == 80 for s in data["series"])
    assert len(data["changes"]) >= 400  # the planted steps (every 50th of 20,000)


# ---------------------------------------------------------------- in headless Chromium

needs_chromium = pytest.mark.skipif(
    not CHROMEDRIVER.exists() or shutil.which("chromium") is None,
    reason="chromium and chromium-driver are not installed (scripts/install-deps.sh installs them)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMEDRIVER.exists() or shutil.which("chromium") is None:
        pytest.skip("chromium and chromium-driver are not installed "
                    "(scripts/install-deps.sh installs them)")
    with headless_chromium() as driver:
        driver.set_window_size(1300, 1400)
        yield driver


def open_page(driver: Any, index: Path) -> None:
    driver.get(index.resolve().as_uri())
    driver.get_log("browser")  # nothing from earlier pages


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


CHARTS = ("return Array.from(document.querySelectorAll('.chart')).map(c => "
          "[c.dataset.case, c.dataset.metric, Number(c.dataset.series), "
          "c.querySelectorAll('canvas').length])")


@needs_chromium
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_chromium_draws_the_series_and_the_filters_change_them(built: tuple[str, Path],
                                                                browser: Any) -> None:
    from selenium.webdriver.support.ui import Select

    _, index = built
    open_page(browser, index)
    assert browser.execute_script("return window.synclabDashboard && window.synclabDashboard.ready")
    # First sight: one chart per case, its primary metric (what the gate judges).
    first = browser.execute_script(CHARTS)
    assert len(first) == 2 and {c[1] for c in first} <= {"ns_per_op", "cpu_ns_per_op"}
    Select(browser.find_element("id", "f-metric")).select_by_value("")
    charts = browser.execute_script(CHARTS)
    assert len(charts) == 6  # 2 cases x 3 metrics, each with both machines' lines
    assert all(n == 2 and canvases >= 1 for _, _, n, canvases in charts)
    assert charts[0][:2] == [CASE, "ns_per_op"] or charts[0][:2] == [CASE, "ops_per_sec"]
    rows = browser.find_elements("css selector", "#changelist tr")
    assert len(rows) == 3 and "worse" in rows[1].text and "+" in rows[1].text
    assert browser.execute_script("return document.querySelectorAll('.dygraph-annotation.cp')"
                                  ".length") == 2
    Select(browser.find_element("id", "f-metric")).select_by_value("fairness_jain")
    after = browser.execute_script(CHARTS)
    assert [c[1] for c in after] == ["fairness_jain", "fairness_jain"]
    assert browser.find_elements("id", "nochanges")
    Select(browser.find_element("id", "f-metric")).select_by_value("")
    machine = browser.execute_script("return document.getElementById('f-machine').options[1]"
                                     ".value")
    Select(browser.find_element("id", "f-machine")).select_by_value(machine)
    assert all(n == 1 for _, _, n, _ in browser.execute_script(CHARTS))
    browser.find_element("id", "f-reset").click()
    browser.find_element("id", "f-changed").click()
    assert len(browser.execute_script(CHARTS)) == 2
    assert console_errors(browser) == []


@needs_chromium
def test_chromium_shows_a_long_history_without_errors(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import Select

    table = synthetic_table(40, 25_000)
    index, data = dashboard.write(table, tmp_path, settings=SETTINGS,
                                  links=dashboard.Links(out_dir=tmp_path), title="long",
                                  database="synthetic")
    assert sum(s[3] for s in data["series"]) >= 10 ** 6
    open_page(browser, index)
    assert len(browser.execute_script(CHARTS)) == 10  # first sight: each case's primary metric
    Select(browser.find_element("id", "f-metric")).select_by_value("")
    charts = browser.execute_script(CHARTS)
    assert len(charts) == 12 and all(c[3] >= 1 for c in charts)
    text = browser.find_element("id", "status").text
    assert text.startswith("40 series match, in 40 chart(s); 12 shown")
    browser.find_element("id", "more").click()
    assert len(browser.execute_script(CHARTS)) == 24
    assert "no report" in browser.find_element("id", "changes").text
    assert console_errors(browser) == []
