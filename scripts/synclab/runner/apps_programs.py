"""The programs of the apps family: what each runs, how long, and how its own output says how
fast it went (docs/apps.md says why these programs).

A program is a Debian package's binary and a few workloads. A workload builds the command line
for a thread count and a length in seconds (a fixed duration where the program has one, else a
fixed amount of work sized to take about that long here) and parses the program's output into
the operations it completed and the seconds they took: the program's own throughput metric,
never our wall clock around it (start-up and data loading are not in it).
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


class OutputError(ValueError):
    """The program's output does not say how fast it went."""


@dataclass(frozen=True)
class Throughput:
    operations: float  # what the program counts as one operation, completed in the phase
    seconds: float  # the measured phase, by the program's own clock
    unit: str  # what an operation is, for people

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds


@dataclass(frozen=True)
class RunSpec:
    threads: int
    seconds: float
    scratch: Path  # an empty directory of the run's own (on tmpfs where there is one)


@dataclass(frozen=True)
class Workload:
    name: str
    what: str  # what it stresses, one line
    fixed: str  # "duration" or "work"
    command: Callable[[str, RunSpec], list[str]]  # (binary path, spec) -> argv
    parse: Callable[[str, RunSpec], Throughput]  # the program's stdout + stderr


@dataclass(frozen=True)
class Program:
    name: str  # the case name's <program>
    binary: str
    package: str
    workloads: tuple[Workload, ...]

    def find(self) -> str | None:
        """The binary's path, or None when it is not installed."""
        return shutil.which(self.binary)

    def workload(self, name: str) -> Workload:
        return next(w for w in self.workloads if w.name == name)


def _number(pattern: str, text: str, what: str) -> float:
    match = re.search(pattern, text, re.MULTILINE)
    if not match:
        raise OutputError(f"no {what} in the output")
    return float(match.group(1))


# --- RocksDB db_bench (rocksdb-tools) ---------------------------------------------------------
# A database on tmpfs, filled sequentially first (not measured), then the measured phase for
# `seconds`. db_bench prints, per benchmark: "<name> : X micros/op Y ops/sec Z seconds N operations;"

DB_KEYS = 100_000  # about 11 MB of values: fits the 64 MiB block cache, so reads are cache hits
CACHE_BYTES = 64 << 20


def _db_bench_line(benchmark: str) -> Callable[[str, RunSpec], Throughput]:
    def parse(output: str, spec: RunSpec) -> Throughput:
        pattern = (rf"^{benchmark}\s+:\s+[\d.]+ micros/op\s+[\d.]+ ops/sec\s+([\d.]+) seconds\s+"
                   rf"(\d+) operations;")
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            raise OutputError(f"no '{benchmark} : ... seconds ... operations;' line in the output")
        return Throughput(float(match.group(2)), float(match.group(1)), f"{benchmark} operations")
    return parse


def _db_bench(benchmarks: str, extra: list[str]) -> Callable[[str, RunSpec], list[str]]:
    def command(binary: str, spec: RunSpec) -> list[str]:
        return [binary, f"--benchmarks={benchmarks}", f"--db={spec.scratch / 'db'}",
                f"--num={DB_KEYS}", f"--threads={spec.threads}",
                f"--duration={max(1, round(spec.seconds))}", "--compression_type=none",
                "--statistics=false", "--histogram=false", *extra]
    return command


DB_BENCH = Program("db_bench", "db_bench", "rocksdb-tools", (
    Workload("readrandom", "point reads through one shard of the block cache (its LRU mutex), "
             "after a sequential fill", "duration",
             _db_bench("fillseq,readrandom", [f"--cache_size={CACHE_BYTES}", "--cache_numshardbits=0"]),
             _db_bench_line("readrandom")),
    Workload("fillrandom", "random writes without a log: the write group's leader election "
             "(mutex and condition variables) and the memtable", "duration",
             _db_bench("fillrandom", ["--disable_wal=1", "--num=1000000"]),
             _db_bench_line("fillrandom")),
))


# --- RocksDB cache_bench (rocksdb-tools) ------------------------------------------------------
# The block cache alone: lookups, inserts and erases of small values in one shard (one mutex).
# Fixed work: CACHE_OPS_PER_SECOND operations per second asked for, split over the threads (about
# that long with glibc's mutex on the development VM). Prints "Complete in X s; Rough parallel
# ops/sec = N".

CACHE_OPS_PER_SECOND = 1_000_000


