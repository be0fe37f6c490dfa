"""scripts/compare on results files: verdicts, validation on seeded synthetic runs, formats,
bad input."""
from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conftest import INPUTS, REPO, SCRIPTS, assert_one_line_error, clean_env, run_cli, run_main
from synclab import load
from synclab.compare import cli, judge

COMPARE = SCRIPTS / "synclab" / "compare" / "cli.py"
CONTEXT = {"arch": "x86_64", "cpu_model": "Test CPU", "emulated": "false", "compiler": "g++ 12.2.0",
           "cxx_flags": "-O2 -g -DNDEBUG", "build_type": "RelWithDebInfo", "git_sha": "aaaaaaa",
           "topology": "1 package, 2 PUs", "kernel": "Linux 6.1"}
PRIMITIVES = ("std_mutex", "futex_mutex3", "tas_spin", "ticket", "ttas_spin")
LEVELS = {"uncontended": 20.0, "low": 80.0, "medium": 160.0, "high": 300.0}


def compare(*args: Any) -> subprocess.CompletedProcess[str]:
    return run_main("compare", cli.main, *args)


def compare_process(*args: Any) -> subprocess.CompletedProcess[str]:
    return run_cli([sys.executable, str(COMPARE), *map(str, args)])


def case_names(primitives: tuple[str, ...] = PRIMITIVES) -> list[str]:
    names = []
    for primitive in primitives:
        for level in LEVELS:
            for threads in ((1,) if level == "uncontended" else (1, 2)):
                names.append(f"locks/{primitive}/{level}/t:{threads}/place:compact")
    return names


def entry(name: str, rep: int, reps: int, ns: float, fairness: float = 0.99) -> dict[str, Any]:
    return {"name": name, "run_name": name, "run_type": "iteration", "repetitions": reps,
            "repetition_index": rep, "threads": 1, "iterations": 1, "real_time": ns,
            "cpu_time": ns, "time_unit": "ns", "ns_per_op": ns, "ops_per_sec": 1e9 / ns,
            "lat_p99_ns": 6 * ns, "fairness_jain": fairness}


def synthetic_run(seed: int, *, reps: int = 6, sigma: float = 0.03, drift: float = 1.0,
                  slow: dict[str, float] | None = None, outliers: float = 0.05,
                  names: list[str] | None = None, context: dict[str, Any] | None = None,
                  ) -> dict[str, Any]:
    """A results document with lognormal noise, rare +30 % outliers (a noisy shared VM), a
    machine drift common to every case, and per-primitive slowdowns."""
    rng = random.Random(seed)
    benchmarks = []
    for name in names or case_names():
        primitive, level, t_part = name.split("/")[1:4]
        rank = PRIMITIVES.index(primitive) if primitive in PRIMITIVES else 0
        base_ns = LEVELS[level] * (1 + rank * 0.2) * int(t_part[2:])
        for rep in range(reps):
            noise = math.exp(rng.gauss(0, sigma)) * (1.3 if rng.random() < outliers else 1.0)
            ns = base_ns * noise * drift * (slow or {}).get(primitive, 1.0)
            fairness = 1.0 if t_part == "t:1" else min(1.0, 0.99 + rng.gauss(0, 0.003))
            benchmarks.append(entry(name, rep, reps, ns, fairness))
    return {"context": {**CONTEXT, **(context or {})}, "benchmarks": benchmarks}


def write(tmp: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc))
    return path


def judged(base: dict[str, Any], new: dict[str, Any], **options: Any) -> judge.Comparison:
    return judge.compare(load.parse(base, "base"), load.parse(new, "new"),
                         judge.Options(**options))


# ---------------------------------------------------------------- validation (seeded)

def test_aa_flags_at_most_five_percent_of_cases() -> None:
    """A/A: the same build twice, noise, outliers and a 2 % drift of the whole machine."""
    names = case_names()
    flagged, total = 0, 0
    for seed in range(8):
        c = judged(synthetic_run(2 * seed, names=names),
                   synthetic_run(2 * seed + 1, names=names, drift=1.02))
        verdicts = c.case_verdicts()
        flagged += sum(v == "regressed" for v in verdicts.values())
        total += len(verdicts)
    assert total == 8 * len(names)
    assert flagged / total <= 0.05, f"{flagged} of {total} cases flagged in A/A"


