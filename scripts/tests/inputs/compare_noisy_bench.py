#!/usr/bin/python3
"""fake_bench.py with seeded noise and an injectable slowdown, for the compare and history tests.

Runs fake_bench's main() unchanged, then rewrites the --benchmark_out file it wrote:
  FAKE_BENCH_NOISE=SIGMA        multiply every time-like value by exp(N(0, SIGMA)) (rates divided)
  FAKE_BENCH_SEED=N             seed of that noise (with FAKE_BENCH_STATE, one draw per call)
  FAKE_BENCH_STATE=DIR          where the number of calls per case is kept (repeatable noise)
  FAKE_BENCH_SLOWDOWN=P:F[,..]  primitive P is F times slower (1.10 = 10 % more ns per op)
  FAKE_BENCH_SIDE=NAME          written to FAKE_BENCH_LOG=FILE with each case run, in order
  FAKE_BENCH_HIDE=REGEX         cases matching REGEX are not listed (a build without them)
  FAKE_BENCH_NO_HANDOFFS=REGEX  cases matching REGEX report no handoffs_per_sec (like refcount)
  FAKE_BENCH_EMPTY_BELOW_MS=N   windows shorter than N ms complete no operation (an error), as a
                                short window under valgrind may
  FAKE_VALGRIND_IPO=P:N[,..]    instructions per op of primitive P for compare_fake_valgrind,
                                passed on in the entry (the fake valgrind runs outside this env)
At one thread the lock changes owner once, as in the real harness:
handoffs_per_sec = ops_per_sec / operations.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import fake_bench  # noqa: E402  (scripts/tests/fake_bench.py)

TIME_LIKE = ("ns_per_op", "real_time", "cpu_time", "cpu_ns_per_op", "lat_p50_ns", "lat_p99_ns",
             "lat_p999_ns", "lat_max_ns")
RATES = ("ops_per_sec", "handoffs_per_sec")


def slowdowns() -> dict[str, float]:
    out = {}
    for item in filter(None, os.environ.get("FAKE_BENCH_SLOWDOWN", "").split(",")):
        primitive, _, factor = item.partition(":")
        out[primitive] = float(factor)
    return out


def call_number(name: str) -> int:
    state = os.environ.get("FAKE_BENCH_STATE")
    if not state:
        return 0
    path = Path(state) / re.sub(r"[^A-Za-z0-9]+", "_", name)
    count = int(path.read_text()) if path.exists() else 0
    path.write_text(str(count + 1))
    return count


def rewrite(path: Path, duration_s: float) -> None:
    doc = json.loads(path.read_text())
    sigma = float(os.environ.get("FAKE_BENCH_NOISE", "0"))
    seed = os.environ.get("FAKE_BENCH_SEED", "0")
    slow = slowdowns()
    log = os.environ.get("FAKE_BENCH_LOG")
    for entry in doc["benchmarks"]:
        if entry.get("run_type") != "iteration":
            continue
        name = entry["name"]
        primitive = name.split("/")[1]
        rng = random.Random(f"{seed}:{os.environ.get('FAKE_BENCH_SIDE', '')}:{name}:"
                            f"{call_number(name)}:{entry.get('repetition_index', 0)}")
        factor = math.exp(rng.gauss(0.0, sigma)) * slow.get(primitive, 1.0)
        for key in TIME_LIKE:
            if key in entry:
                entry[key] *= factor
        for key in RATES:
            if key in entry:
                entry[key] /= factor
        if "/t:1/" in name:
            ops = max(1, round(entry["ops_per_sec"] * duration_s))
            entry["ops_per_sec"] = ops / duration_s
            entry["handoffs_per_sec"] = 1 / duration_s
        if duration_s * 1000 < float(os.environ.get("FAKE_BENCH_EMPTY_BELOW_MS", "0")):
            entry.update(error_occurred=True, error_message="no operation completed in the window")
        no_handoffs = os.environ.get("FAKE_BENCH_NO_HANDOFFS")
        if no_handoffs and re.search(no_handoffs, name):
            entry.pop("handoffs_per_sec", None)
        for item in filter(None, os.environ.get("FAKE_VALGRIND_IPO", "").split(",")):
            ipo_primitive, _, ipo = item.partition(":")
            if ipo_primitive == primitive:
                entry["fake_instructions_per_op"] = float(ipo)
        if log:
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"{os.environ.get('FAKE_BENCH_SIDE', '-')} {name}\n")
    path.write_text(json.dumps(doc, indent=1))


def main() -> int:
    hide = os.environ.get("FAKE_BENCH_HIDE")
    listing = "--benchmark_list_tests=true" in sys.argv[1:]
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured) if hide and listing else contextlib.nullcontext():
            status = fake_bench.main()
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    if hide and listing:
        print("\n".join(n for n in captured.getvalue().splitlines() if not re.search(hide, n)))
    out = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--benchmark_out=")), None)
    if status == 0 and out and Path(out).exists():
        duration = next((a.split("=", 1)[1] for a in sys.argv[1:]
                         if a.startswith("--synclab_duration_ms=")), "300")
        rewrite(Path(out), int(duration) / 1000.0)
    return status


if __name__ == "__main__":
    sys.exit(main())
