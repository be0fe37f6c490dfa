#!/usr/bin/python3
"""Writes the synthetic results files of the report tests (showcase.json, emulated_arm64.json,
new_families.json) into this directory. The numbers are chosen by hand so that the winners,
ratios and collapses are easy to check; see README.md. Run it after changing them:

    /usr/bin/python3 scripts/tests/inputs/make_inputs.py
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# locks at high, t:2 (ops/s, Jain): fastest tas_spin, fairest ticket, best at both futex_mutex3
# (pthread_spin is faster but just below 0.9 x the best Jain index).
HIGH_T2 = {"std_mutex": (1.0e6, 0.95), "tas_spin": (4.0e6, 0.55), "ticket": (0.5e6, 0.999),
           "futex_mutex3": (2.0e6, 0.92), "pthread_spin": (3.0e6, 0.89)}
HIGH_T1 = {"std_mutex": 10e6, "tas_spin": 14e6, "ticket": 12e6, "futex_mutex3": 11e6,
           "pthread_spin": 13e6}
UNCONTENDED = {"std_mutex": 20e6, "tas_spin": 50e6, "ticket": 45e6, "futex_mutex3": 25e6,
               "pthread_spin": 48e6}
# oversubscribed, t:8 on 2 PUs: ops/s and Jain. Collapse = this / HIGH_T2.
OVERSUBSCRIBED = {"std_mutex": (0.9e6, 0.9), "tas_spin": (0.04e6, 0.3), "ticket": (0.01e6, 0.99),
                  "futex_mutex3": (1.8e6, 0.85), "pthread_spin": (0.1e6, 0.4)}
SPINNING = {"tas_spin", "ticket", "pthread_spin"}
LABELS = {1: "pus=0 class=same_pu", 2: "pus=0,1 class=same_core",
          8: "pus=0,1,0,1,0,1,0,1 class=same_core oversubscribed"}
C2C_ONEWAY = {(0, 1): 20.0, (1, 0): 21.0, (2, 3): 22.0, (0, 2): 80.0, (0, 3): 84.0,
              (1, 2): 86.0, (1, 3): 90.0}
C2C_CLASS = {(0, 1): "same_core", (1, 0): "same_core", (2, 3): "same_core"}
ATOMICS = {"fetch_add": 5.1, "cas": 6.0, "exchange": 5.0, "seqcst_store": 5.5, "pause": 35.0}
SYSCALLS = {"getppid": 95.0, "futex_wake_nowaiter": 120.0}


def entry(name: str, rep: int, reps: int, label: str, counters: dict[str, float]) -> dict[str, Any]:
    ns = counters.get("ns_per_op", 1.0)
    return {"name": name, "family_index": 0, "per_family_instance_index": 0, "run_name": name,
            "run_type": "iteration", "repetitions": reps, "repetition_index": rep, "threads": 1,
            "iterations": 1, "real_time": ns, "cpu_time": 1000.0, "time_unit": "ns",
            **counters, "label": label}


def lock_counters(primitive: str, ops: float, jain: float, threads: int, wiggle: float,
                  events: bool) -> dict[str, float]:
    ops *= wiggle
    ns = 1e9 / ops
    pus = min(threads, 2)
    busy = 0.97 if primitive in SPINNING else 0.45
    counters = {
        "ops_per_sec": ops, "ns_per_op": ns, "fairness_jain": jain,
        "share_min": jain ** 2, "share_max": 2 - jain ** 2,
        "lat_p50_ns": 40.0 * threads * (2 if primitive == "ticket" else 1),
        "lat_p99_ns": 400.0 * threads, "lat_p999_ns": 4000.0 * threads / jain,
        "lat_max_ns": 90000.0 * threads, "lat_samples": 5000.0,
        "handoffs_per_sec": ops * (1 - jain / 2) if threads > 1 else 10.0,
        "cpu_ns_per_op": ns * pus * busy, "ctx_switches_per_op": 0.0 if busy > 0.9 else 0.01,
        "futex_waits_per_op": 0.0 if primitive in SPINNING else 0.02,
        "futex_wakes_per_op": 0.0 if primitive in SPINNING else 0.02,
        "threads_run": float(threads), "pin_violations": 0.0,
    }
    if events:
        counters.update({
            "cycles_per_op": ns * 2.4 * pus * busy, "instructions_per_op": 120.0 + threads * 10,
            "task_clock_ns_per_op": ns * pus * busy,
            "context_switches_per_op": counters["ctx_switches_per_op"],
            "cpu_migrations_per_op": 0.0, "page_faults_per_op": 1e-6,
            "counter_scaling_min": 0.5 if threads > 1 else 1.0,
        })
        if primitive != "std_mutex":  # one primitive without it: the table shows a dash
            counters["cache_misses_per_op"] = 0.5 * threads
    return counters


def lock_entries(levels: dict[str, dict[int, dict[str, tuple[float, float]]]], reps: int,
                 events: bool) -> list[dict[str, Any]]:
    entries = []
    for level, by_threads in levels.items():
        for threads, values in by_threads.items():
            for primitive, (ops, jain) in values.items():
                name = f"locks/{primitive}/{level}/t:{threads}/place:compact"
                for rep in range(reps):
                    wiggle = 1.0 + (rep - (reps - 1) / 2) * 0.02
                    entries.append(entry(name, rep, reps, LABELS[threads],
                                         lock_counters(primitive, ops, jain, threads, wiggle,
                                                       events)))
    return entries


def limits_entries() -> list[dict[str, Any]]:
    entries = []
    for (a, b), oneway in C2C_ONEWAY.items():
        name = f"limits/c2c/pingpong/t:2/place:cpus:{a},{b}"
        label = f"pus={a},{b} class={C2C_CLASS.get((a, b), 'cross_l3')}"
        entries.append(entry(name, 0, 1, label, {"roundtrip_ns": 2 * oneway, "oneway_ns": oneway,
                                                 "ns_per_op": 2 * oneway}))
    for group, ops in (("atomics", ATOMICS), ("syscall", SYSCALLS)):
        for op, ns in ops.items():
            name = f"limits/{group}/{op}/t:1/place:cpus:0"
            entries.append(entry(name, 0, 1, "pus=0 class=same_pu", {"ns_per_op": ns}))
    return entries


def context(**overrides: Any) -> dict[str, Any]:
    base = {
        "date": "2024-06-01T10:00:00+00:00", "host_name": "lab1", "num_cpus": 4,
        "mhz_per_cpu": 3000, "cpu_scaling_enabled": False, "caches": [], "load_avg": [0.1],
        "library_build_type": "release", "synclab_version": "0.1.0", "git_sha": "1234567abcdef",
        "arch": "x86_64", "emulated": "false", "cpu_model": "Example CPU 9000 @ 3.00GHz",
        "topology": "1 package, 1 NUMA node, 2 cores, 4 PUs",
        "topology_synthetic": "Package:1 L3Cache:1 L2Cache:2 Core:1 PU:2",
        "placement": "compact", "pmu": "available: core PMU example_core",
        "counters": "requested=default,cache set=default; cycles=available; instructions=available; "
                    "cache_misses=available; l1d_misses=unavailable: no such event on this PMU; "
                    "xsnp_hitm=unavailable: not supported by this PMU; more text; "
                    "task_clock_ns=available; context_switches=available; "
                    "cpu_migrations=available; page_faults=available",
        "counters_unavailable": "l1d_misses: no such event on this PMU; "
                                "xsnp_hitm: not supported by this PMU; more text",
        "counter_groups": "software: task_clock_ns,context_switches,cpu_migrations,page_faults | "
                          "hardware 1: cycles,instructions,cache_misses",
        "counter_rotation": "off", "counters_kernel": "on",
        "compiler": "g++ 12.2.0", "cxx_flags": "-O2 -g -DNDEBUG -std=c++20 -march=x86-64-v2",
        "build_type": "RelWithDebInfo", "kernel": "Linux 6.1.0", "libc": "glibc 2.36",
        "governor": "performance", "vm": "false", "perf_event_paranoid": "1",
        "delay_iters_per_us": "500.0", "latency_sampling": "on, 1 in 64 operations",
        "window_ms": "200",
    }
    base.update(overrides)
    return base


def run_info(run_id: str, planned: int, reps: int) -> dict[str, Any]:
    return {"run_id": run_id, "profile": "quick", "argv": ["run_suite"],
            "started": "2024-06-01T10:00:00+00:00", "finished": "2024-06-01T10:01:00+00:00",
            "cases_planned": planned, "cases_done": planned, "cases_timed_out": 0,
            "cases_failed": 0, "interrupted": False, "repetitions": reps, "duration_ms": 200}


def planned(entries: list[dict[str, Any]]) -> int:
    return len({e["name"] for e in entries})


def showcase() -> dict[str, Any]:
    levels = {
        "uncontended": {1: {p: (ops, 1.0) for p, ops in UNCONTENDED.items()}},
        "high": {1: {p: (ops, 1.0) for p, ops in HIGH_T1.items()}, 2: HIGH_T2},
        "oversubscribed": {8: OVERSUBSCRIBED},
    }
    entries = lock_entries(levels, reps=2, events=True) + limits_entries()
    ctx = context()
    ctx["synclab_run"] = run_info("20240601-100000-lab1-1234567", planned(entries), 2)
    return {"context": ctx, "benchmarks": entries}


def emulated_arm64() -> dict[str, Any]:
    levels = {
        "uncontended": {1: {"std_mutex": (5e6, 1.0), "tas_spin": (6e6, 1.0),
                            "ticket": (5.5e6, 1.0), "futex_mutex3": (7.5e6, 1.0)}},
        "high": {1: {"std_mutex": (2e6, 1.0), "tas_spin": (2.2e6, 1.0), "ticket": (2.1e6, 1.0),
                     "futex_mutex3": (2.4e6, 1.0)},
                 2: {"std_mutex": (1.0e6, 0.9), "tas_spin": (0.5e6, 0.6),
                     "ticket": (0.2e6, 0.99), "futex_mutex3": (3.0e6, 0.93)}},
    }
    entries = lock_entries(levels, reps=1, events=False)
    ctx = context(arch="arm64", emulated="true", cpu_model="unknown (qemu-aarch64)",
                  git_sha="89abcde0123", pmu="unavailable: emulated (qemu-aarch64)",
                  counters="requested=auto set=os; task_clock_ns=available",
                  counters_unavailable="none", cxx_flags="-O2 -g -DNDEBUG -march=armv8.1-a",
                  topology="1 package, 2 PUs")
    ctx["synclab_run"] = run_info("20240601-120000-lab1-89abcde", planned(entries), 1)
    return {"context": ctx, "benchmarks": entries}


# Families without a panel of their own: the generic panel must render them.
NEW_FAMILIES = {
    "channels": ("spsc_ring", "mpmc_ring", "mutex_deque"),
    "refcount": ("arc", "biased", "std_shared_ptr"),
    "padding": ("padded64", "padded128", "unpadded"),
    "ordering": ("relaxed", "acq_rel", "seq_cst"),
    "rwlocks": ("std_shared_mutex", "rw_spin"),
    "condvars": ("std_condition_variable", "futex_condvar"),
}


def new_families() -> dict[str, Any]:
    entries = []
    for f, (family, primitives) in enumerate(NEW_FAMILIES.items()):
        for p, primitive in enumerate(primitives):
            for threads in (1, 2):
                ops = 1e6 * (f + 1) * (p + 1) / threads
                name = f"{family}/{primitive}/high/t:{threads}/place:compact"
                entries.append(entry(name, 0, 1, LABELS[threads],
                                     {"ops_per_sec": ops, "ns_per_op": 1e9 / ops,
                                      "fairness_jain": 1.0 if threads == 1 else 0.9}))
    ctx = context(pmu="unavailable: perf_event_paranoid=3")
    for key in ("counters", "counters_unavailable"):
        ctx.pop(key)
    ctx["synclab_run"] = run_info("20240601-130000-lab1-1234567", planned(entries), 1)
    return {"context": ctx, "benchmarks": entries}


def main() -> None:
    for name, doc in (("showcase.json", showcase()), ("emulated_arm64.json", emulated_arm64()),
                      ("new_families.json", new_families())):
        (HERE / name).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
