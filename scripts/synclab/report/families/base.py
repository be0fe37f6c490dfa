"""What a family panel is: the plots drawn for each contention level, in two figures.

A family's report section shows, per contention level (and placement), a "speed" figure and,
if the panel asks for one, a "behaviour" figure. Each figure is a row of Plots that apply to
the level; a Plot that does not apply says why (shown under the figure), or stays silent.

Above the levels a panel may add Overviews (one figure each, drawn from every level of the
family and the run's machine limits: a sweep across levels, costs side by side) and tables of
its own (e.g. litmus outcomes), built from the same FamilyRun.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, Union

from synclab.load import Run
from synclab.report.tables import ScenarioTable
from synclab.report.views import LevelView

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from synclab.report.figures.style import Style


@dataclass(frozen=True)
class Skip:
    """A plot left out of a level, and why (for the reader)."""
    reason: str


# Data for the plot; Skip when it cannot be drawn here; None when it never applies here.
Prepared = Union[Any, Skip, None]


@dataclass(frozen=True)
class Plot:
    key: str  # short name, e.g. "fairness"
    name: str  # what the plot shows, for captions and alt text
    how_to_read: str  # one or two sentences under the figure
    prepare: Callable[[LevelView], Prepared]
    title: Callable[[LevelView], str]
    draw: Callable[[Any, "Axes", Mapping[str, "Style"], str, bool], None]  # data, ax, styles, title, emulated


@dataclass(frozen=True)
class FamilyRun:
    """Everything a family's overviews and tables may read: its levels and the whole run."""
    family: str
    tables: tuple[ScenarioTable, ...]  # every level of the family
    run: Run  # for the machine's limits and the context


@dataclass(frozen=True)
class Overview:
    """One figure over the whole family; prepare returns its data, a Skip, or None (silent)."""
    key: str
    name: str
    how_to_read: str
    prepare: Callable[[FamilyRun], Prepared]
    draw: Callable[[Any, "Axes", str, bool], None]  # data, ax, title, emulated
    title: str
    size: Callable[[Any], tuple[float, float]]  # inches for the data: sized for the page


@dataclass(frozen=True)
class FamilyTable:
    """A table of the family's own, ready for the page: text cells, flagged rows marked."""
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    flagged: tuple[bool, ...] = ()  # per row: something the reader must see (shown in red)
    notes: tuple[str, ...] = ()  # lines under the table: how to read it, what is absent and why


@dataclass(frozen=True)
class FamilyPanel:
    about: str  # one paragraph at the top of the family section: what is measured, what to look for
    speed: tuple[Plot, ...]
    behaviour: tuple[Plot, ...] = ()
    overview: tuple[Overview, ...] = ()
    tables: Callable[[FamilyRun], Sequence[FamilyTable]] | None = None
