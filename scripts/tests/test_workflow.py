"""The CI workflows run as written: every job of .github/workflows/bench.yml in miniature (a fresh
copy of the scripts per job, the fake bench in place of the built binary, a fake valgrind; the
Actions cache and artifacts emulated between jobs), once on the SQLite-in-cache path and once
writing to a PostgreSQL server the tests start; every command every workflow calls exists and
parses its options; yamllint passes; each job's time estimate fits its timeout-minutes."""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import INPUTS, REPO, clean_env
from synclab import cases
from synclab.compare import cli as compare_cli
from synclab.errors import UsageError
from synclab.history import cli as history_cli
from synclab.runner import options as run_suite_options

yaml = pytest.importorskip("yaml", reason="python3-yaml (scripts/install-deps.sh) reads the workflow")

WORKFLOWS = REPO / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "bench.yml"
TESTS_WORKFLOW = WORKFLOWS / "tests.yml"
CI_DOC = REPO / "docs" / "ci.md"
FAKE = INPUTS / "compare_noisy_bench.py"
FAKE_VALGRIND = INPUTS / "compare_fake_valgrind"
# Commands of the runner image, not of this repository: checked by what they name, not run.
SYSTEM = ("apt-get", "git", "cmake", "bencher")
# The fleet's runner kinds (GitHub-hosted native runners) and the architecture each reports.
RUNNER_KINDS = {"ubuntu-24.04": "x86_64", "ubuntu-24.04-arm": "arm64"}
# Actions the workflows use, at the versions this miniature emulates (or checks only).
KNOWN_ACTIONS = ("actions/checkout@v4", "actions/cache/restore@v4", "actions/cache/save@v4",
                 "actions/upload-artifact@v4", "actions/download-artifact@v4",
                 "actions/upload-pages-artifact@v3", "actions/deploy-pages@v4",
                 "bencherdev/bencher@main")
GITHUB = {"sha": "0123456789abcdef", "run_id": "4242", "base_ref": "main", "ref": "refs/heads/main",
          "event.pull_request.number": "7"}
# Time model of a hosted 2-vCPU runner: run_suite's own estimate (synclab/cases.py, measured on
# a shared 2-core VM) taken twice over, builds of the bench binary alone and of the whole
# release preset, callgrind per instruction-counted case, and the report and dashboard pages.
RUNNER_SLOWDOWN = 2.0
BENCH_BUILD_MIN = 12
FULL_BUILD_MIN = 30
PAGES_MIN = 10
DEPS_MIN = 5  # scripts/install-deps.sh in a fresh debian:12 container
# scripts/run_tests: about 50 min on the 2-core VM (README); 90 allowed on a hosted runner.
RUN_TESTS_MIN = 90
# Cases of the profiles on a 2-PU runner (run_suite --list with the release binary).
GATE_CASES = 180
QUICK_CASES = 375
QUICK_ONE_THREAD_CASES = 100  # of QUICK_CASES; the others are measured as the profile's contended
INSTRUCTION_CASES = 64
CALLGRIND_CASE_S = 8  # measured: 64 cases in 3 min 47 s on the 2-core VM


def workflow(path: Path = WORKFLOW) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def all_workflows() -> dict[str, dict[str, Any]]:
    return {path.name: workflow(path) for path in sorted(WORKFLOWS.glob("*.yml"))}


def run_steps(job: str, path: Path = WORKFLOW) -> list[tuple[str, str]]:
    return [(step.get("name", ""), step["run"]) for step in workflow(path)["jobs"][job]["steps"]
            if "run" in step]


def history_commands() -> set[str]:
    """The subcommands scripts/history has (the dashboard's arrives in its own time)."""
    return {name for action in history_cli.make_parser()._actions
            if isinstance(action, argparse._SubParsersAction) for name in action.choices}


DASHBOARD_MISSING = ("scripts/history has no dashboard subcommand yet: the workflow's dashboard "
                     "step is skipped in miniature and checked as soon as it exists")


def expand(text: str, context: dict[str, str]) -> str:
    """${{ ... }} of a workflow, as Actions expands it for this context (matrix.*, github.*,
    secrets.*, vars.*); an expression the miniature does not know fails the test."""
    def value(match: re.Match[str]) -> str:
        name = match[1].strip()
        assert name in context or name.split(".")[0] in ("secrets", "vars"), \
            f"the miniature does not know ${{{{ {name} }}}}"
        return context.get(name, "")
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", value, text)


