"""The apps family: unmodified programs from Debian packages under every selected lock, through
libsynclab_interpose.so (docs/apps.md).

    run_suite --family apps [--apps db_bench,sysbench:mutex] [--app-locks ticket,mcs]
              [--app-seconds 2] [--app-pinning each|set] [--plugin lib.so]

Opt-in: a run without --family apps never runs it. Each case is
apps/<program>/<lock>/<workload>/t:N/place:P: the program with N worker threads, every pthread
mutex and condition variable of it on <lock> (pthread_mutex: glibc's own, through the same
interposer, so both sides pay the same interposition and statistics), its threads pinned by the
placement policy P. One process per repetition, under an outer watchdog; a program that is not
installed, refuses to run, crashes, hangs or prints no throughput is a failed (or timed-out) case
with the reason, and the suite goes on.

Per repetition the entry carries the program's own throughput (ops_per_sec, in its own unit of
work, said in the label), CPU time and context switches per operation (perf's counts of the
program's threads, else getrusage of the process), futex calls per operation (perf, on the
sys_enter_futex tracepoint, where it can count), and the interposer's statistics: acquisitions,
contended share, handoffs, wait percentiles, condition-variable waits.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from synclab import bench, cases
from synclab.errors import RunError, UsageError, one_line
from synclab.results import ResultsFile, failure_entry
from synclab.runner.apps_programs import (PROGRAMS, OutputError, Program, RunSpec, Throughput,
                                          Workload, selected_workloads)

FAMILY = "apps"
SYSTEM_MUTEX = "pthread_mutex"  # the interposer's name for glibc's own mutex: the baseline
INTERPOSER_IN_BUILD = Path("harness") / "interpose" / "libsynclab_interpose.so"
# Seconds of each program run, by profile, unless --app-seconds says otherwise.
DEFAULT_SECONDS = {"smoke": 1.0, "quick": 2.0, "full": 5.0}
# Outer watchdog of one repetition: a fixed-work program under a lock that collapses may take
# many times its usual length; beyond this it counts as hung.
TIMEOUT_FACTOR = 10.0
TIMEOUT_SLACK_S = 30.0
# Start-up and loading around the measured phase, for estimates only.
SETUP_S = 1.5
PERF_EVENTS = "task-clock,context-switches,syscalls:sys_enter_futex"
# Why metrics the lab's microbenchmarks have are absent from every apps case.
NOT_MEASURED = {
    "fairness_jain": "a program's threads are not the lab's workers: their operations are not "
                     "counted per thread",
    "lat_p99_ns": "the program's own operations are not timed one by one (the interposer's "
                  "lock_wait_p99_ns times the waits for the lock)",
}


def take_apps_family(families: Sequence[str] | None) -> tuple[tuple[str, ...] | None, bool]:
    """--family without `apps` (None when nothing else is left), and whether apps was named."""
    if not families or FAMILY not in families:
        return (tuple(families) if families else None), False
    rest = tuple(f for f in families if f != FAMILY)
    return (rest or None), True


def interposer_beside(binary: Path) -> Path:
    """The interposer of the build the bench binary comes from (build/<preset>/...)."""
    return binary.resolve().parent.parent / INTERPOSER_IN_BUILD


@dataclass(frozen=True)
class MenuLock:
    name: str
    allowed: bool
    note: str
    sweep_point: bool


def _interposer_env(interposer: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SYNCLAB_") and k != "LD_PRELOAD"}
    env.update(extra, LD_PRELOAD=str(interposer))
    return env


def ask_interposer(interposer: Path, lock: str | None = None) -> dict[str, Any]:
    """The interposer's menu (SYNCLAB_INTERPOSE_LIST=1), and with `lock` the lock it would select;
    UsageError with the interposer's own line when it refuses `lock`, RunError when it cannot run."""
    if not interposer.is_file():
        raise RunError(f"{interposer}: no such file (the apps family needs libsynclab_interpose.so; "
                       "build the preset, or give --bench from a build that has it)")
    extra = {"SYNCLAB_INTERPOSE_LIST": "1", **({"SYNCLAB_LOCK": lock} if lock else {})}
    true = shutil.which("true") or "/bin/true"
    done = subprocess.run([true], env=_interposer_env(interposer, extra), capture_output=True,
                          text=True, timeout=60, check=False)
    if done.returncode == 2:
        raise UsageError(one_line(done.stderr.strip().splitlines()[-1] if done.stderr.strip()
                                  else f"{interposer} refused SYNCLAB_LOCK={lock}"))
    try:
        doc = json.loads(done.stdout)
        if not isinstance(doc, dict) or not isinstance(doc.get("locks"), list):
            raise ValueError("no 'locks' list")
        return doc
    except ValueError as exc:
        raise RunError(f"{interposer} printed no lock menu ({exc}; exit {done.returncode}, "
                       f"stderr {one_line(done.stderr)[:200]!r})") from None


