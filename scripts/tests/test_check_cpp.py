"""scripts/check_cpp: findings are read from clang-tidy's output, and only what exceeds the
baseline fails (a planted finding is caught, the accepted ones and moved lines are not)."""
from __future__ import annotations

import collections
import importlib.machinery
import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "check_cpp"


def load() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("check_cpp", str(SCRIPT))
    spec = importlib.util.spec_from_loader("check_cpp", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_findings_are_read_without_colour_and_outside_the_repository_ignored() -> None:
    check_cpp = load()
    repo = check_cpp.REPO
    output = "\n".join([
        f"\x1b[1m{repo}/harness/src/x.cpp:10:5: \x1b[0m\x1b[0;1;35mwarning: \x1b[0mbad thing [bugprone-foo]\x1b[0m",
        f"{repo}/harness/src/x.cpp:10:5: warning: bad thing [bugprone-foo]",  # the same, from another unit
        "/usr/include/c++/12/vector:1:1: warning: not ours [performance-bar]",
        "    some context line",
    ])
    assert check_cpp.findings(output) == {("harness/src/x.cpp", 10, "bugprone-foo", "bad thing")}


def test_only_counts_above_the_baseline_fail() -> None:
    check_cpp = load()
    baseline = collections.Counter({("a.cpp", "bugprone-foo"): 2, ("b.cpp", "performance-bar"): 1})
    same = collections.Counter({("a.cpp", "bugprone-foo"): 2, ("b.cpp", "performance-bar"): 1})
    assert check_cpp.compare(same, baseline) == ({}, 0)
    planted = collections.Counter({("a.cpp", "bugprone-foo"): 3, ("c.cpp", "concurrency-mt-unsafe"): 1})
    new, fewer = check_cpp.compare(planted, baseline)
    assert new == {("a.cpp", "bugprone-foo"): 3, ("c.cpp", "concurrency-mt-unsafe"): 1}
    assert fewer == 1  # b.cpp's finding is gone: the baseline can shrink


def test_the_committed_baseline_parses() -> None:
    check_cpp = load()
    assert all(n > 0 for n in check_cpp.read_baseline().values())
