"""The apps family without the real programs: the output parsers on recorded lines, case names,
lock choice against the interposer's menu, plugins, one repetition of fake programs that
measure, crash, hang, fail, print nothing useful or are not installed (the suite goes on), and
the apps panel on planted effects and a null."""
from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from synclab import load, metrics
from synclab.errors import UsageError
from synclab.names import parse_case_name
from synclab.report import apps_panel
from synclab.report.build import build_report
from synclab.report.tables import scenario_tables
from synclab.results import ResultsFile
from synclab.runner import apps, apps_plugins
from synclab.runner.apps_programs import (CACHE_BENCH, DB_BENCH, SYSBENCH, OutputError, Program,
                                          RunSpec, Throughput, Workload, parse_programs,
                                          selected_workloads)

SPEC = RunSpec(threads=2, seconds=1.0, scratch=Path("/tmp"))


# ---------------------------------------------------------------- what the programs print

def test_db_bench_reads_its_own_operations_and_seconds() -> None:
    out = ("fillseq      :      13.176 micros/op 138235 ops/sec 1.447 seconds 200000 operations;   15.3 MB/s\n"
           "readrandom   :      10.484 micros/op 190224 ops/sec 2.008 seconds 381998 operations;   21.0 MB/s "
           "(188999 of 188999 found)\n")
    t = DB_BENCH.workload("readrandom").parse(out, SPEC)
    assert (t.operations, t.seconds) == (381998, 2.008)
    assert t.per_second == pytest.approx(190238, rel=1e-3)
    with pytest.raises(OutputError, match="readrandom"):
        DB_BENCH.workload("readrandom").parse(out.splitlines()[0], SPEC)  # the fill is not measured


def test_cache_bench_and_sysbench_parse_their_summaries() -> None:
    t = CACHE_BENCH.workload("lru_one_shard").parse(
        "Number of threads   : 2\nComplete in 0.408 s; Rough parallel ops/sec = 1470382\n", SPEC)
    assert t.seconds == 0.408 and t.operations == 2 * 500_000
    t = SYSBENCH.workload("mutex").parse("General statistics:\n    total time:  0.3583s\n", SPEC)
    assert t.seconds == 0.3583 and t.operations == 3_000_000
    t = SYSBENCH.workload("threads").parse("    total time:   2.0042s\n    total number of events:  3916\n",
                                           SPEC)
    assert (t.operations, t.seconds) == (3916, 2.0042)
    with pytest.raises(OutputError):
        SYSBENCH.workload("threads").parse("    total time:   2.0042s\n", SPEC)


def test_commands_follow_threads_and_seconds() -> None:
    cmd = DB_BENCH.workload("readrandom").command("/usr/bin/db_bench", RunSpec(4, 3.0, Path("/x")))
    assert "--threads=4" in cmd and "--duration=3" in cmd and "--db=/x/db" in cmd
    cmd = CACHE_BENCH.workload("lru_one_shard").command("cache_bench", RunSpec(4, 2.0, Path("/x")))
    assert "-threads=4" in cmd and "-ops_per_thread=500000" in cmd


def test_program_selection() -> None:
    assert parse_programs("db_bench, sysbench:mutex") == ("db_bench", "sysbench:mutex")
    with pytest.raises(ValueError, match="known: db_bench, cache_bench, sysbench"):
        parse_programs("memcached")
    with pytest.raises(ValueError, match="sysbench:mutex, sysbench:threads"):
        parse_programs("sysbench:fileio")
    chosen = [(p.name, w.name) for p, w in selected_workloads(("db_bench:readrandom", "sysbench"))]
    assert chosen == [("db_bench", "readrandom"), ("sysbench", "mutex"), ("sysbench", "threads")]
    assert len(selected_workloads(())) == 5


def test_case_names_parse_with_the_program_in_the_scenario() -> None:
    name = apps.case_name("db_bench", "mcs", "readrandom", 2, "cpus:0,1")
    assert name == "apps/db_bench/mcs/readrandom/t:2/place:cpus:0,1"
    case = parse_case_name(name)
    assert case is not None
    assert (case.family, case.primitive, case.scenario, case.threads, case.placement) == \
        ("apps", "mcs", "db_bench:readrandom", 2, "cpus:0,1")
    assert parse_case_name("apps/db_bench/mcs/t:2/place:compact") is not None  # 5 parts: generic
    assert apps.take_apps_family(("locks", "apps")) == (("locks",), True)
    assert apps.take_apps_family(("apps",)) == (None, True)
    assert apps.take_apps_family(None) == (None, False)


