"""First-in first-out allocation planning (SPEC §4).

Supply lines are consumed earliest Expected Arrival first; demands (sale lines
waiting for quantity) are served oldest confirmed order first. Only lines of
the same product and kind meet.
"""

from dataclasses import dataclass

from .atp import round_qty


@dataclass(frozen=True)
class Supply:
    id: int
    product_id: int
    kind: str
    arrival: object  # date or datetime, compared only with each other
    atp: float


@dataclass(frozen=True)
class Demand:
    id: int
    product_id: int
    kind: str
    confirmed_at: object  # datetime of the order's confirmation
    quantity: float  # still to allocate, in the product's unit
    rounding: float = 0.0


@dataclass(frozen=True)
class Allocation:
    demand_id: int
    supply_id: int
    quantity: float


def _supply_order(supply):
    return (supply.arrival, supply.id)


def _demand_order(demand):
    return (demand.confirmed_at, demand.id)


def plan(demands, supplies):
    """Allocations that serve ``demands`` from ``supplies``, first in first out.

    Returns a list of Allocation; what a demand does not receive stays parked.
    Never promises more than a supply's ATP nor more than a demand's quantity.
    """
    remaining = {}
    queues = {}
    for supply in sorted(supplies, key=_supply_order):
        if supply.atp > 0:
            queues.setdefault((supply.product_id, supply.kind), []).append(supply)
            remaining[supply.id] = supply.atp
    result = []
    for demand in sorted(demands, key=_demand_order):
        wanted = demand.quantity
        for supply in queues.get((demand.product_id, demand.kind), ()):
            if round_qty(wanted, demand.rounding) <= 0:
                break
            available = remaining[supply.id]
            if available <= 0:
                continue
            quantity = round_qty(min(wanted, available), demand.rounding)
            if quantity <= 0:
                continue
            result.append(Allocation(demand.id, supply.id, quantity))
            remaining[supply.id] = round_qty(available - quantity, demand.rounding)
            wanted -= quantity
    return result


@dataclass(frozen=True)
class Existing:
    """An allocation already made, as deallocation sees it."""

    id: int
    quantity: float
    confirmed_at: object  # of the sale order
    sale_line_id: int


def plan_deallocation(allocations, excess, rounding=0.0):
    """Free ``excess`` from ``allocations`` of one supply line, latest orders first.

    Returns ``{allocation_id: new_quantity}`` (0 means remove it).
    """
    changes = {}
    for allocation in sorted(
        allocations, key=lambda a: (a.confirmed_at, a.sale_line_id, a.id), reverse=True
    ):
        if round_qty(excess, rounding) <= 0:
            break
        taken = min(allocation.quantity, excess)
        changes[allocation.id] = round_qty(allocation.quantity - taken, rounding)
        excess -= taken
    return changes


def promise_date(arrivals):
    """A sale line's promise date: the latest Expected Arrival of its allocations."""
    arrivals = [arrival for arrival in arrivals if arrival]
    return max(arrivals) if arrivals else None
