"""The bench binary a run uses: built from a CMake preset, or given with --bench / --no-build."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from synclab import bench
from synclab.bench import BENCH_IN_BUILD
from synclab.errors import RunError, UsageError
from synclab.runner import PROG, REPO


def preset_names(repo: Path) -> list[str]:
    """Visible configure presets of CMakePresets.json ([] if it cannot be read)."""
    try:
        doc = json.loads((repo / "CMakePresets.json").read_text(encoding="utf-8"))
        return [p["name"] for p in doc.get("configurePresets", []) if not p.get("hidden")]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def run_step(cmd: list[str], should_stop: Callable[[], bool], cwd: Path) -> None:
    """One build command, announced on stderr; its output is shown only when it fails."""
    text = " ".join(cmd)
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)
    result = bench.run_process(cmd, cwd=cwd, should_stop=should_stop)
    if result.stopped:
        raise KeyboardInterrupt
    if result.returncode != 0:
        print(bench.tail(result.stdout + "\n" + result.stderr, 80), file=sys.stderr)
        assert result.returncode is not None
        raise RunError(f"'{text}' failed ({bench.describe_exit(result.returncode)}); "
                       "its output is above")


def build(preset: str, jobs: int, should_stop: Callable[[], bool]) -> Path:
    """Configures (once) and builds the preset; returns its bench binary."""
    known = preset_names(REPO)
    if known and preset not in known:
        raise UsageError(f"unknown --preset {preset!r} (choose from {', '.join(known)})")
    build_dir = REPO / "build" / preset
    steps = [] if (build_dir / "CMakeCache.txt").exists() else [["cmake", "--preset", preset]]
    steps.append(["cmake", "--build", "--preset", preset, "-j", str(jobs)])
    for cmd in steps:
        run_step(cmd, should_stop, REPO)
    binary = build_dir / BENCH_IN_BUILD
    if not binary.is_file():
        hint = ""
        try:
            if "SYNCLAB_BUILD_BENCHES:BOOL=OFF" in (build_dir / "CMakeCache.txt").read_text():
                hint = (f" ({build_dir} is configured with SYNCLAB_BUILD_BENCHES=OFF; reconfigure with "
                        f"cmake --preset {preset} -DSYNCLAB_BUILD_BENCHES=ON)")
        except OSError:
            pass
        raise RunError(f"the build did not produce {binary}{hint}")
    return binary


def check_binary(option: str, path: str) -> Path:
    """The binary an option names, resolved; UsageError when it is missing or not executable."""
    binary = Path(path)
    if not binary.is_file():
        raise UsageError(f"{option} {path}: no such file")
    if not binary.stat().st_mode & 0o111:
        raise UsageError(f"{option} {path}: not executable")
    return binary.resolve()


def resolve_binary(args: argparse.Namespace, should_stop: Callable[[], bool]) -> Path:
    """--bench, else --no-build's existing binary, else a fresh build of --preset."""
    if args.bench:
        return check_binary("--bench", args.bench)
    if args.no_build:
        binary = REPO / "build" / args.preset / BENCH_IN_BUILD
        if not binary.is_file():
            raise UsageError(f"--no-build: {binary} does not exist (build it or drop --no-build)")
        return binary
    return build(args.preset, args.jobs, should_stop)
