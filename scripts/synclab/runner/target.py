"""--arch / --arm64-variant: which preset a run builds, the emulator a foreign binary runs under,
and the code-generation census of the measured build (census.json beside results.json)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from synclab import arch as arches
from synclab import cases
from synclab.bench import BENCH_IN_BUILD
from synclab.elf import elf_arch
from synclab.errors import UsageError, report_error
from synclab.runner import PROG, REPO
from synclab.runner.stop import StopFlag


def resolve_target(args: argparse.Namespace) -> arches.Target:
    """The target of --arch / --arm64-variant (or of an arm64 --preset / --bench); sets the preset
    it builds, and for an emulated run the short default windows."""
    preset_variant = {p: v for v, p in arches.ARM64_PRESETS.items() if p != arches.NATIVE_PRESET}
    requested, variant = args.arch, args.arm64_variant
    binary_arch = None
    if args.bench:
        binary_arch = elf_arch(Path(args.bench))
        if binary_arch is not None and requested == "native":
            requested = binary_arch
    elif args.preset in preset_variant:
        if requested == "native":
            requested = "arm64"
        if variant == "default":
            variant = preset_variant[args.preset]
    try:
        target = arches.resolve(requested, variant, need_toolchain=not args.bench)
    except arches.ArchError as exc:
        raise UsageError(str(exc)) from None
    if args.bench and binary_arch is not None and binary_arch != target.arch:
        raise UsageError(f"--bench {args.bench} is an {binary_arch} binary, not {target.arch}")
    if not args.bench and target.preset != arches.NATIVE_PRESET:
        if args.preset not in (arches.NATIVE_PRESET, target.preset):
            raise UsageError(f"--preset {args.preset} does not build --arch={target.arch} "
                             f"--arm64-variant {target.variant} (that is preset {target.preset})")
        args.preset = target.preset
    if target.emulated:
        if args.mode == "instructions" or args.ab or args.ab_bench:
            raise UsageError("--mode instructions and --ab need the host's own architecture "
                             f"(valgrind and A/B timings cannot run under qemu); drop --arch={args.arch}")
        args.repetitions, args.duration = cases.emulated_defaults(args.profile, args.repetitions,
                                                                  args.duration)
    return target


def emulate_binary(binary: Path, target: arches.Target) -> Path:
    """The binary itself when it runs here; for a foreign one, a wrapper that runs it under qemu
    with SYNCLAB_EMULATED=true (every case, the listing and the calibration go through it)."""
    try:
        emulator = target.emulator or arches.emulator_for_binary(binary)
    except arches.ArchError as exc:
        raise UsageError(str(exc)) from None
    if not emulator:
        return binary
    # beside a binary of this repository's build tree; elsewhere in a temporary directory
    in_build = binary.resolve().is_relative_to(REPO / "build")
    try:
        wrapper = arches.write_wrapper(binary, emulator, None if in_build else arches.temp_dir())
    except OSError:
        wrapper = arches.write_wrapper(binary, emulator, arches.temp_dir())
    print(f"{PROG}: running {binary} under {' '.join(emulator)} (emulated: timings are not "
          "hardware numbers)", file=sys.stderr, flush=True)
    return wrapper


def target_info(target: arches.Target) -> dict[str, Any]:
    """What the run records about its target (context.synclab_run)."""
    return {"arch": target.arch, "arch_variant": target.variant, "preset": target.preset,
            "emulated": target.emulated,
            "emulator": " ".join(target.emulator) if target.emulator else None}


def write_census(args: argparse.Namespace, out_dir: Path, stop: StopFlag) -> None:
    """The code-generation census of the measured build, as census.json beside results.json.

    A census that cannot be taken (no objdump for the target, a build without compile commands)
    is one line on stderr; the run itself is not failed by it.
    """
    if args.no_census or stop.is_set():
        return
    from synclab.census import objects, run as census
    binary = Path(args.bench) if args.bench else REPO / "build" / args.preset / BENCH_IN_BUILD
    if elf_arch(binary) is None:  # a stand-in (script) bench: no code to take a census of
        return
    build_dir = binary.resolve().parent.parent
    try:
        if (build_dir / "CMakeCache.txt").is_file() and (build_dir / "compile_commands.json").is_file():
            doc = census.census_of_build(REPO, build_dir, binary=binary, host=arches.host_arch())
        else:
            doc = census.census_of_file(binary, host=arches.host_arch(),
                                        patterns_file=REPO / objects.PATTERNS_FILE)
        path = census.write(doc, out_dir / "census.json")
    except (objects.CensusError, ValueError, OSError) as exc:
        report_error(PROG, f"census skipped: {exc}")
        return
    print(f"{PROG}: census of {len(doc['functions'])} functions ({doc['arch']} {doc['variant']}), "
          f"{len(doc['mismatches'])} differing from {doc['reference']}: {path}",
          file=sys.stderr, flush=True)
