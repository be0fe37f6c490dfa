#!/usr/bin/python3
"""census: which atomic instructions and barriers each primitive's hot functions compile to.

    scripts/census                                  the release build (x86-64 here)
    scripts/census --arch arm64 --arm64-variant lse one arm64 variant (cross-compiled; not run)
    scripts/census --all                            x86-64 and every arm64 variant, side by side
    scripts/census --preset arm64-llsc --out-dir /tmp/census
    scripts/census --file build/release/benches/synclab_bench --pattern 'lock_contended'

Writes census.json per build (build/<preset>/census.json unless --out-dir) and prints a table
of the functions (--filter to narrow it) with the instruction classes each one uses, then the
check of the memory-ordering microcases against the book's table (Figure 7-1). Only configures
the builds (the compile commands are all it needs) and compiles census/census_functions.cpp;
nothing is run, so no emulator is needed.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from synclab import arch as archmod
from synclab.census import disasm, document, objects, run
from synclab.census.objects import CensusError
from synclab.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ArgumentParser, UsageError, report_error

PROG = "census"
REPO = Path(__file__).resolve().parents[3]


def make_parser() -> ArgumentParser:
    parser = ArgumentParser(prog=PROG, allow_abbrev=False,
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            description=__doc__.split(": ", 1)[1],
                            epilog="Classes and the reference table: docs/architectures.md.")
    add = parser.add_argument
    add("--arch", choices=archmod.ARCH_CHOICES, help="target architecture (default native)")
    add("--arm64-variant", choices=archmod.ARM64_VARIANTS, default="default",
        help="arm64 code generation: default (outline atomics), llsc (ARMv8.0), lse (ARMv8.1)")
    add("--preset", action="append", metavar="NAME",
        help="CMake preset to take the census of (repeatable; overrides --arch)")
    add("--all", action="store_true",
        help="the native build and every arm64 variant whose toolchain is installed")
    add("--file", action="append", type=Path, metavar="PATH",
        help="take the census of this object file or binary instead of a build (repeatable)")
    add("--pattern", action="append", default=[], metavar="REGEX",
        help="also report functions whose demangled name matches (repeatable)")
    add("--patterns-file", type=Path, metavar="FILE",
        help=f"pattern list to use instead of {objects.PATTERNS_FILE}")
    add("--filter", metavar="REGEX", help="print only functions whose symbol or name matches")
    add("--out-dir", type=Path, metavar="DIR",
        help="write census-<label>.json files here (default: census.json in each build directory)")
    add("--quiet", action="store_true", help="print only the file names and the mismatches")
    return parser


def presets_for(args: argparse.Namespace, host: str) -> list[str]:
    if args.preset:
        return list(args.preset)
    if args.all:
        presets = [archmod.NATIVE_PRESET]
        if host == "x86_64" and not shutil.which(archmod.CROSS_COMPILER["arm64"]):
            print(f"{PROG}: no arm64 cross compiler; only the native build "
                  f"({archmod.INSTALL_HINT['arm64']} adds the arm64 variants)", file=sys.stderr)
            return presets
        return presets + [archmod.ARM64_PRESETS[v] for v in archmod.ARM64_VARIANTS
                          if archmod.ARM64_PRESETS[v] != archmod.NATIVE_PRESET]
    requested = args.arch or "native"
    target_arch = host if requested == "native" else archmod.normalise(requested)
    if target_arch == host:
        return [archmod.NATIVE_PRESET if args.arm64_variant == "default"
                else archmod.ARM64_PRESETS[args.arm64_variant]]
    if target_arch == "arm64":
        if not shutil.which(archmod.CROSS_COMPILER["arm64"]):
            raise UsageError(f"--arch=arm64 needs the arm64 toolchain: run {archmod.INSTALL_HINT['arm64']}")
        return [archmod.ARM64_PRESETS[args.arm64_variant]]
    raise UsageError(f"--arch={requested}: no cross build of {target_arch} from this {host} host")


def configure(preset: str) -> Path:
    """The build directory of a preset, configured if it is not yet."""
    build_dir = REPO / "build" / preset
    if (build_dir / "compile_commands.json").is_file():
        return build_dir
    print(f"{PROG}: cmake --preset {preset}", file=sys.stderr, flush=True)
    result = subprocess.run(["cmake", "--preset", preset], cwd=REPO, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        print("\n".join((result.stdout + result.stderr).strip().splitlines()[-30:]), file=sys.stderr)
        raise CensusError(f"cmake --preset {preset} failed; its output is above")
    return build_dir


def _short(entry: dict[str, Any]) -> str:
    return f"{entry['family']}/{entry['primitive']}/{entry['op']}"


def _cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "-"
    sig = dict(entry["counts"])
    helpers = entry.get("outline_helpers", {})
    if helpers:
        sig.pop("outline", None)
        for helper, n in helpers.items():
            sig[helper.replace("__aarch64_", "")] = n
    text = disasm.format_signature(sig)
    if not sig and entry.get("calls"):  # the work is elsewhere: say where
        text += f" (calls {disasm.short_calls(entry['calls'])})"
    return text


def table(docs: list[dict[str, Any]], pattern: str | None) -> str:
    """Functions x censuses: the classes each function uses, one column per census."""
    regex = re.compile(pattern) if pattern else None
    rows: dict[str, list[dict[str, Any] | None]] = {}
    for column, doc in enumerate(docs):
        for entry in doc["functions"]:
            key = _short(entry)
            if regex and not (regex.search(key) or regex.search(entry["symbol"])):
                continue
            rows.setdefault(key, [None] * len(docs))[column] = entry
    headers = ["function"] + [document.label(d) for d in docs]
    body = [[key] + [_cell(e) for e in entries] for key, entries in rows.items()]
    widths = [max(len(r[i]) for r in [headers] + body) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in body]
    return "\n".join(lines)


def _out_path(args: argparse.Namespace, doc: dict[str, Any], default: Path) -> Path:
    if args.out_dir is None:
        return default
    return args.out_dir / f"census-{document.label(doc).replace(' ', '-')}.json"


def _main(argv: list[str]) -> int:
    args = make_parser().parse_args(argv)
    if args.filter:
        try:
            re.compile(args.filter)
        except re.error as exc:
            raise UsageError(f"--filter: invalid regular expression: {exc}") from None
    for pattern in args.pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"--pattern {pattern!r}: invalid regular expression: {exc}") from None
    host = archmod.host_arch()
    docs: list[dict[str, Any]] = []
    written: list[Path] = []
    if args.file:
        for path in args.file:
            if not path.is_file():
                raise UsageError(f"--file {path}: no such file")
            doc = run.census_of_file(path, host=host, extra_patterns=tuple(args.pattern),
                                     patterns_file=args.patterns_file or REPO / objects.PATTERNS_FILE)
            docs.append(doc)
            written.append(run.write(doc, _out_path(args, doc, path.with_name(path.name + ".census.json"))))
    else:
        for preset in presets_for(args, host):
            build_dir = configure(preset)
            doc = run.census_of_build(REPO, build_dir, host=host, extra_patterns=tuple(args.pattern),
                                      patterns_file=args.patterns_file)
            doc["preset"] = preset
            docs.append(doc)
            written.append(run.write(doc, _out_path(args, doc, build_dir / "census.json")))
    if not args.quiet:
        print(table(docs, args.filter))
        print()
    for doc, path in zip(docs, written):
        checks = doc["ordering_check"]
        passed = sum(1 for c in checks if c["ok"])
        print(f"{document.label(doc)} ({doc['compiler']}, {doc['cxx_flags']}): {len(doc['functions'])} "
              f"functions; ordering check against {doc['reference']}: {passed}/{len(checks)} as "
              f"expected; {path}")
        for line in doc["mismatches"]:
            print(f"  mismatch: {line}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        report_error(PROG, str(exc))
        return EXIT_USAGE
    except (CensusError, ValueError) as exc:
        report_error(PROG, str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        report_error(PROG, "interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
