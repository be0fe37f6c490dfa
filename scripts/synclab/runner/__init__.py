"""run_suite: build synclab, run each case in its own process, write results.json and the report.

Modules, one per job:
  cli           the command line: parse, check, then hand over to one mode
  options       run_suite's options, their values and the combinations they allow
  families      which families take which levels (the binary's table, else the docs'); --family
  stop          SIGINT / SIGTERM -> a flag the running child is stopped by
  build         the CMake build of a preset, or the binary given with --bench / --no-build
  target        --arch / --arm64-variant: preset, emulator wrapper, census of the build
  rundir        run ids, run directories and what a results file records about its run
  timed         the default mode: timed windows, case by case, then the summary and report
  ab            --ab / --ab-bench: both builds interleaved repetition by repetition, compared
  interleave    the loop that alternates several sides' repetitions of one case
  ab_build      --ab: the base revision built in build/ab/base from a git worktree
  instructions  --mode instructions: the uncontended one-thread cases under callgrind
  callgrind     instructions per operation of one case: two windows, the slope between them
  record        --record: the finished run added to the history database
"""
from __future__ import annotations

from pathlib import Path

PROG = "run_suite"
REPO = Path(__file__).resolve().parents[3]
