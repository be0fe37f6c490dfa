"""The census classifier on known disassembly: x86-64, arm64 LL/SC, LSE and outline atomics.

The fixtures (inputs/census_*.txt) are objdump -d -r --no-show-raw-insn -C output of
census/census_functions.cpp built by g++ 12 for x86-64 and for arm64 with -march=armv8-a
-mno-outline-atomics, -march=armv8.1-a and the default -moutline-atomics, cut down to the
futex_mutex3 wrappers, futex_mutex3_spin's slow path and a few ordering microcases.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import INPUTS
from synclab.census import disasm, document, symbols

FIXTURES = {"x86_64": "census_x86_64.txt", "llsc": "census_arm64_llsc.txt",
            "lse": "census_arm64_lse.txt", "default": "census_arm64_outline.txt"}
PATTERNS = symbols.load_patterns(Path(__file__).resolve().parents[2] / "census" / "patterns.txt")


def census_doc(variant: str) -> dict[str, Any]:
    arch = "x86_64" if variant == "x86_64" else "arm64"
    text = (INPUTS / FIXTURES[variant]).read_text(encoding="utf-8")
    return document.take_census([("fixture", text)], arch=arch,
                                variant="default" if arch == "x86_64" else variant,
                                compiler="g++ 12.2.0", cxx_flags="-O2", patterns=PATTERNS)


def function(doc: dict[str, Any], symbol: str) -> dict[str, Any]:
    matches = [f for f in doc["functions"] if f["symbol"] == symbol]
    assert len(matches) == 1, [f["symbol"] for f in doc["functions"]]
    return matches[0]


FM3 = "synclab_census__locks__futex_mutex3__"

# futex_mutex3: lock = CAS(0->1, acquire) then swap(2, acquire) loop; unlock = swap(0, release);
# try_lock = the CAS once.
EXPECTED_FUTEX_MUTEX3 = {
    "x86_64": {"lock": {"cmpxchg": 1, "xchg": 1}, "unlock": {"xchg": 1}, "try_lock": {"cmpxchg": 1}},
    "llsc": {"lock": {"ldaxr": 2, "stxr": 2, "llsc_retry": 2},
             "unlock": {"ldxr": 1, "stlxr": 1, "llsc_retry": 1},
             "try_lock": {"ldaxr": 1, "stxr": 1, "llsc_retry": 1}},
    "lse": {"lock": {"casa": 1, "swpa": 1}, "unlock": {"swpl": 1}, "try_lock": {"casa": 1}},
    "default": {"lock": {"outline": 2}, "unlock": {"outline": 1}, "try_lock": {"outline": 1}},
}


@pytest.mark.parametrize("variant", sorted(FIXTURES))
def test_futex_mutex3_counts(variant: str) -> None:
    doc = census_doc(variant)
    for op, counts in EXPECTED_FUTEX_MUTEX3[variant].items():
        entry = function(doc, FM3 + op)
        assert entry["counts"] == counts, (variant, op)
        assert (entry["family"], entry["primitive"], entry["op"]) == ("locks", "futex_mutex3", op)
    # the contended path sleeps in the kernel: a call of syscall(), not an atomic
    assert function(doc, FM3 + "lock")["calls"] == ["syscall"]
    assert function(doc, FM3 + "unlock")["calls"] == ["syscall"]


def test_outline_helpers_are_named() -> None:
    doc = census_doc("default")
    assert function(doc, FM3 + "lock")["outline_helpers"] == {"__aarch64_cas4_acq": 1,
                                                               "__aarch64_swp4_acq": 1}
    assert function(doc, FM3 + "unlock")["outline_helpers"] == {"__aarch64_swp4_rel": 1}
    seq_cst = function(doc, "synclab_census__ordering__u32__compare_exchange_seq_cst")
    assert seq_cst["outline_helpers"] == {"__aarch64_cas4_acq_rel": 1}
    assert "calls" not in seq_cst  # a helper call is counted as outline, not as a plain call


def test_instruction_totals_leave_out_padding() -> None:
    x86 = census_doc("x86_64")
    # xchg %esi,(%rdi); ret -- the nopw / xchg %ax,%ax filler after it is not counted
    store = function(x86, "synclab_census__ordering__u32__store_seq_cst")
    assert store["counts"] == {"xchg": 1} and store["instructions"] == 2
    arm = census_doc("llsc")
    load = function(arm, "synclab_census__ordering__u32__load_acquire")
    assert load["counts"] == {"ldar": 1} and load["instructions"] == 2


def test_weak_cas_has_no_retry_and_strong_has_one() -> None:
    doc = census_doc("llsc")
    weak = function(doc, "synclab_census__ordering__u32__compare_exchange_weak_relaxed")
    strong = function(doc, "synclab_census__ordering__u32__compare_exchange_seq_cst")
    assert weak["counts"] == {"ldxr": 1, "stxr": 1}
    assert strong["counts"] == {"ldaxr": 1, "stlxr": 1, "llsc_retry": 1}


def test_pattern_functions_come_with_family_primitive_op() -> None:
    for variant in FIXTURES:
        doc = census_doc(variant)
        slow = [f for f in doc["functions"] if f["op"] == "lock_contended"]
        assert len(slow) == 1, variant
        assert (slow[0]["family"], slow[0]["primitive"]) == ("locks", "FutexMutex3Spin<100u>")
        spin_hint = "pause" if variant == "x86_64" else "yield"
        assert slow[0]["counts"].get(spin_hint) == 1, variant


def test_x86_classes_one_by_one() -> None:
    def cls(line: str) -> str | None:
        fn = disasm.parse_objdump(f"0000000000000000 <f>:\n   0:\t{line}\n")[0]
        return disasm.classify("x86_64", fn.instructions[0])

    assert cls("lock xadd %eax,(%rdi)") == "lock_rmw"
    assert cls("lock addl $0x1,(%rdi)") == "lock_rmw"
    assert cls("lock bts $0x0,(%rdi)") == "lock_rmw"
    assert cls("lock cmpxchg %edx,(%rdi)") == "cmpxchg"
    assert cls("lock cmpxchg16b (%rdi)") == "cmpxchg"
    assert cls("xchg %eax,(%rdi)") == "xchg"
    assert cls("xchg %eax,%edx") is None  # registers only: not atomic, not a barrier
    assert cls("lock orq $0x0,(%rsp)") == "lock_fence"
    assert cls("lock orl $0x0,-0x40(%rsp)") == "lock_fence"
    for insn in ("mfence", "lfence", "sfence", "pause"):
        assert cls(insn) == insn
    assert cls("mov (%rdi),%eax") is None
    assert cls("lea 0x2ed6(%rip),%rdi        # 4010 <counter>") is None


def test_arm64_classes_one_by_one() -> None:
    def cls(line: str) -> str | None:
        fn = disasm.parse_objdump(f"0000000000000000 <f>:\n   0:\t{line}\n")[0]
        return disasm.classify("arm64", fn.instructions[0])

    cases = {
        "ldxr\tw0, [x1]": "ldxr", "ldxrb\tw0, [x1]": "ldxr", "ldxrh\tw0, [x1]": "ldxr",
        "ldxp\tx0, x1, [x2]": "ldxr", "ldaxr\tx0, [x1]": "ldaxr", "ldaxrb\tw0, [x1]": "ldaxr",
        "ldaxp\tx0, x1, [x2]": "ldaxr", "stxr\tw2, w3, [x1]": "stxr", "stxrh\tw2, w3, [x1]": "stxr",
        "stlxr\tw2, x3, [x1]": "stlxr", "stlxp\tw4, x0, x1, [x2]": "stlxr", "clrex": "clrex",
        "ldar\tw0, [x0]": "ldar", "ldarb\tw0, [x0]": "ldar", "ldapr\tw0, [x0]": "ldapr",
        "ldapur\tw0, [x0, #4]": "ldapr", "stlr\tw1, [x0]": "stlr", "stlrh\tw1, [x0]": "stlr",
        "stlur\tw1, [x0, #4]": "stlr",
        "cas\tw0, w1, [x2]": "cas", "casa\tw0, w1, [x2]": "casa", "casl\tx0, x1, [x2]": "casl",
        "casal\tw0, w1, [x2]": "casal", "casalb\tw0, w1, [x2]": "casal",
        "caspal\tx0, x1, x2, x3, [x4]": "casal",
        "swp\tw1, w0, [x0]": "swp", "swpa\tw1, w0, [x0]": "swpa", "swplh\tw1, w0, [x0]": "swpl",
        "swpal\tx1, x0, [x0]": "swpal",
        "ldadd\tw1, w0, [x0]": "ldadd", "ldadda\tw1, w0, [x0]": "ldadda",
        "ldaddl\tw1, w0, [x0]": "ldaddl", "ldaddalb\tw1, w0, [x0]": "ldaddal",
        "ldclral\tx1, x0, [x0]": "ldclral", "ldeora\tw1, w0, [x0]": "ldeora",
        "ldsetl\tw1, w0, [x0]": "ldsetl", "ldumaxal\tw1, w0, [x0]": "ldumaxal",
        "stadd\tw1, [x0]": "ldadd", "staddl\tw1, [x0]": "ldaddl", "stsetlh\tw1, [x0]": "ldsetl",
        "dmb\tish": "dmb ish", "dmb\tishld": "dmb ishld", "dmb\tishst": "dmb ishst",
        "dmb\tsy": "dmb sy", "dsb\tsy": "dsb sy", "isb": "isb", "yield": "yield", "wfe": "wfe",
        "sevl": "sevl",
        "bl\t400800 <__aarch64_cas4_acq>": "outline",
        "bl\t400800 <__aarch64_ldadd8_acq_rel>": "outline",
        "b\t400800 <__aarch64_swp1_relax>": "outline",
        "bl\t400800 <syscall@plt>": None, "ldr\tw0, [x0]": None, "str\twzr, [x0]": None,
        "add\tw3, w0, #0x1": None, "ldp\tx29, x30, [sp], #16": None, "stp\tx29, x30, [sp, #-16]!": None,
    }
    for line, expected in cases.items():
        assert cls(line) == expected, line


def test_linked_binary_calls_and_helpers() -> None:
    """In a linked binary there are no relocations: targets come from the <symbol> text."""
    text = """
