#!/usr/bin/python3
"""Checks the statistics file the interposer wrote for a run of interpose_test.

    check_stats_file.py FILE LOCK

The run locked mutexes under contention, waited on condition variables and was
pinned by the compact policy: each of those must show, with the call sites of
the test program's own mutexes."""
import json
import sys


def main() -> int:
    path, lock = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    problems = []

    def check(condition: bool, what: str) -> None:
        if not condition:
            problems.append(what)

    totals = doc["totals"]
    check(doc["format"] == "synclab-interpose-1", f"format {doc['format']!r}")
    check(doc["lock"] == lock and doc["mode"] == "lock", f"lock {doc['lock']!r} mode {doc['mode']!r}")
    check(doc["stats"] is True, "statistics were off")
    check(totals["acquisitions"] > 100_000, f"only {totals['acquisitions']} acquisitions")
    check(0 < totals["contended"] <= totals["acquisitions"], f"contended {totals['contended']}")
    check(0 < totals["handoffs"] <= totals["acquisitions"], f"handoffs {totals['handoffs']}")
    check(totals["wait_p50_ns"] <= totals["wait_p99_ns"] <= totals["wait_max_ns"], "wait percentiles out of order")
    check(totals["cond_waits"] > 1000 and totals["cond_timeouts"] >= 4, "condition variable waits not counted")
    check(totals["trylock_busy"] > 0, "no busy trylock counted")
    check(totals["glibc_owned_acquisitions"] >= 2, "the robust mutex was not passed to glibc")
    check(sum(count for _, count in doc["wait_histogram_ns"]) == totals["contended"] or totals["contended"] > 0,
          "histogram")
    sites = [m["call_site"] for m in doc["mutexes"]]
    check(any("interpose_test" in site for site in sites), f"no call site in the test program: {sites[:5]}")
    kinds = doc["mutexes_by_kind"]
    check(all(kinds.get(kind, 0) > 0 for kind in ("normal", "recursive", "errorcheck", "adaptive")),
          f"mutexes by kind: {kinds}")
    pinning = doc["pinning"]
    check(pinning is not None and pinning["placement"] == "compact" and pinning["threads_pinned"] >= 10,
          f"pinning {pinning}")
    for problem in problems:
        print(f"{path}: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
