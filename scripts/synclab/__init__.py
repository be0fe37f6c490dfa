"""synclab's Python tooling: the suite runner and the report generator.

Modules, one idea each:
  names      the case-name grammar, contention levels and each family's baseline
  errors     the error types and the one-line argument parser shared by the CLIs
  cases      profiles, parsing of option values, and case planning
  bench      running the bench binary as subprocesses (list, calibrate, one case)
  results    merging Google Benchmark JSON into results.json, atomic writes
  report/    reading results files, tables, figures and the HTML page
  run_suite  the suite's command line
  report_cli the report's command line
"""
