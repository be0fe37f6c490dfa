"""compare: decide, per case and metric, whether NEW moved against BASE beyond the noise.

Modules, one idea each:
  metrics       the metrics a comparison knows, each with its direction and unit
  stats         medians, Mann-Whitney U, the smallest reachable p, Benjamini-Hochberg
  samples       results files -> the repetitions of every case (iteration entries only)
  judge         contexts, normalisation, verdicts: two Samples -> a Comparison
  render        a Comparison as text, markdown, JUnit XML, Bencher BMF, github-action-benchmark
  cli           the compare command line
  ab            run_suite --ab: build the base revision, run both sides interleaved
  instructions  run_suite --mode instructions: callgrind instructions per operation
"""
