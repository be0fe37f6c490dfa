"""Which disassembled functions the census reports, and their family / primitive / op.

Three kinds of function are reported:

census wrappers (census/census_functions.cpp), templates whose family and primitive names are
    spelled out as character packs:
        void synclab_census::lock<synclab_census::Name<(char)108, ...>, synclab_census::Name<...>,
                                  synclab::locks::FutexMutex3>(synclab::locks::FutexMutex3&)
    reported as synclab_census__locks__futex_mutex3__lock
ordering microcases, extern "C" functions named synclab_census__ordering__<u32|u64|fence>__<op>
anything else whose demangled name matches a pattern of the pattern list (census/patterns.txt,
    or --pattern): out-of-line parts of the primitives such as
    synclab::locks::FutexMutex3Spin<100u>::lock_contended(), and later families' send/recv,
    clone/drop. Family, primitive and op come from the qualified name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CENSUS_PREFIX = "synclab_census__"
ORDERS = ("relaxed", "acquire", "release", "acq_rel", "seq_cst")
# What the default pattern list holds when census/patterns.txt cannot be read.
DEFAULT_PATTERNS: tuple[str, ...] = (
    r"^synclab::(locks|peers)::[^(]*::(lock|unlock|try_lock)\w*\(",
)


@dataclass(frozen=True)
class Identity:
    symbol: str
    family: str
    primitive: str
    op: str
    kind: str  # "wrapper", "ordering" or "pattern"


_NAME_PACK = re.compile(r"synclab_census::Name<((?:\(char\)\d+(?:, )?)*)>")
_WRAPPER = re.compile(r"synclab_census::(\w+)<synclab_census::Name<")


def _chars(pack: str) -> str:
    return "".join(chr(int(n)) for n in re.findall(r"\(char\)(\d+)", pack))


def census_symbol(family: str, primitive: str, op: str) -> str:
    return f"{CENSUS_PREFIX}{family}__{primitive}__{op}"


def parse_wrapper(name: str) -> Identity | None:
    """A census wrapper template instance -> its identity; None for anything else."""
    match = _WRAPPER.search(name)
    if not match:
        return None
    packs = _NAME_PACK.findall(name)
    if len(packs) < 2:
        return None
    family, primitive, op = _chars(packs[0]), _chars(packs[1]), match[1]
    if not family or not primitive:
        return None
    return Identity(census_symbol(family, primitive, op), family, primitive, op, "wrapper")


def parse_ordering(name: str) -> Identity | None:
    """synclab_census__ordering__u32__fetch_add_acq_rel -> ordering / u32 / fetch_add_acq_rel."""
    if not name.startswith(CENSUS_PREFIX):
        return None
    parts = name[len(CENSUS_PREFIX):].split("__")
    if len(parts) != 3 or not all(parts):
        return None
    family, primitive, op = parts
    return Identity(name, family, primitive, op, "ordering" if family == "ordering" else "wrapper")


def split_ordering_op(primitive: str, op: str) -> tuple[str, str, int | None] | None:
    """('u32', 'compare_exchange_weak_seq_cst') -> ('compare_exchange_weak', 'seq_cst', 32)."""
    for order in ORDERS:
        if op.endswith("_" + order):
            operation = op[: -len(order) - 1]
            width = int(primitive[1:]) if re.fullmatch(r"u\d+", primitive) else None
            return operation, order, width
    return None


def _split_scope(name: str) -> list[str]:
    """'a::B<c::d>::f(int)' -> ['a', 'B<c::d>', 'f']: '::' outside <> and (), arguments dropped."""
    depth, parts, current, i = 0, [], "", 0
    while i < len(name):
        c = name[i]
        if c == "(" and depth == 0:
            break
        if c in "<(":
            depth += 1
        elif c in ">)":
            depth -= 1
        if depth == 0 and name.startswith("::", i):
            parts.append(current)
            current = ""
            i += 2
            continue
        current += c
        i += 1
    parts.append(current)
    return [p.strip() for p in parts]


def parse_qualified(name: str) -> Identity:
    """synclab::locks::FutexMutex3Spin<100u>::lock_contended() -> locks / FutexMutex3Spin<100u> /
    lock_contended (a leading return type is skipped)."""
    text = name
    start = text.find("synclab::")
    if start > 0:
        text = text[start:]
    parts = _split_scope(text)
    if len(parts) >= 4 and parts[0] == "synclab":
        family, primitive, op = parts[1], "::".join(parts[2:-1]), parts[-1]
    elif len(parts) >= 2:
        family, primitive, op = parts[0], "::".join(parts[1:-1]) or parts[0], parts[-1]
    else:
        family, primitive, op = "other", name, name
    return Identity(name, family, primitive, op, "pattern")


def load_patterns(path: Path | None) -> list[str]:
    """One Python regular expression per line; blank lines and '#' comments are skipped."""
    if path is None:
        return list(DEFAULT_PATTERNS)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return list(DEFAULT_PATTERNS)
    patterns = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            re.compile(line)
        except re.error as exc:
            raise ValueError(f"{path}:{number}: invalid regular expression {line!r}: {exc}") from None
        patterns.append(line)
    return patterns


def identify(name: str, patterns: list[re.Pattern[str]]) -> Identity | None:
    """The identity of a function the census reports; None for functions it skips."""
    identity = parse_wrapper(name) or parse_ordering(name)
    if identity is not None:
        return identity
    if any(p.search(name) for p in patterns):
        return parse_qualified(name)
    return None