def menu_of(doc: dict[str, Any]) -> dict[str, MenuLock]:
    return {str(e["name"]): MenuLock(str(e["name"]), bool(e["allowed"]), str(e.get("note", "")),
                                     bool(e.get("sweep_point"))) for e in doc["locks"]}


@dataclass(frozen=True)
class AppLock:
    name: str  # the case name's <lock>
    setting: str  # SYNCLAB_LOCK: the menu name, or a plugin's path


def choose_locks(menu: dict[str, MenuLock], asked: Sequence[str] | None,
                 plugins: Sequence[tuple[str, str]]) -> list[AppLock]:
    """The locks the cases run: those asked for (each checked against the menu), else the system
    mutex and every allowed lock that is not a sweep point; then the plugins (name, path)."""
    if asked:
        chosen = []
        for name in asked:
            entry = menu.get(name)
            if entry is None:
                allowed = ", ".join(n for n, e in menu.items() if e.allowed)
                raise UsageError(f"--app-locks {name}: no such lock in the interposer's menu "
                                 f"(allowed: {allowed})")
            if not entry.allowed:
                raise UsageError(f"--app-locks {name}: the interposer refuses it: {entry.note}")
            chosen.append(AppLock(name, name))
        if SYSTEM_MUTEX not in asked:
            chosen.insert(0, AppLock(SYSTEM_MUTEX, SYSTEM_MUTEX))  # the baseline is always there
    else:
        chosen = [AppLock(n, n) for n, e in menu.items() if e.allowed and not e.sweep_point]
    taken = {lock.name for lock in chosen}
    for name, path in plugins:
        if name in taken:
            raise UsageError(f"--plugin {path}: its lock is named {name}, a name already taken")
        chosen.append(AppLock(name, path))
    return chosen


@dataclass(frozen=True)
class FutexCounting:
    perf: str | None  # perf's path when it counts the tracepoint here
    why_not: str = ""  # why futex calls are not counted otherwise


