"""Shared test fixtures: paths, running the command lines as subprocesses, checking one-line errors."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

if TYPE_CHECKING:
    import postgres_server

TESTS = Path(__file__).resolve().parent
SCRIPTS = TESTS.parent
REPO = SCRIPTS.parent
INPUTS = TESTS / "inputs"
FAKE_BENCH = TESTS / "fake_bench.py"
RUN_SUITE = SCRIPTS / "synclab" / "runner" / "cli.py"
REPORT = SCRIPTS / "synclab" / "report" / "cli.py"

if str(SCRIPTS) not in sys.path:  # the synclab package, for the unit tests
    sys.path.insert(0, str(SCRIPTS))


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_BENCH_")}
    env.update(extra)
    return env


def dpkg_query_shim(missing: set[str], host: str = "amd64") -> str:
    """A stand-in for `dpkg-query -W -f=FORMAT NAME...` as install-deps.sh calls it: a line
    NAME<TAB>ARCH<TAB>install ok installed for each name, for the host architecture and arm64,
    except what `missing` names (NAME: the host's; NAME:ARCH: that architecture's)."""
    names = " " + " ".join(sorted(missing)) + " "
    return ("#!/bin/sh\n"
            "for arg; do\n"
            "  case \"$arg\" in -*) continue;; esac\n"
            f"  for a in {host} arm64; do\n"
            f"    case \"{names}\" in *\" $arg:$a \"*) continue;; esac\n"
            f"    if [ \"$a\" = {host} ]; then case \"{names}\" in *\" $arg \"*) continue;; esac; fi\n"
            "    printf '%s\\t%s\\tinstall ok installed\\n' \"$arg\" \"$a\"\n"
            "  done\n"
            "done\n")


def run_cli(argv: list[str], *, timeout: float = 60, env: dict[str, str] | None = None,
            cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env=env or clean_env(), cwd=cwd, stdin=subprocess.DEVNULL)


def run_suite(*args: str, timeout: float = 60, env: dict[str, str] | None = None,
              bench: Path | None = FAKE_BENCH) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, str(RUN_SUITE)] + (["--bench", str(bench)] if bench else []) + list(args)
    return run_cli(argv, timeout=timeout, env=env)


def run_main(prog: str, main: Callable[[list[str]], int],
             *args: Any) -> subprocess.CompletedProcess[str]:
    """A command line's main() in this process (fast); output captured as a subprocess' would be."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return subprocess.CompletedProcess([prog, *map(str, args)], status, out.getvalue(),
                                       err.getvalue())


def report(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run_cli([sys.executable, str(REPORT), *args], timeout=timeout)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], prog: str,
                          status: int = 2) -> str:
    """Exit status `status`, exactly one line on stderr starting `prog: error:`; returns it."""
    assert proc.returncode == status, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"{prog}: error: "), lines[0]
    return lines[0]


@pytest.fixture
def inputs() -> Path:
    return INPUTS


# ---------------------------------------------------------------- history databases

HISTORY_ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres() -> Iterator["postgres_server.PostgresServer"]:
    """One PostgreSQL server for the whole session, stopped at its end even after failures."""
    import postgres_server

    reason = postgres_server.missing_reason()
    if reason:
        pytest.skip(reason)
    server = postgres_server.PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(params=HISTORY_ENGINES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A history database that does not hold anything yet: a file path, or a new PostgreSQL
    database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "h.sqlite")
    server: postgres_server.PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()
