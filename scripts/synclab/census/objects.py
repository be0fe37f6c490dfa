"""The files the census disassembles, and the tools it needs to do so.

The census object: census/census_functions.cpp compiled with exactly the flags of a build. When
the build has it (the census/ directory is part of the CMake project) the build's object file is
used; otherwise the file is compiled here with the command line the build used for
benches/locks.cpp (same compiler, flags and include directories), into
build/<preset>/census-direct/census_functions.o.
"""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

CENSUS_SOURCE = Path("census") / "census_functions.cpp"
PATTERNS_FILE = Path("census") / "patterns.txt"
DIRECT_DIR = "census-direct"
HEADER_DIRS = (Path("primitives") / "include", Path("benches") / "peers" / "include")

TRIPLES = {"x86_64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}


class CensusError(Exception):
    """The census could not be taken (a tool or a file is missing); one line for the user."""


def find_objdump(arch: str, host: str,
                 which: Callable[[str], str | None] = shutil.which) -> str:
    """The objdump that reads `arch` objects: <triple>-objdump, or plain objdump on that host."""
    candidates = [f"{TRIPLES[arch]}-objdump"]
    if arch == host:
        candidates.append("objdump")
    for name in candidates:
        path = which(name)
        if path:
            return path
    hint = ("binutils-aarch64-linux-gnu: scripts/install-deps.sh --arch=arm64" if arch == "arm64"
            else "binutils")
    raise CensusError(f"no objdump for {arch} ({' or '.join(candidates)}); install {hint}")


def disassemble(objdump: str, path: Path, timeout_s: float = 300.0) -> str:
    cmd = [objdump, "-d", "-r", "--no-show-raw-insn", "-C", str(path)]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise CensusError(f"{' '.join(cmd)}: {exc}") from None
    if result.returncode != 0:
        raise CensusError(f"{' '.join(cmd)} failed: {result.stderr.strip()[-300:]}")
    return result.stdout


def read_cmake_cache(build_dir: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        text = (build_dir / "CMakeCache.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return values
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+):[A-Z]+=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def build_cxx_flags(cache: dict[str, str]) -> str:
    """The flags as the results context records them (harness/CMakeLists.txt): CMAKE_CXX_FLAGS,
    the build type's flags, -std=c++20."""
    build_type = cache.get("CMAKE_BUILD_TYPE", "").upper()
    flags = f"{cache.get('CMAKE_CXX_FLAGS', '')} {cache.get(f'CMAKE_CXX_FLAGS_{build_type}', '')} -std=c++20"
    return " ".join(flags.split())


def variant_of(arch: str, cxx_flags: str) -> str:
    """default (the compiler's own choice: outline atomics on arm64), llsc or lse."""
    if arch != "arm64":
        return "default"
    march = re.findall(r"-march=(\S+)", cxx_flags)
    lse = bool(march) and (re.match(r"armv(8\.[1-9]|9)", march[-1]) is not None or "+lse" in march[-1])
    if march and "+nolse" in march[-1]:
        lse = False
    if lse:
        return "lse"
    if "-mno-outline-atomics" in cxx_flags.split():
        return "llsc"
    return "default"


@dataclass(frozen=True)
class CompileCommand:
    directory: Path
    arguments: list[str]


def _compile_commands(build_dir: Path) -> list[dict[str, object]]:
    try:
        doc = json.loads((build_dir / "compile_commands.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [entry for entry in doc if isinstance(entry, dict)] if isinstance(doc, list) else []


def _arguments(entry: dict[str, object]) -> list[str]:
    arguments = entry.get("arguments")
    if isinstance(arguments, list):
        return [str(a) for a in arguments]
    return shlex.split(str(entry.get("command", "")))


def reference_command(build_dir: Path) -> CompileCommand | None:
    """The build's command line for a file that includes the primitives and the peers."""
    entries = _compile_commands(build_dir)
    ranked = sorted(entries, key=lambda e: (not str(e.get("file", "")).endswith("benches/locks.cpp"),
                                            "peers/include" not in " ".join(_arguments(e))))
    for entry in ranked:
        args = _arguments(entry)
        if args and any("primitives/include" in a for a in args):
            return CompileCommand(Path(str(entry.get("directory", build_dir))), args)
    return None


def direct_command(reference: CompileCommand, source: Path, output: Path) -> list[str]:
    """The reference command with its source, output and dependency-file options replaced."""
    out: list[str] = []
    skip = 0
    for arg in reference.arguments:
        if skip:
            skip -= 1
            continue
        if arg in ("-o", "-MF", "-MT", "-MQ"):
            skip = 1
            continue
        if arg in ("-c", "-MD", "-MMD"):
            continue
        if arg.endswith((".cpp", ".cc", ".cxx", ".c")) and not arg.startswith("-"):
            continue
        out.append(arg)
    return out + ["-o", str(output), "-c", str(source)]


CENSUS_TARGET = "synclab_census"


def built_object(build_dir: Path) -> Path | None:
    """Where the CMake build puts the census object, when census/ is part of it."""
    for entry in _compile_commands(build_dir):
        if str(entry.get("file", "")).endswith(str(CENSUS_SOURCE)):
            args = _arguments(entry)
            if "-o" in args:
                obj = Path(args[args.index("-o") + 1])
                return obj if obj.is_absolute() else Path(str(entry.get("directory", build_dir))) / obj
    return None


def _newest_input(repo: Path) -> float:
    newest = (repo / CENSUS_SOURCE).stat().st_mtime
    for folder in HEADER_DIRS:
        for header in (repo / folder).rglob("*.hpp"):
            newest = max(newest, header.stat().st_mtime)
    return newest


def census_object(repo: Path, build_dir: Path, timeout_s: float = 600.0) -> Path:
    """The census object of a build: the build's own, or compiled here with the build's flags."""
    obj = built_object(build_dir)
    if obj is not None:
        # part of the build: bring it up to date (a no-op right after a build)
        try:
            subprocess.run(["cmake", "--build", str(build_dir), "--target", CENSUS_TARGET],
                           capture_output=True, text=True, timeout=timeout_s, check=False)
        except (OSError, subprocess.SubprocessError):
            pass
        if obj.is_file():
            return obj
    source = repo / CENSUS_SOURCE
    if not source.is_file():
        raise CensusError(f"{source} is missing")
    reference = reference_command(build_dir)
    if reference is None:
        raise CensusError(f"{build_dir}/compile_commands.json has no command to copy the flags from "
                          "(configure the build first)")
    output = build_dir / DIRECT_DIR / "census_functions.o"
    try:
        if output.is_file() and output.stat().st_mtime >= _newest_input(repo):
            return output
    except OSError:
        pass
    output.parent.mkdir(parents=True, exist_ok=True)
    cmd = direct_command(reference, source, output)
    try:
        result = subprocess.run(cmd, cwd=reference.directory, capture_output=True, text=True,
                                timeout=timeout_s, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise CensusError(f"cannot compile {source}: {exc}") from None
    if result.returncode != 0:
        tail = " ".join(result.stderr.strip().splitlines()[-3:])
        raise CensusError(f"compiling {source} failed: {tail}")
    return output


def compiler_of(build_dir: Path) -> str:
    """'g++ 12.2.0' (as the results context spells it), from the build's compiler."""
    reference = reference_command(build_dir)
    if reference is None:
        return "unknown"
    compiler = reference.arguments[0]
    try:
        version = subprocess.run([compiler, "-dumpfullversion"], capture_output=True, text=True,
                                 timeout=30, check=False).stdout.strip()
        banner = subprocess.run([compiler, "--version"], capture_output=True, text=True,
                                timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        version, banner = "", ""
    name = "clang++" if "clang" in banner.lower() else "g++"
    return f"{name} {version}".strip()
