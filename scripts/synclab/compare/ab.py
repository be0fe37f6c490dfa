"""run_suite --ab: the base revision and the current tree measured in one job, interleaved.

The base revision is checked out into a temporary git worktree under build/ab/, configured with
the release preset's settings into build/ab/base (only the bench binary is built) and the
worktree removed again; build/ab/base remembers the revision it holds, so a second run against
the same revision reuses it. Then, case by case, the two binaries alternate repetition by
repetition (base, new, base, new, ...), every repetition its own process through the normal
bench runner, so slow drifts of a shared machine hit both sides alike. base.json and new.json
are ordinary results files; compare's verdicts land beside them.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from synclab import bench
from synclab.metrics import format_value
from synclab.numfmt import clock
from synclab.errors import RunError, UsageError, one_line
from synclab.results import ResultsFile, failure_entry

AB_DIR = Path("build") / "ab"
STAMP = "synclab-ab-revision"
BENCH_TARGET = "synclab_bench"
BENCH_IN_BUILD = Path("benches") / "synclab_bench"
# Used when the release preset cannot be read; they mirror CMakePresets.json.
RELEASE_FALLBACK: dict[str, str] = {"CMAKE_BUILD_TYPE": "RelWithDebInfo",
                                    "CMAKE_CXX_FLAGS_RELWITHDEBINFO": "-O2 -g -DNDEBUG"}
SIDES: tuple[str, ...] = ("base", "new")


def _log(prog: str, text: str) -> None:
    print(f"{prog}: {text}", file=sys.stderr, flush=True)


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


def _run_step(cmd: list[str], prog: str, should_stop: Callable[[], bool], cwd: Path) -> None:
    text = " ".join(cmd)
    _log(prog, text)
    result = bench.run_process(cmd, cwd=cwd, should_stop=should_stop)
    if result.stopped:
        raise KeyboardInterrupt
    if result.returncode != 0:
        print(bench.tail(result.stdout + "\n" + result.stderr, 80), file=sys.stderr)
        assert result.returncode is not None
        raise RunError(f"'{text}' failed ({bench.describe_exit(result.returncode)}); "
                       "its output is above")


def build_base(repo: Path, ref: str, jobs: int, should_stop: Callable[[], bool],
               prog: str) -> tuple[Path, str]:
    """Builds BASE_REF's bench binary in build/ab/base; returns it and the commit id."""
    sha = resolve_revision(repo, ref)
    root = repo / AB_DIR
    build_dir = root / "base"
    binary = build_dir / BENCH_IN_BUILD
    stamp = build_dir / STAMP
    try:
        if binary.is_file() and stamp.read_text(encoding="utf-8").strip() == sha:
            _log(prog, f"--ab {ref}: reusing {binary} (built from {sha[:12]})")
            return binary, sha
    except OSError:
        pass
    root.mkdir(parents=True, exist_ok=True)
    generator, variables = release_settings(repo)
    worktree = Path(tempfile.mkdtemp(prefix="src-", dir=root))
    try:
        _run_step(["git", "-C", str(repo), "worktree", "add", "--detach", str(worktree), sha],
                  prog, should_stop, repo)
        shutil.rmtree(build_dir, ignore_errors=True)  # a cache from another source dir is unusable
        configure = ["cmake", "-S", str(worktree), "-B", str(build_dir), "-G", generator]
        configure += [f"-D{key}={value}" for key, value in sorted(variables.items())]
        configure += ["-DSYNCLAB_BUILD_TESTS=OFF", "-DSYNCLAB_BUILD_BENCHES=ON"]
        _run_step(configure, prog, should_stop, repo)
        _run_step(["cmake", "--build", str(build_dir), "-j", str(jobs), "--target", BENCH_TARGET],
                  prog, should_stop, repo)
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


# ---------------------------------------------------------------- interleaved runs

@dataclass
class SideRun:
    """One side's binary, flags and results file."""
    name: str  # "base" or "new"
    binary: Path
    flags: list[str]
    results: ResultsFile
    failed_cases: list[str] = field(default_factory=list)


def split_cases(base: list[str], new: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(common in NEW's order, only in BASE, only in NEW)."""
    base_set, new_set = set(base), set(new)
    return ([n for n in new if n in base_set], [n for n in base if n not in new_set],
            [n for n in new if n not in base_set])


def renumbered(entries: list[dict[str, Any]], repetition: int, repetitions: int) -> list[dict[str, Any]]:
    """A single-repetition process's iteration entries, renumbered as repetition `repetition`."""
    out = []
    for entry in entries:
        if entry.get("run_type", "iteration") != "iteration":
            continue
        out.append({**entry, "repetition_index": repetition, "repetitions": repetitions})
    return out


def _ops(entries: list[dict[str, Any]]) -> list[float]:
    return [e["ops_per_sec"] for e in entries
            if isinstance(e.get("ops_per_sec"), (int, float)) and not e.get("error_occurred")]


def run_interleaved(sides: tuple[SideRun, SideRun], names: list[str], repetitions: int,
                    timeout_s: float, should_stop: Callable[[], bool]) -> bool:
    """Runs every case: base rep 0, new rep 0, base rep 1, ...; False when interrupted.

    A side whose repetition fails (timeout, crash) runs no further repetitions of that case;
    the failure is recorded as the case's entry on that side.
    """
    start = time.monotonic()
    for index, name in enumerate(names, 1):
        print(f"[{index}/{len(names)}] {name} ... ", end="", file=sys.stderr, flush=True)
        collected: dict[str, list[dict[str, Any]]] = {side.name: [] for side in sides}
        contexts: dict[str, dict[str, Any]] = {side.name: {} for side in sides}
        failures: dict[str, bench.CaseOutcome] = {}
        for rep in range(repetitions):
            for side in sides:
                if side.name in failures:
                    continue
                if should_stop():
                    print("interrupted", file=sys.stderr, flush=True)
                    return False
                outcome = bench.run_case(side.binary, name, repetitions=1, flags=side.flags,
                                         timeout_s=timeout_s, should_stop=should_stop)
                if outcome.status == "stopped":
                    print("interrupted", file=sys.stderr, flush=True)
                    return False
                if outcome.status == "ok":
                    contexts[side.name] = contexts[side.name] or outcome.context
                    collected[side.name] += renumbered(outcome.benchmarks, rep, repetitions)
                else:
                    failures[side.name] = outcome
        summary = []
        for side in sides:
            info = side.results.run_info
            failure = failures.get(side.name)
            if failure is None:
                side.results.add_case(contexts[side.name], collected[side.name])
                ops = _ops(collected[side.name])
                summary.append(f"{side.name} {format_value('ops_per_sec', sorted(ops)[len(ops) // 2])}ops/s" if ops
                               else f"{side.name} done")
            else:
                key = "cases_timed_out" if failure.status == "timed_out" else "cases_failed"
                info[key] += 1
                side.failed_cases.append(name)
                entries = [failure_entry(name, failure.status, failure.message, repetitions)]
                side.results.add_case(contexts[side.name], collected[side.name] + entries)
                label = "TIMED OUT" if failure.status == "timed_out" else "FAILED"
                summary.append(f"{side.name} {label} ({one_line(failure.message)[:120]})")
            info["cases_done"] += 1
            side.results.write()
        elapsed = time.monotonic() - start
        eta = elapsed / index * (len(names) - index)
        print(f"{', '.join(summary)}  (elapsed {clock(elapsed)}, eta {clock(eta)})",
              file=sys.stderr, flush=True)
    return True
