"""One source for each run parameter: run_suite's copies of the contention levels, the default
thread list, the PU count and the placement grammar agree with the bench binary's own account
(`--synclab_describe`, synclab/describe.py).

The binary checked is build/release/benches/synclab_bench (CI builds it before pytest), or the
one SYNCLAB_DESCRIBE_BENCH names; without one, or with one that predates --synclab_describe, the
checks against it are skipped with the reason, and the recorded description
(inputs/describe.json) still holds the parser and the level names to the contract.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import FAKE_BENCH, INPUTS, REPO
from synclab import cases, describe
from synclab.names import CONTENTION_LEVELS

RECORDED = INPUTS / "describe.json"

# (placement, valid): the grammar both sides must judge alike. CPUs the machine lacks are the
# binary's alone to judge (it knows the topology), so every valid row names only CPUs 0 and 1,
# and rows with CPU 1 are checked only where this process may run on it.
PLACEMENTS: list[tuple[str, bool]] = [
    ("compact", True), ("scatter", True), ("cpus:0", True), ("cpus:00", True),
    ("cpus:0-0", True), ("cpus:0,1", True), ("cpus:1,0", True), ("cpus:0-1", True),
    ("", False), ("cpus:", False), ("cpus", False), ("Compact", False), ("spread", False),
    ("compact ", False), ("cpus:0,0", False), ("cpus:0-1,1", False), ("cpus:1-0", False),
    ("cpus:a", False), ("cpus:-1", False), ("cpus:0-", False), ("cpus:0,", False),
    ("cpus: 0", False), ("cpus:0 ", False), ("cpus:+1", False), ("cpus:0-1-2", False),
    ("cpus:0,,1", False), ("cpus:0x1", False), ("cpus:99999999999", False),
]


def python_accepts(placement: str) -> bool:
    try:
        cases.parse_placement(placement)
    except ValueError:
        return False
    return True


def uses_cpu_one(placement: str) -> bool:
    return placement.startswith("cpus:") and "1" in placement.removeprefix("cpus:")


def built_binary() -> Path:
    named = os.environ.get("SYNCLAB_DESCRIBE_BENCH")
    return Path(named) if named else REPO / "build" / "release" / "benches" / "synclab_bench"


@pytest.fixture(scope="module")
def binary() -> Path:
    """The built bench binary, when there is one that knows --synclab_describe."""
    path = built_binary()
    if not path.is_file():
        pytest.skip(f"no built bench binary at {path} (cmake --build --preset release "
                    "--target synclab_bench)")
    verdict = describe.ask(path)
    if not describe.knows_describe(verdict):
        pytest.skip(f"{path} predates {describe.DESCRIBE_FLAG}: {verdict.line}")
    assert verdict.accepted, verdict.line
    return path


def described(binary: Path, *flags: str) -> describe.Description:
    verdict = describe.ask(binary, flags)
    assert verdict.accepted, verdict.line
    return describe.parse(verdict.line)


# ---------------------------------------------------------------- the recorded contract

def test_the_recorded_description_parses_and_names_python_s_levels() -> None:
    recorded = describe.parse(RECORDED.read_text(encoding="utf-8"))
    assert recorded.level_names == CONTENTION_LEVELS
    assert recorded.default_threads == cases.default_threads(recorded.pus)
    assert {level.threads for level in recorded.levels} >= {"single", "list", "pu_sweep"}
    for family, levels in recorded.families.items():
        assert set(levels) <= set(CONTENTION_LEVELS), family


@pytest.mark.parametrize("text, needle", [
    ("not json", "not JSON"),
    ("[]", "not a JSON object"),
    ('{"describe_version": 2}', "describe_version 2; these scripts read version 1"),
    ('{"describe_version": 1, "pus": -1}', "pus is -1"),
    ('{"describe_version": 1, "pus": 2, "default_threads": [1, 2], "levels": [{"name": "x"}]}',
     "levels[0]: 'threads' is missing"),
    ('{"describe_version": 1, "pus": 2, "default_threads": [1], "levels": [], "families": 3}',
     "'families' is missing or not an object"),
])
def test_a_malformed_description_is_one_line(text: str, needle: str) -> None:
    with pytest.raises(ValueError) as error:
        describe.parse(text)
    assert needle in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("pus, threads", [(1, (1,)), (2, (1, 2)), (3, (1, 2, 3)),
                                          (8, (1, 2, 4, 8)), (12, (1, 2, 4, 8, 12))])
def test_python_s_default_thread_list(pus: int, threads: tuple[int, ...]) -> None:
    assert cases.default_threads(pus) == threads


@pytest.mark.parametrize("placement, valid", PLACEMENTS, ids=[repr(p) for p, _ in PLACEMENTS])
def test_python_s_placement_grammar(placement: str, valid: bool) -> None:
    assert python_accepts(placement) == valid


def test_a_binary_without_the_flag_is_told_apart_from_bad_input(tmp_path: Path) -> None:
    old = describe.ask(FAKE_BENCH)  # answers like a binary from before --synclab_describe
    assert not old.accepted and not describe.knows_describe(old)
    script = tmp_path / "bench"
    script.write_text("#!/bin/sh\necho \"synclab_bench: error: unknown placement 'x'\" >&2\n"
                      "exit 2\n")
    script.chmod(0o755)
    refused = describe.ask(script, ["--synclab_placement=x"])
    assert not refused.accepted and describe.knows_describe(refused)
    assert refused.line == "synclab_bench: error: unknown placement 'x'"
    answering = tmp_path / "answering"
    answering.write_text(f"#!/bin/sh\ncat {RECORDED}\n")
    answering.chmod(0o755)
    verdict = describe.ask(answering)
    assert verdict.accepted and describe.parse(verdict.line).level_names == CONTENTION_LEVELS


# ---------------------------------------------------------------- against the built binary

def test_the_binary_and_run_suite_know_the_same_levels(binary: Path) -> None:
    live = described(binary)
    assert live.level_names == CONTENTION_LEVELS, (
        "the binary's contention levels differ from scripts/synclab/names.py: "
        f"{live.level_names} vs {CONTENTION_LEVELS}")
    for family, levels in live.families.items():
        assert set(levels) <= set(CONTENTION_LEVELS), family


@pytest.mark.parametrize("placement", ["compact", "cpus:0"])
def test_the_binary_and_run_suite_count_the_same_pus_and_threads(binary: Path,
                                                                  placement: str) -> None:
    live = described(binary, f"--synclab_placement={placement}")
    pus = cases.placement_pus(placement, cases.available_pus())
    assert live.pus == pus, f"hwloc's PUs for {placement} ({live.pus}) vs the affinity mask's ({pus})"
    assert live.default_threads == cases.default_threads(pus)


@pytest.mark.parametrize("placement, valid", PLACEMENTS, ids=[repr(p) for p, _ in PLACEMENTS])
def test_the_binary_judges_each_placement_as_python_does(binary: Path, placement: str,
                                                         valid: bool) -> None:
    if valid and uses_cpu_one(placement) and 1 not in os.sched_getaffinity(0):
        pytest.skip("this process may not run on CPU 1")
    verdict = describe.ask(binary, [f"--synclab_placement={placement}"])
    assert verdict.accepted == python_accepts(placement) == valid, verdict.line
    if not verdict.accepted:
        assert verdict.line.startswith("synclab_bench: error: "), verdict.line


def test_the_binary_refuses_a_bad_placement_in_one_line(binary: Path) -> None:
    from synclab import bench

    result = bench.run_process([str(binary), "--synclab_placement=cpus:0,0",
                                describe.DESCRIBE_FLAG], timeout_s=60)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_the_recorded_description_is_what_a_binary_says(binary: Path) -> None:
    """The recording is of this contract; refresh it when the binary says more (keys added)."""
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    live = json.loads(describe.ask(binary).line)
    assert set(recorded) <= set(live)
    assert [level["name"] for level in live["levels"]] == \
        [level["name"] for level in recorded["levels"]]
