#!/usr/bin/python3
"""A stand-in for build/<preset>/benches/synclab_bench that follows its command-line contract.

Three lock primitives with plausible, deterministic numbers; list mode; calibration; bad
input (exit 2, one `synclab_bench: error:` line); the test-only case whose lock is never
released (sleeps until --synclab_watchdog_s, then exits 3, or forever without it).

Environment, for tests:
  FAKE_BENCH_PUS=N         PUs of the pretend machine (default 2)
  FAKE_BENCH_CRASH=REGEX   cases matching REGEX print to stderr and die by SIGKILL
  FAKE_BENCH_EMULATED=1    context says emulated "true"
"""
from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from typing import Any

PRIMITIVES = {"std_mutex": 1.0, "futex_mutex3": 1.25, "tas_spin": 1.6}
LEVELS = ("uncontended", "low", "medium", "high", "oversubscribed", "oversub_sweep")
LEVEL_OPS = {"uncontended": 40e6, "low": 12e6, "medium": 6e6, "high": 3e6, "oversubscribed": 1e6, "oversub_sweep": 2e6}
SPIN_PRIMITIVES = {"tas_spin"}  # no futex counters for these
HANG_CASE = "locks/test_never_unlocks/high/t:2"
BOOL_FLAGS = {"synclab_print_calibration", "synclab_test_cases", "synclab_list_counters"}
VALUE_FLAGS = {"benchmark_list_tests", "benchmark_filter", "benchmark_repetitions", "benchmark_out",
               "benchmark_out_format", "benchmark_format", "benchmark_min_time",
               "synclab_threads", "synclab_contention", "synclab_placement", "synclab_duration_ms",
               "synclab_sampling", "synclab_delay_calibration", "synclab_watchdog_s",
               "synclab_counters"}


