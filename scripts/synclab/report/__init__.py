"""The report: results files -> tables and figures -> a self-contained index.html.

load    results files -> Run records (the only module here that reads files)
tables  pure computations: per-scenario tables, series for figures, normalised bars
problems  what is missing or went wrong in a run
fmt     number formatting shared by the text and HTML renderings
text    plain-text summary table (run_suite prints it)
figures drawing on a given Axes
html    the page as a string
build   writes the PNGs and index.html for a list of runs
"""
