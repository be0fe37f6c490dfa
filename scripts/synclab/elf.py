"""Which architecture a binary or object file is built for, from its ELF header."""
from __future__ import annotations

from pathlib import Path

_ELF_MACHINES = {62: "x86_64", 183: "arm64"}


def elf_arch(path: Path) -> str | None:
    """x86_64 or arm64 from an ELF header; None for anything else (or an unreadable file)."""
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return None
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    little = header[5] == 1
    machine = int.from_bytes(header[18:20], "little" if little else "big")
    return _ELF_MACHINES.get(machine)
