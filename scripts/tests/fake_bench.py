#!/usr/bin/python3
"""A stand-in for build/<preset>/benches/synclab_bench that follows its command-line contract.

Three lock primitives with plausible, deterministic numbers; list mode; calibration; bad
input (exit 2, one `synclab_bench: error:` line); the test-only case whose lock is never
released (sleeps until --synclab_watchdog_s, then exits 3, or forever without it).
Optionally two more families (channels, padding), each adding its own context keys when one of
its cases is registered, as the real binary does; --synclab_families with the family x level
check; the custom level (--synclab_cs_ns, --synclab_think_ns, --synclab_cs_lines).

Environment, for tests:
  FAKE_BENCH_PUS=N         PUs of the pretend machine (default 2)
  FAKE_BENCH_CRASH=REGEX   cases matching REGEX print to stderr and die by SIGKILL
  FAKE_BENCH_EMULATED=1    context says emulated "true"
  FAKE_BENCH_FAMILIES=L    the families it has, out of locks,channels,padding (default locks)
  FAKE_BENCH_DESCRIBE=1    it knows --synclab_describe (without: a binary from before the flag)
  FAKE_BENCH_TRACEPOINTS=L it knows --synclab_hold_futex_tracepoints and prints L; a line
                           starting "available:" then holds until stdin closes
  FAKE_BENCH_EVENTS=PATH   appends "hold start", "case NAME x REPS x MS", "hold end" lines there
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
               "synclab_counters", "synclab_families", "synclab_cs_ns", "synclab_think_ns",
               "synclab_cs_lines", "synclab_sweeps"}
# The levels each family takes (the real binary's table, benches/family_table.cpp), and which
# families run a custom level.
FAMILY_LEVELS = {"locks": LEVELS, "channels": ("uncontended", "low", "high", "oversubscribed"),
                 "padding": ("uncontended", "high")}
CUSTOM_FAMILIES = {"locks"}
CHANNELS = {"mutex_queue": 1.0, "spsc_ring": 3.0}
# level -> (scenario, threads; 0 = 4 x PUs)
CHANNEL_SCENARIOS = {"uncontended": ("empty", 1), "low": ("burst", 2), "high": ("spsc", 2),
                     "oversubscribed": ("mpsc_preempt", 0)}
# level -> (primitive, scenario, threads)
PADDING_CASES = {"uncontended": (("ch7", "alone", 1),),
                 "high": (("padded", "distance_sweep", 2), ("unpadded", "distance_sweep", 2))}
FAMILY_CONTEXT = {
    "locks": {"lock_peers_missing": "tbb_spin_mutex: libtbb-dev not installed"},
    "channels": {"channel_semantics": json.dumps({"mutex_queue": {"bounded": False},
                                                  "spsc_ring": {"bounded": True}}),
                 "channel_peers_missing": "crossbeam_like: not built",
                 "channel_primitives_left_out": "lcrq (this CPU has no cmpxchg16b); "},
    "padding": {"hardware_destructive_interference_size": "64",
                "hardware_constructive_interference_size": "64",
                "coherency_line_size": "64", "padding_default_bytes": "128"},
}
MAX_CUSTOM_NS = 10_000_000
MAX_CUSTOM_LINES = 8


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


def families_of(flags: dict[str, str]) -> list[str]:
    """The families of this pretend binary, narrowed by --synclab_families."""
    have = os.environ.get("FAKE_BENCH_FAMILIES", "locks").split(",")
    if "synclab_families" not in flags:
        return have
    named = flags["synclab_families"].split(",")
    for family in named:
        if family not in have:
            fail(f"unknown family '{family}' (known: {', '.join(have)})")
    return [family for family in have if family in named]


def custom_level(flags: dict[str, str]) -> str | None:
    """The custom level's name when --synclab_cs_ns/think_ns/cs_lines set one."""
    knobs = {"synclab_cs_ns": ("0", MAX_CUSTOM_NS, 0), "synclab_think_ns": ("0", MAX_CUSTOM_NS, 0),
             "synclab_cs_lines": ("1", MAX_CUSTOM_LINES, 1)}
    if not any(knob in flags for knob in knobs):
        return None
    values = {}
    for knob, (default, most, least) in knobs.items():
        text = flags.get(knob, default)
        if not text.isdigit() or not least <= int(text) <= most:
            fail(f"--{knob}={text}: expected a whole number from {least} to {most}")
        values[knob] = int(text)
    return (f"custom-cs{values['synclab_cs_ns']}ns-think{values['synclab_think_ns']}ns-"
            f"lines{values['synclab_cs_lines']}")


