#!/usr/bin/python3
"""Lock plugins in the benchmark's lock scenarios, through run_suite (docs/apps.md).

    plugins_in_suite.py --bench BIN --plugins DIR --control LIB --example LIB

The example plugin and the control (futex_mutex3 behind the ABI, added by run_suite whenever a
plugin is given) run and measure; a plugin that breaks mutual exclusion and one that crashes
are failed cases with their reasons while the suite goes on; one that hangs is stopped by the
binary's watchdog; one that cannot be loaded is refused before anything runs (exit 2)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RUN_SUITE = Path(__file__).resolve().parents[2] / "scripts" / "synclab" / "runner" / "cli.py"


def run_suite(bench: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ["/usr/bin/python3", str(RUN_SUITE), "--bench", bench, "--family", "locks", "--contention",
           "high", "--threads", "2", "--repetitions", "1", "--duration", "50ms", "--no-report",
           "--no-census", "--case-timeout", "60", "--out", str(out), *args]
    env = {k: v for k, v in os.environ.items() if k != "SYNCLAB_PLUGINS"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)


def main() -> int:
    parser = argparse.ArgumentParser()
    for flag in ("--bench", "--plugins", "--control", "--example"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    broken = lambda kind: os.path.join(args.plugins, f"libsynclab_broken_{kind}.so")  # noqa: E731
    problems = []

    listed = subprocess.run([args.bench, f"--synclab_plugin={args.example},{args.control}",
                             "--synclab_contention=high", "--benchmark_list_tests=true"],
                            capture_output=True, text=True, timeout=60, check=False).stdout
    for name in ("locks/example_ttas_yield/high/", "locks/futex_mutex3_abi/high/"):
        if name not in listed:
            problems.append(f"the bench does not list {name}")

    with tempfile.TemporaryDirectory() as tmp:
        done = run_suite(args.bench, Path(tmp) / "run", "--plugin", args.example,
                         "--plugin", broken("no_exclusion"), "--plugin", broken("crash"),
                         "--filter", "example_ttas_yield|broken_|futex_mutex3_abi")
        if done.returncode != 1:
            problems.append(f"run_suite exited {done.returncode}, expected 1 (failed cases): {done.stderr[-800:]}")
        results = Path(tmp) / "run" / "results.json"
        entries = {}
        if results.is_file():
            for b in json.loads(results.read_text())["benchmarks"]:
                entries.setdefault(b["run_name"].split("/")[1], b)
        expect_ok = ("example_ttas_yield", "futex_mutex3_abi")
        for name in expect_ok:
            b = entries.get(name)
            if b is None or b.get("error_occurred") or not b.get("ops_per_sec"):
                problems.append(f"{name}: expected a measured case, got {b}")
        expect_failed = {"broken_no_exclusion": "mutual exclusion violated",
                         "broken_crash": "SIGSEGV"}
        for name, reason in expect_failed.items():
            b = entries.get(name)
            if b is None or not b.get("error_occurred") or reason not in str(b.get("error_message")):
                problems.append(f"{name}: expected a failed case saying {reason!r}, got {b}")

        refused = run_suite(args.bench, Path(tmp) / "bad", "--plugin", broken("bad_abi"))
        if refused.returncode != 2 or "ABI version 99" not in refused.stderr:
            problems.append(f"a plugin of another ABI: exit {refused.returncode}, {refused.stderr!r}")
        missing = run_suite(args.bench, Path(tmp) / "bad2", "--plugin", "/nonexistent/libx.so")
        if missing.returncode != 2 or "no such file" not in missing.stderr:
            problems.append(f"a missing plugin: exit {missing.returncode}, {missing.stderr!r}")

    hung = subprocess.run([args.bench, f"--synclab_plugin={broken('hang')}", "--synclab_contention=high",
                           "--synclab_threads=2", "--synclab_duration_ms=50", "--synclab_watchdog_s=1",
                           "--benchmark_filter=broken_hang"], capture_output=True, text=True,
                          timeout=60, check=False)
    if hung.returncode != 3 or "synclab_bench: watchdog: case locks/broken_hang/high/t:2" not in hung.stderr:
        problems.append(f"a hanging plugin: exit {hung.returncode}, stderr {hung.stderr[-400:]!r}")

    for problem in problems:
        print(problem)
    print("plugins in lock scenarios: " + ("ok" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
