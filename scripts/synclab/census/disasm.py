"""Reads `objdump -d -r --no-show-raw-insn -C` output and sorts each instruction into a class.

Classes (only atomic instructions, barriers, spin hints and calls of out-of-line atomics are
classified; every other instruction counts only towards a function's `instructions` total):

x86-64
    lock_rmw     a lock-prefixed read-modify-write other than cmpxchg (lock add/xadd/or/and/bts...)
    cmpxchg      lock cmpxchg, cmpxchg8b, cmpxchg16b
    xchg         xchg with a memory operand (implicitly locked; register-register xchg is not atomic)
    lock_fence   a lock-prefixed no-op on the stack (lock or $0x0,(%rsp)): a full barrier that some
                 compilers emit instead of mfence
    mfence, lfence, sfence, pause

arm64
    ldxr, ldaxr, stxr, stlxr   load/store exclusive (LL/SC), all sizes (b/h/w/x) and pairs (ldxp...)
    clrex
    ldar, ldapr, stlr          load-acquire, load-acquire RCpc, store-release (also the unscaled
                               ldapur/stlur forms)
    cas, casa, casl, casal     ARMv8.1 LSE compare-and-swap, all sizes and pairs (casp...)
    swp, swpa, swpl, swpal     LSE swap
    ld<op>, ld<op>a, ld<op>l, ld<op>al   LSE atomic <op> in add clr eor set smax smin umax umin;
                               the st<op> aliases (no result) count as ld<op>
    dmb <opt>, dsb <opt>       barriers by option, e.g. "dmb ish", "dmb ishld"
    isb, yield, wfe, wfi, sev, sevl
    outline                    a call of an out-of-line atomic helper (__aarch64_cas4_acq ...);
                               the helper's name is kept with the function
    llsc_retry                 a conditional branch back to the loop start right after a store
                               exclusive (the retry of a strong CAS or an RMW loop)
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

ARCHES = ("x86_64", "arm64")

X86_CLASSES = ("lock_rmw", "cmpxchg", "xchg", "lock_fence", "mfence", "lfence", "sfence", "pause")
_LSE_OPS = ("add", "clr", "eor", "set", "smax", "smin", "umax", "umin")
_ORDER_SUFFIXES = ("", "a", "l", "al")
ARM64_CLASSES = (
    ("ldxr", "ldaxr", "stxr", "stlxr", "clrex", "ldar", "ldapr", "stlr")
    + tuple(f"cas{s}" for s in _ORDER_SUFFIXES)
    + tuple(f"swp{s}" for s in _ORDER_SUFFIXES)
    + tuple(f"ld{op}{s}" for op in _LSE_OPS for s in _ORDER_SUFFIXES)
    + ("dmb ish", "dmb ishld", "dmb ishst", "dmb sy", "dsb ish", "dsb sy", "isb", "yield", "wfe",
       "wfi", "sev", "sevl", "outline", "llsc_retry")
)
# Classes that are not part of an operation's signature (what the ordering check compares):
# spin hints and other hints. An LL/SC retry is: it tells a strong CAS from a weak one.
NON_ORDERING_CLASSES = frozenset({"pause", "yield", "wfe", "wfi", "sev", "sevl", "isb"})
OUTLINE_PREFIX = "__aarch64_"


def class_order(arch: str) -> tuple[str, ...]:
    """The classes of an architecture in the order tables list them."""
    return X86_CLASSES if arch == "x86_64" else ARM64_CLASSES


@dataclass
class Instruction:
    address: int
    mnemonic: str
    operands: str
    target: str | None = None  # symbol of a call / branch, from the disassembly or a relocation
    reloc: str = ""            # relocation type when the target came from one (object files)


@dataclass
class Function:
    name: str  # as objdump prints it (demangled with -C)
    address: int
    section: str = ""
    instructions: list[Instruction] = field(default_factory=list)


_FUNC = re.compile(r"^([0-9a-fA-F]+) <(.*)>:\s*$")
_INSN = re.compile(r"^\s*([0-9a-fA-F]+):\s*(\S.*)$")
_RELOC = re.compile(r"^\s*([0-9a-fA-F]+): (R_\w+)\s+(\S.*)$")
_SECTION = re.compile(r"^Disassembly of section (.*):\s*$")


def _strip_comment(text: str) -> str:
    """Drops objdump's comments: '// ...' (arm64) and '   # 4010 <sym>' (x86-64).

    An arm64 immediate is '#0x1' (no space after '#'), so only a '#' between spaces starts one.
    """
    text = text.split("//", 1)[0]
    return re.split(r"\s#(?:\s|$)", text, maxsplit=1)[0].rstrip()


_PREFIXES = frozenset({"lock", "xacquire", "xrelease", "rep", "repz", "repe", "repnz", "repne",
                       "data16", "data32", "addr32", "cs", "ds", "notrack", "bnd"})


def parse_objdump(text: str) -> list[Function]:
    """Functions and their instructions, in the order objdump printed them.

    Relocation lines (-r) that follow an instruction name the real target of a call in an
    object file, where the disassembler can only print a placeholder address.
    """
    functions: list[Function] = []
    current: Function | None = None
    section = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            continue
        match = _SECTION.match(line)
        if match:
            section = match[1]
            current = None
            continue
        match = _FUNC.match(line)
        if match:
            current = Function(match[2], int(match[1], 16), section)
            functions.append(current)
            continue
        if current is None:
            continue
        match = _RELOC.match(line)
        if match:
            if current.instructions:
                symbol = match[3].strip()
                if not symbol.startswith("."):  # a named symbol: drop the addend
                    symbol = re.sub(r"[-+]0x[0-9a-fA-F]+$", "", symbol)
                current.instructions[-1].target = symbol
                current.instructions[-1].reloc = match[2]
            continue
        match = _INSN.match(line)
        if not match:
            continue
        body = _strip_comment(match[2])
        if not body or body == "...":
            continue
        # "cbnz w3, 14 <name+0x14>": the symbol may itself hold '<>' (templates), so it is
        # everything from the first " <" to the final '>'
        target = None
        start = body.find(" <")
        if start >= 0 and body.endswith(">"):
            target = body[start + 2:-1]
            body = body[:start].rstrip()
        words = body.split()
        prefixes = []
        while len(words) > 1 and words[0].lower() in _PREFIXES:
            prefixes.append(words.pop(0).lower())
        # x86 prefixes stay with the instruction ("lock xadd"); operands keep their spelling
        mnemonic = " ".join(prefixes + [words[0].lower()])
        operands = " ".join(words[1:])
        current.instructions.append(Instruction(int(match[1], 16), mnemonic, operands, target))
    _resolve_section_targets(functions)
    return functions


_SECTION_TARGET = re.compile(r"^(\.[\w.$]+)(?:([-+])0x([0-9a-fA-F]+))?$")


def _resolve_section_targets(functions: list[Function]) -> None:
    """A relocation against a section (".text+0x280": a call of a local function in an object
    file) is replaced by the name of the function at that offset of that section."""
    by_section: dict[str, dict[int, str]] = {}
    for function in functions:
        by_section.setdefault(function.section, {})[function.address] = function.name
    for function in functions:
        for insn in function.instructions:
            match = _SECTION_TARGET.match(insn.target or "") if insn.reloc else None
            if not match:
                continue
            offset = int(match[3], 16) * (-1 if match[2] == "-" else 1) if match[3] else 0
            if insn.reloc.startswith(("R_X86_64_PLT32", "R_X86_64_PC32")):
                offset += 4  # the addend counts from the end of the 4-byte displacement
            name = by_section.get(match[1], {}).get(offset)
            insn.target = name if name is not None else f"{match[1]}+{offset:#x}"


# ---------------------------------------------------------------- x86-64

_X86_STACK_FENCE = re.compile(r"^\$0x0,(-?0x[0-9a-f]+)?\(%rsp\)$")


def classify_x86(insn: Instruction) -> str | None:
    words = insn.mnemonic.split()
    prefixes, op = words[:-1], words[-1]
    locked = any(p == "lock" for p in prefixes)
    base = re.sub(r"[bwlq]$", "", op) if op not in ("xchg", "cmpxchg", "cmpxchg8b", "cmpxchg16b") else op
    if op.startswith("cmpxchg"):
        return "cmpxchg"
    if op.startswith("xchg"):
        return "xchg" if "(" in insn.operands else None
    if locked:
        if base in ("or", "add") and _X86_STACK_FENCE.match(insn.operands.replace(" ", "")):
            return "lock_fence"
        return "lock_rmw"
    if op in ("mfence", "lfence", "sfence", "pause"):
        return op
    return None


# ---------------------------------------------------------------- arm64

_LLSC = re.compile(r"^(ld|st)(a|l)?x(r|p)(b|h)?$")
_LDAR = re.compile(r"^ldar(b|h)?$")
_LDAPR = re.compile(r"^ldapu?r(b|h|sb|sh|sw)?$")
_STLR = re.compile(r"^stlu?r(b|h)?$")
_CAS = re.compile(r"^casp?(a|l|al)?(b|h)?$")
_SWP = re.compile(r"^swp(a|l|al)?(b|h)?$")
_LDOP = re.compile(r"^(ld|st)(add|clr|eor|set|smax|smin|umax|umin)(a|l|al)?(b|h)?$")
_BARRIER = re.compile(r"^(dmb|dsb)$")
_HINTS = frozenset({"isb", "yield", "wfe", "wfi", "sev", "sevl", "clrex"})


def classify_arm64(insn: Instruction) -> str | None:
    m = insn.mnemonic
    match = _LLSC.match(m)
    if match:
        kind, order = match[1], match[2] or ""
        if kind == "ld":
            return "ldaxr" if order == "a" else ("ldxr" if order == "" else None)
        return "stlxr" if order == "l" else ("stxr" if order == "" else None)
    if _LDAR.match(m):
        return "ldar"
    if _LDAPR.match(m):
        return "ldapr"
    if _STLR.match(m):
        return "stlr"
    match = _CAS.match(m)
    if match:
        return "cas" + (match[1] or "")
    match = _SWP.match(m)
    if match:
        return "swp" + (match[1] or "")
    match = _LDOP.match(m)
    if match:
        return f"ld{match[2]}{match[3] or ''}"
    if _BARRIER.match(m):
        option = insn.operands.split()[0].lower() if insn.operands else "sy"
        return f"{m} {option}"
    if m in _HINTS:
        return m
    if m in ("bl", "b") and insn.target and is_outline_helper(insn.target):
        return "outline"
    return None


def is_outline_helper(symbol: str) -> bool:
    """__aarch64_cas4_acq, __aarch64_ldadd8_acq_rel, __aarch64_swp1_relax, ... (libgcc)."""
    name = symbol.split("@", 1)[0]
    return re.fullmatch(r"__aarch64_(cas|casp|swp|ld(add|clr|eor|set))(1|2|4|8|16)_(relax|acq|rel|acq_rel|sync)",
                        name) is not None


_BRANCH_BACK = re.compile(r"^(cbnz|cbz)$")
_HEX_TARGET = re.compile(r"([0-9a-fA-F]+)\s*$")


def _llsc_retries(instructions: list[Instruction]) -> int:
    """Conditional branches backwards right after a store exclusive: LL/SC retry loops."""
    count = 0
    for prev, insn in zip(instructions, instructions[1:]):
        if classify_arm64(prev) not in ("stxr", "stlxr") or not _BRANCH_BACK.match(insn.mnemonic):
            continue
        match = _HEX_TARGET.search(insn.operands)
        if match and int(match[1], 16) < insn.address:
            count += 1
    return count


# ---------------------------------------------------------------- both

def classify(arch: str, insn: Instruction) -> str | None:
    if arch == "x86_64":
        return classify_x86(insn)
    if arch == "arm64":
        return classify_arm64(insn)
    raise ValueError(f"unknown architecture {arch!r} (expected one of {', '.join(ARCHES)})")


_CALLS = {"x86_64": ("call", "callq", "jmp", "jmpq"), "arm64": ("bl", "b", "blr", "br")}


@dataclass
class Census:
    """What one function compiles to."""
    counts: dict[str, int]
    instructions: int
    outline_helpers: dict[str, int]
    calls: list[str]


def _is_local(target: str, function: Function) -> bool:
    """A branch inside the function itself (<name+0x1c>), not a call."""
    return target.split("+", 1)[0] == function.name or target.startswith(".L")


def census_of(arch: str, function: Function) -> Census:
    counts: Counter[str] = Counter()
    helpers: Counter[str] = Counter()
    calls: list[str] = []
    body = [i for i in function.instructions if not is_padding(i)]
    for insn in body:
        cls = classify(arch, insn)
        if cls is not None:
            counts[cls] += 1
        if cls == "outline" and insn.target:
            helpers[insn.target.split("@", 1)[0]] += 1
        elif insn.mnemonic.split()[-1] in _CALLS[arch] and insn.target \
                and not _is_local(insn.target, function):
            callee = insn.target.split("@", 1)[0]
            if callee not in calls:
                calls.append(callee)
    if arch == "arm64":
        retries = _llsc_retries(body)
        if retries:
            counts["llsc_retry"] += retries
    return Census(dict(counts), len(_trim_padding(body)), dict(helpers), calls)


def is_padding(insn: Instruction) -> bool:
    """Alignment filler: nop, nopw/nopl with any prefixes, and x86's two-byte xchg %ax,%ax."""
    op = insn.mnemonic.split()[-1]
    return op.startswith("nop") or (op == "xchg" and insn.operands.replace(" ", "") == "%ax,%ax")