def levels_of(flags: dict[str, str], families: list[str]) -> tuple[list[str], str | None]:
    """The named levels to run and the custom level; the real binary's family x level check."""
    custom = custom_level(flags)
    given = flags.get("synclab_contention")
    levels = given.split(",") if given else ([] if custom else list(LEVELS))
    for level in levels:
        if level not in LEVELS:
            fail(f"--synclab_contention: unknown level {level!r}")
    if "synclab_families" in flags:
        for family in families:
            for level in (levels if given else []):
                if level not in FAMILY_LEVELS[family]:
                    fail(f"family {family} cannot run level {level} (it runs: "
                         f"{', '.join(FAMILY_LEVELS[family])}; docs/contention.md)")
            if custom and family not in CUSTOM_FAMILIES:
                fail(f"family {family} has no critical section or think time to set: it cannot "
                     f"run {custom}")
    return levels, custom


def thread_list(flags: dict[str, str], pus: int, placement: str) -> list[int]:
    if "synclab_threads" not in flags:
        return default_threads(pus)
    try:
        threads = [int(t) for t in flags["synclab_threads"].split(",")]
    except ValueError:
        fail(f"--synclab_threads={flags['synclab_threads']}: not a list of integers")
    if min(threads) < 1:
        fail("--synclab_threads: thread counts start at 1")
    if max(threads) > pus:
        fail(f"--synclab_threads={flags['synclab_threads']}: {max(threads)} threads exceed the "
             f"{pus} PUs of placement {placement}")
    return threads


def case_names(flags: dict[str, str], machine_pus: int) -> list[str]:
    placement = flags.get("synclab_placement", "compact")
    pus = placement_pus(placement, machine_pus)
    threads = thread_list(flags, pus, placement)
    families = families_of(flags)
    levels, custom = levels_of(flags, families)
    names = []
    if "locks" in families:
        for primitive in PRIMITIVES:
            for level in levels:
                counts = [1] if level == "uncontended" else [4 * pus] if level == "oversubscribed" \
                    else sorted({max(1, round(f * pus)) for f in (0.5, 1, 2, 4)}) \
                    if level == "oversub_sweep" else threads
                names += [f"locks/{primitive}/{level}/t:{t}/place:{placement}" for t in counts]
            if custom:
                names += [f"locks/{primitive}/{custom}/t:{t}/place:{placement}" for t in threads]
    if "channels" in families:
        for primitive in CHANNELS:
            for level in levels:
                if level in CHANNEL_SCENARIOS:
                    scenario, t = CHANNEL_SCENARIOS[level]
                    t = t or 4 * pus
                    if t <= pus or level == "oversubscribed":
                        names.append(f"channels/{primitive}/{scenario}/t:{t}/place:{placement}")
    if "padding" in families:
        for level in levels:
            names += [f"padding/{primitive}/{scenario}/t:{t}/place:{placement}"
                      for primitive, scenario, t in PADDING_CASES.get(level, ()) if t <= pus]
    if "synclab_test_cases" in flags and "locks" in families:
        names.append(f"{HANG_CASE}/place:{placement}")
    return names


