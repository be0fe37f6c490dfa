"""The instruction each atomic operation should compile to, per ordering, and the check.

Reference: Rust Atomics and Locks, ch. 7, Figure 7-1 (reference/seeds-digest.md §3), for x86-64,
ARMv8.0 (LL/SC: -march=armv8-a -mno-outline-atomics) and ARMv8.1 (LSE: -march=armv8.1-a).
GCC's outline atomics (aarch64's default code generation) are not in the book: there every
read-modify-write is a call of a libgcc helper that picks LSE or LL/SC at run time, named
__aarch64_<op><bytes>_<relax|acq|rel|acq_rel> (seq_cst uses acq_rel); loads, stores and fences
are inline as in ARMv8.0.

A signature is the multiset of ordering-relevant instruction classes in the function
(disasm.signature): plain loads and stores have none. Where a compiler emits an equivalent
sequence that the table does not name, the check still reports a mismatch (it compares with the
book, not with a compiler) and says why the difference is harmless in `note`.
"""
from __future__ import annotations

from dataclasses import dataclass

from synclab.census import disasm
from synclab.census.symbols import ORDERS, split_ordering_op

OPERATIONS = ("load", "store", "exchange", "fetch_add", "compare_exchange", "compare_exchange_weak",
              "fence")
VALID_ORDERS = {
    "load": ("relaxed", "acquire", "seq_cst"),
    "store": ("relaxed", "release", "seq_cst"),
    "fence": ORDERS,
}
RMW = ("exchange", "fetch_add", "compare_exchange", "compare_exchange_weak")

REFERENCES = {
    ("x86_64", "default"): "book Figure 7-1 (x86-64)",
    ("arm64", "llsc"): "book Figure 7-1 (ARMv8.0 LL/SC)",
    ("arm64", "lse"): "book Figure 7-1 (ARMv8.1 LSE)",
    ("arm64", "default"): "GCC outline atomics (not in the book; loads, stores, fences as ARMv8.0)",
}

# Known equivalent spellings: (arch, expected signature, found signature) -> why it is harmless.
EQUIVALENT = {
    ("x86_64", "mfence", "lock_fence"):
        "lock or $0,(%rsp) is a full barrier like mfence and cheaper on most cores; GCC emits it "
        "for seq_cst fences with its generic tuning",
}


def _llsc(order: str) -> dict[str, int]:
    load = "ldaxr" if order in ("acquire", "acq_rel", "seq_cst") else "ldxr"
    store = "stlxr" if order in ("release", "acq_rel", "seq_cst") else "stxr"
    return {load: 1, store: 1}


def _lse_suffix(order: str) -> str:
    return {"relaxed": "", "acquire": "a", "release": "l", "acq_rel": "al", "seq_cst": "al"}[order]


def _outline(operation: str, order: str, width: int) -> dict[str, int]:
    helper = {"exchange": "swp", "fetch_add": "ldadd", "compare_exchange": "cas",
              "compare_exchange_weak": "cas"}[operation]
    model = {"relaxed": "relax", "acquire": "acq", "release": "rel", "acq_rel": "acq_rel",
             "seq_cst": "acq_rel"}[order]
    return {f"outline:__aarch64_{helper}{width // 8}_{model}": 1}


def expected(arch: str, variant: str, operation: str, order: str, width: int | None) -> dict[str, int]:
    """The signature the reference table gives for one operation and ordering."""
    if operation == "fence":
        if arch == "x86_64":
            return {"mfence": 1} if order == "seq_cst" else {}
        if order == "relaxed":
            return {}
        return {"dmb ishld": 1} if order == "acquire" else {"dmb ish": 1}
    if operation == "load":
        if arch == "x86_64" or order == "relaxed":
            return {}
        return {"ldar": 1}
    if operation == "store":
        if arch == "x86_64":
            return {"xchg": 1} if order == "seq_cst" else {}
        return {} if order == "relaxed" else {"stlr": 1}
    if arch == "x86_64":
        return {"exchange": {"xchg": 1}, "fetch_add": {"lock_rmw": 1}}.get(operation, {"cmpxchg": 1})
    if variant == "llsc":
        # every RMW and the strong CAS retry a failed store-exclusive; the weak CAS does not
        retry = {} if operation == "compare_exchange_weak" else {"llsc_retry": 1}
        return {**_llsc(order), **retry}
    if variant == "lse":
        base = {"exchange": "swp", "fetch_add": "ldadd"}.get(operation, "cas")
        return {base + _lse_suffix(order): 1}
    assert width is not None
    return _outline(operation, order, width)


@dataclass(frozen=True)
class Check:
    op: str
    order: str
    width: int | None
    symbol: str
    expected: str
    found: str
    ok: bool
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"op": self.op, "order": self.order, "width": self.width,
                                  "symbol": self.symbol, "expected": self.expected,
                                  "found": self.found, "ok": self.ok}
        if self.note:
            out["note"] = self.note
        return out


def check_function(arch: str, variant: str, primitive: str, op: str, symbol: str,
                   found_sig: dict[str, int]) -> Check | None:
    """Checks one ordering microcase; None when the symbol is not one."""
    parsed = split_ordering_op(primitive, op)
    if parsed is None:
        return None
    operation, order, width = parsed
    if operation not in OPERATIONS:
        return None
    want = expected(arch, variant, operation, order, width)
    ok = want == found_sig
    note = ""
    if not ok:
        key = (arch, disasm.format_signature(want), disasm.format_signature(found_sig))
        note = EQUIVALENT.get(key, "")
    return Check(operation, order, width, symbol, disasm.format_signature(want),
                 disasm.format_signature(found_sig), ok, note)


def mismatch_line(check: Check) -> str:
    width = f"u{check.width} " if check.width else ""
    line = (f"{width}{check.op} {check.order}: expected {check.expected}, found {check.found} "
            f"({check.symbol})")
    return f"{line}; {check.note}" if check.note else line
