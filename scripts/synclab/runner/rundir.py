"""Where a run writes (reports/<run-id>/ or --out) and what its results file records about it."""
from __future__ import annotations

import argparse
import datetime
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

from synclab import cases
from synclab.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, report_error
from synclab.results import point_symlink
from synclab.runner import PROG, REPO


def git_sha7(repo: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short=7", "HEAD"],
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "nogit"
    sha = out.stdout.strip()
    return sha[:7] if out.returncode == 0 and re.fullmatch(r"[0-9a-f]{7,}", sha) else "nogit"


def make_run_id(now: datetime.datetime, host: str, sha: str) -> str:
    """YYYYmmdd-HHMMSS-<hostname>-<git sha7 or 'nogit'>."""
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", host.split(".")[0]).strip("-") or "host"
    return f"{now:%Y%m%d-%H%M%S}-{host}-{sha}"


def start() -> tuple[datetime.datetime, str]:
    """The moment a run starts and its run id."""
    started = datetime.datetime.now().astimezone()
    return started, make_run_id(started, socket.gethostname(), git_sha7(REPO))


def new_run_dir(base: Path, run_id: str) -> Path:
    """reports/<run-id>, with -2, -3, ... when a run started in the same second."""
    candidate, n = base / run_id, 1
    while candidate.exists():
        n += 1
        candidate = base / f"{run_id}-{n}"
    return candidate


def open_run_dir(args: argparse.Namespace, run_id: str) -> Path:
    """--out, else a new reports/<run-id>; created."""
    if args.out:
        out_dir = Path(args.out)
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out {args.out}: exists and is not a directory")
    else:
        out_dir = new_run_dir(REPO / "reports", run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def run_info(args: argparse.Namespace, argv: list[str], plan: cases.Plan, run_id: str,
             started: datetime.datetime, planned: int, repetitions: int, duration_ms: int,
             calibration: float, binary: Path) -> dict[str, Any]:
    """context.synclab_run of a results file, before its first case."""
    return {
        "run_id": run_id, "profile": plan.profile, "argv": [PROG, *argv],
        "started": started.isoformat(timespec="seconds"), "finished": None,
        "cases_planned": planned, "cases_done": 0, "cases_timed_out": 0, "cases_failed": 0,
        "interrupted": False, "repetitions": repetitions, "duration_ms": duration_ms,
        "case_timeout_s": plan.case_timeout_s, "delay_iters_per_us": calibration,
        "bench": str(binary), "mode": args.mode,
        **({} if plan.contended is None else {
            "contended_repetitions": plan.contended.repetitions,
            "contended_duration_ms": plan.contended.duration_ms,
            "contended_case_timeout_s": plan.contended_timeout_s}),
    }


def point_latest(out_dir: Path) -> None:
    """reports/latest (beside the run directory) -> the run; one line if that cannot be done."""
    link = out_dir.parent / "latest"
    try:
        point_symlink(link, out_dir)
    except OSError as exc:
        report_error(PROG, f"could not point {link} at the run: {exc}")


def finish(out_dir: Path, info: dict[str, Any], planned: int, results: Path,
           complete: bool) -> int:
    """Points reports/latest at the run; its exit status, saying so when it was interrupted."""
    point_latest(out_dir)
    if info["interrupted"]:
        report_error(PROG, f"interrupted after {info['cases_done']} of {planned} cases; "
                           f"kept in {results}")
        return EXIT_INTERRUPTED
    if info["cases_timed_out"] or info["cases_failed"] or not complete:
        return EXIT_FAILED
    return EXIT_OK
