"""history: results of many runs in one database (an SQLite file or PostgreSQL), trends, change
points, dashboard exports.

Modules, one idea each:
  engines     a database argument (path, sqlite:PATH, postgresql://...) -> engine; errors -> one line
  schema      the tables, one for both engines, and the versioned migrations that build them
  store       adding runs in one transaction (idempotent per run id), reading series back, import
  edivisive   E-divisive with means: change points of a series (numpy, permutation test)
  trend       the trend page: one PNG per case x metric with its change points, index.html
  cli         the history command line (add, migrate, import, trend, export, runs)
"""
