"""synclab's Python tooling: the suite runner, and the tools that read its results files.

Modules and packages, one idea each:
  names      the case-name grammar, contention levels and each family's baseline
  cases      profiles, parsing of run_suite's option values, and case planning
  errors     the error types, the one-line argument parser and option values the CLIs share
  bench      running the bench binary as subprocesses (list, calibrate, one case)
  results    writing results.json: cases merged as they finish, atomic writes, schema_version
  load       reading results files: the one loader of report, compare and history
  metrics    every metric's unit, direction, label and formatter (the one registry)
  numfmt     the formatters of those units
  elf        a binary's architecture from its ELF header
  arch       target architectures: native or cross-built, emulated under qemu
  describe   the bench binary's own account of its run parameters (--synclab_describe)
  runner/    run_suite: options, build, the timed, A/B and instruction modes
  report/    results -> tables, figures and index.html (scripts/report)
  compare/   two results files -> verdicts per case and metric (scripts/compare)
  history/   many results files in SQLite, trends and change points (scripts/history)
  census/    which atomic instructions each primitive compiles to (scripts/census)
Each command line is the `cli` module of its package.
"""
