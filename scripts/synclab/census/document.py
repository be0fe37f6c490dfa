"""census.json: what every reported function compiles to, and the ordering check.

    {"schema": 1, "arch": "arm64", "variant": "llsc", "compiler": "g++ 12.2.0",
     "cxx_flags": "-march=armv8-a -mno-outline-atomics -O2 -g -DNDEBUG -std=c++20",
     "functions": [{"symbol": "synclab_census__locks__futex_mutex3__lock", "family": "locks",
                    "primitive": "futex_mutex3", "op": "lock",
                    "counts": {"ldaxr": 2, "stxr": 2, ...}, "instructions": 27,
                    "outline_helpers": {...}, "calls": ["syscall"], "source": "census object"}],
     "ordering_check": [{"op": "fetch_add", "order": "acquire", "width": 32, "expected": "...",
                         "found": "...", "ok": true, "symbol": "..."}],
     "mismatches": ["u32 fence seq_cst: expected mfence, found lock_fence (...)"],
     "reference": "book Figure 7-1 (ARMv8.0 LL/SC)", "classes": [...], "sources": [...]}

`counts` holds only the classes that occur (disasm.py lists them all); `instructions` is the
function's length without alignment padding.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from synclab.census import disasm, ordering
from synclab.census.symbols import ORDERS, Identity, identify

SCHEMA = 1
REQUIRED = ("schema", "arch", "variant", "compiler", "cxx_flags", "functions", "ordering_check",
            "mismatches")
_OP_ORDER = ("lock", "try_lock", "unlock", "lock_node", "try_lock_node", "unlock_node")
_FAMILY_ORDER = ("locks", "ordering")
_ORDERING_PRIMITIVES = ("u32", "u64", "fence")


def _sort_key(entry: dict[str, Any]) -> tuple[Any, ...]:
    family, primitive, op = entry["family"], entry["primitive"], entry["op"]
    fam = (_FAMILY_ORDER.index(family), "") if family in _FAMILY_ORDER else (len(_FAMILY_ORDER), family)
    if family == "ordering":
        prim = (_ORDERING_PRIMITIVES.index(primitive) if primitive in _ORDERING_PRIMITIVES else 9,
                primitive)
        operation, order = op, ""
        for o in ORDERS:
            if op.endswith("_" + o):
                operation, order = op[: -len(o) - 1], o
        op_key: tuple[Any, ...] = (ordering.OPERATIONS.index(operation)
                                   if operation in ordering.OPERATIONS else 99, operation,
                                   ORDERS.index(order) if order else -1)
    else:
        prim = (0, primitive)
        op_key = (_OP_ORDER.index(op) if op in _OP_ORDER else len(_OP_ORDER), op, 0)
    return (fam, prim, op_key)


def take_census(disassemblies: list[tuple[str, str]], *, arch: str, variant: str, compiler: str,
                cxx_flags: str, patterns: list[str]) -> dict[str, Any]:
    """The census document from objdump outputs, given as (source label, text) pairs.

    A function found in several sources is reported once, from the first source.
    """
    compiled = [re.compile(p) for p in patterns]
    seen: set[str] = set()
    functions: list[dict[str, Any]] = []
    for source, text in disassemblies:
        for function in disasm.parse_objdump(text):
            identity: Identity | None = identify(function.name, compiled)
            if identity is None or identity.symbol in seen:
                continue
            seen.add(identity.symbol)
            result = disasm.census_of(arch, function)
            entry: dict[str, Any] = {
                "symbol": identity.symbol, "family": identity.family,
                "primitive": identity.primitive, "op": identity.op,
                "counts": {cls: result.counts[cls] for cls in disasm.class_order(arch)
                           if result.counts.get(cls)},
                "instructions": result.instructions,
            }
            if result.outline_helpers:
                entry["outline_helpers"] = result.outline_helpers
            if result.calls:
                entry["calls"] = result.calls
            entry["source"] = source
            if identity.symbol != function.name:
                entry["demangled"] = function.name
            functions.append(entry)
    functions.sort(key=_sort_key)
    checks = []
    for entry in functions:
        if entry["family"] != "ordering":
            continue
        sig = disasm.signature(entry["counts"], entry.get("outline_helpers", {}))
        check = ordering.check_function(arch, variant, entry["primitive"], entry["op"],
                                        entry["symbol"], sig)
        if check is not None:
            checks.append(check)
    return {
        "schema": SCHEMA, "arch": arch, "variant": variant, "compiler": compiler,
        "cxx_flags": cxx_flags,
        "reference": ordering.REFERENCES.get((arch, variant), "none"),
        "classes": list(disasm.class_order(arch)),
        "functions": functions,
        "ordering_check": [c.as_dict() for c in checks],
        "mismatches": [ordering.mismatch_line(c) for c in checks if not c.ok],
    }


def validate(doc: Any, where: str = "census") -> dict[str, Any]:
    """The document if it has the census shape; ValueError naming what is wrong otherwise."""
    if not isinstance(doc, dict):
        raise ValueError(f"{where}: not a JSON object")
    missing = [key for key in REQUIRED if key not in doc]
    if missing:
        raise ValueError(f"{where}: not a census file (missing {', '.join(missing)})")
    if doc["schema"] != SCHEMA:
        raise ValueError(f"{where}: census schema {doc['schema']!r}, this version reads {SCHEMA}")
    if not isinstance(doc["functions"], list) or not all(
            isinstance(f, dict) and isinstance(f.get("counts"), dict) for f in doc["functions"]):
        raise ValueError(f"{where}: 'functions' must be a list of objects with 'counts'")
    return doc


def load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    return validate(doc, str(path))


def label(doc: dict[str, Any]) -> str:
    """'arm64 llsc', 'x86_64' (the default variant of x86-64 needs no name)."""
    arch, variant = doc.get("arch", "?"), doc.get("variant", "default")
    if arch == "x86_64" and variant == "default":
        return "x86_64"
    if arch == "arm64" and variant == "default":
        return "arm64 outline"
    return f"{arch} {variant}"
