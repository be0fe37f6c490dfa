"""Runs the bench binary as subprocesses: listing, calibration, and one case per process.

Every child runs in a new process group (start_new_session), so a hung case can be killed with
everything it started, and a Ctrl-C in the terminal reaches only run_suite, which then
stops the child itself.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from synclab import results
from synclab.errors import RunError, UsageError, one_line

# Where a build directory holds the bench binary (build/<preset>/benches/synclab_bench).
BENCH_IN_BUILD = Path("benches") / "synclab_bench"
EXIT_BAD_INPUT = 2
EXIT_WATCHDOG = 3
STOP_GRACE_S = 2.0
STDERR_TAIL_LINES = 12
ERROR_PREFIX = "synclab_bench: error:"
WATCHDOG_PREFIX = "synclab_bench: watchdog:"


def never() -> bool:
    return False


@dataclass(frozen=True)
class ProcessResult:
    returncode: int | None  # None when the process was killed by us
    stdout: str
    stderr: str
    elapsed_s: float
    timed_out: bool = False
    stopped: bool = False


def _kill_group(proc: subprocess.Popen[bytes], first: signal.Signals, grace_s: float) -> None:
    """Sends `first` to the child's process group, then SIGKILL if it is still there after grace_s."""
    for sig, wait_s in ((first, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def run_process(cmd: list[str], *, timeout_s: float | None = None,
                should_stop: Callable[[], bool] = never, cwd: Path | None = None) -> ProcessResult:
    """Runs cmd to completion, the timeout or should_stop(); output is collected in temp files."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    cwd=cwd, start_new_session=True)
        except OSError as exc:
            raise RunError(f"cannot run {cmd[0]}: {exc.strerror or exc}") from None
        timed_out = stopped = False
        try:
            while True:
                try:
                    proc.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if should_stop():
                    stopped = True
                    _kill_group(proc, signal.SIGINT, STOP_GRACE_S)
                    break
                if timeout_s is not None and time.monotonic() - start > timeout_s:
                    timed_out = True
                    _kill_group(proc, signal.SIGKILL, 0.0)
                    break
        finally:
            if proc.poll() is None:  # an exception on our side: leave nothing behind
                _kill_group(proc, signal.SIGKILL, 0.0)
        elapsed = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return ProcessResult(None if (timed_out or stopped) else proc.returncode,
                             out.read().decode("utf-8", "replace"),
                             err.read().decode("utf-8", "replace"),
                             elapsed, timed_out, stopped)


def tail(text: str, lines: int = STDERR_TAIL_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _line_with(text: str, prefix: str) -> str | None:
    for line in text.splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return None


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def _check_bench_exit(binary: Path, what: str, result: ProcessResult) -> None:
    """Turns a failed listing or calibration into a UsageError (exit 2 of the binary) or RunError."""
    if result.stopped:
        raise KeyboardInterrupt
    if result.timed_out:
        raise RunError(f"{binary} {what}: no answer within {result.elapsed_s:.0f} s")
    if result.returncode == EXIT_BAD_INPUT:
        message = _line_with(result.stderr, ERROR_PREFIX) or tail(result.stderr, 1) or "bad input"
        raise UsageError(message)
    if result.returncode != 0:
        assert result.returncode is not None
        raise RunError(f"{binary} {what} failed ({describe_exit(result.returncode)}): "
                       f"{one_line(tail(result.stderr, 3))}")


def list_cases(binary: Path, flags: list[str], *, should_stop: Callable[[], bool] = never,
               timeout_s: float = 120.0) -> list[str]:
    """The case names the binary registers for these synclab flags, in its order."""
    result = run_process([str(binary), "--benchmark_list_tests=true", *flags],
                         timeout_s=timeout_s, should_stop=should_stop)
    _check_bench_exit(binary, "--benchmark_list_tests", result)
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def list_counters(binary: Path, *, should_stop: Callable[[], bool] = never,
                  timeout_s: float = 120.0) -> str:
    """The binary's table of counter events: available here, or why not."""
    result = run_process([str(binary), "--synclab_list_counters"],
                         timeout_s=timeout_s, should_stop=should_stop)
    _check_bench_exit(binary, "--synclab_list_counters", result)
    return result.stdout


def calibrate(binary: Path, *, should_stop: Callable[[], bool] = never,
              timeout_s: float = 120.0) -> float:
    """The delay-loop calibration (iterations per microsecond) the binary measures once."""
    result = run_process([str(binary), "--synclab_print_calibration"],
                         timeout_s=timeout_s, should_stop=should_stop)
    _check_bench_exit(binary, "--synclab_print_calibration", result)
    for line in reversed(result.stdout.splitlines()):
        try:
            value = json.loads(line)["delay_iters_per_us"]
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
    raise RunError(f"{binary} --synclab_print_calibration printed no "
                   f"{{\"delay_iters_per_us\": X}} line: {one_line(tail(result.stdout, 2))!r}")


_ERE_SPECIAL = frozenset(".[]{}()\\*+?^$|")


def exact_filter(name: str) -> str:
    """A --benchmark_filter matching exactly `name`; escapes only what is special in an ERE.

    Python's re.escape is not used: it escapes '-' and others that a POSIX or std::regex
    extended grammar may reject.
    """
    return "^" + "".join("\\" + c if c in _ERE_SPECIAL else c for c in name) + "$"


@dataclass
class CaseOutcome:
    name: str
    status: str  # "ok", "timed_out", "failed" or "stopped"
    elapsed_s: float
    context: dict[str, Any] = field(default_factory=dict)
    benchmarks: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""


HOLDER_START_S = 10.0


@contextlib.contextmanager
def futex_tracepoints_held(binary: Path, *others: Path) -> Iterator[bool]:
    """Keeps the futex tracepoints registered while the block runs, in one process of the
    binary beside the cases (--synclab_hold_futex_tracepoints, docs/counters.md): a case's
    process then leaves without being the last user of a tracepoint, whose unregistration
    waits for an RCU grace period (tens of ms at every exit on a loaded VM). Yields whether
    the tracepoints are held; when they are not (no tracefs, an older binary), the cases run
    as they would anyway, only slower to exit. `others`: binaries to try next, in order (the
    tracepoints are the kernel's: any binary that can hold them serves every side of an A/B).
    Stdin is the holder's lifeline: when this process ends, however it ends, the holder sees
    it close and exits."""
    with _held_by(binary) as held:
        if held or not others:
            yield held
            return
    with futex_tracepoints_held(*others) as held:
        yield held


@contextlib.contextmanager
def _held_by(binary: Path) -> Iterator[bool]:
    try:
        holder = subprocess.Popen([str(binary), "--synclab_hold_futex_tracepoints"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        yield False
        return
    assert holder.stdin is not None and holder.stdout is not None
    try:
        ready, _, _ = select.select([holder.stdout], [], [], HOLDER_START_S)
        line = holder.stdout.readline().decode(errors="replace") if ready else ""
        yield line.startswith("available:") and holder.poll() is None
    finally:
        holder.stdin.close()
        try:
            holder.wait(timeout=HOLDER_START_S)
        except subprocess.TimeoutExpired:
            holder.kill()
            holder.wait()
        holder.stdout.close()


def run_case(binary: Path, name: str, *, repetitions: int, flags: list[str], timeout_s: float,
             should_stop: Callable[[], bool] = never) -> CaseOutcome:
    """Runs one case in its own process and reads the JSON it wrote."""
    with tempfile.TemporaryDirectory(prefix="synclab-case-") as tmp:
        out_file = Path(tmp) / "case.json"
        cmd = [str(binary), f"--benchmark_filter={exact_filter(name)}",
               f"--benchmark_repetitions={repetitions}", f"--benchmark_out={out_file}",
               "--benchmark_out_format=json", "--benchmark_format=console", *flags]
        result = run_process(cmd, timeout_s=timeout_s, should_stop=should_stop)
        if result.stopped:
            return CaseOutcome(name, "stopped", result.elapsed_s, message="interrupted")
        if result.timed_out:
            return CaseOutcome(name, "timed_out", result.elapsed_s,
                               message=f"no result within the case timeout of {timeout_s:g} s; "
                                       "the process group was killed")
        assert result.returncode is not None
        if result.returncode == EXIT_WATCHDOG:
            line = _line_with(result.stderr, WATCHDOG_PREFIX)
            return CaseOutcome(name, "timed_out", result.elapsed_s,
                               message="in-process watchdog fired" + (f": {line}" if line else ""))
        if result.returncode != 0:
            return CaseOutcome(name, "failed", result.elapsed_s,
                               message=f"{describe_exit(result.returncode)}; stderr: "
                                       f"{tail(result.stderr) or '(empty)'}")
        try:
            context, benchmarks = results.read_gb_output(out_file)
        except ValueError as exc:
            return CaseOutcome(name, "failed", result.elapsed_s, message=str(exc))
        if not benchmarks:
            return CaseOutcome(name, "failed", result.elapsed_s,
                               message="exit status 0 but no benchmark ran (filter matched nothing?)")
        if all(entry.get("error_occurred") for entry in benchmarks):
            return CaseOutcome(name, "failed", result.elapsed_s, context, benchmarks,
                               message=str(benchmarks[0].get("error_message", "error_occurred")))
        return CaseOutcome(name, "ok", result.elapsed_s, context, benchmarks)
