"""history: results of many runs in one SQLite file, trends, change points, dashboard exports.

Modules, one idea each:
  store       the SQLite schema, adding a run in one transaction, reading series back
  edivisive   E-divisive with means: change points of a series (numpy, permutation test)
  trend       the trend page: one PNG per case x metric with its change points, index.html
  cli         the history command line (add, trend, export, runs)
"""