def test_ab_detects_a_ten_percent_slowdown_of_one_primitive() -> None:
    """9 repetitions (as Google Benchmark's compare.py advises): enough for every slowed case to
    pass Benjamini-Hochberg over 140 tests despite the outliers."""
    c = judged(synthetic_run(1, reps=9, sigma=0.02),
               synthetic_run(2, reps=9, sigma=0.02, slow={"tas_spin": 1.10}))
    verdicts = c.case_verdicts()
    regressed = {name for name, v in verdicts.items() if v == "regressed"}
    assert regressed == {n for n in verdicts if "/tas_spin/" in n}
    rows = {(r.case, r.metric.name): r for r in c.rows}
    row = rows[("locks/tas_spin/high/t:2/place:compact", "ns_per_op")]
    assert row.verdict == "regressed" and row.ratio == pytest.approx(1.10, rel=0.05)
    assert rows[("locks/tas_spin/high/t:2/place:compact", "ops_per_sec")].verdict == "regressed"
    assert rows[("locks/tas_spin/high/t:2/place:compact", "fairness_jain")].verdict == "unchanged"


def test_an_effect_below_the_threshold_is_unchanged_even_when_significant() -> None:
    c = judged(synthetic_run(1, sigma=0.002, outliers=0),
               synthetic_run(2, sigma=0.002, outliers=0, slow={"tas_spin": 1.03}))
    tas = [r for r in c.rows if "/tas_spin/" in r.case and r.metric.name == "ns_per_op"]
    assert all(r.verdict == "unchanged" and r.q_value is not None and r.q_value < 0.05 for r in tas)
    c2 = judged(synthetic_run(1, sigma=0.002, outliers=0),
                synthetic_run(2, sigma=0.002, outliers=0, slow={"tas_spin": 1.03}), threshold=0.02)
    assert {r.verdict for r in c2.rows if "/tas_spin/" in r.case and r.metric.name == "ns_per_op"} \
        == {"regressed"}


def test_normalisation_cancels_machine_drift() -> None:
    """The whole machine 15 % slower in NEW: raw numbers regress, ratios to std_mutex do not."""
    base = synthetic_run(3, reps=9, sigma=0.01, outliers=0)
    new = synthetic_run(4, reps=9, sigma=0.01, outliers=0, drift=1.15)
    assert judged(base, new).counts(per_case=True)["regressed"] > 0
    c = judged(base, new, normalize_to="std_mutex")
    assert c.counts(per_case=True)["regressed"] == 0
    assert all("/std_mutex/" in n for n in c.not_normalized)  # the reference itself
    drifted_and_slow = synthetic_run(5, reps=9, sigma=0.01, outliers=0, drift=1.15,
                                     slow={"ticket": 1.2})
    c = judged(base, drifted_and_slow, normalize_to="std_mutex")
    assert {n for n, v in c.case_verdicts().items() if v == "regressed"} == \
        {n for n in c.case_verdicts() if "/ticket/" in n}


def test_normalisation_to_one_named_case() -> None:
    ref = "locks/std_mutex/uncontended/t:1/place:compact"
    c = judged(synthetic_run(3), synthetic_run(4), normalize_to=ref)
    assert ref in c.not_normalized and len(c.case_verdicts()) == len(case_names()) - 1
    with pytest.raises(judge.InputError, match="no compared case has that reference"):
        judged(synthetic_run(3), synthetic_run(4), normalize_to="no_such_lock")


def test_one_repetition_is_inconclusive_and_says_how_many_are_needed() -> None:
    c = judged(synthetic_run(1, reps=1), synthetic_run(2, reps=1, slow={"tas_spin": 2.0}))
    assert {r.verdict for r in c.rows} == {"inconclusive"}
    # 35 gated cases: a lone change must reach 0.05 / 35; U needs 7 repetitions for that.
    assert all("needs" in r.note and "no test can reach p <= 0.0014" in r.note for r in c.gated_rows)
    assert all(r.mde == math.inf for r in c.gated_rows)
    assert not c.regressed


