"""The lock family: speed, and how the speed is obtained (fairness, latency, CPU, preemption)."""
from __future__ import annotations

from synclab.report.families.base import FamilyPanel
from synclab.report.families.plots import (COLLAPSE, CPU, FAIRNESS, LATENCY, RELATIVE,
                                           THROUGHPUT)

PANEL = FamilyPanel(
    about="Mutual exclusion: every operation is lock, a short critical section writing shared "
          "cache lines, unlock (docs/contention.md). The first figure of each level says how "
          "fast; the second how that speed is obtained: whether some threads starve (fairness, "
          "tail latency), whether waiters burn CPU (CPU time), and what happens when the "
          "holder is preempted (oversubscription).",
    speed=(THROUGHPUT, RELATIVE),
    behaviour=(FAIRNESS, LATENCY, CPU, COLLAPSE),
)
