"""The ordering family: the cost of one operation under each memory ordering, side by side.

Cases are `ordering/<op>/<order>/t:1|t:2/place:P` (docs/ordering.md), so each level of the
family is one ordering; the overview regroups them by operation, one figure per thread count.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synclab.report.families.base import FamilyPanel, FamilyRun, Overview, Skip
from synclab.report.tables import Summary

ORDERS = ("relaxed", "acquire", "release", "acq_rel", "seq_cst")
# The orderings the C++ model accepts for each operation (docs/ordering.md): a missing bar of an
# ordering listed here was not measured; one not listed cannot exist.
VALID_ORDERS = {
    "load": ("relaxed", "acquire", "seq_cst"),
    "store": ("relaxed", "release", "seq_cst"),
    "fence": ("acquire", "release", "acq_rel", "seq_cst"),
    "fetch_or": ("relaxed", "seq_cst"),
    "fetch_or_casloop": ("relaxed", "seq_cst"),
}
OPS = ("load", "store", "fetch_add", "compare_exchange", "exchange", "fence", "fetch_or",
       "fetch_or_casloop")


@dataclass(frozen=True)
class OrderingCosts:
    threads: int
    placement: str
    ops: tuple[str, ...]
    orders: tuple[str, ...]
    costs: dict[tuple[str, str], Summary]  # (op, order) -> ns_per_op
    missing: tuple[tuple[str, str], ...]  # valid (op, order) pairs not measured


def valid_orders(op: str) -> tuple[str, ...]:
    return VALID_ORDERS.get(op, ORDERS)


def ordering_costs(family: FamilyRun, threads: int) -> OrderingCosts | Skip:
    """ns_per_op per (operation, ordering) at `threads`, at the family's first placement."""
    found: dict[str, dict[tuple[str, str], Summary]] = {}
    for table in family.tables:
        for row in table.rows:
            cost = row.metrics.get("ns_per_op")
            if row.threads == threads and cost is not None:
                found.setdefault(row.placement, {})[(row.primitive, table.scenario)] = cost
    if not found:
        measured = sorted({row.threads for table in family.tables for row in table.rows})
        return Skip(f"cost per operation at t:{threads}: no ordering case ran with {threads} "
                    f"thread(s) (measured: {', '.join(f't:{t}' for t in measured) or 'none'})")
    placement = sorted(found)[0]
    costs = found[placement]
    ops = tuple(sorted({op for op, _ in costs}, key=lambda op: (
        OPS.index(op) if op in OPS else len(OPS), op)))
    orders = tuple(o for o in ORDERS if any(order == o for _, order in costs)) + tuple(
        sorted({order for _, order in costs} - set(ORDERS)))
    missing = tuple((op, order) for op in ops for order in valid_orders(op)
                    if order in orders and (op, order) not in costs
                    and not (op == "fence" and threads > 1))
    return OrderingCosts(threads, placement, ops, orders, costs, missing)


def _draw(data: OrderingCosts, ax: Any, title: str, emulated: bool) -> None:
    from synclab.report.figures.ordering import plot_ordering_costs
    plot_ordering_costs(data, ax=ax, title=title, emulated=emulated)


def _overview(threads: int, what: str) -> Overview:
    return Overview(
        f"costs-t{threads}", f"cost per operation and ordering at t:{threads}",
        "One group of bars per operation, one bar per memory ordering, in ns per operation of "
        f"one thread ({what}). Within a group, a taller bar is what that ordering costs over "
        "the others; no bar where the C++ model has no such ordering for the operation, and "
        "'not measured' where it has one this run did not measure.",
        lambda family: ordering_costs(family, threads), _draw,
        f"cost per operation by ordering, t:{threads}",
        lambda data: (min(9.0, max(4.8, 1.6 + 0.9 * len(data.ops))), 3.2))


PANEL = FamilyPanel(
    about="What each atomic operation costs under each memory ordering, alone (t:1) and with "
          "a second thread hammering the same variable (t:2). On x86-64 expect the orderings "
          "of one operation to cost the same, except seq_cst stores and fences; on arm64 "
          "acquire and release differ from relaxed (docs/ordering.md). The figures set the "
          "orderings side by side; the levels below (one per ordering) hold every number.",
    speed=(),
    overview=(_overview(1, "alone"), _overview(2, "two threads on the same variable")),
)
