"""The shell entry points: install-deps.sh (with stand-ins for dpkg-query, id and sudo), syntax."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, clean_env, dpkg_query_shim, run_cli

INSTALL_DEPS = REPO / "scripts" / "install-deps.sh"
PACKAGES = ["build-essential", "g++", "cmake", "ninja-build", "pkg-config", "git", "libbenchmark-dev",
            "libgtest-dev", "libgmock-dev", "libhwloc-dev", "hwloc", "libpfm4-dev", "valgrind", "libboost-dev", "libtbb-dev", "libabsl-dev", "libck-dev", "libconcurrentqueue-dev",
            "libatomic-queue-dev", "libxenium-dev", "liburcu-dev", "python3",
            "python3-matplotlib", "python3-numpy", "python3-scipy", "python3-pytest", "python3-yaml", "pyflakes3", "mypy", "clang-tidy", "yamllint",
            "chromium", "chromium-driver", "python3-selenium", "rocksdb-tools",
            "python3-sqlalchemy", "python3-psycopg2", "postgresql", "libjs-dygraphs"]
# The real dpkg answers --print-architecture in these tests; the stand-in dpkg-query follows it.
NATIVE = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                        check=False).stdout.strip() or "amd64"
SHELL_SCRIPTS = ["scripts/install-deps.sh", "scripts/run_suite", "scripts/report", "scripts/run_tests",
                 "scripts/check_python", "scripts/report_load_time",
                 "scripts/compare", "scripts/history", "scripts/census", "scripts/power_study",
                 "scripts/changepoint_study", "scripts/history_scale",
                 ".ci/run"]


def shims(tmp_path: Path, *, missing: set[str], uid: int = 0) -> dict[str, str]:
    """A PATH where dpkg-query reports `missing` as not installed, id -u says uid, sudo fails."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "dpkg-query": dpkg_query_shim(missing, NATIVE),
        "id": f"#!/bin/sh\necho {uid}\n",
        "sudo": "#!/bin/sh\nexit 1\n",
        "apt-get": "#!/bin/sh\necho \"apt-get must not run here: $*\" >&2\nexit 99\n",
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return clean_env(PATH=f"{bin_dir}:{os.environ['PATH']}")


def test_list() -> None:
    proc = run_cli([str(INSTALL_DEPS), "--list"])
    assert proc.returncode == 0 and proc.stdout.split() == PACKAGES
    report_only = run_cli([str(INSTALL_DEPS), "--list", "--report-only"])
    assert report_only.stdout.split() == ["python3", "python3-matplotlib", "python3-numpy", "python3-scipy"]
    history_only = run_cli([str(INSTALL_DEPS), "--list", "--history-only"])
    assert history_only.stdout.split() == [*report_only.stdout.split(), "python3-sqlalchemy",
                                           "python3-psycopg2", "libjs-dygraphs"]


def test_check_all_present(tmp_path: Path) -> None:
    proc = run_cli([str(INSTALL_DEPS), "--check"], env=shims(tmp_path, missing=set()))
    assert proc.returncode == 0 and proc.stdout.strip() == "all dependencies present"


def test_install_with_nothing_missing_changes_nothing(tmp_path: Path) -> None:
    proc = run_cli([str(INSTALL_DEPS)], env=shims(tmp_path, missing=set()))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "all dependencies present"


def test_check_reports_the_missing(tmp_path: Path) -> None:
    proc = run_cli([str(INSTALL_DEPS), "--check"],
                   env=shims(tmp_path, missing={"python3-scipy", "libpfm4-dev"}))
    assert proc.returncode == 1
    assert proc.stdout.strip() == "missing packages: libpfm4-dev python3-scipy"


def test_report_only_ignores_the_cxx_packages(tmp_path: Path) -> None:
    proc = run_cli([str(INSTALL_DEPS), "--check", "--report-only"],
                   env=shims(tmp_path, missing={"cmake", "libbenchmark-dev"}))
    assert proc.returncode == 0


def test_without_root_or_sudo_prints_the_command(tmp_path: Path) -> None:
    proc = run_cli([str(INSTALL_DEPS)], env=shims(tmp_path, missing={"python3-scipy"}, uid=1000))
    assert proc.returncode == 1
    assert ("sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y "
            "--no-install-recommends python3-scipy") in proc.stdout
    assert "apt-get must not run" not in proc.stderr


@pytest.mark.parametrize("arg", ["--arch=sparc64", "--bogus"])
def test_bad_arguments(arg: str) -> None:
    proc = run_cli([str(INSTALL_DEPS), arg])
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("script", SHELL_SCRIPTS)
def test_shell_scripts_parse_and_are_executable(script: str) -> None:
    path = REPO / script
    assert os.access(path, os.X_OK), script
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    subprocess.run(["bash", "-n", str(path)], check=True, timeout=10)
