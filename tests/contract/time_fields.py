#!/usr/bin/python3
"""time_fields: Google Benchmark's time columns of synclab's results mean what its tools think.

    time_fields.py BENCH

Runs one driver case and one measured case twice each and checks, in iteration and aggregate
rows alike, that real_time is wall time per operation and cpu_time is the CPU time of all the
case's threads per operation (the cpu_ns_per_op counter), both in ns: what compare.py's Time and
CPU columns show. Exit 0 when they do, 1 with the first disagreement.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = "^(locks/std_mutex/high/t:2/|limits/atomics/fetch_add/)"


def disagreement(entry: dict) -> str | None:
    name = f"{entry['name']} ({entry.get('aggregate_name', 'iteration')})"
    if entry.get("time_unit") != "ns":
        return f"{name}: time_unit {entry.get('time_unit')}"
    if entry.get("aggregate_unit", "time") == "percentage":
        return None  # coefficients of variation: not times
    if "cpu_ns_per_op" not in entry:
        return f"{name}: no cpu_ns_per_op"
    if not math.isclose(entry["cpu_time"], entry["cpu_ns_per_op"], rel_tol=1e-9, abs_tol=1e-9):
        return f"{name}: cpu_time {entry['cpu_time']} != cpu_ns_per_op {entry['cpu_ns_per_op']}"
    if "ns_per_op" in entry and entry.get("aggregate_name") != "stddev" and entry["name"].startswith("locks/") \
            and not math.isclose(entry["real_time"], entry["ns_per_op"], rel_tol=1e-6):
        return f"{name}: real_time {entry['real_time']} != ns_per_op {entry['ns_per_op']}"
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        cmd = [argv[1], f"--benchmark_filter={CASES}", "--synclab_contention=uncontended,high",
               "--synclab_threads=2", "--synclab_duration_ms=20", "--benchmark_repetitions=2",
               f"--benchmark_out={out}", "--benchmark_out_format=json"]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, timeout=120)
        entries = json.loads(out.read_text(encoding="utf-8"))["benchmarks"]
    kinds = {(e["name"].split("/")[0], e.get("aggregate_name", "iteration")) for e in entries}
    for family in ("locks", "limits"):
        for kind in ("iteration", "mean", "median"):
            if (family, kind) not in kinds:
                print(f"time_fields: no {kind} row for {family}")
                return 1
    for entry in entries:
        problem = disagreement(entry)
        if problem:
            print(f"time_fields: {problem}")
            return 1
    print(f"time_fields: {len(entries)} rows agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