def condition(expression: Any, context: dict[str, str]) -> bool:
    """A step's or job's `if:`: always(), success(), and NAME ==/!= 'TEXT' joined by &&."""
    if expression is None:
        return True
    text = str(expression).strip()
    text = re.sub(r"^\$\{\{(.*)\}\}$", r"\1", text).strip()
    results = []
    for part in (p.strip() for p in text.split("&&")):
        if part in ("always()", "success()"):
            results.append(True)
            continue
        test = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", part)
        assert test, f"the miniature cannot evaluate `if: {text}`"
        name, op, literal = test.groups()
        assert name in context or name.split(".")[0] in ("env", "vars", "secrets"), name
        results.append((context.get(name, "") == literal) == (op == "=="))
    return all(results)


def miniature(text: str) -> str:
    """A step's script with the fake binaries: --ab REF becomes --ab-bench FAKE (nothing to
    build), run_suite gets --bench FAKE, install-deps.sh only lists its packages."""
    text = re.sub(r"--ab\s+(\"[^\"]*\"|\S+)", f"--ab-bench {FAKE}", text)
    text = text.replace("scripts/run_suite", f"scripts/run_suite --bench {FAKE}")
    return re.sub(r"^scripts/install-deps\.sh$", "scripts/install-deps.sh --list >/dev/null",
                  text.strip())


def fresh_checkout(root: Path) -> Path:
    """A fresh copy of what the workflow's commands use: the scripts, the presets and the docs
    (run_suite reads the family table of docs/contention.md before anything is built)."""
    shutil.copytree(REPO / "scripts", root / "scripts",
                    ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache", "tests"))
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copy(REPO / "CMakePresets.json", root)
    bin_dir = root / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "valgrind").symlink_to(FAKE_VALGRIND)
    return root


@dataclass
class Actions:
    """What Actions keeps between jobs of one workflow run: caches by key, artifacts by name."""
    store: Path
    event: str
    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    caches: dict[str, Path] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)
    jobs: dict[str, "Job"] = field(default_factory=dict)


@dataclass
class Job:
    root: Path
    ran: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # step -> why


def run_job(job: str, actions: Actions, matrix: dict[str, str] | None = None) -> Job:
    """One job of bench.yml in miniature, in a fresh checkout: `run:` steps run (the fake bench
    and valgrind in place), the cache and artifact actions emulated, `if:` evaluated."""
    spec = workflow()["jobs"][job]
    matrix = matrix if matrix is not None else matrix_entries(spec)[0]
    name = f"{job}-{'-'.join(matrix.values()) or 'single'}"
    root = fresh_checkout(actions.store / name)
    context = {**{f"github.{k}": v for k, v in GITHUB.items()}, "github.event_name": actions.event,
               **{f"matrix.{k}": v for k, v in matrix.items()},
               **{f"secrets.{k}": v for k, v in actions.secrets.items()},
               **{f"vars.{k}": v for k, v in actions.variables.items()}}
    assert condition(spec.get("if"), context), f"{job} does not run on {actions.event}"
    github_env = root / "github-env"
    github_env.touch()
    env = clean_env(SYNCLAB_SKIP_DEPS="1", GITHUB_STEP_SUMMARY=str(root / "summary.md"),
                    GITHUB_WORKSPACE=str(root), GITHUB_ENV=str(github_env),
                    PATH=f"{root / 'fake-bin'}:{os.environ['PATH']}",
                    FAKE_BENCH_NOISE="0.01", FAKE_BENCH_SEED="1",
                    FAKE_BENCH_HIDE="tas_spin|futex_mutex3")  # one primitive: a short miniature
    for key in ("SYNCLAB_HISTORY_DB", "PGPASSWORD", "HISTORY_DB"):
        env.pop(key, None)
    for key, text in {**workflow().get("env", {}), **spec.get("env", {})}.items():
        env[key] = expand(str(text), context)
    done = Job(root)
    for step in spec["steps"]:
        title = step.get("name") or step.get("uses", "")
        context.update({f"env.{k}": v for k, v in env.items()})
        if not condition(step.get("if"), context):
            done.skipped[title] = f"if: {step['if']}"
            continue
        if "uses" in step:
            emulate(step, {k: expand(str(v), context) for k, v in step.get("with", {}).items()},
                    root, actions)
            continue
        text = expand(step["run"], context)
        if text.split()[0] in SYSTEM:
            check_system_command(text)
            continue
        if "scripts/history dashboard" in text and "dashboard" not in history_commands():
            done.skipped[title] = DASHBOARD_MISSING
            continue
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", miniature(text)], cwd=root,
                              env=env, capture_output=True, text=True, timeout=600)
        done.ran[title] = proc
        assert proc.returncode == 0, (title, miniature(text), proc.stdout[-2000:],
                                      proc.stderr[-2000:])
        for line in github_env.read_text().splitlines():  # what later steps see
            key, _, value = line.partition("=")
            env[key] = value
    actions.jobs[name] = done
    return done


