"""tests/contract/case_contract.py: a primitive left out at run time (its reason in the
context) excuses exactly its own golden cases; every other missing case is still a difference."""
from __future__ import annotations

import importlib.util
import sys

from conftest import REPO

_spec = importlib.util.spec_from_file_location("case_contract", REPO / "tests" / "contract" / "case_contract.py")
assert _spec is not None and _spec.loader is not None
case_contract = importlib.util.module_from_spec(_spec)
sys.modules["case_contract"] = case_contract
_spec.loader.exec_module(case_contract)

GOLDEN = {
    "channels/lcrq/mpmc/t:2/place:compact": ("ops_per_sec",),
    "channels/lprq/mpmc/t:2/place:compact": ("ops_per_sec",),
    "reclaim/hazard_pointers_asym/read_mostly/t:2/place:compact": ("ns_per_read",),
}


def test_the_context_names_each_left_out_primitive_with_its_reason() -> None:
    context = {"channel_primitives_left_out": "lcrq (this CPU has no cmpxchg16b (CPUID)); ",
               "reclaim_primitives_left_out": "a, b (membarrier: EPERM); ",
               "channels_peers_missing": "moodycamel (not found); "}
    left = case_contract.left_out(context)
    assert set(left) == {("channel", "lcrq"), ("reclaim", "a"), ("reclaim", "b")}
    assert left[("reclaim", "a")] == "membarrier: EPERM"


def test_a_left_out_primitive_excuses_only_its_own_cases() -> None:
    actual = {k: v for k, v in GOLDEN.items() if "/lcrq/" not in k}
    left = {("channel", "lcrq"): "no cmpxchg16b"}  # the key's own (singular) family name
    assert case_contract.differences(GOLDEN, actual, left) == []
    assert case_contract.passed_over(GOLDEN, actual, left) == ["channels/lcrq/mpmc/t:2/place:compact"]


def test_a_case_missing_without_a_reason_is_a_difference() -> None:
    actual = {k: v for k, v in GOLDEN.items() if "/lcrq/" not in k}
    assert case_contract.differences(GOLDEN, actual, {}) == ["case removed: channels/lcrq/mpmc/t:2/place:compact"]
    # A reason for another primitive (or family) does not excuse it.
    assert case_contract.differences(GOLDEN, actual, {("reclaim", "lcrq"): "x", ("channel", "lprq"): "y"}) \
        == ["case removed: channels/lcrq/mpmc/t:2/place:compact"]