def describe(flags: dict[str, str], machine_pus: int) -> str:
    """What --synclab_describe prints, for this pretend binary's families."""
    placement = flags.get("synclab_placement", "compact")
    pus = placement_pus(placement, machine_pus)
    level_rows = [{"name": level, "cs_ns": 50, "cs_lines": 2, "think_ns": 0,
                   "threads": "single" if level == "uncontended" else "per_pu:4"
                   if level == "oversubscribed" else "pu_sweep" if level == "oversub_sweep"
                   else "list"} for level in LEVELS]
    families = {family: {"levels": list(FAMILY_LEVELS[family]),
                         "custom_level": family in CUSTOM_FAMILIES}
                for family in os.environ.get("FAKE_BENCH_FAMILIES", "locks").split(",")}
    return json.dumps({"describe_version": 1, "pus": pus, "placement": placement,
                       "default_threads": default_threads(pus), "levels": level_rows,
                       "families": families})


def counters(primitive: str, level: str, threads: int, rep: int) -> dict[str, float]:
    factor = PRIMITIVES.get(primitive, CHANNELS.get(primitive, 1.0))
    level = level if level in LEVEL_OPS else "high"  # a custom level or a family's scenario
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


def context(flags: dict[str, str], pus: int, names: list[str]) -> dict[str, Any]:
    """The machine's context, then each family's own keys when one of its cases is registered."""
    families = {name.split("/", 1)[0] for name in names}
    own = {key: value for family in FAMILY_CONTEXT if family in families
           for key, value in FAMILY_CONTEXT[family].items()}
    custom = custom_level(flags)
    if custom:
        own["custom_level"] = custom
    return own | {
        "host_name": "fakehost", "executable": sys.argv[0],
        "num_cpus": pus, "mhz_per_cpu": 2400, "cpu_scaling_enabled": False,
        "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1}],
        "library_build_type": "release",
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
        # A process of its own per case: the date and load average differ between cases.
        "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
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


def log(line: str) -> None:
    if path := os.environ.get("FAKE_BENCH_EVENTS"):
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def hold_tracepoints(line: str) -> int:
    holds = line.startswith("available:")
    if holds:
        log("hold start")
    print(line, flush=True)
    if holds:
        while sys.stdin.read(256):
            pass
        log("hold end")
    return 0


def main() -> int:
    if os.environ.get("FAKE_BENCH_DESCRIBE") == "1":
        BOOL_FLAGS.add("synclab_describe")
    if "FAKE_BENCH_TRACEPOINTS" in os.environ:
        BOOL_FLAGS.add("synclab_hold_futex_tracepoints")
    flags = parse_flags(sys.argv[1:])
    machine_pus = int(os.environ.get("FAKE_BENCH_PUS", "2"))
    if "synclab_hold_futex_tracepoints" in flags:
        return hold_tracepoints(os.environ["FAKE_BENCH_TRACEPOINTS"])
    if "synclab_describe" in flags:
        print(describe(flags, machine_pus))
        return 0
    if "synclab_print_calibration" in flags:
        print(json.dumps({"delay_iters_per_us": 412.5}))
        return 0
    if "synclab_list_counters" in flags:
        print("set  event          status\ndefault  cycles  unavailable: no hardware PMU (fake)\n"
              "os  task_clock_ns  available")
        return 0
    if flags.get("synclab_sweeps", "on") not in ("on", "off"):
        fail(f"--synclab_sweeps={flags['synclab_sweeps']}: expected on or off")
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
        log(f"case {name} x {reps} x {flags.get('synclab_duration_ms', '300')}")
        for rep in range(reps):
            time.sleep(duration_s)
        for entry in entries(name, reps):
            results.append(entry)
            print(f"{entry['name']:<60} {entry['real_time']:10.1f} ns  "
                  f"ops_per_sec={entry['ops_per_sec']:.4g}")
    if "benchmark_out" in flags:
        with open(flags["benchmark_out"], "w", encoding="utf-8") as out:
            json.dump({"context": context(flags, machine_pus, names), "benchmarks": results},
                      out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
