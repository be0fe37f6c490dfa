#!/usr/bin/python3
"""case_contract: the benchmark binary's case names and each case's metric names, against a golden file.

    case_contract.py check BENCH GOLDEN    exit 0 when they agree, 1 with the differences listed
    case_contract.py write BENCH GOLDEN    (re)write GOLDEN from BENCH

Every case runs once with a tiny window, at a placement and counter setting that do not depend
on the machine (two PUs, no perf events, no futex tracepoint: a primitive's futex metrics are
then the wait layer's or absent), so the contract is the same wherever the test runs.
A change to a case name or to the metrics a case publishes must be deliberate: rewrite the
golden file in the same commit, and the diff shows what changed.

A primitive that this machine cannot run (lcrq without a double-width CAS, hazard_pointers_asym
without membarrier) is left out of the run with its reason in the results context
(`<family>_primitives_left_out`): its golden cases are then not expected, and the check says
which were passed over and why. Any other missing case is a difference.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FIXED_FLAGS = ["--synclab_placement=cpus:0,1", "--synclab_duration_ms=3", "--synclab_counters=off"]
FIXED_ENV = {"SYNCLAB_FUTEX_TRACE": "off"}
# Fields every Google Benchmark entry has; everything else is a metric of the case.
ENTRY_FIELDS = frozenset({
    "name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
    "real_time", "cpu_time", "time_unit", "family_index", "per_family_instance_index", "label",
    "error_occurred", "error_message", "aggregate_name", "aggregate_unit"})
# Metrics that are present only when the window collected enough data (a percentile needs a
# sample, short-term fairness a complete block of acquisitions, a ratio a non-zero denominator:
# wake-ups, reads, rounds, messages, a padding width that completed a window; Jain's index over
# the producers or the consumers, a side that moved at least one message; the reclaim
# family's update and read figures, a read or an update, and its retire-to-free times, an
# object freed inside the window, which liburcu's batching worker may not do): the tiny windows
# here may miss them, so their absence is not a difference. A metric the golden file does not
# know at all is.
DATA_DEPENDENT = re.compile(r"(_p50_ns|_p99_ns|_p999_ns|_max_ns|_samples|_ratio|_per_read|_per_round"
                            r"|_per_round_trip|_per_msg)$"
                            r"|^(fairness_jain_short|run_length_mean|run_length_max|slowdown_)"
                            r"|^(producer|consumer)_fairness_jain$"
                            r"|_per_update$|^(reads|updates)_per_sec$|^awaiting_|^retire_to_free_"
                            r"|^interference_(beyond_)?bytes$")
# Metrics that stand for each other: a case publishes one or the other, by what it measured
# (the padding summary: the distance beyond which writes stop interfering, or, when even the
# largest distance of the sweep was slowed, that largest distance).
ALTERNATIVES = {"interference_bytes": "interference_beyond_bytes",
                "interference_beyond_bytes": "interference_bytes"}
Contract = dict[str, tuple[str, ...]]
LEFT_OUT_SUFFIX = "_primitives_left_out"


def left_out(context: dict[str, object]) -> dict[tuple[str, str], str]:
    """(family, primitive) -> reason, from each `<family>_primitives_left_out` entry of a run's
    context ("name (reason); a, b (reason); ")."""
    out: dict[tuple[str, str], str] = {}
    for key, value in context.items():
        if not key.endswith(LEFT_OUT_SUFFIX):
            continue
        family = key[:-len(LEFT_OUT_SUFFIX)]
        for entry in str(value).split("; "):
            names, _, reason = entry.strip().rstrip(";").partition(" (")
            for name in filter(None, (n.strip() for n in names.split(","))):
                out[(family, name)] = reason[:-1] if reason.endswith(")") else reason
    return out


def primitive_of(case: str) -> tuple[str, str]:
    family, _, rest = case.partition("/")
    return family, rest.partition("/")[0]


def measure(bench: str) -> tuple[Contract, dict[tuple[str, str], str]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        cmd = [bench, *FIXED_FLAGS, f"--benchmark_out={out}", "--benchmark_out_format=json"]
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              timeout=600, check=False, env={**os.environ, **FIXED_ENV})
        if done.returncode != 0:
            sys.exit(f"case_contract: {' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
        doc = json.loads(out.read_text(encoding="utf-8"))
        entries = doc["benchmarks"]
    failed = [e["name"] for e in entries if e.get("error_occurred")]
    if failed:
        sys.exit(f"case_contract: {len(failed)} cases failed, e.g. {failed[0]}: cannot read their metrics")
    contract = {e["name"]: tuple(sorted(k for k in e if k not in ENTRY_FIELDS)) for e in entries}
    return contract, left_out(doc.get("context", {}))


def write(contract: Contract, golden: Path) -> None:
    sets: dict[tuple[str, ...], str] = {}
    for metrics in contract.values():
        sets.setdefault(metrics, f"M{len(sets) + 1}")
    lines = ["# Case names and their metric names (tests/contract/case_contract.py writes this file).",
             "[metric sets]"]
    lines += [f"{key} {' '.join(metrics)}" for metrics, key in sets.items()]
    lines.append("[cases]")
    lines += [f"{name} {sets[metrics]}" for name, metrics in contract.items()]
    golden.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read(golden: Path) -> Contract:
    sets: dict[str, tuple[str, ...]] = {}
    contract: Contract = {}
    section = ""
    for line in golden.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        key, _, rest = line.partition(" ")
        if section == "[metric sets]":
            sets[key] = tuple(rest.split())
        else:
            contract[key] = sets[rest]
    return contract


def excused(case: str, left: dict[tuple[str, str], str]) -> tuple[str, str] | None:
    """The left-out entry that covers this case: the same primitive, in the family the context key
    names (a key may name it in the singular: channel_primitives_left_out for channels/…)."""
    family, primitive = primitive_of(case)
    for key_family, name in left:
        if name == primitive and family.startswith(key_family):
            return key_family, name
    return None


def passed_over(expected: Contract, actual: Contract, left: dict[tuple[str, str], str]) -> list[str]:
    """The golden cases missing from the run because their primitive was left out."""
    return [name for name in expected if name not in actual and excused(name, left) is not None]


def differences(expected: Contract, actual: Contract,
                left: dict[tuple[str, str], str] | None = None) -> list[str]:
    over = set(passed_over(expected, actual, left or {}))
    out = [f"case removed: {name}" for name in expected if name not in actual and name not in over]
    out += [f"case added: {name}" for name in actual if name not in expected]
    known = {metric for metrics in expected.values() for metric in metrics}
    known |= {ALTERNATIVES[metric] for metric in known if metric in ALTERNATIVES}

    def expected_absent(metric: str) -> bool:  # a data-dependent metric the contract knows
        return bool(DATA_DEPENDENT.search(metric)) and metric in known

    for name in expected.keys() & actual.keys():
        gone = sorted(m for m in set(expected[name]) - set(actual[name]) if not expected_absent(m))
        new = sorted(m for m in set(actual[name]) - set(expected[name]) if not expected_absent(m))
        if gone or new:
            out.append(f"metrics of {name}: " + " ".join([f"-{m}" for m in gone] + [f"+{m}" for m in new]))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] not in ("check", "write"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    mode, bench, golden = argv[1], argv[2], Path(argv[3])
    actual, left = measure(bench)
    if mode == "write":
        if left:
            print(f"case_contract: not written: this machine leaves out {sorted(left)}, so the golden file "
                  "would lack their cases", file=sys.stderr)
            return 1
        write(actual, golden)
        print(f"case_contract: wrote {len(actual)} cases to {golden}")
        return 0
    expected = read(golden)
    over = passed_over(expected, actual, left)
    for (family, name), reason in sorted(left.items()):
        count = sum(1 for case in over if excused(case, left) == (family, name))
        print(f"case_contract: {count} cases of {family}/{name} not checked: left out here ({reason})")
    diff = differences(expected, actual, left)
    for line in sorted(diff)[:60]:
        print(line)
    if diff:
        print(f"case_contract: {len(diff)} differences against {golden}; if deliberate, run "
              f"tests/contract/case_contract.py write {bench} {golden}")
        return 1
    print(f"case_contract: {len(actual)} cases agree with {golden}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