def emulate(step: dict[str, Any], given: dict[str, str], root: Path, actions: Actions) -> None:
    """The actions whose effect later steps or jobs see; the others are only checked by name."""
    uses = step["uses"]
    assert uses in KNOWN_ACTIONS, f"{uses}: not an action the miniature knows (add it there)"
    if uses == "actions/cache/restore@v4":
        keys = [given["key"], *given.get("restore-keys", "").split()]
        found = next((actions.caches[k] for k in keys if k in actions.caches), None) or next(
            (path for k, path in sorted(actions.caches.items(), reverse=True)
             if any(k.startswith(prefix) for prefix in keys[1:])), None)
        if found is not None:
            (root / given["path"]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(found, root / given["path"])
    elif uses == "actions/cache/save@v4":
        assert given["key"] not in actions.caches, "caches are immutable: a new key each run"
        source = root / given["path"]
        assert source.is_file(), f"cache save: {given['path']} does not exist"
        kept = actions.store / f"cache-{len(actions.caches)}"
        actions.caches[given["key"]] = Path(shutil.copy(source, kept))
    elif uses == "actions/upload-artifact@v4":
        paths = [root / p for p in given["path"].split()]
        present = [p for p in paths if p.exists()]
        if present:
            base = Path(os.path.commonpath(paths)) if len(paths) > 1 else paths[0]
            target = actions.store / "artifacts" / given["name"]
            for path in present:
                where = target / path.relative_to(base) if path != base else target
                if path.is_dir():
                    shutil.copytree(path, where, dirs_exist_ok=True)
                else:
                    where.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, where)
            actions.artifacts[given["name"]] = target
    elif uses == "actions/download-artifact@v4":
        chosen = [n for n in actions.artifacts if fnmatch.fnmatch(n, given.get("pattern", "*"))]
        for artifact in chosen:  # several artifacts: one directory each, named after it
            shutil.copytree(actions.artifacts[artifact], root / given["path"] / artifact)
    elif uses == "actions/upload-pages-artifact@v3":
        site = root / given["path"]
        assert (site / "index.html").is_file() or "dashboard" not in history_commands(), site


def matrix_entries(spec: dict[str, Any]) -> list[dict[str, str]]:
    matrix = spec.get("strategy", {}).get("matrix", {})
    assert set(matrix) <= {"include"}, "the miniature expands only include: lists"
    return [{k: str(v) for k, v in entry.items()} for entry in matrix.get("include", [{}])]


def check_system_command(text: str) -> None:
    """What a system command names must exist here: the preset and the target it builds."""
    presets = json.loads((REPO / "CMakePresets.json").read_text(encoding="utf-8"))
    names = {p["name"] for p in presets.get("configurePresets", [])} | \
        {p["name"] for p in presets.get("buildPresets", [])}
    for preset in re.findall(r"--preset\s+(\S+)", text):
        assert preset in names, f"{text}: no preset {preset}"
    for target in re.findall(r"--target\s+(\S+)", text):
        assert re.search(rf"add_executable\(\s*{target}\b",
                         (REPO / "benches" / "CMakeLists.txt").read_text(encoding="utf-8")), target


# ---------------------------------------------------------------- the jobs in miniature

def check_main_job(done: Job) -> None:
    assert "suite (recorded)" in done.ran
    reports = done.root / "reports"
    for name in ("bmf.json", "gab.json", "gab-bigger.json", "results.json"):
        assert (reports / "ci" / name).is_file(), name
    assert (reports / "ci-instructions" / "instructions.json").is_file()


def check_dashboard_job(done: Job, actions: Actions) -> None:
    artifact = f"synclab-dashboard-{GITHUB['sha']}"
    if "dashboard" not in history_commands():
        assert done.skipped["the dashboard of every runner's history"] == DASHBOARD_MISSING
        return
    assert (done.root / "reports" / "dashboard" / "index.html").is_file()
    assert (actions.artifacts[artifact] / "index.html").is_file()