def probe_perf() -> FutexCounting:
    """Whether `perf stat` can count syscalls:sys_enter_futex here (tracefs and permission)."""
    perf = shutil.which("perf")
    if perf is None:
        return FutexCounting(None, "perf is not installed (Debian linux-perf)")
    true = shutil.which("true") or "/bin/true"
    try:
        done = subprocess.run([perf, "stat", "-x,", "-e", PERF_EVENTS, "--", true],
                              capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return FutexCounting(None, f"perf stat did not run: {exc}")
    counts = _perf_counts(done.stderr)
    if done.returncode != 0 or "syscalls:sys_enter_futex" not in counts:
        reason = one_line(done.stderr)[:200] or f"exit status {done.returncode}"
        return FutexCounting(None, f"perf stat cannot count syscalls:sys_enter_futex here ({reason}); "
                                   "tracefs must be mounted and readable (scripts/mount-tracefs)")
    return FutexCounting(perf)


def _perf_counts(text: str) -> dict[str, float]:
    """perf stat -x, output: value,unit,event,... per line; '<not counted>' lines left out."""
    counts = {}
    for line in text.splitlines():
        parts = line.split(",")
        if len(parts) >= 3:
            try:
                counts[parts[2]] = float(parts[0])
            except ValueError:
                continue
    return counts


@dataclass(frozen=True)
class AppCase:
    name: str
    program: Program
    workload: Workload
    lock: AppLock
    threads: int


@dataclass
class AppsPlan:
    cases: list[AppCase]
    interposer: Path
    seconds: float
    pinning: str
    placement: str
    repetitions: int
    timeout_s: float  # per repetition
    futex: FutexCounting
    locks: list[AppLock] = field(default_factory=list)

    def estimate_s(self) -> float:
        return len(self.cases) * self.repetitions * (self.seconds + SETUP_S)


def case_name(program: str, lock: str, workload: str, threads: int, placement: str) -> str:
    return f"{FAMILY}/{program}/{lock}/{workload}/t:{threads}/place:{placement}"


def app_seconds(args: argparse.Namespace, profile: str) -> float:
    return float(args.app_seconds) if args.app_seconds is not None else DEFAULT_SECONDS[profile]


def plan_apps(args: argparse.Namespace, plan: cases.Plan, interposer: Path,
              plugins: Sequence[str]) -> AppsPlan:
    """Every apps case the options ask for; the locks and plugins checked with the interposer."""
    menu = menu_of(ask_interposer(interposer))
    named_plugins = []
    for path in plugins:
        selected = ask_interposer(interposer, path).get("selected") or {}
        named_plugins.append((str(selected.get("name", Path(path).stem)), path))
    locks = choose_locks(menu, args.app_locks, named_plugins)
    threads = args.app_threads or plan.threads or cases.default_threads(
        cases.placement_pus(plan.placement, cases.available_pus()))
    seconds = app_seconds(args, plan.profile)
    planned = [AppCase(case_name(program.name, lock.name, workload.name, t, plan.placement),
                       program, workload, lock, t)
               for program, workload in selected_workloads(args.apps or ())
               for t in threads for lock in locks]
    timeout = args.case_timeout or seconds * TIMEOUT_FACTOR + TIMEOUT_SLACK_S
    return AppsPlan(planned, interposer, seconds, args.app_pinning, plan.placement,
                    plan.repetitions, timeout, probe_perf(), locks)


def filter_cases(plan: AppsPlan, pattern: str | None) -> AppsPlan:
    kept = cases.filter_cases([c.name for c in plan.cases], pattern)
    plan.cases = [c for c in plan.cases if c.name in set(kept)]
    return plan


# ---------------------------------------------------------------- one repetition


@dataclass
class Repetition:
    status: str  # ok, failed, timed_out, stopped
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    label: str = ""
    unit: str = ""
    storage: str = ""
    absent: dict[str, str] = field(default_factory=dict)  # metric -> why not measured


def _scratch_dir() -> str:
    shm = Path("/dev/shm")
    return tempfile.mkdtemp(prefix="synclab-app-", dir=str(shm) if shm.is_dir() and
                            os.access(shm, os.W_OK) else None)


def app_command(case: AppCase, binary: str, spec: RunSpec, plan: AppsPlan, stats_file: Path,
                perf_file: Path | None) -> list[str]:
    """The program's command line, behind `env` (so only the program, never perf, preloads the
    interposer) and behind perf stat when it counts."""
    settings = {"LD_PRELOAD": str(plan.interposer), "SYNCLAB_LOCK": case.lock.setting,
                "SYNCLAB_INTERPOSE_OUT": str(stats_file), "SYNCLAB_PLACEMENT": plan.placement,
                "SYNCLAB_PLACEMENT_THREADS": str(case.threads), "SYNCLAB_PIN": plan.pinning}
    unset = [arg for name in sorted(os.environ) if name.startswith("SYNCLAB_")
             or name == "LD_PRELOAD" for arg in ("-u", name)]
    cmd = ["env", *unset, *(f"{k}={v}" for k, v in settings.items()),
           *case.workload.command(binary, spec)]
    if perf_file is not None and plan.futex.perf is not None:
        cmd = [plan.futex.perf, "stat", "-x,", "-o", str(perf_file), "-e", PERF_EVENTS, "--", *cmd]
    return cmd


def _interposer_metrics(stats: dict[str, Any], ops: float) -> dict[str, float]:
    t = stats["totals"]
    acquisitions = float(t["acquisitions"])
    out = {"lock_acquisitions_per_op": acquisitions / ops, "mutexes_used": float(t["mutexes"]),
           "cond_waits_per_op": float(t["cond_waits"]) / ops}
    if acquisitions > 0:
        out["lock_contended_ratio"] = t["contended"] / acquisitions
        out["handoff_ratio"] = t["handoffs"] / acquisitions
    if t["contended"] > 0:
        out.update(lock_wait_p50_ns=float(t["wait_p50_ns"]), lock_wait_p99_ns=float(t["wait_p99_ns"]),
                   lock_wait_max_ns=float(t["wait_max_ns"]))
    return out


def measure(case: AppCase, binary: str, plan: AppsPlan,
            should_stop: Callable[[], bool] = bench.never) -> Repetition:
    """Runs one repetition of the case and reads what it says."""
    scratch = Path(_scratch_dir())
    try:
        spec = RunSpec(case.threads, plan.seconds, scratch)
        stats_file, perf_file = scratch / "interpose.json", scratch / "perf.txt"
        cmd = app_command(case, binary, spec, plan, stats_file, perf_file)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = bench.run_process(cmd, timeout_s=plan.timeout_s, should_stop=should_stop, cwd=scratch)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.stopped:
            return Repetition("stopped", "interrupted")
        if result.timed_out:
            return Repetition("timed_out", f"no result within {plan.timeout_s:g} s (watchdog: the "
                                           "process group was killed)")
        assert result.returncode is not None
        output = result.stdout + "\n" + result.stderr
        if result.returncode != 0:
            return Repetition("failed", f"{bench.describe_exit(result.returncode)}; output: "
                                        f"{bench.tail(output, 6) or '(none)'}")
        try:
            throughput = case.workload.parse(output, spec)
        except OutputError as exc:
            return Repetition("failed", f"{exc}: {bench.tail(output, 6) or '(no output)'}")
        return _repetition(throughput, before, after, perf_file if plan.futex.perf else None,
                           stats_file, plan)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _repetition(throughput: Throughput, before: resource.struct_rusage,
                after: resource.struct_rusage, perf_file: Path | None, stats_file: Path,
                plan: AppsPlan) -> Repetition:
    ops = throughput.operations
    rep = Repetition("ok", unit=throughput.unit)
    rep.metrics.update(ops_per_sec=throughput.per_second, ns_per_op=1e9 / throughput.per_second,
                       app_phase_ms=throughput.seconds * 1000.0)
    counts = _perf_counts(perf_file.read_text(encoding="utf-8")) if perf_file and \
        perf_file.is_file() else {}
    if "task-clock" in counts:  # ms of the program's threads
        rep.metrics["cpu_ns_per_op"] = counts["task-clock"] * 1e6 / ops
    else:
        cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        rep.metrics["cpu_ns_per_op"] = cpu_s * 1e9 / ops
    if "context-switches" in counts:
        rep.metrics["ctx_switches_per_op"] = counts["context-switches"] / ops
    else:
        switches = (after.ru_nvcsw - before.ru_nvcsw) + (after.ru_nivcsw - before.ru_nivcsw)
        rep.metrics["ctx_switches_per_op"] = switches / ops
    if "syscalls:sys_enter_futex" in counts:
        rep.metrics["futex_calls_per_op"] = counts["syscalls:sys_enter_futex"] / ops
    else:
        rep.absent["futex_calls_per_op"] = plan.futex.why_not or "perf stat counted no futex calls"
    try:
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        rep.metrics.update(_interposer_metrics(stats, ops))
        pinning = stats.get("pinning") or {}
        rep.label = str(pinning.get("label", ""))
        if pinning and plan.pinning == "set":
            rep.label += " pin=set"
        rep.storage = str(stats.get("storage", ""))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        why = f"the interposer wrote no statistics ({exc})"
        for metric in ("lock_acquisitions_per_op", "lock_contended_ratio", "handoff_ratio",
                       "lock_wait_p99_ns", "cond_waits_per_op", "mutexes_used"):
            rep.absent[metric] = why
    return rep


def entry(case: AppCase, index: int, repetitions: int, rep: Repetition) -> dict[str, Any]:
    """A Google Benchmark iteration entry for one repetition (docs/results-format.md)."""
    return {"name": case.name, "run_name": case.name, "run_type": "iteration",
            "repetitions": repetitions, "repetition_index": index, "threads": 1, "iterations": 1,
            "real_time": rep.metrics["ns_per_op"], "cpu_time": rep.metrics["cpu_ns_per_op"],
            "time_unit": "ns", "label": rep.label, **rep.metrics}


def case_context(case: AppCase, plan: AppsPlan, binary: str, reps: Sequence[Repetition]) -> dict[str, Any]:
    absent = dict(NOT_MEASURED)
    for rep in reps:
        absent.update(rep.absent)
    spec = RunSpec(case.threads, plan.seconds, Path("<scratch>"))
    return {
        "apps_program": case.program.name, "apps_package": case.program.package,
        "apps_package_version": package_version(case.program.package),
        "apps_workload": case.workload.name, "apps_fixed": case.workload.fixed,
        "apps_unit": next((rep.unit for rep in reps if rep.unit), ""),
        "apps_command": " ".join(case.workload.command(binary, spec)),
        "apps_seconds": plan.seconds, "apps_pinning": plan.pinning,
        "apps_lock_storage": next((rep.storage for rep in reps if rep.storage), ""),
        "interposer": str(plan.interposer),
        "apps_futex_counting": "perf stat, syscalls:sys_enter_futex" if plan.futex.perf
        else plan.futex.why_not,
        "not_measured": json.dumps(absent, sort_keys=True),
    }


_VERSIONS: dict[str, str] = {}


def package_version(package: str) -> str:
    if package not in _VERSIONS:
        try:
            done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                                  text=True, timeout=30, check=False)
            _VERSIONS[package] = done.stdout.strip() if done.returncode == 0 else "unknown"
        except (OSError, subprocess.SubprocessError):
            _VERSIONS[package] = "unknown"
    return _VERSIONS[package]