def test_instruction_counts_are_judged_by_the_threshold_alone() -> None:
    names = case_names(("std_mutex", "tas_spin"))[:1] + ["locks/tas_spin/uncontended/t:1/place:compact"]

    def run(ipo: dict[str, float]) -> dict[str, Any]:
        benchmarks = [{"name": n, "run_type": "iteration", "repetition_index": 0,
                       "instructions_per_op": ipo[n.split("/")[1]]} for n in names]
        return {"context": {**CONTEXT, "mode": "instructions"}, "benchmarks": benchmarks}

    c = judged(run({"std_mutex": 100.0, "tas_spin": 41.0}), run({"std_mutex": 100.4,
                                                                  "tas_spin": 45.0}))
    verdicts = c.case_verdicts()
    assert verdicts == {names[0]: "unchanged", names[1]: "regressed"}
    assert c.deterministic and all(r.p_value is None for r in c.rows)
    with pytest.raises(judge.InputError, match="'time' run"):
        judged(synthetic_run(1), run({"std_mutex": 1.0, "tas_spin": 1.0}))


# ---------------------------------------------------------------- the command line

@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return (write(tmp_path, "base.json", synthetic_run(1, reps=9, sigma=0.02)),
            write(tmp_path, "new.json", synthetic_run(2, reps=9, sigma=0.02,
                                                      slow={"tas_spin": 1.10})))


def test_exit_status_and_text(pair: tuple[Path, Path], tmp_path: Path) -> None:
    base, new = pair
    proc = compare_process(base, new)
    assert proc.returncode == 1, proc.stderr
    assert "locks/tas_spin/high/t:2/place:compact" in proc.stdout
    assert "regressed" in proc.stdout and "Benjamini–Hochberg" in proc.stdout
    same = compare(base, base)
    assert same.returncode == 0 and " 0 regressed" in same.stdout


def test_markdown_lists_what_moved_worst_first(pair: tuple[Path, Path]) -> None:
    proc = compare(*pair, "--format", "markdown")
    assert proc.returncode == 1
    text = proc.stdout
    assert text.startswith("## synclab compare: **")
    table = [line for line in text.splitlines() if line.startswith("| regressed | `")]
    assert table and all("tas_spin" in line for line in table)
    changes = [float(line.split("|")[6].strip().split()[0]) for line in table]
    badness = [abs(math.log1p(c / 100)) for c in changes]
    assert all(a >= b - 2e-3 for a, b in zip(badness, badness[1:]))  # rounded to 0.1 %
    assert "### Counts" in text and "| regressed | 7 |" in text


def test_json_format(pair: tuple[Path, Path]) -> None:
    doc = json.loads(compare(*pair, "--format", "json").stdout)
    row = doc["cases"][0]
    assert set(row) >= {"name", "metric", "base", "new", "ratio", "p_value", "verdict"}
    assert doc["regressed"] is True and doc["case_counts"]["regressed"] == 7
    assert doc["settings"]["threshold"] == 0.05 and doc["settings"]["alpha"] == 0.05


