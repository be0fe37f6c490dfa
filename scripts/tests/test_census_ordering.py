"""The ordering check: the book's Figure 7-1 per architecture and variant, and how a difference
is reported in census.json."""
from __future__ import annotations

from typing import Any

import pytest

from conftest import INPUTS
from synclab.census import document, ordering
from synclab.census.symbols import ORDERS


@pytest.mark.parametrize(("arch", "variant", "operation", "order", "expected"), [
    # x86-64: loads are plain movs; only seq_cst stores (xchg) and fences (mfence) cost more
    ("x86_64", "default", "load", "seq_cst", {}),
    ("x86_64", "default", "store", "release", {}),
    ("x86_64", "default", "store", "seq_cst", {"xchg": 1}),
    ("x86_64", "default", "exchange", "relaxed", {"xchg": 1}),
    ("x86_64", "default", "fetch_add", "relaxed", {"lock_rmw": 1}),
    ("x86_64", "default", "compare_exchange", "acquire", {"cmpxchg": 1}),
    ("x86_64", "default", "fence", "acq_rel", {}),
    ("x86_64", "default", "fence", "seq_cst", {"mfence": 1}),
    # ARMv8.0: ldar / stlr, ldxr-or-ldaxr + stxr-or-stlxr by ordering, dmb only for fences
    ("arm64", "llsc", "load", "relaxed", {}),
    ("arm64", "llsc", "load", "acquire", {"ldar": 1}),
    ("arm64", "llsc", "store", "seq_cst", {"stlr": 1}),
    ("arm64", "llsc", "exchange", "relaxed", {"ldxr": 1, "stxr": 1, "llsc_retry": 1}),
    ("arm64", "llsc", "exchange", "acquire", {"ldaxr": 1, "stxr": 1, "llsc_retry": 1}),
    ("arm64", "llsc", "fetch_add", "release", {"ldxr": 1, "stlxr": 1, "llsc_retry": 1}),
    ("arm64", "llsc", "fetch_add", "seq_cst", {"ldaxr": 1, "stlxr": 1, "llsc_retry": 1}),
    ("arm64", "llsc", "compare_exchange_weak", "acq_rel", {"ldaxr": 1, "stlxr": 1}),
    ("arm64", "llsc", "fence", "acquire", {"dmb ishld": 1}),
    ("arm64", "llsc", "fence", "release", {"dmb ish": 1}),
    ("arm64", "llsc", "fence", "seq_cst", {"dmb ish": 1}),
    # ARMv8.1: one instruction with the a / l / al suffix
    ("arm64", "lse", "exchange", "release", {"swpl": 1}),
    ("arm64", "lse", "fetch_add", "acquire", {"ldadda": 1}),
    ("arm64", "lse", "fetch_add", "seq_cst", {"ldaddal": 1}),
    ("arm64", "lse", "compare_exchange", "relaxed", {"cas": 1}),
    ("arm64", "lse", "compare_exchange_weak", "acq_rel", {"casal": 1}),
    ("arm64", "lse", "load", "acquire", {"ldar": 1}),
    # outline atomics: a helper per operation, size and model; seq_cst uses acq_rel
    ("arm64", "default", "fetch_add", "seq_cst", {"outline:__aarch64_ldadd4_acq_rel": 1}),
    ("arm64", "default", "compare_exchange", "acquire", {"outline:__aarch64_cas4_acq": 1}),
    ("arm64", "default", "exchange", "relaxed", {"outline:__aarch64_swp4_relax": 1}),
    ("arm64", "default", "store", "release", {"stlr": 1}),
])
def test_reference_table(arch: str, variant: str, operation: str, order: str,
                         expected: dict[str, int]) -> None:
    assert ordering.expected(arch, variant, operation, order, 32) == expected


def fixture_doc(name: str, arch: str, variant: str) -> dict[str, Any]:
    text = (INPUTS / name).read_text(encoding="utf-8")
    return document.take_census([("fixture", text)], arch=arch, variant=variant, compiler="g++",
                                cxx_flags="", patterns=[])


@pytest.mark.parametrize(("name", "arch", "variant"), [
    ("census_arm64_llsc.txt", "arm64", "llsc"), ("census_arm64_lse.txt", "arm64", "lse"),
    ("census_arm64_outline.txt", "arm64", "default")])
def test_arm64_fixtures_match_the_table(name: str, arch: str, variant: str) -> None:
    doc = fixture_doc(name, arch, variant)
    assert len(doc["ordering_check"]) == 12
    assert all(check["ok"] for check in doc["ordering_check"]), doc["ordering_check"]
    assert doc["mismatches"] == []


def test_x86_seq_cst_fence_is_reported_with_its_note() -> None:
    doc = fixture_doc("census_x86_64.txt", "x86_64", "default")
    bad = [c for c in doc["ordering_check"] if not c["ok"]]
    assert [(c["op"], c["order"], c["expected"], c["found"]) for c in bad] == [
        ("fence", "seq_cst", "mfence", "lock_fence")]
    assert "full barrier" in bad[0]["note"]
    assert len(doc["mismatches"]) == 1
    assert doc["mismatches"][0].startswith("fence seq_cst: expected mfence, found lock_fence")


def test_a_wrong_instruction_is_a_mismatch() -> None:
    """An LL/SC build whose acquire fetch_add lost its acquire (ldxr) must be flagged."""
    text = (INPUTS / "census_arm64_llsc.txt").read_text(encoding="utf-8")
    start = text.index("<synclab_census__ordering__u32__fetch_add_acquire>:")
    end = text.index("\n\n", start)
    broken = text[:start] + text[start:end].replace("ldaxr", "ldxr") + text[end:]
    doc = document.take_census([("broken", broken)], arch="arm64", variant="llsc", compiler="g++",
                               cxx_flags="", patterns=[])
    bad = [c for c in doc["ordering_check"] if not c["ok"]]
    assert [(c["op"], c["order"], c["width"]) for c in bad] == [("fetch_add", "acquire", 32)]
    assert bad[0]["expected"] == "ldaxr + llsc_retry + stxr"
    assert bad[0]["found"] == "ldxr + llsc_retry + stxr"
    assert "note" not in bad[0]
    assert doc["mismatches"] == ["u32 fetch_add acquire: expected ldaxr + llsc_retry + stxr, found "
                                 "ldxr + llsc_retry + stxr (synclab_census__ordering__u32__"
                                 "fetch_add_acquire)"]


def test_census_document_shape() -> None:
    doc = fixture_doc("census_arm64_lse.txt", "arm64", "lse")
    assert document.validate(doc) is doc
    for key in ("schema", "arch", "variant", "compiler", "cxx_flags", "functions",
                "ordering_check", "mismatches"):
        assert key in doc
    for entry in doc["functions"]:
        assert {"symbol", "family", "primitive", "op", "counts", "instructions"} <= set(entry)
    for check in doc["ordering_check"]:
        assert {"op", "order", "width", "expected", "found", "ok"} <= set(check)
    with pytest.raises(ValueError, match="missing"):
        document.validate({"schema": 1})
    assert set(ordering.VALID_ORDERS["fence"]) == set(ORDERS)
