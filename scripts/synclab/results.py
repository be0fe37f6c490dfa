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
# 2: every case's context is kept, per family (FAMILIES_KEY).
SCHEMA_VERSION = 2
# The context key holding each family's own context (docs/results-format.md, "Context per family").
FAMILIES_KEY = "synclab_families"
RUN_KEY = "synclab_run"


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


def family_of(benchmarks: list[dict[str, Any]]) -> str:
    """The family of a case's entries: the first component of its name ("" without a name)."""
    for entry in benchmarks:
        name = entry.get("run_name") or entry.get("name")
        if isinstance(name, str) and name:
            return name.split("/", 1)[0]
    return ""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class _Values:
    """The distinct values one key took, in the order first seen, and how many cases carried it."""

    def __init__(self) -> None:
        self.distinct: dict[str, Any] = {}
        self.cases = 0

    def add(self, value: Any) -> None:
        self.distinct.setdefault(_canonical(value), value)
        self.cases += 1

    @property
    def first(self) -> Any:
        return next(iter(self.distinct.values()))

    @property
    def single(self) -> bool:
        return len(self.distinct) == 1


class ContextMerge:
    """Every case's context, merged without loss (docs/results-format.md, "Context per family").

    The flat context keeps each key's first value, as a reader of Google Benchmark JSON expects
    one context. Each family's entry keeps what its cases carried that the whole run does not
    share: under "context" the keys every case of the family carried with one value (keys of
    that family alone, such as channel_semantics, the padding constants, *_peers_missing, or
    keys whose value differs between families); under "varies" every distinct value of a key its
    own cases disagree on (the date and load average of each case's process, say), with a null
    when some of its cases did not carry the key at all.
    """

    def __init__(self) -> None:
        self.cases = 0
        self.run: dict[str, _Values] = {}
        self.families: dict[str, dict[str, _Values]] = {}
        self.family_cases: dict[str, int] = {}

    def add(self, family: str, context: dict[str, Any]) -> None:
        self.cases += 1
        self.family_cases[family] = self.family_cases.get(family, 0) + 1
        keys = self.families.setdefault(family, {})
        for key, value in context.items():
            if key in (RUN_KEY, FAMILIES_KEY, "schema_version"):
                continue
            self.run.setdefault(key, _Values()).add(value)
            keys.setdefault(key, _Values()).add(value)

    def _shared(self, key: str) -> bool:
        """Every case of the run carried the key, with one value."""
        values = self.run[key]
        return values.single and values.cases == self.cases

    def flat(self) -> dict[str, Any]:
        return {key: values.first for key, values in self.run.items()}

    def per_family(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for family, keys in self.families.items():
            cases = self.family_cases[family]
            own, varies = {}, {}
            for key, values in keys.items():
                if values.single and values.cases == cases:
                    if not self._shared(key):
                        own[key] = values.first
                else:  # null: some of the family's cases did not carry the key
                    varies[key] = list(values.distinct.values()) + \
                        ([None] if values.cases < cases else [])
            out[family] = {"cases": cases, "context": own, "varies": varies}
        return out


class ResultsFile:
    """The run's results.json, kept in memory and rewritten whole after every change."""

    def __init__(self, path: Path, run_info: dict[str, Any]) -> None:
        self.path = path
        self.run_info = run_info
        self.context: dict[str, Any] = {}  # the runner's own keys (e.g. mode), over the cases'
        self.contexts = ContextMerge()
        self.benchmarks: list[dict[str, Any]] = []

    def add_case(self, context: dict[str, Any], benchmarks: list[dict[str, Any]]) -> None:
        """Appends a case's entries and merges its context into its family's."""
        if context:
            self.contexts.add(family_of(benchmarks), context)
        self.benchmarks.extend(benchmarks)

    def document(self) -> dict[str, Any]:
        return {"context": {**self.contexts.flat(), **self.context, "schema_version": SCHEMA_VERSION,
                            FAMILIES_KEY: self.contexts.per_family(), RUN_KEY: self.run_info},
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
