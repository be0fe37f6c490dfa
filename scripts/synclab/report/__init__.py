"""The report: results files -> tables and figures -> a self-contained index.html.

cli           the report command line (scripts/report); files are read by synclab/load.py
tables        pure computations: per-scenario tables, series for figures, normalised bars
summary       per family and contention level: fastest, fairest, best at both (--fair-by)
absent        why a metric is absent: what the report writes instead of a number
views         per level, the data of each family plot (fairness, latency, CPU, collapse)
counters      event counters per operation; what could not be counted and why
machine       the machine: description, placements, core-to-core matrix, operation costs
side_by_side  several runs, each normalised to its own baseline; labels that tell them apart
problems      what is missing or went wrong in a run
reproduction  the book's experiments beside this run's figures, with a verdict per experiment
fmt           a table cell: median and spread in the metric's unit (synclab/metrics.py)
text          plain-text summary table (run_suite prints it)
figures/      drawing on a given Axes
families/     one panel per family (which plots each level gets), and the generic fallback
html          the page as a string
build         writes the PNGs and index.html for a list of runs
"""