def missing_reason(program: Program) -> str:
    return (f"not installed: {program.binary} (Debian package {program.package}; "
            "scripts/install-deps.sh --apps installs the apps family's programs)")


def run_case(case: AppCase, plan: AppsPlan, results: ResultsFile,
             should_stop: Callable[[], bool]) -> str:
    """Every repetition of one case into results; its status (ok, failed, timed_out, stopped)."""
    binary = case.program.find()
    if binary is None:
        results.add_case({}, [failure_entry(case.name, "failed", missing_reason(case.program),
                                            plan.repetitions)])
        return "failed"
    reps: list[Repetition] = []
    entries = []
    for index in range(plan.repetitions):
        rep = measure(case, binary, plan, should_stop)
        if rep.status == "stopped":
            return "stopped"
        if rep.status != "ok":
            failure = failure_entry(case.name, rep.status, rep.message, plan.repetitions)
            failure["repetition_index"] = index
            entries.append(failure)
            results.add_case(case_context(case, plan, binary, reps), entries)
            return rep.status
        reps.append(rep)
        entries.append(entry(case, index, plan.repetitions, rep))
    results.add_case(case_context(case, plan, binary, reps), entries)
    return "ok"


@dataclass
class AppsRunner:
    """The apps cases of a run, run after the microbenchmark cases into the same results file."""
    plan: AppsPlan

    @property
    def count(self) -> int:
        return len(self.plan.cases)

    def run(self, results: ResultsFile, stop: Any) -> None:
        info = results.run_info
        start = time.monotonic()
        total = len(self.plan.cases)
        for index, case in enumerate(self.plan.cases, 1):
            if stop.is_set():
                break
            print(f"[app {index}/{total}] {case.name} ... ", end="", file=sys.stderr, flush=True)
            status = run_case(case, self.plan, results, stop.is_set)
            if status == "stopped":
                print("interrupted", file=sys.stderr, flush=True)
                break
            if status != "ok":
                info["cases_timed_out" if status == "timed_out" else "cases_failed"] += 1
            info["cases_done"] += 1
            results.write()
            elapsed = time.monotonic() - start
            last = results.benchmarks[-1]
            shown = (f"done {last.get('ops_per_sec', 0):.4g} ops/s" if status == "ok" else
                     f"{status.upper().replace('_', ' ')} ({one_line(str(last.get('error_message')))[:160]})")
            print(f"{shown}  (elapsed {elapsed:.0f} s)", file=sys.stderr, flush=True)


def listing(plan: AppsPlan) -> str:
    lines = [case.name for case in plan.cases]
    lines.append(f"apps: {len(plan.cases)} cases of {len({(c.program.name, c.workload.name) for c in plan.cases})} "
                 f"workloads x {len(plan.locks)} locks, {plan.repetitions} x {plan.seconds:g} s each "
                 f"(about {plan.estimate_s() / 60:.1f} min); futex calls: "
                 f"{'perf stat' if plan.futex.perf else plan.futex.why_not}")
    for program in {c.program.name: c.program for c in plan.cases}.values():
        if program.find() is None:
            lines.append(f"apps: {program.name}: {missing_reason(program)}")
    return "\n".join(lines)


def parse_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"invalid seconds {text!r} (expected e.g. 2 or 0.5)") from None
    if not 0.2 <= value <= 600:
        raise ValueError(f"invalid seconds {text!r} (from 0.2 to 600)")
    return value


def parse_locks(text: str) -> tuple[str, ...]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise ValueError(f"invalid lock list {text!r} (expected names such as ticket,mcs)")
    return tuple(dict.fromkeys(items))


__all__ = ["PROGRAMS", "AppsPlan", "AppsRunner", "plan_apps", "take_apps_family"]
