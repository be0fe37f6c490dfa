"""run_suite --ab BASE_REF: the base revision's bench binary, built in build/ab/base.

The base revision is checked out into a temporary git worktree under build/ab/, configured with
the release preset's settings into build/ab/base (only the bench binary is built) and the
worktree removed again; build/ab/base remembers the revision it holds, so a second run against
the same revision reuses it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

from synclab.bench import BENCH_IN_BUILD
from synclab.errors import RunError, UsageError
from synclab.runner import PROG
from synclab.runner.build import run_step

AB_DIR = Path("build") / "ab"
STAMP = "synclab-ab-revision"
BENCH_TARGET = "synclab_bench"
# Used when the release preset cannot be read; they mirror CMakePresets.json.
RELEASE_FALLBACK: dict[str, str] = {"CMAKE_BUILD_TYPE": "RelWithDebInfo",
                                    "CMAKE_CXX_FLAGS_RELWITHDEBINFO": "-O2 -g -DNDEBUG"}


def resolve_revision(repo: Path, ref: str) -> str:
    """The full commit id of `ref`; UsageError when git does not know it."""
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet",
                              f"{ref}^{{commit}}"], capture_output=True, text=True, timeout=30,
                             check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"--ab {ref}: cannot run git: {exc}") from None
    sha = out.stdout.strip()
    if out.returncode != 0 or not sha:
        raise UsageError(f"--ab {ref}: not a revision of {repo} (fetch it first, e.g. "
                         "git fetch origin main)")
    return sha


def release_settings(repo: Path, preset: str = "release") -> tuple[str, dict[str, str]]:
    """Generator and cache variables of a configure preset, following `inherits`."""
    try:
        doc = json.loads((repo / "CMakePresets.json").read_text(encoding="utf-8"))
        presets = {p["name"]: p for p in doc.get("configurePresets", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "Ninja", dict(RELEASE_FALLBACK)
    generator: str | None = None
    variables: dict[str, str] = {}
    seen: set[str] = set()
    chain = [preset]
    while chain:
        name = chain.pop(0)
        if name in seen or name not in presets:
            continue
        seen.add(name)
        entry = presets[name]
        generator = generator or entry.get("generator")
        for key, value in (entry.get("cacheVariables") or {}).items():
            if isinstance(value, dict):
                value = value.get("value")
            if isinstance(value, (str, bool)):
                variables.setdefault(key, "ON" if value is True else "OFF" if value is False
                                     else value)
        inherits = entry.get("inherits", [])
        chain.extend([inherits] if isinstance(inherits, str) else list(inherits))
    if not variables:
        variables = dict(RELEASE_FALLBACK)
    return generator or "Ninja", variables


def base_binary_path(repo: Path) -> Path:
    """Where --ab leaves the base revision's bench binary."""
    return repo / AB_DIR / "base" / BENCH_IN_BUILD


def build_base(repo: Path, ref: str, jobs: int,
               should_stop: Callable[[], bool]) -> tuple[Path, str]:
    """Builds BASE_REF's bench binary in build/ab/base; returns it and the commit id."""
    sha = resolve_revision(repo, ref)
    root = repo / AB_DIR
    build_dir = root / "base"
    binary = base_binary_path(repo)
    stamp = build_dir / STAMP
    try:
        if binary.is_file() and stamp.read_text(encoding="utf-8").strip() == sha:
            print(f"{PROG}: --ab {ref}: reusing {binary} (built from {sha[:12]})", file=sys.stderr,
                  flush=True)
            return binary, sha
    except OSError:
        pass
    root.mkdir(parents=True, exist_ok=True)
    generator, variables = release_settings(repo)
    worktree = Path(tempfile.mkdtemp(prefix="src-", dir=root))
    try:
        run_step(["git", "-C", str(repo), "worktree", "add", "--detach", str(worktree), sha],
                 should_stop, repo)
        shutil.rmtree(build_dir, ignore_errors=True)  # a cache from another source dir is unusable
        configure = ["cmake", "-S", str(worktree), "-B", str(build_dir), "-G", generator]
        configure += [f"-D{key}={value}" for key, value in sorted(variables.items())]
        configure += ["-DSYNCLAB_BUILD_TESTS=OFF", "-DSYNCLAB_BUILD_BENCHES=ON"]
        run_step(configure, should_stop, repo)
        run_step(["cmake", "--build", str(build_dir), "-j", str(jobs), "--target", BENCH_TARGET],
                 should_stop, repo)
        if not binary.is_file():
            raise RunError(f"building {ref} did not produce {binary}")
        stamp.write_text(sha + "\n", encoding="utf-8")
    finally:
        _remove_worktree(repo, worktree)
    return binary, sha


def _remove_worktree(repo: Path, worktree: Path) -> None:
    subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(worktree)],
                   capture_output=True, timeout=120, check=False)
    if worktree.exists():
        shutil.rmtree(worktree, ignore_errors=True)
    subprocess.run(["git", "-C", str(repo), "worktree", "prune"], capture_output=True, timeout=60,
                   check=False)