def test_every_metric_an_apps_case_writes_is_in_the_registry() -> None:
    for name in ("futex_calls_per_op", "lock_acquisitions_per_op", "lock_contended_ratio",
                 "lock_wait_p50_ns", "lock_wait_p99_ns", "lock_wait_max_ns", "cond_waits_per_op",
                 "mutexes_used", "app_phase_ms", "handoff_ratio", "cpu_ns_per_op", "ctx_switches_per_op"):
        row = metrics.lookup(name)
        assert row is not None and row.name == name and row.unit, name
    assert metrics.lookup("lock_contended_ratio").lower_is_better  # type: ignore[union-attr]


# ---------------------------------------------------------------- locks and plugins

MENU = {
    "pthread_mutex": apps.MenuLock("pthread_mutex", True, "glibc", False),
    "ticket": apps.MenuLock("ticket", True, "in the mutex", False),
    "anderson": apps.MenuLock("anderson", False, "its constructor allocates", False),
    "futex_mutex3_spin10": apps.MenuLock("futex_mutex3_spin10", True, "in the mutex", True),
}


def test_default_locks_are_the_allowed_ones_without_sweep_points() -> None:
    assert [lock.name for lock in apps.choose_locks(MENU, None, [])] == ["pthread_mutex", "ticket"]


def test_asked_locks_are_checked_and_the_baseline_is_always_there() -> None:
    chosen = apps.choose_locks(MENU, ("ticket",), [("mine", "/p/libmine.so")])
    assert [(lock.name, lock.setting) for lock in chosen] == \
        [("pthread_mutex", "pthread_mutex"), ("ticket", "ticket"), ("mine", "/p/libmine.so")]
    with pytest.raises(UsageError, match="anderson: the interposer refuses it: its constructor"):
        apps.choose_locks(MENU, ("anderson",), [])
    with pytest.raises(UsageError, match=r"no such lock .* \(allowed: pthread_mutex, ticket"):
        apps.choose_locks(MENU, ("tickt",), [])
    with pytest.raises(UsageError, match="named ticket, a name already taken"):
        apps.choose_locks(MENU, None, [("ticket", "/p/libticket.so")])


def test_plugins_from_options_and_environment(tmp_path: Path) -> None:
    a, b = tmp_path / "liba.so", tmp_path / "libb.so"
    a.write_bytes(b"")
    b.write_bytes(b"")
    assert apps_plugins.requested([str(a)], {"SYNCLAB_PLUGINS": f"{b}:{a}"}) == (str(a), str(b))
    with pytest.raises(UsageError, match="SYNCLAB_PLUGINS /nope.so: no such file"):
        apps_plugins.requested(None, {"SYNCLAB_PLUGINS": "/nope.so"})
    build = tmp_path / "build"
    (build / "benches").mkdir(parents=True)
    bench = build / "benches" / "synclab_bench"
    bench.write_text("")
    plugins, note = apps_plugins.with_control((str(a),), bench)
    assert plugins == (str(a),) and "no control plugin" in note
    control = build / apps_plugins.CONTROL_IN_BUILD
    control.parent.mkdir(parents=True)
    control.write_bytes(b"")
    assert apps_plugins.with_control((str(a),), bench) == ((str(a), str(control.resolve())), "")
    assert apps_plugins.with_control((), bench) == ((), "")


# ---------------------------------------------------------------- fake programs, one repetition

