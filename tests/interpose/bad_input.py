#!/usr/bin/python3
"""Bad input to the interposer: each case ends the program at load time with exit
status 2 and one line naming the problem; the interposer never falls back to
another lock. The menu lists every lock with its verdict.

    bad_input.py --preload LIBS --plugins DIR

LIBS is the LD_PRELOAD value (the AddressSanitizer runtime first when the build
uses it); DIR holds the broken test plugins."""
import argparse
import json
import os
import subprocess
import sys

PROGRAM = ["/bin/true"]


def run(preload: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SYNCLAB_")}
    full.update(env, LD_PRELOAD=preload)
    return subprocess.run(PROGRAM, env=full, capture_output=True, text=True, timeout=30, check=False)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preload", required=True)
    parser.add_argument("--plugins", required=True)
    args = parser.parse_args()
    plugin = lambda kind: os.path.join(args.plugins, f"libsynclab_broken_{kind}.so")  # noqa: E731
    cases = [
        ({}, "SYNCLAB_LOCK is not set"),
        ({"SYNCLAB_LOCK": "no_such_lock"}, "SYNCLAB_LOCK=no_such_lock: no such lock (allowed: pthread_mutex,"),
        ({"SYNCLAB_LOCK": "anderson"}, "SYNCLAB_LOCK=anderson is refused: its constructor allocates"),
        ({"SYNCLAB_LOCK": "clh"}, "SYNCLAB_LOCK=clh is refused: its queue elements are allocated"),
        ({"SYNCLAB_LOCK": "/nonexistent/libmylock.so"}, "cannot be loaded"),
        ({"SYNCLAB_LOCK": plugin("no_entry")}, "exports no synclab_lock_plugin_v1()"),
        ({"SYNCLAB_LOCK": plugin("bad_abi")}, "built for lock plugin ABI version 99"),
        ({"SYNCLAB_LOCK": plugin("unsafe")}, "refused: its flags lack SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK"),
        ({"SYNCLAB_LOCK": "ticket", "SYNCLAB_PLACEMENT": "cpus:4095", "SYNCLAB_PLACEMENT_THREADS": "1"},
         "SYNCLAB_PLACEMENT=cpus:4095"),
        ({"SYNCLAB_LOCK": "ticket", "SYNCLAB_PLACEMENT": "compact", "SYNCLAB_PLACEMENT_THREADS": "0"},
         "SYNCLAB_PLACEMENT_THREADS=0"),
        ({"SYNCLAB_LOCK": "ticket", "SYNCLAB_PLACEMENT": "compact", "SYNCLAB_PIN": "sometimes"},
         "SYNCLAB_PIN=sometimes"),
        ({"SYNCLAB_LOCK": "ticket", "SYNCLAB_INTERPOSE_STATS": "maybe"}, "SYNCLAB_INTERPOSE_STATS=maybe"),
    ]
    failures = []
    for env, expected in cases:
        r = run(args.preload, env)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        ok = (r.returncode == 2 and len(lines) == 1 and lines[0].startswith("libsynclab_interpose: error: ")
              and expected in lines[0])
        if not ok:
            failures.append(f"{env}: exit {r.returncode}, stderr {r.stderr!r}; expected one line with {expected!r}")
    listing = run(args.preload, {"SYNCLAB_INTERPOSE_LIST": "1"})
    try:
        menu = {lock["name"]: lock for lock in json.loads(listing.stdout)["locks"]}
        if not (menu["pthread_mutex"]["allowed"] and menu["mcs"]["allowed"] and not menu["clh"]["allowed"]
                and not menu["anderson"]["allowed"] and menu["cohort"]["storage"] == "block"
                and menu["ticket"]["storage"] == "in_place"):
            failures.append(f"menu verdicts: {menu}")
    except (ValueError, KeyError) as exc:
        failures.append(f"SYNCLAB_INTERPOSE_LIST=1 printed no menu ({exc}): {listing.stdout!r} {listing.stderr!r}")
    for failure in failures:
        print(failure)
    print(f"{len(cases) + 1 - len(failures)} of {len(cases) + 1} bad-input cases behave")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