Disassembly of section .text:

0000000000401000 <synclab::locks::Demo::lock()>:
  401000:\tstp\tx29, x30, [sp, #-16]!
  401004:\tbl\t402000 <__aarch64_cas4_acq>
  401008:\tcbnz\tw0, 401010 <synclab::locks::Demo::lock()+0x10>
  40100c:\tb\t401100 <synclab::locks::Demo::lock_slow()>
  401010:\tbl\t400800 <syscall@plt>
  401014:\tldp\tx29, x30, [sp], #16
  401018:\tret
  40101c:\tudf\t#0
"""
    fn = disasm.parse_objdump(text)[0]
    census = disasm.census_of("arm64", fn)
    assert census.counts == {"outline": 1}
    assert census.outline_helpers == {"__aarch64_cas4_acq": 1}
    assert census.calls == ["synclab::locks::Demo::lock_slow()", "syscall"]  # not the local branch
    assert census.instructions == 7


def test_section_relative_relocation_names_the_local_callee() -> None:
    text = """
Disassembly of section .text:

0000000000000000 <helper>:
   0:\tret

0000000000000010 <caller>:
  10:\tcall\t15 <caller+0x5>
\t\t\t11: R_X86_64_PLT32\t.text-0x4
  15:\tjmp\t1a <caller+0xa>
\t\t\t16: R_X86_64_PLT32\tpthread_mutex_lock-0x4
"""
    caller = disasm.parse_objdump(text)[1]
    assert disasm.census_of("x86_64", caller).calls == ["helper", "pthread_mutex_lock"]


def test_wrapper_symbols_decode_the_names() -> None:
    name = ("void synclab_census::unlock<synclab_census::Name<(char)108, (char)111, (char)99, "
            "(char)107, (char)115>, synclab_census::Name<(char)109, (char)99, (char)115>, "
            "synclab::locks::WithThreadLocalNode<synclab::locks::Mcs> >(synclab::locks::"
            "WithThreadLocalNode<synclab::locks::Mcs>&)")
    identity = symbols.identify(name, [])
    assert identity is not None
    assert identity.symbol == "synclab_census__locks__mcs__unlock"
    assert (identity.family, identity.primitive, identity.op) == ("locks", "mcs", "unlock")
    ordering = symbols.identify("synclab_census__ordering__u64__compare_exchange_weak_acq_rel", [])
    assert ordering is not None and ordering.kind == "ordering"
    assert symbols.split_ordering_op(ordering.primitive, ordering.op) == (
        "compare_exchange_weak", "acq_rel", 64)
    assert symbols.identify("std::vector<int>::push_back(int const&)",
                            [re.compile(p) for p in PATTERNS]) is None
    queue = symbols.identify("synclab::channels::SpscRing<int, 64ul>::try_send(int)",
                             [re.compile(p) for p in PATTERNS])
    assert queue is not None
    assert (queue.family, queue.primitive, queue.op) == ("channels", "SpscRing<int, 64ul>", "try_send")


def test_patterns_file_rejects_a_bad_expression(tmp_path: Path) -> None:
    bad = tmp_path / "patterns.txt"
    bad.write_text("# comment\n\n^ok\n(unclosed\n")
    with pytest.raises(ValueError, match=r"patterns.txt:4"):
        symbols.load_patterns(bad)


def test_short_callee_names() -> None:
    assert disasm.short_call("synclab::locks::detail::ThreadNodeCache<synclab::locks::ClhNode>& "
                             "synclab::locks::detail::thread_node_cache<synclab::locks::ClhNode>() "
                             "[clone .part.0]") == "thread_node_cache"
    assert disasm.short_call("operator delete(void*, unsigned long)") == "operator delete"
    assert disasm.short_call("synclab::wait::futex_wait(std::atomic<unsigned int>&, unsigned int)") == \
        "futex_wait"
    assert disasm.short_calls(["a::f()", "b::f()", "g", "h", "i"]) == "f, g, h, …"
