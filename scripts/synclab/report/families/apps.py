"""The apps family: real programs under each lock, their own throughput against the system mutex.

How the same locks rank in a program and in the microbenchmark is the apps panel's
(report/apps_panel.py), above the families; this section holds the programs' own numbers.
"""
from __future__ import annotations

from synclab.report.families.base import FamilyPanel
from synclab.report.families.plots import CPU, RELATIVE, THROUGHPUT

PANEL = FamilyPanel(
    about="Unmodified programs (docs/apps.md) with every pthread mutex and condition variable on "
          "the lock named, through libsynclab_interpose.so, their threads pinned by the placement "
          "policy. A level here is a program's workload (program:workload); throughput is the "
          "program's own figure in its own unit of work, and pthread_mutex is glibc's mutex "
          "through the same interposer. CPU time per operation covers the whole program; the "
          "interposer's counts (acquisitions, contended share, waits, handoffs per acquisition) "
          "are in the tables.",
    speed=(THROUGHPUT, RELATIVE),
    behaviour=(CPU,),
)
