#!/usr/bin/python3
"""left_out: a primitive the machine cannot run is left out of the run, with its reason in the context.

    left_out.py BENCH

Runs the channels family as if the CPU had no double-width CAS (SYNCLAB_ASSUME_NO_CAS2=1, the
switch of channels/lcrq.hpp's run-time check) and checks that no lcrq case is registered, that the
run still measures the others (one scq case), and that the results context names lcrq and the
reason under channel_primitives_left_out. Then, without the switch on a CPU that has cmpxchg16b
(the flags of /proc/cpuinfo), that lcrq cases are there and the context does not name it.
Exit 0 when all holds, 1 with the first failure.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = "^channels/(lcrq|scq)/mpmc/t:2/.*/payload:8$"
REASON = "lcrq (double-width CAS treated as absent (SYNCLAB_ASSUME_NO_CAS2))"


def run(bench: str, env: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        cmd = [bench, "--synclab_families=channels", "--synclab_placement=cpus:0,1", "--synclab_duration_ms=3",
               "--synclab_counters=off", f"--benchmark_filter={CASES}", f"--benchmark_out={out}",
               "--benchmark_out_format=json"]
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


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
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
