"""results.json: Google Benchmark JSON merged case by case, rewritten atomically after each."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

FILE_MODE = 0o644  # mkstemp creates 0600; results and reports are meant to be shared
# The version of synclab's additions to Google Benchmark JSON that this writer writes, as the
# context's schema_version (docs/results-format.md); synclab/load.py reads every version up to it.
SCHEMA_VERSION = 1


def read_gb_output(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The context and benchmark entries of one Google Benchmark JSON output file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError("exit status 0 but no --benchmark_out file was written") from None
    except OSError as exc:
        raise ValueError(f"cannot read the case output: {exc.strerror or exc}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the case output is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise ValueError("the case output has no 'benchmarks' list")
    context = doc.get("context")
    benchmarks = [entry for entry in doc["benchmarks"] if isinstance(entry, dict)]
    return (context if isinstance(context, dict) else {}), benchmarks


def failure_entry(name: str, status: str, message: str, repetitions: int) -> dict[str, Any]:
    """The entry recorded for a case that timed out or failed, shaped like a GB error run."""
    prefix = "timed out" if status == "timed_out" else "failed"
    return {
        "name": name,
        "run_name": name,
        "run_type": "iteration",
        "repetitions": repetitions,
        "repetition_index": 0,
        "threads": 1,
        "error_occurred": True,
        "error_message": f"{prefix}: {message}",
        "synclab_status": status,
    }


class ResultsFile:
    """The run's results.json, kept in memory and rewritten whole after every change."""

    def __init__(self, path: Path, run_info: dict[str, Any]) -> None:
        self.path = path
        self.run_info = run_info
        self.context: dict[str, Any] = {}
        self.benchmarks: list[dict[str, Any]] = []

    def add_case(self, context: dict[str, Any], benchmarks: list[dict[str, Any]]) -> None:
        """Appends a case's entries; the first case with a context gives the run its context."""
        if not self.context and context:
            self.context = {key: value for key, value in context.items() if key != "synclab_run"}
        self.benchmarks.extend(benchmarks)

    def document(self) -> dict[str, Any]:
        return {"context": {**self.context, "schema_version": SCHEMA_VERSION,
                            "synclab_run": self.run_info},
                "benchmarks": self.benchmarks}

    def write(self) -> None:
        write_json_atomic(self.path, self.document())


def write_json_atomic(path: Path, obj: Any) -> None:
    """Writes obj as JSON so that `path` is always either the old or the new complete file."""
    write_text_atomic(path, json.dumps(obj, indent=2) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Temp file in the same directory, fsync, os.replace, then fsync the directory."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def point_symlink(link: Path, target: Path) -> None:
    """Makes `link` a symlink to `target` (relative to link's directory), replacing it atomically."""
    relative = os.path.relpath(target, link.parent)
    tmp = link.parent / f".{link.name}.{os.getpid()}.tmp"
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    os.symlink(relative, tmp)
    try:
        os.replace(tmp, link)
    except OSError:
        tmp.unlink()
        raise
