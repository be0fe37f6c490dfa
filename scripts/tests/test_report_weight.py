"""The report of a run with every case the benchmark binary registers (tests/contract/cases.golden,
more than any profile runs) stays light, and headless Chromium shows it without a console error
or a broken image. Its load time is measured by scripts/report_load_time, not asserted here."""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import REPO
from synclab.report.browser import CHROMEDRIVER, page_problems

GOLDEN = REPO / "tests" / "contract" / "cases.golden"
REPORT = REPO / "scripts" / "report"
LIMIT_BYTES = 5 * 1024 * 1024


def golden_cases() -> list[tuple[str, list[str]]]:
    """(case name, its metric names) for every case of the golden file."""
    sets: dict[str, list[str]] = {}
    cases: list[tuple[str, str]] = []
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "[")):
            continue
        head, _, rest = line.partition(" ")
        if re.fullmatch(r"M\d+", head):
            sets[head] = rest.split()
        else:
            cases.append((head, rest.strip()))
    return [(name, sets.get(mset, [])) for name, mset in cases]


def plausible(metric: str, rnd: random.Random) -> float:
    if metric.endswith("per_sec"):
        return rnd.uniform(1e5, 1e7)
    if any(word in metric for word in ("fairness", "ratio", "share")):
        return rnd.uniform(0.5, 1.0)
    return rnd.uniform(10.0, 1000.0)


def write_synthetic_run(path: Path, repetitions: int = 2) -> int:
    rnd = random.Random(7)
    entries: list[dict[str, Any]] = []
    cases = golden_cases()
    for name, metrics in cases:
        for index in range(repetitions):
            entries.append({"name": name, "run_name": name, "run_type": "iteration",
                            "repetitions": repetitions, "repetition_index": index,
                            "iterations": 1, "real_time": 100.0, "cpu_time": 100.0,
                            "time_unit": "ns", **{m: plausible(m, rnd) for m in metrics}})
    path.write_text(json.dumps({"context": {"schema_version": 2, "host_name": "synthetic",
                                            "num_cpus": 2}, "benchmarks": entries}))
    return len(cases)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("weight")
    assert write_synthetic_run(work / "results.json") > 1000
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "synclab" / "report" / "cli.py"),
                           str(work / "results.json"), "--out", str(work / "report")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    yield work / "report"


def images_of(page: str) -> list[str]:
    return re.findall(r'<img [^>]*src="([^"]+)"', page)


def test_the_report_of_every_case_is_under_5_mb(report_dir: Path) -> None:
    total = sum(p.stat().st_size for p in report_dir.rglob("*") if p.is_file())
    assert total < LIMIT_BYTES, f"{total / 2**20:.1f} MiB"
    page = (report_dir / "index.html").read_text(encoding="utf-8")
    shown = images_of(page)
    pngs = sorted(p.name for p in report_dir.glob("*.png"))
    # Every image on disk is shown, every image shown is on disk, and there are not hundreds.
    assert sorted(set(shown)) == pngs
    assert 10 <= len(pngs) <= 150


needs_chromium = pytest.mark.skipif(
    not CHROMEDRIVER.exists() or shutil.which("chromium") is None,
    reason="chromium and chromium-driver are not installed (scripts/install-deps.sh installs them)")


@needs_chromium
def test_chromium_shows_the_report_without_errors(report_dir: Path) -> None:
    assert page_problems(report_dir / "index.html") == []


@needs_chromium
def test_chromium_check_sees_a_broken_image(report_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(report_dir, broken)
    victim = sorted(broken.glob("*.png"))[0]
    victim.unlink()
    problems = page_problems(broken / "index.html")
    assert any(victim.name in problem for problem in problems), problems