def _trim_padding(body: list[Instruction]) -> list[Instruction]:
    """Drops the alignment padding after the last return (nops are already gone; udf/int3 too)."""
    end = len(body)
    while end > 0 and body[end - 1].mnemonic in ("udf", "int3", "hlt", "brk", "ud2"):
        end -= 1
    return body[:end]


def signature(counts: dict[str, int], outline_helpers: dict[str, int]) -> dict[str, int]:
    """The ordering-relevant part of a census: atomic and barrier classes, helpers by name."""
    out = {cls: n for cls, n in counts.items() if cls not in NON_ORDERING_CLASSES and cls != "outline"}
    for helper, n in outline_helpers.items():
        out[f"outline:{helper}"] = n
    return out


def format_signature(sig: dict[str, int]) -> str:
    """{'ldaxr': 1, 'stlxr': 1} -> 'ldaxr + stlxr'; {} -> 'none' (plain loads and stores)."""
    if not sig:
        return "none"
    parts = []
    for cls in sorted(sig):
        parts.append(cls if sig[cls] == 1 else f"{sig[cls]}x {cls}")
    return " + ".join(parts)


def short_call(name: str) -> str:
    """A callee as a reader names it: 'synclab::x::Cache<N>& synclab::x::cache<N>() [clone .part.0]'
    -> 'cache', 'operator delete(void*, unsigned long)' -> 'operator delete'."""
    text = name.split(" [clone", 1)[0]
    depth, plain = 0, ""
    for c in text:  # template arguments out
        if c == "<":
            depth += 1
        elif c == ">" and depth > 0:
            depth -= 1
        elif depth == 0:
            plain += c
    words = plain.split("(", 1)[0].split()
    if not words:
        return name
    if len(words) >= 2 and words[-2].endswith("operator"):
        return f"operator {words[-1]}"
    return words[-1].split("::")[-1] or name


def short_calls(calls: list[str] | tuple[str, ...], limit: int = 3) -> str:
    """'pthread_mutex_lock, __throw_system_error': the first `limit` distinct short names."""
    names: list[str] = []
    for call in calls:
        short = short_call(call)
        if short not in names:
            names.append(short)
    return ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
