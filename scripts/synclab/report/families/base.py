"""What a family panel is: the plots drawn for each contention level, in two figures.

A family's report section shows, per contention level (and placement), a "speed" figure and,
if the panel asks for one, a "behaviour" figure. Each figure is a row of Plots that apply to
the level; a Plot that does not apply says why (shown under the figure), or stays silent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Union

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
class FamilyPanel:
    about: str  # one paragraph at the top of the family section: what is measured, what to look for
    speed: tuple[Plot, ...]
    behaviour: tuple[Plot, ...] = ()
