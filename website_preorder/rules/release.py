"""Release decision (SPEC §4).

A sale line is released when received goods cover its allocations (earlier
orders are covered first on each supply line), or when its promise date has
arrived; either way only while unreserved stock can cover it, earlier orders
served first.
"""

from dataclasses import dataclass

_EPS = 1e-9


@dataclass(frozen=True)
class Allocated:
    id: int
    sale_line_id: int
    supply_id: int
    quantity: float
    confirmed_at: object


@dataclass(frozen=True)
class Candidate:
    """An allocated, not yet released sale line."""

    sale_line_id: int
    product_id: int
    confirmed_at: object
    promise_date: object  # date or None
    fully_allocated: bool = True


def covered_by_receipts(allocations, received):
    """{allocation_id: covered quantity} given ``received`` {supply_id: qty}.

    On each supply line, received goods cover allocations oldest order first.
    """
    covered = {}
    by_supply = {}
    for allocation in allocations:
        by_supply.setdefault(allocation.supply_id, []).append(allocation)
    for supply_id, rows in by_supply.items():
        left = received.get(supply_id, 0.0)
        for allocation in sorted(rows, key=lambda a: (a.confirmed_at, a.sale_line_id, a.id)):
            take = max(0.0, min(allocation.quantity, left))
            covered[allocation.id] = take
            left -= take
    return covered


def decide(candidates, allocations, received, free_stock, today):
    """Sale line ids to release, in the order their deliveries should reserve.

    - ``candidates``: Candidate rows (allocated, unreleased sale lines);
    - ``allocations``: every open Allocated row of the supply lines involved
      (released ones included, they come first on receipts);
    - ``received``: {supply_id: received quantity, product unit};
    - ``free_stock``: {product_id: unreserved on-hand quantity};
    - ``today``: a date.
    """
    covered = covered_by_receipts(allocations, received)
    by_line = {}
    for allocation in allocations:
        by_line.setdefault(allocation.sale_line_id, []).append(allocation)
    free = dict(free_stock)
    released = []
    for candidate in sorted(candidates, key=lambda c: (c.confirmed_at, c.sale_line_id)):
        if not candidate.fully_allocated:
            continue
        rows = by_line.get(candidate.sale_line_id, [])
        if not rows:
            continue
        allocated = sum(row.quantity for row in rows)
        from_receipts = sum(covered.get(row.id, 0.0) for row in rows)
        missing = allocated - from_receipts
        available = free.get(candidate.product_id, 0.0)
        received_for_it = missing <= _EPS
        due = candidate.promise_date is not None and candidate.promise_date <= today
        # either way its goods must be on the shelf, unreserved: received goods
        # another delivery already took do not release it.
        if (received_for_it or due) and available - allocated >= -_EPS:
            free[candidate.product_id] = available - allocated
            released.append(candidate.sale_line_id)
    return released
