"""Family panels: a small module per family, chosen by the family's name; others get `generic`.

To give a family its own panel, add a module here defining PANEL (a base.FamilyPanel) and name
it in PANELS below (see docs/report.md).
"""
from __future__ import annotations

from synclab.report.families import (apps, channels, generic, litmus, locks, ordering, padding,
                                     reclaim)
from synclab.report.families.base import FamilyPanel

PANELS: dict[str, FamilyPanel] = {
    "channels": channels.PANEL,
    "litmus": litmus.PANEL,
    "locks": locks.PANEL,
    "ordering": ordering.PANEL,
    "padding": padding.PANEL,
    "reclaim": reclaim.PANEL,
    "apps": apps.PANEL,
}


def panel_for(family: str) -> FamilyPanel:
    """The family's own panel, or the generic one."""
    return PANELS.get(family, generic.PANEL)