def stored_runs(db: str) -> list[dict[str, Any]]:
    from synclab.history import store

    with store.Database(db) as database:
        return database.runs()


def test_the_fleet_without_a_database_keeps_sqlite_in_the_cache(tmp_path: Path) -> None:
    """No SYNCLAB_HISTORY_DB secret: each runner kind restores and saves its own SQLite file in
    the cache and uploads it; the dashboard job merges the runners' files."""
    actions = Actions(tmp_path, "push", variables={"SYNCLAB_PAGES": "true"})
    main = run_job("main", actions)
    check_main_job(main)
    history = main.root / "reports" / "history.sqlite"
    assert [r["mode"] for r in stored_runs(str(history))] == ["time", "instructions"]
    assert list(actions.caches) == [f"synclab-history-x86_64-{GITHUB['run_id']}"]
    artifact = actions.artifacts[f"synclab-main-x86_64-{GITHUB['sha']}"]
    assert (artifact / "history.sqlite").is_file() and (artifact / "ci" / "bmf.json").is_file()
    dashboard = run_job("dashboard", actions)
    assert "merge the runners' histories (no shared database)" in dashboard.ran
    merged = dashboard.root / "reports" / "fleet.sqlite"
    assert stored_runs(str(merged)) == stored_runs(str(history))
    check_dashboard_job(dashboard, actions)


def test_the_fleet_writes_to_the_shared_database(postgres: Any, tmp_path: Path) -> None:
    """With the secret every runner kind writes to the one PostgreSQL history, the cache is left
    alone, and the dashboard job reads the shared database."""
    db = postgres.new_database()
    actions = Actions(tmp_path, "push", secrets={"SYNCLAB_HISTORY_DB": db})
    main = run_job("main", actions, matrix_entries(workflow()["jobs"]["main"])[-1])  # arm64
    check_main_job(main)
    assert not (main.root / "reports" / "history.sqlite").exists() and not actions.caches
    assert "restore the history (no shared database)" in main.skipped
    assert [r["mode"] for r in stored_runs(db)] == ["time", "instructions"]
    dashboard = run_job("dashboard", actions)
    assert "merge the runners' histories (no shared database)" in dashboard.skipped
    assert not (dashboard.root / "reports" / "fleet.sqlite").exists()
    check_dashboard_job(dashboard, actions)


def test_the_fleet_matrix_covers_both_architectures() -> None:
    for name, flow in all_workflows().items():
        for job, spec in flow["jobs"].items():
            if "strategy" not in spec:
                continue
            entries = matrix_entries(spec)
            assert {e["runner"]: e["arch"] for e in entries} == RUNNER_KINDS, (name, job)
            assert spec["runs-on"] == "${{ matrix.runner }}"
            assert spec["strategy"]["fail-fast"] is False  # one kind failing keeps the other
            used = set(re.findall(r"matrix\.(\w+)", json.dumps(spec)))
            assert all(used <= set(entry) for entry in entries), (name, job, used)


def test_the_pull_request_gate_runs_in_miniature(tmp_path: Path) -> None:
    done = run_job("ab", Actions(tmp_path, "pull_request"))
    root = done.root
    gate = next(proc for name, proc in done.ran.items() if name.startswith("the gate"))
    doc = json.loads((root / "reports" / "ab" / "compare.json").read_text())
    assert doc["settings"]["gate_metrics"] == "primary" and doc["settings"]["test"] == "mann-whitney"
    assert {r["n_base"] for r in doc["cases"]} == {cases.PROFILES["gate"].repetitions}
    assert "cases, each" not in gate.stdout  # it ran, it did not only list
    summary = (root / "summary.md").read_text()
    assert summary.startswith("## synclab compare:")
    for name in ("junit.xml", "bmf.json", "gab.json", "gab-bigger.json", "compare.md",
                 "base.json", "new.json"):
        assert (root / "reports" / "ab" / name).is_file(), name