def fail(message: str) -> None:
    print(f"synclab_bench: error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_flags(argv: list[str]) -> dict[str, str]:
    flags: dict[str, str] = {}
    for arg in argv:
        name, sep, value = arg.removeprefix("--").partition("=")
        if not arg.startswith("--") or (name not in BOOL_FLAGS and name not in VALUE_FLAGS):
            fail(f"unrecognized flag {arg!r}")
        if name in VALUE_FLAGS and not sep:
            fail(f"flag --{name} needs a value")
        flags[name] = value if sep else "true"
    return flags


def cpu_list(text: str) -> list[int]:
    if not re.fullmatch(r"\d+(-\d+)?(,\d+(-\d+)?)*", text):
        fail(f"--synclab_placement=cpus:{text}: bad CPU list")
    cpus: set[int] = set()
    for item in text.split(","):
        low, _, high = item.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return sorted(cpus)


def placement_pus(placement: str, machine_pus: int) -> int:
    if placement in ("compact", "scatter"):
        return machine_pus
    if placement.startswith("cpus:"):
        cpus = cpu_list(placement[5:])
        missing = [c for c in cpus if c >= machine_pus]
        if missing:
            fail(f"placement {placement}: CPU {missing[0]} does not exist "
                 f"(this machine has PUs 0-{machine_pus - 1})")
        return len(cpus)
    fail(f"unknown placement {placement!r}")
    return 0


def default_threads(pus: int) -> list[int]:
    threads, t = [], 1
    while t < pus:
        threads.append(t)
        t *= 2
    return threads + [pus]


def case_names(flags: dict[str, str], machine_pus: int) -> list[str]:
    placement = flags.get("synclab_placement", "compact")
    pus = placement_pus(placement, machine_pus)
    if "synclab_threads" in flags:
        try:
            threads = [int(t) for t in flags["synclab_threads"].split(",")]
        except ValueError:
            fail(f"--synclab_threads={flags['synclab_threads']}: not a list of integers")
        if min(threads) < 1:
            fail("--synclab_threads: thread counts start at 1")
        if max(threads) > pus:
            fail(f"--synclab_threads={flags['synclab_threads']}: {max(threads)} threads exceed the "
                 f"{pus} PUs of placement {placement}")
    else:
        threads = default_threads(pus)
    levels = flags.get("synclab_contention", ",".join(LEVELS)).split(",")
    for level in levels:
        if level not in LEVELS:
            fail(f"--synclab_contention: unknown level {level!r}")
    names = []
    for primitive in PRIMITIVES:
        for level in levels:
            counts = [1] if level == "uncontended" else [4 * pus] if level == "oversubscribed" \
                else sorted({max(1, round(f * pus)) for f in (0.5, 1, 2, 4)}) \
                if level == "oversub_sweep" else threads
            names += [f"locks/{primitive}/{level}/t:{t}/place:{placement}" for t in counts]
    if "synclab_test_cases" in flags:
        names.append(f"{HANG_CASE}/place:{placement}")
    return names


def counters(primitive: str, level: str, threads: int, rep: int) -> dict[str, float]:
    factor = PRIMITIVES[primitive]
    if level in ("high", "oversubscribed") and primitive in SPIN_PRIMITIVES:
        factor *= 0.3 if level == "oversubscribed" else 0.8
    scale = threads ** 0.7 if level in ("low", "medium") else 1.0 / (1 + 0.25 * (threads - 1))
    ops = LEVEL_OPS[level] * factor * scale * (1.0 + 0.03 * ((rep % 3) - 1))
    ns = 1e9 / ops
    unfair = primitive in SPIN_PRIMITIVES and threads > 1
    values = {
        "ops_per_sec": ops, "ns_per_op": ns,
        "fairness_jain": 0.72 if unfair else 0.995,
        "share_min": (0.2 if unfair else 0.48) if threads > 1 else 1.0,
        "share_max": (0.8 if unfair else 0.52) if threads > 1 else 1.0,
        "lat_p50_ns": ns * 0.9, "lat_p99_ns": ns * 6.0, "lat_p999_ns": ns * 20.0,
        "lat_max_ns": ns * 200.0, "handoffs_per_sec": ops * (0.1 if unfair else 0.5),
        "cpu_ns_per_op": ns * threads * 0.95, "ctx_switches_per_op": 0.0001 * threads,
        "threads_run": float(threads), "pin_violations": 0.0,
    }
    if primitive not in SPIN_PRIMITIVES:
        waits = 0.0 if threads == 1 else 0.05 * threads
        values.update(futex_waits_per_op=waits, futex_wakes_per_op=waits * 0.9)
    return values


def context(flags: dict[str, str], pus: int) -> dict[str, Any]:
    return {
        "date": "2024-01-01T00:00:00+00:00", "host_name": "fakehost", "executable": sys.argv[0],
        "num_cpus": pus, "mhz_per_cpu": 2400, "cpu_scaling_enabled": False,
        "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1}],
        "load_avg": [0.1, 0.2, 0.3], "library_build_type": "release",
        "synclab_version": "0.0.0-fake", "git_sha": "0000000", "arch": "x86_64",
        "emulated": "true" if os.environ.get("FAKE_BENCH_EMULATED") == "1" else "false",
        "cpu_model": "Fake CPU @ 2.40GHz",
        "topology": f"1 package, 1 NUMA node, {pus} cores, {pus} PUs, L3 32MiB shared by {pus} PUs",
        "placement": flags.get("synclab_placement", "compact"),
        "pmu": "unavailable: fake binary", "counters": "", "compiler": "fake 0.0",
        "cxx_flags": "-O2 -g", "build_type": "RelWithDebInfo", "kernel": "Linux 6.1",
        "libc": "glibc 2.36", "vm": "true",
        "delay_iters_per_us": flags.get("synclab_delay_calibration", "412.5"),
        "latency_sampling": flags.get("synclab_sampling", "on"),
        "harness_padding_bytes": "128",
    }


def entries(name: str, reps: int) -> list[dict[str, Any]]:
    _, primitive, level, t_part, _ = name.split("/", 4)
    threads = int(t_part[2:])
    common = {"run_name": name, "repetitions": reps, "threads": 1, "iterations": 1,
              "time_unit": "ns", "label": "pus=0,1 class=same_l3", "family_index": 0,
              "per_family_instance_index": 0}
    runs: list[dict[str, Any]] = []
    for rep in range(reps):
        values = counters(primitive, level, threads, rep)
        runs.append({"name": name, "run_type": "iteration", "repetition_index": rep, **common,
                     "real_time": values["ns_per_op"], "cpu_time": values["cpu_ns_per_op"],
                     **values})
    if reps > 1:
        keys = [k for k in runs[0] if isinstance(runs[0][k], float)]
        samples = {key: sorted(float(r[key]) for r in runs) for key in keys}
        for agg in ("mean", "median", "stddev", "cv"):
            row: dict[str, Any] = {"name": f"{name}_{agg}", "run_type": "aggregate",
                                   "aggregate_name": agg,
                                   "aggregate_unit": "percentage" if agg == "cv" else "time",
                                   **common}
            for key in keys:
                data = samples[key]
                mean = sum(data) / len(data)
                sd = (sum((x - mean) ** 2 for x in data) / (len(data) - 1)) ** 0.5
                row[key] = {"mean": mean, "median": data[len(data) // 2], "stddev": sd,
                            "cv": sd / mean if mean else 0.0}[agg]
            runs.append(row)
    return runs


def main() -> int:
    flags = parse_flags(sys.argv[1:])
    machine_pus = int(os.environ.get("FAKE_BENCH_PUS", "2"))
    if "synclab_print_calibration" in flags:
        print(json.dumps({"delay_iters_per_us": 412.5}))
        return 0
    if "synclab_list_counters" in flags:
        print("set  event          status\ndefault  cycles  unavailable: no hardware PMU (fake)\n"
              "os  task_clock_ns  available")
        return 0
    if flags.get("synclab_counters", "auto") not in ("auto", "off", "default", "cache", "coherence", "os"):
        fail(f"unknown counter set or event '{flags['synclab_counters']}'")
    names = case_names(flags, machine_pus)
    if "benchmark_filter" in flags:
        try:
            regex = re.compile(flags["benchmark_filter"])
        except re.error as exc:
            fail(f"bad --benchmark_filter: {exc}")
        names = [n for n in names if regex.search(n)]
    if flags.get("benchmark_list_tests") == "true":
        print("\n".join(names))
        return 0
    reps = int(flags.get("benchmark_repetitions", "1"))
    duration_s = int(flags.get("synclab_duration_ms", "300")) / 1000.0
    crash = os.environ.get("FAKE_BENCH_CRASH")
    print("Run on (2 X 2400 MHz CPU s)", file=sys.stderr, flush=True)
    results = []
    for name in names:
        if name.startswith(HANG_CASE):
            if "synclab_watchdog_s" not in flags:
                while True:
                    time.sleep(3600)
            time.sleep(duration_s + float(flags["synclab_watchdog_s"]))
            print(f"synclab_bench: watchdog: {name} still running "
                  f"{flags['synclab_watchdog_s']} s after its window; aborting", file=sys.stderr)
            return 3
        if crash and re.search(crash, name):
            print(f"fake_bench: simulated crash in {name}", file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        for rep in range(reps):
            time.sleep(duration_s)
        for entry in entries(name, reps):
            results.append(entry)
            print(f"{entry['name']:<60} {entry['real_time']:10.1f} ns  "
                  f"ops_per_sec={entry['ops_per_sec']:.4g}")
    if "benchmark_out" in flags:
        with open(flags["benchmark_out"], "w", encoding="utf-8") as out:
            json.dump({"context": context(flags, machine_pus), "benchmarks": results}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
