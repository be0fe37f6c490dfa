"""The lock family: speed, and how the speed is obtained (fairness, latency, CPU, preemption);
above the levels, the 2015-2025 locks beside the classics they claim to beat (frontier.py)."""
from __future__ import annotations

from synclab.report.families import frontier
from synclab.report.families.base import FamilyPanel
from synclab.report.families.plots import (COLLAPSE, CPU, FAIRNESS, LATENCY, RELATIVE,
                                           THROUGHPUT)

PANEL = FamilyPanel(
    about="Mutual exclusion: every operation is lock, a short critical section writing shared "
          "cache lines, unlock (docs/contention.md). The section opens with the 2015–2025 "
          "locks beside the classics they claim to beat: their goals judged from this run, and "
          "every lock's throughput against its handoff ratio (docs/locks-frontier.md). The "
          "first figure of each level says how fast; the second how that speed is obtained: "
          "whether some threads starve (fairness, tail latency), whether waiters burn CPU (CPU "
          "time), and what happens when the holder is preempted (oversubscription).",
    speed=(THROUGHPUT, RELATIVE),
    behaviour=(FAIRNESS, LATENCY, CPU, COLLAPSE),
    overview=(frontier.FRONTIER_FIGURE,),
    tables=frontier.tables,
)
