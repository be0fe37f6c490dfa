"""compare: decide, per case and metric, whether NEW moved against BASE beyond the noise.

Reads only results files (through synclab/load.py); what runs the two sides is run_suite --ab
(synclab/runner/ab.py). Metric directions and formats come from synclab/metrics.py.

Modules, one idea each:
  stats         medians, Mann-Whitney U, the smallest reachable p, Benjamini-Hochberg
  judge         contexts, normalisation, verdicts: two runs -> a Comparison
  render        a Comparison as text, markdown, JUnit XML, Bencher BMF, github-action-benchmark
  cli           the compare command line (and the judging options run_suite --ab shares)
"""
