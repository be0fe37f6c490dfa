"""The cross-architecture census panel (synclab/report/census_panel.py) and scripts/census on
real objects compiled from census/census_functions.cpp."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import INPUTS, REPO, run_cli
from synclab.census import document
from synclab.report import census_panel

CENSUS_CLI = REPO / "scripts" / "synclab" / "census" / "cli.py"
SOURCE = REPO / "census" / "census_functions.cpp"
INCLUDES = ["-I", str(REPO / "primitives" / "include"), "-I", str(REPO / "benches" / "peers" / "include")]
# What benches/peers/CMakeLists.txt defines: the census object built here has no third-party peer.
INCLUDES += [f"-DSYNCLAB_HAVE_{lib}=0" for lib in ("TBB", "ABSL", "CK", "MOODYCAMEL", "BOOST_LOCKFREE")]


def doc_from(name: str, arch: str, variant: str) -> dict[str, Any]:
    text = (INPUTS / name).read_text(encoding="utf-8")
    return document.take_census([("fixture", text)], arch=arch, variant=variant,
                                compiler="g++ 12.2.0", cxx_flags="-O2 -march=armv8.1-a",
                                patterns=[r"^synclab::locks::[^(]*::lock\w*\("])


@pytest.fixture
def docs() -> list[dict[str, Any]]:
    return [doc_from("census_x86_64.txt", "x86_64", "default"),
            doc_from("census_arm64_llsc.txt", "arm64", "llsc"),
            doc_from("census_arm64_lse.txt", "arm64", "lse"),
            doc_from("census_arm64_outline.txt", "arm64", "default")]


def test_side_by_side_has_a_column_per_census(docs: list[dict[str, Any]]) -> None:
    page = census_panel.side_by_side_html(docs, families=["locks"])
    for label in ("x86_64", "arm64 LL/SC", "arm64 LSE", "arm64 outline atomics"):
        assert f"<th>{label}<span" in page
    row = page[page.index("<code>futex_mutex3/lock</code>"):]
    row = row[:row.index("</tr>")]
    assert ["cmpxchg + xchg", "2× ldaxr + 2× stxr + 2× llsc_retry", "casa + swpa",
            "cas4_acq() + swp4_acq()"] == [
        cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split('<td class="sig"')[1:]]
    assert "ordering/" not in page  # families=["locks"]


def test_counts_table_is_function_by_class(docs: list[dict[str, Any]]) -> None:
    page = census_panel.counts_table_html(docs[1], pattern="futex_mutex3/")
    head = page[page.index("<thead>"):page.index("</thead>")]
    assert [h.split("<", 1)[0] for h in head.split("<th>")[2:]] == [
        "ldxr", "ldaxr", "stxr", "stlxr", "llsc_retry", "instructions"]
    assert page.count("<tr><th><code>") == 3  # lock, try_lock, unlock
    outline = census_panel.counts_table_html(docs[3], pattern="futex_mutex3/unlock")
    assert "outline helpers" in outline and "__aarch64_swp4_rel" in outline


def test_ordering_check_and_mismatches(docs: list[dict[str, Any]]) -> None:
    page = census_panel.ordering_check_html(docs)
    assert page.count('class="mismatch"') == 1  # x86-64's seq_cst fence: lock or, not mfence
    assert "expected mfence" in page and "lock_fence" in page
    box = census_panel.mismatches_html(docs)
    assert "x86_64" in box and "fence seq_cst" in box
    assert "Every ordering microcase" in census_panel.mismatches_html(docs[1:])


def test_section_escapes_and_survives_no_census(docs: list[dict[str, Any]]) -> None:
    page = census_panel.census_section_html(docs, problems=["bad <file>"])
    assert "bad &lt;file&gt;" in page and "<h2>Code generation</h2>" in page
    assert page.count("<details>") == 4
    assert "No census.json" in census_panel.census_section_html([])


def test_draw_atomic_counts(docs: list[dict[str, Any]]) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    census_panel.draw_atomic_counts(ax, docs)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["futex_mutex3/lock", "futex_mutex3/unlock"]
    assert len(ax.patches) == 2 * len(docs)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        census_panel.census_label(d) for d in docs]
    plt.close(fig)


def test_load_census_reports_bad_files(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    good = tmp_path / "census.json"
    good.write_text(json.dumps(docs[0]))
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    loaded, problems = census_panel.load_census([good, bad, tmp_path / "missing.json"])
    assert len(loaded) == 1 and len(problems) == 2
    assert census_panel.find_census(tmp_path) == good


def _compile(compiler: str, flags: list[str], out: Path) -> Path:
    subprocess.run([compiler, "-std=c++20", "-O2", *flags, *INCLUDES, "-c", str(SOURCE), "-o",
                    str(out)], check=True, timeout=300)
    return out


@pytest.mark.skipif(shutil.which("g++") is None or shutil.which("objdump") is None,
                    reason="needs g++ and objdump")
def test_census_cli_on_a_native_object(tmp_path: Path) -> None:
    obj = _compile("g++", [], tmp_path / "census_functions.o")
    proc = run_cli([sys.executable, str(CENSUS_CLI), "--file", str(obj), "--out-dir",
                    str(tmp_path), "--filter", "futex_mutex3/"], timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "locks/futex_mutex3/lock" in proc.stdout and "cmpxchg + xchg" in proc.stdout
    doc = document.load(tmp_path / "census-x86_64.json")
    ops = {f["op"] for f in doc["functions"] if f["primitive"] == "futex_mutex3"}
    assert ops == {"lock", "unlock", "try_lock"}
    primitives = {f["primitive"] for f in doc["functions"] if f["family"] == "locks"}
    assert {"tas_spin", "ticket", "futex_mutex3_spin", "mcs", "std_mutex", "pthread_spin"} <= primitives
    # 2 widths x (3 loads + 3 stores + 5 orders x 4 RMWs) + 5 fences
    assert len(doc["ordering_check"]) == 2 * (3 + 3 + 20) + 5


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-g++") is None
                    or shutil.which("aarch64-linux-gnu-objdump") is None,
                    reason="needs the arm64 toolchain (scripts/install-deps.sh --arch=arm64)")
@pytest.mark.parametrize(("flags", "variant"), [(["-march=armv8-a", "-mno-outline-atomics"], "llsc"),
                                                (["-march=armv8.1-a"], "lse")])
def test_arm64_objects_match_the_book(tmp_path: Path, flags: list[str], variant: str) -> None:
    from synclab.census import run

    obj = _compile("aarch64-linux-gnu-g++", flags, tmp_path / "census_functions.o")
    doc = run.census_of_file(obj, host="x86_64", variant=variant)
    assert doc["arch"] == "arm64"
    assert doc["mismatches"] == [], doc["mismatches"]
    assert len(doc["ordering_check"]) == 57


def test_report_shows_the_census_written_beside_the_results(tmp_path: Path) -> None:
    from conftest import report
    import shutil
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(REPO / "scripts" / "tests" / "inputs" / "showcase.json", run_dir / "results.json")
    (run_dir / "census.json").write_text("{ not json")
    proc = report(str(run_dir / "results.json"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out" / "index.html").read_text()
    assert "Code generation" in page and "census.json" in page
