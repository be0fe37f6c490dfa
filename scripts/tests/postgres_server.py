"""A throwaway PostgreSQL server for the history tests: Debian's postgresql, started once per
test session in a temporary directory, listening only on a Unix socket there, stopped at the
end whatever happened.

initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user the package
creates (or `nobody`) through runuser. Every step is time-bounded; a server that does not come
up is a test failure with its log, never a hang. Where postgresql is not installed the tests
that need it are skipped with that reason.
"""
from __future__ import annotations

import glob
import importlib.util
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

STEP_TIMEOUT_S = 60
SUPERUSER = "synclab"
PASSWORD_ROLE, PASSWORD = "writer", "right-password"


def find_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (initdb and pg_ctl are not on PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def missing_reason() -> str | None:
    if find_bin() is None:
        return "postgresql is not installed (/usr/lib/postgresql/*/bin/initdb; " \
               "scripts/install-deps.sh installs it)"
    if importlib.util.find_spec("psycopg2") is None:
        return "python3-psycopg2 is not installed (scripts/install-deps.sh installs it)"
    if os.geteuid() == 0 and _unprivileged_user() is None:
        return "running as root and neither a postgres nor a nobody user exists to run the server"
    return None


def _unprivileged_user() -> str | None:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


class PostgresServer:
    def __init__(self) -> None:
        bin_dir = find_bin()
        assert bin_dir is not None
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="synclab-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.user = _unprivileged_user() if os.geteuid() == 0 else None
        self._names = itertools.count()
        self.started = False
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        os.chmod(self.dir, 0o755)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        proc = subprocess.run([*prefix, *command], capture_output=True, text=True,
                              timeout=STEP_TIMEOUT_S, cwd=self.dir)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n"
                               f"{proc.stdout}{proc.stderr}{log}")

    def start(self) -> "PostgresServer":
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                  "--auth-local=trust", "--auth-host=reject", "--no-sync", "--no-instructions")
        # The superuser connects without a password; every other role needs its password,
        # so a wrong password can be tested.
        (self.data / "pg_hba.conf").write_text(
            f"local all {SUPERUSER} trust\nlocal all all scram-sha-256\n")
        options = (f"-c listen_addresses='' -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=50")
        self.started = True
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", str(STEP_TIMEOUT_S // 2), "-o", options, "start")
        self.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
        return self

    def stop(self) -> None:
        try:
            if self.started:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-t", str(STEP_TIMEOUT_S // 2), "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        login = f"{user}:{password}" if password is not None else user
        return f"postgresql://{login}@/{database}?host={self.dir}"

    def execute(self, statement: str, database: str = "postgres") -> None:
        import psycopg2

        conn = psycopg2.connect(host=str(self.dir), user=SUPERUSER, dbname=database,
                                connect_timeout=10)
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(statement)
        finally:
            conn.close()

    def new_database(self) -> str:
        """A new, empty database (the role writer may use it); its URL."""
        name = f"history_{next(self._names)}"
        self.execute(f"CREATE DATABASE {name} OWNER {PASSWORD_ROLE}")
        return self.url(name)
