"""Instructions per operation of one single-thread case, counted by callgrind: a number that
does not move with the noise of a shared machine (run_suite --mode instructions).

Method. The harness runs a case for a time window, so the number of operations is not fixed.
Each case runs twice under `valgrind --tool=callgrind --toggle-collect=<worker function>`,
with a short and a long window. Collection is on only inside the worker thread's function (the
loop that calls the workload's `operation`, which the compiler inlines into it), so callgrind's
total Ir is  fixed + per_op x ops : `fixed` is the worker's start-up and tear-down (pinning,
counters, the barrier), the same in both runs. The operation count of each run is exact: at one
thread the lock changes owner exactly once (the first acquisition), so
ops = ops_per_sec / handoffs_per_sec. Two runs give two equations; their slope
(Ir_long - Ir_short) / (ops_long - ops_short) is the instructions per operation, with the
fixed part cancelled.

Limits (docs/regressions.md): the count includes the harness loop around `operation` (stop
flag load, counter, the CPU check every 4096 operations), the same for every primitive;
instructions are not time (a cache miss or a pause instruction counts as one); callgrind runs
one thread at a time and excludes the kernel, so contended cases - coherence traffic, handoffs,
futex sleeps - cannot be measured this way and are refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from synclab import bench, cases, results

# The worker thread's function of the harness driver (a lambda inside run_fixed_duration).
TOGGLE_COLLECT = "*run_fixed_duration*{lambda(int)#1}::operator()*"
LONG_WINDOW_FACTOR = 4
MIN_OPS_DELTA = 2000  # below this the two windows are too alike; a longer one is tried
VALGRIND_TIMEOUT_S = 180.0
EMPTY_WINDOW_RETRIES = 2
NO_RESULT = "the case reported no result under callgrind"


def callgrind_total(path: Path) -> int:
    """The Ir total of a callgrind output file ('totals:' line, else 'summary:')."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    found: dict[str, int] = {}
    for line in text.splitlines():
        match = re.match(r"(totals|summary):\s+(\d+)", line)
        if match:
            found[match[1]] = int(match[2])
    if not found:
        raise ValueError(f"{path} has no totals: or summary: line")
    return found.get("totals", found.get("summary", 0))


def exact_ops(entry: dict[str, Any]) -> int:
    """Operations of a one-thread window: ops_per_sec / handoffs_per_sec (one handoff)."""
    ops, handoffs = entry.get("ops_per_sec"), entry.get("handoffs_per_sec")
    if not isinstance(ops, (int, float)) or not isinstance(handoffs, (int, float)) or handoffs <= 0:
        raise ValueError("the case reported no ops_per_sec and handoffs_per_sec, so its operation "
                         "count is unknown")
    count = ops / handoffs
    if count < 1 or abs(count - round(count)) > 1e-6 * count + 1e-3:
        raise ValueError(f"ops_per_sec / handoffs_per_sec = {count:.4f} is not a whole number: "
                         "the case is not a one-thread case with a single owner change")
    return round(count)


@dataclass(frozen=True)
class Window:
    ops: int
    instructions: int


@dataclass
class Measured:
    """One repetition of one case: instructions per op, or why there is none."""
    status: str  # "ok", "failed", "timed_out" or "stopped"
    message: str = ""
    context: dict[str, Any] | None = None
    entry: dict[str, Any] | None = None
    per_op: float = 0.0


def _with_window(flags: list[str], window_ms: int) -> list[str]:
    """One window of `window_ms`, latency sampling off (its timer calls are not the primitive's)."""
    kept = [f for f in cases.with_window(flags, window_ms) if not f.startswith("--synclab_sampling=")]
    return kept + ["--synclab_sampling=off"]