def test_the_jobs_run_on_the_right_events() -> None:
    flows = all_workflows()
    bench, tests = flows["bench.yml"], flows["tests.yml"]
    on_push = {"github.event_name": "push"}
    on_pr = {"github.event_name": "pull_request"}
    pages = {"vars.SYNCLAB_PAGES": "true"}
    assert {job for job, spec in bench["jobs"].items()
            if condition(spec.get("if"), {**on_push, **pages})} == {"main", "dashboard", "pages"}
    assert {job for job, spec in bench["jobs"].items()
            if condition(spec.get("if"), on_push)} == {"main", "dashboard"}
    assert {job for job, spec in bench["jobs"].items()
            if condition(spec.get("if"), {**on_pr, **pages})} == {"ab"}
    # YAML 1.1 reads a bare `on` as true
    triggers = next(value for key, value in tests.items() if key in ("on", True))
    assert set(triggers) >= {"push", "pull_request"} and triggers["push"] is None
    [job] = tests["jobs"].values()
    assert [step["run"] for step in job["steps"] if "run" in step][-1] == "scripts/run_tests"
    assert "--privileged" in job["container"]["options"]  # tracefs and perf events (run_tests)
    assert bench["jobs"]["pages"]["permissions"] == {"pages": "write", "id-token": "write"}


# ---------------------------------------------------------------- every command parses

PARSERS: dict[str, Callable[[], argparse.ArgumentParser]] = {
    "scripts/run_suite": run_suite_options.make_parser,
    "scripts/compare": compare_cli.make_parser,
    "scripts/history": history_cli.make_parser}


def commands_of(script: str) -> list[list[str]]:
    """The repository's commands a step's script calls (scripts/..., .ci/...), as argv."""
    joined = re.sub(r"\\\n\s*", " ", script)
    # a loop over plain words runs its commands once per word
    loops = {var: words.split() for var, words in re.findall(r"\bfor (\w+) in ([^;*?]+);", joined)}
    found: list[list[str]] = []
    for line in joined.splitlines():
        for part in re.split(r"&&|\|\||;|\||\$\(", line):
            part = re.sub(r"^\s*(do|then|else)\s+", "", part).strip()
            if not part.startswith(("scripts/", ".ci/")):
                continue
            variants = [part]
            for var, words in loops.items():
                variants = [re.sub(rf"\$\{{?{var}\b\}}?", word, v) for v in variants
                            for word in words] if f"${var}" in part else variants
            found.extend(shlex.split(v) for v in variants)
    return found


def check_command(argv: list[str]) -> str | None:
    """Exists, runs, parses its options (no side effect); the reason where it cannot be checked."""
    program, args = argv[0], argv[1:]
    path = REPO / program
    assert path.is_file() and os.access(path, os.X_OK), f"{program}: not an executable here"
    if program == "scripts/install-deps.sh":
        assert set(args) <= {"--check", "--list", "--report-only", "--history-only"}, argv
    elif program in ("scripts/run_tests", ".ci/run"):
        assert not args, argv
        assert subprocess.run(["bash", "-n", str(path)], timeout=30).returncode == 0
    elif program == "scripts/history" and args[:1] == ["dashboard"] and \
            "dashboard" not in history_commands():
        return DASHBOARD_MISSING
    else:
        assert program in PARSERS, f"{program}: no parser known to this test"
        PARSERS[program]().parse_args(args)
    return None


def test_every_command_of_every_workflow_exists_and_parses() -> None:
    checked: list[tuple[str, str, str]] = []
    waiting: list[tuple[str, str, str]] = []
    for name, flow in all_workflows().items():
        for job, spec in flow["jobs"].items():
            for step in spec["steps"]:
                for argv in commands_of(expand(step.get("run", ""), {
                        "github.base_ref": "main", "matrix.arch": "x86_64"})):
                    reason = check_command(argv)
                    (waiting if reason else checked).append((name, job, " ".join(argv)))
    programs = {command.split()[0] for _, _, command in checked}
    assert programs >= {"scripts/run_suite", "scripts/history", "scripts/install-deps.sh",
                        "scripts/run_tests"}
    assert len(checked) >= 10
    if waiting:
        pytest.skip(f"{DASHBOARD_MISSING}: {waiting}")


def test_a_command_that_does_not_parse_is_caught() -> None:
    with pytest.raises(UsageError, match="invalid choice: 'csv'"):
        check_command(["scripts/history", "export", "--format", "csv"])
    with pytest.raises(AssertionError, match="not an executable"):
        check_command(["scripts/no_such_tool"])
    glob_loop = 'for f in a/*.sqlite; do scripts/history import --from "sqlite:$f" --db x; done'
    assert commands_of(glob_loop) == [["scripts/history", "import", "--from", "sqlite:$f",
                                       "--db", "x"]]
    word_loop = 'for f in bmf gab; do\n  scripts/history export --format "$f" \\\n  --db x\ndone'
    assert commands_of(word_loop) == [["scripts/history", "export", "--format", f, "--db", "x"]
                                      for f in ("bmf", "gab")]