def test_junit_format(pair: tuple[Path, Path]) -> None:
    root = ET.fromstring(compare(*pair, "--format", "junit").stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(case_names()) and suite.get("failures") == "7"
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed and all("/tas_spin/" in str(n) for n in failed)
    message = cases[[c.get("name") for c in cases].index(failed[0])].find("failure")
    assert message is not None and "ns_per_op +" in str(message.get("message"))


def test_bmf_and_gab_formats(pair: tuple[Path, Path]) -> None:
    bmf = json.loads(compare(*pair, "--format", "bmf").stdout)
    measures = bmf["locks/tas_spin/high/t:2/place:compact"]
    assert set(measures) == {"latency", "throughput", "lat_p99_ns", "fairness_jain"}
    assert measures["latency"]["lower_value"] <= measures["latency"]["value"] <= \
        measures["latency"]["upper_value"]
    smaller = json.loads(compare(*pair, "--format", "gab").stdout)
    assert {item["name"].split()[-1] for item in smaller} == {"ns_per_op", "lat_p99_ns"}
    assert all(set(item) <= {"name", "unit", "value", "range", "extra"} for item in smaller)
    bigger = json.loads(compare(*pair, "--format", "gab-bigger").stdout)
    assert {item["name"].split()[-1] for item in bigger} == {"ops_per_sec", "fairness_jain"}


def test_output_is_written_atomically(pair: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "summary.md"
    proc = compare(*pair, "--format", "markdown", "--output", out)
    assert proc.returncode == 1 and out.read_text().startswith("## synclab compare")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json", "new.json", "summary.md"]


def test_failed_case_in_new_is_a_regression(tmp_path: Path) -> None:
    base = synthetic_run(1)
    new = synthetic_run(2)
    name = "locks/ticket/high/t:2/place:compact"
    new["benchmarks"] = [b for b in new["benchmarks"] if b["name"] != name] + [
        {"name": name, "run_name": name, "run_type": "iteration", "error_occurred": True,
         "error_message": "timed out: in-process watchdog fired", "synclab_status": "timed_out"}]
    c = judged(base, new)
    row = next(r for r in c.rows if r.case == name)
    assert row.metric.name == "status" and row.verdict == "regressed"
    assert row.note.startswith("timed out in NEW: in-process watchdog")


def test_contexts_must_match_unless_forced(tmp_path: Path) -> None:
    base = write(tmp_path, "base.json", synthetic_run(1))
    other = write(tmp_path, "other.json", synthetic_run(2, context={"cpu_model": "Other CPU",
                                                                    "emulated": "true"}))
    line = assert_one_line_error(compare(base, other), "compare")
    assert "cpu_model 'Test CPU' vs 'Other CPU'" in line and "emulated" in line and "--force" in line
    forced = compare(base, other, "--force")
    assert forced.returncode == 0 and "contexts differ (--force)" in forced.stdout


@pytest.mark.parametrize("case, needle", [
    ("missing", "no such file"),
    ("corrupt", "not valid JSON"),
    ("aggregates", "only aggregate entries"),
    ("foreign", "no common cases"),
    ("no_common", "no common cases"),
    ("not_gb", "not a Google Benchmark results file"),
    ("mode", "measure different things"),
    ("metric", "present in none of the compared cases"),
    ("direction", "direction unknown"),
    ("threshold", "--threshold"),
    ("alpha", "--alpha"),
    ("output", "does not exist"),
    ("format", "--format"),
])
def test_bad_input_is_one_line_and_exit_2(case: str, needle: str, tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", synthetic_run(1))
    arguments: dict[str, list[Any]] = {
        "missing": [good, tmp_path / "nope.json"],
        "corrupt": [good, INPUTS / "corrupt.json"],
        "aggregates": [INPUTS / "aggregates_only.json", good],
        "foreign": [good, INPUTS / "foreign.json"],
        "no_common": [good, write(tmp_path, "x.json", synthetic_run(2, names=[
            "locks/other/high/t:1/place:compact"]))],
        "not_gb": [good, write(tmp_path, "list.json", [1, 2])],  # type: ignore[arg-type]
        "mode": [good, write(tmp_path, "i.json", synthetic_run(2, context={"mode": "instructions"}))],
        "metric": [good, good, "--metrics", "cycles_per_op"],
        "direction": [good, good, "--metrics", "mystery"],
        "threshold": [good, good, "--threshold", "-3"],
        "alpha": [good, good, "--alpha", "1.5"],
        "output": [good, good, "--output", tmp_path / "no" / "dir.md"],
        "format": [good, good, "--format", "html"],
    }
    args = arguments[case]
    line = assert_one_line_error(compare(*args), "compare")
    assert needle in line


def test_partial_results_file_from_the_report_tests() -> None:
    proc = compare(INPUTS / "complete.json", INPUTS / "partial.json")
    assert proc.returncode == 1  # partial.json has a timed-out and a crashed case
    assert "timed out in NEW" in proc.stdout and "no test can reach" in proc.stdout


def test_wrapper_script() -> None:
    proc = run_cli([str(REPO / "scripts" / "compare"), str(INPUTS / "complete.json"),
                    str(INPUTS / "complete.json"), "--format", "json"],
                   env=clean_env(SYNCLAB_SKIP_DEPS="1"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["case_counts"]["inconclusive"] == 9
