"""Takes the census of one build: the census object, and the bench binary when there is one."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synclab.census import document, objects, symbols
from synclab.census.objects import CensusError
from synclab.bench import BENCH_IN_BUILD
from synclab.elf import elf_arch
from synclab.results import write_text_atomic


def census_of_build(repo: Path, build_dir: Path, *, binary: Path | None = None,
                    host: str, extra_patterns: tuple[str, ...] = (),
                    patterns_file: Path | None = None) -> dict[str, Any]:
    """The census document of a configured build directory.

    binary: the bench binary to scan for pattern-matched functions (default: the build's own,
    when it has been built).
    """
    obj = objects.census_object(repo, build_dir)
    arch = elf_arch(obj)
    if arch is None:
        raise CensusError(f"{obj}: not an x86_64 or arm64 ELF object")
    cache = objects.read_cmake_cache(build_dir)
    cxx_flags = objects.build_cxx_flags(cache)
    variant = objects.variant_of(arch, cxx_flags)
    objdump = objects.find_objdump(arch, host)
    sources = [("census object", obj)]
    binary = binary if binary is not None else build_dir / BENCH_IN_BUILD
    if binary.is_file() and elf_arch(binary) == arch:
        sources.append(("bench binary", binary))
    patterns = symbols.load_patterns(patterns_file if patterns_file is not None
                                     else repo / objects.PATTERNS_FILE)
    patterns.extend(extra_patterns)
    texts = [(label, objects.disassemble(objdump, path)) for label, path in sources]
    doc = document.take_census(texts, arch=arch, variant=variant,
                               compiler=objects.compiler_of(build_dir), cxx_flags=cxx_flags,
                               patterns=patterns)
    doc["build_dir"] = str(build_dir)
    doc["objdump"] = Path(objdump).name
    doc["sources"] = [{"kind": label, "path": str(path)} for label, path in sources]
    return doc


def census_of_file(path: Path, *, host: str, variant: str = "default", cxx_flags: str = "unknown",
                   compiler: str = "unknown", extra_patterns: tuple[str, ...] = (),
                   patterns_file: Path | None = None) -> dict[str, Any]:
    """The census of any object file or binary (architecture from its ELF header)."""
    arch = elf_arch(path)
    if arch is None:
        raise CensusError(f"{path}: not an x86_64 or arm64 ELF file")
    objdump = objects.find_objdump(arch, host)
    patterns = symbols.load_patterns(patterns_file)
    patterns.extend(extra_patterns)
    doc = document.take_census([(path.name, objects.disassemble(objdump, path))], arch=arch,
                               variant=variant, compiler=compiler, cxx_flags=cxx_flags,
                               patterns=patterns)
    doc["objdump"] = Path(objdump).name
    doc["sources"] = [{"kind": "file", "path": str(path)}]
    return doc


def write(doc: dict[str, Any], path: Path) -> Path:
    """Writes the document atomically (a reader never sees half a file), like results.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(doc, indent=1) + "\n")
    return path
