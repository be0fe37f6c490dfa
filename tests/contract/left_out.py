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

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class LeftOut:
    family: str
    primitive: str  # left out when the switch is on
    other: str  # measured either way
    switch: str  # the environment variable that makes the machine lack what it needs
    context_key: str
    reason: str
    cases: str
    machine_has: Callable[[], bool]  # whether the primitive must run without the switch


def run(bench: str, env: dict[str, str], family: str, cases: str) -> dict:
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


CHECKS = {
    "channels": LeftOut("channels", "lcrq", "scq", "SYNCLAB_ASSUME_NO_CAS2", "channel_primitives_left_out",
                        "lcrq (double-width CAS treated as absent (SYNCLAB_ASSUME_NO_CAS2))",
                        "^channels/(lcrq|scq)/mpmc/t:2/.*/payload:8$", cpu_has_cx16),
    "reclaim": LeftOut("reclaim", "hazard_pointers_asym", "hazard_pointers", "SYNCLAB_ASSUME_NO_MEMBARRIER",
                       "reclaim_primitives_left_out",
                       "hazard_pointers_asym (membarrier treated as absent (SYNCLAB_ASSUME_NO_MEMBARRIER))",
                       "^reclaim/(hazard_pointers|hazard_pointers_asym)/read_mostly/t:2/", kernel_has_membarrier),
}


def has_case(doc: dict, primitive: str) -> bool:
    return any(f"/{primitive}/" in e["name"] for e in doc["benchmarks"])


def check(bench: str, c: LeftOut) -> list[str]:
    doc = run(bench, {c.switch: "1"}, c.family, c.cases)
    failures = []
    if has_case(doc, c.primitive):
        failures.append(f"a {c.primitive} case ran with {c.switch}=1")
    if not has_case(doc, c.other):
        failures.append(f"{c.other} did not run")
    context = doc["context"].get(c.context_key, "")
    if c.reason not in context:
        failures.append(f"{c.context_key} is {context!r}, without {c.reason!r}")
    if c.machine_has():
        doc = run(bench, {c.switch: "0"}, c.family, c.cases)
        if not has_case(doc, c.primitive):
            failures.append(f"no {c.primitive} case where the machine has what it needs")
        if c.primitive in doc["context"].get(c.context_key, ""):
            failures.append(f"{c.primitive} named as left out where the machine has what it needs")
    return failures


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] not in CHECKS):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failures = check(argv[1], CHECKS[argv[2] if len(argv) == 3 else "channels"])
    for f in failures:
        print(f"left_out: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
