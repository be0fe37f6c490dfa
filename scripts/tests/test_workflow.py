"""The CI workflow runs as written: every `run:` step of .github/workflows/bench.yml (and every
command docs/ci.md shows) in miniature, from a fresh copy of the scripts, with the fake bench in
place of the built binary and a fake valgrind; and each job's time estimate at the gate's
settings fits its timeout-minutes."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import INPUTS, REPO, clean_env
from synclab import cases
from synclab.compare import cli as compare_cli
from synclab.history import cli as history_cli
from synclab.runner import options as run_suite_options

yaml = pytest.importorskip("yaml", reason="python3-yaml (scripts/install-deps.sh) reads the workflow")

WORKFLOW = REPO / ".github" / "workflows" / "bench.yml"
CI_DOC = REPO / "docs" / "ci.md"
FAKE = INPUTS / "compare_noisy_bench.py"
FAKE_VALGRIND = INPUTS / "compare_fake_valgrind"
# Commands of the runner image, not of this repository: checked by what they name, not run.
SYSTEM = ("apt-get", "git", "cmake", "bencher")
# Time model of a hosted 2-vCPU runner: run_suite's own estimate (synclab/cases.py, measured on
# a shared 2-core VM) taken twice over, builds of the bench binary alone and of the whole
# release preset, callgrind per instruction-counted case, and the report and trend pages.
RUNNER_SLOWDOWN = 2.0
BENCH_BUILD_MIN = 12
FULL_BUILD_MIN = 30
PAGES_MIN = 10
# Cases of the profiles on a 2-PU runner (run_suite --list with the release binary).
GATE_CASES = 152
QUICK_CASES = 342
INSTRUCTION_CASES = 64
CALLGRIND_CASE_S = 8  # measured: 64 cases in 3 min 47 s on the 2-core VM


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def run_steps(job: str) -> list[tuple[str, str]]:
    return [(step.get("name", ""), step["run"]) for step in workflow()["jobs"][job]["steps"]
            if "run" in step]


def miniature(text: str) -> str:
    """A step's script with the fake binaries: --ab REF becomes --ab-bench FAKE (nothing to
    build), run_suite gets --bench FAKE, install-deps.sh only lists its packages."""
    text = text.replace("${{ github.base_ref }}", "main")
    text = re.sub(r"--ab\s+(\"[^\"]*\"|\S+)", f"--ab-bench {FAKE}", text)
    text = text.replace("scripts/run_suite", f"scripts/run_suite --bench {FAKE}")
    return re.sub(r"^scripts/install-deps\.sh$", "scripts/install-deps.sh --list >/dev/null",
                  text.strip())


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of what the workflow's commands use: the scripts, the presets and the docs
    (run_suite reads the family table of docs/contention.md before anything is built)."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(REPO / "scripts", root / "scripts",
                    ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache", "tests"))
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copy(REPO / "CMakePresets.json", root)
    bin_dir = root / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "valgrind").symlink_to(FAKE_VALGRIND)
    return root


def run_job(job: str, root: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    env = clean_env(SYNCLAB_SKIP_DEPS="1", GITHUB_STEP_SUMMARY=str(root / f"{job}-summary.md"),
                    GITHUB_WORKSPACE=str(root), BENCHER_API_TOKEN="",
                    PATH=f"{root / 'fake-bin'}:{os.environ['PATH']}",
                    FAKE_BENCH_NOISE="0.01", FAKE_BENCH_SEED="1",
                    FAKE_BENCH_HIDE="tas_spin|futex_mutex3")  # one primitive: a short miniature
    done = {}
    for name, text in run_steps(job):
        if text.split()[0] in SYSTEM:
            check_system_command(text)
            continue
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", miniature(text)], cwd=root,
                              env=env, capture_output=True, text=True, timeout=600)
        done[name] = proc
        assert proc.returncode == 0, (name, miniature(text), proc.stdout[-2000:],
                                      proc.stderr[-2000:])
    return done


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


def test_the_main_job_runs_in_miniature(checkout: Path) -> None:
    done = run_job("main", checkout)
    assert "suite (recorded)" in done and "trend page with change points" in done
    for name in ("bmf.json", "gab.json", "gab-bigger.json", "results.json"):
        assert (checkout / "reports" / "ci" / name).is_file(), name
    assert (checkout / "reports" / "ci-instructions" / "instructions.json").is_file()
    assert (checkout / "reports" / "trend" / "index.html").is_file()
    assert (checkout / "reports" / "history.sqlite").is_file()


def test_the_pull_request_gate_runs_in_miniature(checkout: Path) -> None:
    done = run_job("ab", checkout)
    gate = next(proc for name, proc in done.items() if name.startswith("the gate"))
    doc = json.loads((checkout / "reports" / "ab" / "compare.json").read_text())
    assert doc["settings"]["gate_metrics"] == "primary" and doc["settings"]["test"] == "mann-whitney"
    assert {r["n_base"] for r in doc["cases"]} == {cases.PROFILES["gate"].repetitions}
    assert "cases, each" not in gate.stdout  # it ran, it did not only list
    summary = (checkout / "ab-summary.md").read_text()
    assert summary.startswith("## synclab compare:")
    for name in ("junit.xml", "bmf.json", "gab.json", "gab-bigger.json", "compare.md",
                 "base.json", "new.json"):
        assert (checkout / "reports" / "ab" / name).is_file(), name


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
        program, args = argv[0], argv[1:]
        if program == "scripts/install-deps.sh":
            assert set(args) <= {"--check", "--list", "--report-only"}, command
            continue
        parsers = {"scripts/run_suite": run_suite_options.make_parser,
                   "scripts/compare": compare_cli.make_parser,
                   "scripts/history": history_cli.make_parser}
        assert program in parsers, command
        parsers[program]().parse_args(args)


def estimated_minutes(job: str) -> float:
    """The job's time on a 2-vCPU hosted runner, from the settings its commands use."""
    gate = cases.PROFILES["gate"]
    quick = cases.PROFILES["quick"]
    if job == "ab":  # every repetition of an A/B is a process of its own, on both sides
        run_s = GATE_CASES * 2 * gate.repetitions * cases.expected_case_seconds(1, gate.duration_ms)
        return 2 * BENCH_BUILD_MIN + RUNNER_SLOWDOWN * run_s / 60 + 2
    suite = next(text for name, text in run_steps("main") if name == "suite (recorded)")
    stated = re.search(r"--repetitions\s+(\d+)", suite)
    repetitions = int(stated[1]) if stated else quick.repetitions
    run_s = QUICK_CASES * cases.expected_case_seconds(repetitions, quick.duration_ms)
    return (FULL_BUILD_MIN + RUNNER_SLOWDOWN * run_s / 60 + INSTRUCTION_CASES * CALLGRIND_CASE_S
            / 60 + PAGES_MIN)


@pytest.mark.parametrize("job", ["main", "ab"])
def test_each_job_fits_its_time_limit(job: str) -> None:
    limit = workflow()["jobs"][job]["timeout-minutes"]
    assert estimated_minutes(job) <= 0.8 * limit, (job, estimated_minutes(job), limit)
    commands = " ".join(text for _, text in run_steps(job))
    # Both jobs run their profile's own settings, not fewer repetitions.
    assert "--repetitions" not in commands
    if job == "ab":
        assert "--profile gate" in commands