def fake_program(tmp_path: Path, name: str, body: str) -> Program:
    """A program whose only workload runs `body` (Python) and prints 'ops N seconds S'."""
    script = tmp_path / f"{name}.py"
    script.write_text(f"import os, sys, time\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)

    def command(binary: str, spec: RunSpec) -> list[str]:
        return [sys.executable, str(script)]

    def parse(output: str, spec: RunSpec) -> Throughput:
        fields = output.split()
        if "ops" not in fields:
            raise OutputError("no 'ops N seconds S' line in the output")
        return Throughput(float(fields[fields.index("ops") + 1]),
                          float(fields[fields.index("seconds") + 1]), "fake operations")

    return Program(name, sys.executable, "python3", (Workload("w", "fake", "work", command, parse),))


def plan_for(tmp_path: Path, programs: list[Program], timeout_s: float = 20) -> apps.AppsPlan:
    lock = apps.AppLock("pthread_mutex", "pthread_mutex")
    cases = [apps.AppCase(apps.case_name(p.name, lock.name, "w", 1, "compact"), p, p.workloads[0], lock, 1)
             for p in programs]
    return apps.AppsPlan(cases, tmp_path / "no-interposer.so", 0.2, "each", "compact", 2, timeout_s,
                         apps.FutexCounting(None, "perf left out in this test"), [lock])


class NoStop:
    def is_set(self) -> bool:
        return False


def run_all(tmp_path: Path, plan: apps.AppsPlan) -> dict[str, Any]:
    results = ResultsFile(tmp_path / "results.json", {"cases_done": 0, "cases_failed": 0,
                                                      "cases_timed_out": 0})
    apps.AppsRunner(plan).run(results, NoStop())
    return {"info": results.run_info, "benchmarks": results.benchmarks, "doc": results.document()}


def test_a_crash_a_hang_a_failure_and_bad_output_are_failed_cases_and_the_suite_goes_on(tmp_path: Path) -> None:
    programs = [
        fake_program(tmp_path, "crashes", "import signal; os.kill(os.getpid(), signal.SIGSEGV)"),
        fake_program(tmp_path, "hangs", "time.sleep(60)"),
        fake_program(tmp_path, "fails", "print('no database'); sys.exit(3)"),
        fake_program(tmp_path, "mumbles", "print('done, somehow')"),
        Program("absent", "synclab-no-such-program", "synclab-nothing", (DB_BENCH.workloads[0],)),
        fake_program(tmp_path, "works", "print('ops 1000 seconds 0.5')"),
    ]
    out = run_all(tmp_path, plan_for(tmp_path, programs, timeout_s=2))
    by_program: dict[str, list[dict[str, Any]]] = {}
    for b in out["benchmarks"]:
        by_program.setdefault(b["run_name"].split("/")[1], []).append(b)
    assert "killed by signal SIGSEGV" in by_program["crashes"][0]["error_message"]
    assert by_program["hangs"][0]["synclab_status"] == "timed_out"
    assert "watchdog" in by_program["hangs"][0]["error_message"]
    assert "exit status 3" in by_program["fails"][0]["error_message"]
    assert "no database" in by_program["fails"][0]["error_message"]
    assert "no 'ops N seconds S' line" in by_program["mumbles"][0]["error_message"]
    assert by_program["absent"][0]["error_message"].startswith("failed: not installed: synclab-no-such-program")
    works = by_program["works"]
    assert [b["repetition_index"] for b in works] == [0, 1] and not any(b.get("error_occurred") for b in works)
    assert works[0]["ops_per_sec"] == 2000 and works[0]["ns_per_op"] == pytest.approx(5e5)
    assert out["info"] == {"cases_done": 6, "cases_failed": 4, "cases_timed_out": 1}
    # What could not be measured says why, per metric, in the family's context.
    run = load.parse(out["doc"], "results.json")
    assert "perf left out" in (run.why_absent("futex_calls_per_op", "apps") or "")
    assert "the interposer wrote no statistics" in (run.why_absent("lock_contended_ratio", "apps") or "")


def test_the_program_alone_preloads_the_interposer(tmp_path: Path) -> None:
    program = fake_program(tmp_path, "p", "")
    plan = plan_for(tmp_path, [program])
    plan.futex = apps.FutexCounting("/usr/bin/perf")
    cmd = apps.app_command(plan.cases[0], "bin", SPEC, plan, tmp_path / "s.json", tmp_path / "perf.txt")
    assert cmd[:2] == ["/usr/bin/perf", "stat"]
    env_at = cmd.index("env")
    assert cmd.index("--") < env_at  # perf itself runs without LD_PRELOAD
    settings = [arg for arg in cmd[env_at:] if "=" in arg and not arg.startswith("-")]
    assert f"LD_PRELOAD={plan.interposer}" in settings and "SYNCLAB_LOCK=pthread_mutex" in settings
    assert "SYNCLAB_PLACEMENT_THREADS=1" in settings and "SYNCLAB_PIN=each" in settings


def test_interposer_statistics_become_metrics() -> None:
    stats = {"totals": {"acquisitions": 300, "contended": 30, "handoffs": 60, "mutexes": 4,
                        "cond_waits": 10, "wait_p50_ns": 500, "wait_p99_ns": 9000, "wait_max_ns": 20000}}
    m = apps._interposer_metrics(stats, ops=100)
    assert m["lock_acquisitions_per_op"] == 3 and m["lock_contended_ratio"] == 0.1
    assert m["handoff_ratio"] == 0.2 and m["lock_wait_p99_ns"] == 9000 and m["cond_waits_per_op"] == 0.1
    stats["totals"]["contended"] = 0
    assert "lock_wait_p99_ns" not in apps._interposer_metrics(stats, ops=100)  # absent, not 0


# ---------------------------------------------------------------- the panel

def entry(name: str, index: int, ops: float) -> dict[str, Any]:
    return {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 3,
            "repetition_index": index, "iterations": 1, "real_time": 1e9 / ops, "cpu_time": 1e9 / ops,
            "time_unit": "ns", "label": "pus=0,1 class=same_core", "ops_per_sec": ops,
            "ns_per_op": 1e9 / ops, "fairness_jain": 0.99, "fairness_jain_short": 0.95,
            "handoff_ratio": 0.5}


def panel_run(app: dict[str, list[float]], micro: dict[str, list[float]]) -> load.Run:
    benchmarks = []
    for lock, values in app.items():
        name = f"apps/prog/{lock}/work/t:2/place:compact"
        benchmarks += [entry(name, i, v) for i, v in enumerate(values)]
    for lock, values in micro.items():
        name = f"locks/{lock}/high/t:2/place:compact"
        benchmarks += [entry(name, i, v) for i, v in enumerate(values)]
    return load.parse({"context": {"schema_version": 2}, "benchmarks": benchmarks}, "synthetic")


BASE = [100.0, 101.0, 99.0]


def test_planted_effects_are_judged_and_the_null_is_not() -> None:
    run = panel_run(app={"pthread_mutex": BASE, "fast": [150, 151, 149], "twin": [100.5, 99.5, 100.2],
                         "misled": [50, 51, 49]},
                    micro={"pthread_mutex": BASE, "fast": [140, 141, 139], "twin": [100.3, 99.8, 101.2],
                           "misled": [160, 161, 159]})
    (view,) = apps_panel.views(scenario_tables(run.records))
    rows = {row.lock: row for row in view.rows}
    assert rows["fast"].app.verdict == apps_panel.FASTER and rows["fast"].micro.verdict == apps_panel.FASTER  # type: ignore[union-attr]
    assert rows["fast"].agrees is True
    assert rows["twin"].app.verdict == apps_panel.NOISE and rows["twin"].micro.verdict == apps_panel.NOISE  # type: ignore[union-attr]
    assert rows["twin"].agrees is True
    assert rows["misled"].app.verdict == apps_panel.SLOWER and rows["misled"].agrees is False  # type: ignore[union-attr]
    assert view.app_best == "fast" and view.app_best_ratio == pytest.approx(1.5)
    assert view.micro_best == "misled" and view.holds is False  # the microbenchmark's pick misleads
    assert "does not hold" in apps_panel.text([view])


def test_one_repetition_is_not_judged_and_a_missing_locks_family_is_said() -> None:
    run = panel_run(app={"pthread_mutex": [100.0], "fast": [150.0]}, micro={})
    (view,) = apps_panel.views(scenario_tables(run.records))
    fast = next(row for row in view.rows if row.lock == "fast")
    assert fast.app.verdict == apps_panel.UNJUDGED and fast.micro is None  # type: ignore[union-attr]
    assert view.holds is None and "was not run at high, t:2" in view.micro_note


def test_the_panel_is_on_the_page_with_its_figure(tmp_path: Path) -> None:
    run = panel_run(app={"pthread_mutex": BASE, "fast": [150, 151, 149]},
                    micro={"pthread_mutex": BASE, "fast": [140, 141, 139]})
    index = build_report([run], tmp_path)
    page = index.read_text(encoding="utf-8")
    assert "Applications: does the microbenchmark's ranking hold?" in page
    assert '<img src="apps.png"' in page and (tmp_path / "apps.png").is_file()


def test_apps_options_need_the_family(tmp_path: Path) -> None:
    from conftest import assert_one_line_error, run_suite
    proc = run_suite("--apps", "db_bench", "--list")
    assert "add --family apps" in assert_one_line_error(proc, "run_suite")
    proc = run_suite("--app-threads", "4", "--list")
    assert "add --family apps" in assert_one_line_error(proc, "run_suite")
    proc = run_suite("--family", "apps", "--ab", "HEAD", "--list")
    assert "default mode only" in assert_one_line_error(proc, "run_suite")