def _cache_ops_per_thread(spec: RunSpec) -> int:
    return max(1000, round(CACHE_OPS_PER_SECOND * spec.seconds / spec.threads))


def _cache_bench_command(binary: str, spec: RunSpec) -> list[str]:
    return [binary, f"-threads={spec.threads}", f"-ops_per_thread={_cache_ops_per_thread(spec)}",
            "-num_shard_bits=0", "-value_bytes=16", "-cache_size=1048576"]


def _cache_bench_parse(output: str, spec: RunSpec) -> Throughput:
    seconds = _number(r"^Complete in ([\d.]+) s", output, "'Complete in X s' line")
    return Throughput(float(_cache_ops_per_thread(spec) * spec.threads), seconds,
                      "cache operations")


CACHE_BENCH = Program("cache_bench", "cache_bench", "rocksdb-tools", (
    Workload("lru_one_shard", "lookups, inserts and erases in one LRU shard: one hot mutex held "
             "for short sections", "work", _cache_bench_command, _cache_bench_parse),
))


# --- sysbench ---------------------------------------------------------------------------------
# mutex: every thread takes one shared mutex SYSBENCH_LOCKS_PER_SECOND x seconds / threads times,
# each time for an increment, with 100 iterations of work between (fixed work); "total time".
# threads: every event takes one shared mutex and calls sched_yield() while holding it, 100 times
# (fixed duration); "total number of events".

SYSBENCH_LOCKS_PER_SECOND = 3_000_000


def _sysbench_locks_per_thread(spec: RunSpec) -> int:
    return max(1000, round(SYSBENCH_LOCKS_PER_SECOND * spec.seconds / spec.threads))


def _sysbench_mutex_command(binary: str, spec: RunSpec) -> list[str]:
    return [binary, "mutex", f"--threads={spec.threads}", "--mutex-num=1",
            f"--mutex-locks={_sysbench_locks_per_thread(spec)}", "--mutex-loops=100", "run"]


def _sysbench_mutex_parse(output: str, spec: RunSpec) -> Throughput:
    seconds = _number(r"total time:\s+([\d.]+)s", output, "'total time:' line")
    return Throughput(float(_sysbench_locks_per_thread(spec) * spec.threads), seconds,
                      "lock acquisitions")


def _sysbench_threads_command(binary: str, spec: RunSpec) -> list[str]:
    return [binary, "threads", f"--threads={spec.threads}", "--thread-yields=100",
            "--thread-locks=1", f"--time={max(1, round(spec.seconds))}", "run"]


def _sysbench_threads_parse(output: str, spec: RunSpec) -> Throughput:
    events = _number(r"total number of events:\s+(\d+)", output, "'total number of events:' line")
    seconds = _number(r"total time:\s+([\d.]+)s", output, "'total time:' line")
    return Throughput(events, seconds, "events (100 yields each, under the mutex)")


SYSBENCH = Program("sysbench", "sysbench", "sysbench", (
    Workload("mutex", "one shared mutex around an increment, with work between acquisitions",
             "work", _sysbench_mutex_command, _sysbench_mutex_parse),
    Workload("threads", "one shared mutex held across sched_yield(): long critical sections that "
             "enter the kernel", "duration", _sysbench_threads_command, _sysbench_threads_parse),
))

PROGRAMS: dict[str, Program] = {p.name: p for p in (DB_BENCH, CACHE_BENCH, SYSBENCH)}


def parse_programs(text: str) -> tuple[str, ...]:
    """`db_bench,sysbench` or `db_bench:readrandom` -> those names, each once; ValueError names the
    known ones."""
    items = [item.strip() for item in text.split(",")]
    for item in items:
        program, _, workload = item.partition(":")
        if program not in PROGRAMS:
            raise ValueError(f"unknown program {program!r} (known: {', '.join(PROGRAMS)})")
        if workload and workload not in {w.name for w in PROGRAMS[program].workloads}:
            raise ValueError(f"unknown workload {item!r} (known: " + ", ".join(
                f"{program}:{w.name}" for w in PROGRAMS[program].workloads) + ")")
    return tuple(dict.fromkeys(items))


def selected_workloads(chosen: tuple[str, ...]) -> list[tuple[Program, Workload]]:
    """Every (program, workload) the selection names (every one when it is empty), in table order."""
    out = []
    for program in PROGRAMS.values():
        for workload in program.workloads:
            if not chosen or program.name in chosen or f"{program.name}:{workload.name}" in chosen:
                out.append((program, workload))
    return out
