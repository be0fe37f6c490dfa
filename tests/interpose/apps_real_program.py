#!/usr/bin/python3
"""One real program through run_suite's apps family: RocksDB's cache_bench (Debian rocksdb-tools)
for about a second under the system mutex and under futex_mutex3; both cases must measure the
program's throughput and carry the interposer's statistics. Exit 77 (skipped) when cache_bench is
not installed.

    apps_real_program.py --interposer LIB --bench BIN"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RUN_SUITE = Path(__file__).resolve().parents[2] / "scripts" / "synclab" / "runner" / "cli.py"
SKIPPED = 77


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interposer", required=True)
    parser.add_argument("--bench", required=True)
    args = parser.parse_args()
    if shutil.which("cache_bench") is None:
        print("skipped: cache_bench is not installed (Debian rocksdb-tools: scripts/install-deps.sh)")
        return SKIPPED
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["/usr/bin/python3", str(RUN_SUITE), "--bench", args.bench, "--family", "apps", "--apps",
             "cache_bench", "--app-locks", "futex_mutex3", "--threads", "2", "--repetitions", "1",
             "--app-seconds", "1", "--no-report", "--no-census", "--out", tmp],
            capture_output=True, text=True, timeout=110, check=False)
        problems = []
        if done.returncode != 0:
            problems.append(f"run_suite exited {done.returncode}: {done.stderr[-1000:]}")
        results = Path(tmp) / "results.json"
        names = {}
        if results.is_file():
            names = {b["run_name"]: b for b in json.loads(results.read_text())["benchmarks"]}
        for lock in ("pthread_mutex", "futex_mutex3"):
            name = f"apps/cache_bench/{lock}/lru_one_shard/t:2/place:compact"
            b = names.get(name)
            if b is None or b.get("error_occurred"):
                problems.append(f"{name}: not measured: {b}")
                continue
            for metric in ("ops_per_sec", "cpu_ns_per_op", "ctx_switches_per_op", "lock_acquisitions_per_op",
                           "lock_contended_ratio", "mutexes_used"):
                if not isinstance(b.get(metric), (int, float)) or (metric != "lock_contended_ratio" and b[metric] <= 0):
                    problems.append(f"{name}: {metric} = {b.get(metric)!r}")
            if not b.get("label", "").startswith("pus="):
                problems.append(f"{name}: no placement label: {b.get('label')!r}")
        for problem in problems:
            print(problem)
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
