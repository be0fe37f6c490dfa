#!/usr/bin/python3
"""left_out: a primitive the machine cannot run is left out of the run, with its reason in the context.

    left_out.py BENCH [channels|reclaim]    (channels when not given)

channels: runs the channels family as if the CPU had no double-width CAS (SYNCLAB_ASSUME_NO_CAS2=1, the
switch of channels/lcrq.hpp's run-time check) and checks that no lcrq case is registered, that the
run still measures the others (one scq case), and that the results context names lcrq and the
reason under channel_primitives_left_out. Then, without the switch on a CPU that has cmpxchg16b
(the flags of /proc/cpuinfo), that lcrq cases are there and the context does not name it.
reclaim: runs the reclaim family (sweeps on) with membarrier treated as absent
(SYNCLAB_ASSUME_NO_MEMBARRIER=1, reclaim/hazard_pointer.hpp's switch) and checks that no
hazard_pointers_asym case is registered, that hazard_pointers still runs, and that the context names
hazard_pointers_asym and the reason under reclaim_primitives_left_out; then, without the switch
where this machine's kernel lets the process register membarrier(PRIVATE_EXPEDITED), that its cases
are there and the context does not name it.
Exit 0 when all holds, 1 with the first failure.
"""
from __future__ import annotations

import ctypes
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = "^channels/(lcrq|scq)/mpmc/t:2/.*/payload:8$"
REASON = "lcrq (double-width CAS treated as absent (SYNCLAB_ASSUME_NO_CAS2))"
RECLAIM_CASES = "^reclaim/(hazard_pointers|hazard_pointers_asym)/read_mostly/t:2/"
RECLAIM_REASON = "hazard_pointers_asym (membarrier treated as absent (SYNCLAB_ASSUME_NO_MEMBARRIER))"


def run(bench: str, env: dict[str, str], family: str = "channels", cases: str = CASES) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        cmd = [bench, f"--synclab_families={family}", "--synclab_placement=cpus:0,1", "--synclab_duration_ms=3",
               "--synclab_counters=off", f"--benchmark_filter={cases}", f"--benchmark_out={out}",
               "--benchmark_out_format=json"]
        if family == "reclaim":
            cmd.append("--synclab_sweeps=on")  # the family is sweep-only (benches/reclaim.cpp)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, timeout=120, env={**os.environ, **env})
        return json.loads(out.read_text(encoding="utf-8"))


def cpu_has_cx16() -> bool:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("flags"):
                return " cx16 " in line + " "
    except OSError:
        pass
    return False


def kernel_has_membarrier() -> bool:
    """Whether this process can register membarrier(PRIVATE_EXPEDITED) (x86-64 and arm64 Linux)."""
    number = {"x86_64": 324, "aarch64": 283}.get(platform.machine())
    if number is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    query, private_expedited, register = 0, 1 << 3, 1 << 4
    commands = int(libc.syscall(number, query, 0, 0))
    return commands >= 0 and commands & private_expedited != 0 and int(libc.syscall(number, register, 0, 0)) == 0


def reclaim(bench: str) -> list[str]:
    doc = run(bench, {"SYNCLAB_ASSUME_NO_MEMBARRIER": "1"}, "reclaim", RECLAIM_CASES)
    names = [e["name"] for e in doc["benchmarks"]]
    failures = []
    if any("/hazard_pointers_asym/" in n for n in names):
        failures.append("a hazard_pointers_asym case ran without membarrier")
    if not any("/hazard_pointers/" in n for n in names):
        failures.append("hazard_pointers did not run")
    context = doc["context"].get("reclaim_primitives_left_out", "")
    if RECLAIM_REASON not in context:
        failures.append(f"reclaim_primitives_left_out is {context!r}, without {RECLAIM_REASON!r}")
    if kernel_has_membarrier():
        doc = run(bench, {"SYNCLAB_ASSUME_NO_MEMBARRIER": "0"}, "reclaim", RECLAIM_CASES)
        if not any("/hazard_pointers_asym/" in e["name"] for e in doc["benchmarks"]):
            failures.append("no hazard_pointers_asym case where membarrier is there")
        if "hazard_pointers_asym" in doc["context"].get("reclaim_primitives_left_out", ""):
            failures.append("hazard_pointers_asym named as left out where membarrier is there")
    return failures


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] not in ("channels", "reclaim")):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    if len(argv) == 3 and argv[2] == "reclaim":
        failures = reclaim(argv[1])
        for f in failures:
            print(f"left_out: {f}")
        return 1 if failures else 0
    doc = run(argv[1], {"SYNCLAB_ASSUME_NO_CAS2": "1"})
    names = [e["name"] for e in doc["benchmarks"]]
    failures = []
    if any("/lcrq/" in n for n in names):
        failures.append("an lcrq case ran without double-width CAS")
    if not any("/scq/" in n for n in names):
        failures.append("the other channels did not run")
    context = doc["context"].get("channel_primitives_left_out", "")
    if REASON not in context:
        failures.append(f"channel_primitives_left_out is {context!r}, without {REASON!r}")
    if cpu_has_cx16():
        doc = run(argv[1], {"SYNCLAB_ASSUME_NO_CAS2": "0"})
        if not any("/lcrq/" in e["name"] for e in doc["benchmarks"]):
            failures.append("no lcrq case on a CPU with cmpxchg16b")
        if "lcrq" in doc["context"].get("channel_primitives_left_out", ""):
            failures.append("lcrq named as left out on a CPU with cmpxchg16b")
    for f in failures:
        print(f"left_out: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