# ---------------------------------------------------------------- yamllint

YAMLLINT = shutil.which("yamllint")
needs_yamllint = pytest.mark.skipif(YAMLLINT is None,
                                    reason="yamllint is not installed (scripts/install-deps.sh)")


@needs_yamllint
def test_the_workflows_pass_yamllint() -> None:
    proc = subprocess.run([str(YAMLLINT), "--strict", "--format", "parsable", ".github/workflows"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(all_workflows()) == {"bench.yml", "tests.yml"}


@needs_yamllint
def test_yamllint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    shutil.copy(REPO / ".yamllint", tmp_path)
    text = TESTS_WORKFLOW.read_text(encoding="utf-8")
    (broken / "duplicate.yml").write_text(text.replace("jobs:\n", "jobs:\n  tests: {}\n", 1))
    (broken / "indent.yml").write_text(text.replace("\n    steps:", "\n     steps:", 1))
    proc = subprocess.run([str(YAMLLINT), "--strict", "--format", "parsable", ".github/workflows"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "duplicate.yml" in proc.stdout and "key-duplicates" in proc.stdout
    assert "indent.yml" in proc.stdout


def shown_commands(text: str) -> list[str]:
    """`scripts/...` command lines shown in a document's code blocks (continuations joined)."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"^\s*-?\s*(run:)?\s*", "", line)
            if line.startswith("scripts/"):
                commands.append(line.split("  #")[0].strip())
    return commands


def test_every_command_in_the_ci_doc_parses() -> None:
    commands = shown_commands(CI_DOC.read_text(encoding="utf-8"))
    assert len(commands) >= 5
    for command in commands:
        argv = shlex.split(command.replace("${{ github.base_ref }}", "main")
                           .replace("$GITHUB_HEAD_REF", "x"))
        check_command(argv)  # the dashboard's waits for its subcommand, as in the workflow


def estimated_minutes(workflow_name: str, job: str) -> float:
    """The job's time on a 2-vCPU hosted runner, from the settings its commands use."""
    gate = cases.PROFILES["gate"]
    quick = cases.PROFILES["quick"]
    if workflow_name == "tests.yml":
        return DEPS_MIN + RUN_TESTS_MIN
    if job == "ab":  # every repetition of an A/B is a process of its own, on both sides
        run_s = GATE_CASES * 2 * gate.repetitions * cases.expected_case_seconds(1, gate.duration_ms)
        return 2 * BENCH_BUILD_MIN + RUNNER_SLOWDOWN * run_s / 60 + 2
    if job == "dashboard":
        return DEPS_MIN + PAGES_MIN
    if job == "pages":
        return 2
    suite = next(text for name, text in run_steps("main") if name == "suite (recorded)")
    stated = re.search(r"--repetitions\s+(\d+)", suite)
    if stated:
        run_s = QUICK_CASES * cases.expected_case_seconds(int(stated[1]), quick.duration_ms)
    else:
        contended = quick.contended or cases.Sampling(quick.repetitions, quick.duration_ms)
        run_s = (QUICK_ONE_THREAD_CASES * cases.expected_case_seconds(quick.repetitions,
                                                                      quick.duration_ms)
                 + (QUICK_CASES - QUICK_ONE_THREAD_CASES)
                 * cases.expected_case_seconds(contended.repetitions, contended.duration_ms))
    return (FULL_BUILD_MIN + RUNNER_SLOWDOWN * run_s / 60 + INSTRUCTION_CASES * CALLGRIND_CASE_S
            / 60 + PAGES_MIN)


@pytest.mark.parametrize("workflow_name, job", [
    (name, job) for name, flow in sorted(all_workflows().items()) for job in flow["jobs"]])
def test_each_job_fits_its_time_limit(workflow_name: str, job: str) -> None:
    spec = workflow(WORKFLOWS / workflow_name)["jobs"][job]
    limit = spec["timeout-minutes"]
    estimate = estimated_minutes(workflow_name, job)
    assert estimate <= 0.8 * limit, (workflow_name, job, estimate, limit)
    commands = " ".join(step.get("run", "") for step in spec["steps"])
    # The benchmark jobs run their profile's own settings, not fewer repetitions.
    assert "--repetitions" not in commands
    if job == "ab":
        assert "--profile gate" in commands
