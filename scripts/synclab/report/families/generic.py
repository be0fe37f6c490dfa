"""The panel of any family without its own module: how fast, as tables and throughput plots."""
from __future__ import annotations

from synclab.report.families.base import FamilyPanel
from synclab.report.families.plots import RELATIVE, THROUGHPUT

PANEL = FamilyPanel(
    about="Throughput of each primitive against threads, and relative to the family's baseline "
          "where it has one. This family has no dedicated panel yet: the tables below hold "
          "every counter measured.",
    speed=(THROUGHPUT, RELATIVE),
)