def run_window(valgrind: str, binary: Path, name: str, flags: list[str], window_ms: int,
               out_file: Path, should_stop: Callable[[], bool]
               ) -> tuple[Window, dict[str, Any], dict[str, Any]] | Measured:
    """One callgrind run of one case; a Measured with the reason when it did not work."""
    json_file = out_file.with_suffix(".json")
    cmd = [valgrind, "--tool=callgrind", f"--callgrind-out-file={out_file}",
           f"--toggle-collect={TOGGLE_COLLECT}", str(binary),
           f"--benchmark_filter={bench.exact_filter(name)}", "--benchmark_repetitions=1",
           f"--benchmark_out={json_file}", "--benchmark_out_format=json",
           "--benchmark_format=console", *_with_window(flags, window_ms)]
    result = bench.run_process(cmd, timeout_s=VALGRIND_TIMEOUT_S, should_stop=should_stop)
    if result.stopped:
        return Measured("stopped", "interrupted")
    if result.timed_out:
        return Measured("timed_out", f"no result under callgrind within {VALGRIND_TIMEOUT_S:g} s")
    if result.returncode != 0:
        assert result.returncode is not None
        return Measured("failed", f"under callgrind: {bench.describe_exit(result.returncode)}; "
                                  f"stderr: {bench.tail(result.stderr) or '(empty)'}")
    try:
        context, entries = results.read_gb_output(json_file)
        good = [e for e in entries if e.get("run_type", "iteration") == "iteration"
                and not e.get("error_occurred")]
        if not good:
            why = next((str(e.get("error_message")) for e in entries if e.get("error_message")),
                       "")
            return Measured("failed", NO_RESULT + (f": {why}" if why else ""))
        window = Window(exact_ops(good[0]), callgrind_total(out_file))
    except ValueError as exc:
        return Measured("failed", str(exc))
    finally:
        json_file.unlink(missing_ok=True)
    if window.instructions == 0:
        return Measured("failed", f"callgrind counted no instructions inside {TOGGLE_COLLECT!r}: "
                                  "the harness's worker function was not found in the binary")
    return window, context, good[0]


def measure(valgrind: str, binary: Path, name: str, flags: list[str], window_ms: int,
            out_stem: Path, should_stop: Callable[[], bool]) -> Measured:
    """Instructions per operation of one case: a short and a long window, then the slope."""
    short = run_window(valgrind, binary, name, flags, window_ms,
                       out_stem.with_name(out_stem.name + ".short.out"), should_stop)
    for _ in range(EMPTY_WINDOW_RETRIES):
        # Valgrind runs one thread at a time: a short window can end before the worker thread
        # was scheduled at all. A longer one is tried; a case that always fails still fails.
        if not (isinstance(short, Measured) and short.status == "failed"
                and short.message.startswith(NO_RESULT)):
            break
        window_ms *= LONG_WINDOW_FACTOR
        short = run_window(valgrind, binary, name, flags, window_ms,
                           out_stem.with_name(out_stem.name + ".short.out"), should_stop)
    if isinstance(short, Measured):
        return short
    factor = LONG_WINDOW_FACTOR
    long: tuple[Window, dict[str, Any], dict[str, Any]] | None = None
    for _ in range(3):
        attempt = run_window(valgrind, binary, name, flags, window_ms * factor,
                             out_stem.with_name(out_stem.name + ".long.out"), should_stop)
        if isinstance(attempt, Measured):
            return attempt
        long = attempt
        if abs(long[0].ops - short[0].ops) >= MIN_OPS_DELTA:
            break
        factor *= LONG_WINDOW_FACTOR
    else:
        assert long is not None
        return Measured("failed", f"the windows ran {short[0].ops} and {long[0].ops} operations: "
                                  "too close for a slope")
    (w1, _, _), (w2, context, entry) = short, long
    per_op = (w2.instructions - w1.instructions) / (w2.ops - w1.ops)
    fixed = w1.instructions - per_op * w1.ops
    counters = {"instructions_per_op": per_op, "instructions_fixed": fixed,
                "window_ops_short": float(w1.ops), "window_ops_long": float(w2.ops),
                "window_instructions_short": float(w1.instructions),
                "window_instructions_long": float(w2.instructions)}
    keep = ("name", "run_name", "family_index", "per_family_instance_index", "threads",
            "iterations")
    out = {key: entry[key] for key in keep if key in entry}
    out.update({"run_type": "iteration", "real_time": per_op, "cpu_time": per_op,
                "time_unit": "ns", **counters,
                "label": "callgrind instructions per operation (real_time and cpu_time hold it too)"})
    return Measured("ok", context=context, entry=out, per_op=per_op)
