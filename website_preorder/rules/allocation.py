"""First-in first-out allocation planning (SPEC §4).

Supply lines are consumed earliest Expected Arrival first; demands (sale lines
waiting for quantity) are served oldest confirmed order first. Only lines of
the same product and kind meet.
"""

from dataclasses import dataclass

from .floats import round_qty


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


def _supply_queues(supplies):
    """({(product, kind): supplies with ATP, earliest arrival first}, {supply id: ATP})."""
    remaining = {}
    queues = {}
    for supply in sorted(supplies, key=_supply_order):
        if supply.atp > 0:
            queues.setdefault((supply.product_id, supply.kind), []).append(supply)
            remaining[supply.id] = supply.atp
    return queues, remaining


def plan(demands, supplies):
    """Allocations that serve ``demands`` from ``supplies``, first in first out.

    Returns a list of Allocation; what a demand does not receive stays parked.
    Never promises more than a supply's ATP nor more than a demand's quantity.
    Each queue of supplies (one per product and kind) is walked once: a
    supply used up is never looked at again, so the cost grows with demands
    plus supplies, not with their product.
    """
    queues, remaining = _supply_queues(supplies)
    heads = dict.fromkeys(queues, 0)  # index of the first supply not used up
    result = []
    for demand in sorted(demands, key=_demand_order):
        key = (demand.product_id, demand.kind)
        queue = queues.get(key, ())
        position = heads.get(key, 0)
        while position < len(queue) and remaining[queue[position].id] <= 0:
            position += 1
        if queue:
            heads[key] = position
        wanted = demand.quantity
        while position < len(queue) and round_qty(wanted, demand.rounding) > 0:
            supply = queue[position]
            available = remaining[supply.id]
            quantity = round_qty(min(wanted, available), demand.rounding)
            if quantity > 0:
                result.append(Allocation(demand.id, supply.id, quantity))
                remaining[supply.id] = round_qty(available - quantity, demand.rounding)
                wanted -= quantity
            if remaining[supply.id] <= 0 or quantity <= 0:
                # used up, or what is left rounds to nothing for this demand
                position += 1
    return result


#: which allocations a deallocation frees first
LATEST_ORDERS = "orders"  # supply shrinks (request line lowered): latest orders pay
LATEST_ARRIVALS = "arrivals"  # demand shrinks (sale line lowered): latest arrivals go


@dataclass(frozen=True)
class Existing:
    """An allocation already made, as deallocation sees it."""

    id: int
    quantity: float
    confirmed_at: object  # of the sale order
    sale_line_id: int
    arrival: object = None  # Expected Arrival of its supply line
    released: bool = False


class ReleasedQuantity(ValueError):
    """Freeing the quantity asked would shrink released allocations."""

    def __init__(self, released, excess):
        super().__init__(released, excess)
        self.released = released
        self.excess = excess


def _arrival_key(allocation):
    return (allocation.arrival is not None, allocation.arrival, allocation.id)


def _order_key(allocation):
    return (allocation.confirmed_at, allocation.sale_line_id, allocation.id)


def plan_deallocation(allocations, excess, rounding=0.0, latest=LATEST_ORDERS):
    """Free ``excess`` from ``allocations``; the one deallocation rule.

    ``latest``: LATEST_ORDERS frees the latest confirmed orders first (a supply
    line lost quantity), LATEST_ARRIVALS the latest Expected Arrivals first (a
    sale line wants less: it keeps its earliest promise). Released allocations
    are never shrunk: when the others cannot cover ``excess``, ReleasedQuantity
    is raised with the released quantity. Pass the whole allocated quantity to
    free everything that is not released.

    Returns ``{allocation_id: new_quantity}`` (0 means remove it).
    """
    if round_qty(excess, rounding) <= 0:
        return {}
    open_ = [allocation for allocation in allocations if not allocation.released]
    freeable = round_qty(sum(allocation.quantity for allocation in open_), rounding)
    if round_qty(excess - freeable, rounding) > 0:
        released = sum(allocation.quantity for allocation in allocations if allocation.released)
        if round_qty(released, rounding) > 0:
            raise ReleasedQuantity(round_qty(released, rounding), round_qty(excess, rounding))
    key = _arrival_key if latest == LATEST_ARRIVALS else _order_key
    changes = {}
    for allocation in sorted(open_, key=key, reverse=True):
        if round_qty(excess, rounding) <= 0:
            break
        taken = min(allocation.quantity, excess)
        changes[allocation.id] = round_qty(allocation.quantity - taken, rounding)
        excess -= taken
    return changes


def fulfilment(allocations, delivered, rounding=0.0):
    """Delivered quantity of each allocation of ONE sale line.

    ``allocations``: ``(id, quantity, arrival)`` of every allocation of the line;
    its delivered quantity covers them in arrival order (earliest Expected
    Arrival first, then id). Returns ``{allocation_id: delivered share}``.
    """
    result = {}
    ordered = sorted(allocations, key=lambda a: (a[2] is None, a[2] or 0, a[0]))
    for allocation_id, quantity, _arrival in ordered:
        share = round_qty(max(0.0, min(quantity, delivered)), rounding)
        result[allocation_id] = share
        delivered -= share
    return result


PARKED = "parked"
ALLOCATED = "allocated"
RELEASED = "released"
#: sale lines release still has to serve
OPEN_STATES = (PARKED, ALLOCATED)


@dataclass(frozen=True)
class LineQuantities:
    allocated: float
    released: float
    parked: float
    state: object  # PARKED, ALLOCATED, RELEASED, or None for a line that waits for nothing


def line_quantities(allocations, from_stock, ordered, is_open, rounding=0.0, step=0.0):
    """A sale line's pre-order figures (SPEC §4), all in the product's unit.

    ``allocations``: ``(quantity, released)`` of each of its allocations;
    ``from_stock``: parked quantity released from free stock; ``ordered``: the
    line's quantity; ``is_open``: a pre-order line of a confirmed order (others
    are neither parked nor in a pre-order state). Parked = ordered − allocated −
    released from stock; a line is released when its whole quantity is.
    ``rounding`` is the product unit's, ``step`` the stored fields' precision.
    """
    allocated = round_qty(sum(quantity for quantity, _released in allocations), step)
    released = round_qty(
        from_stock + sum(quantity for quantity, released in allocations if released), step
    )
    if not is_open or ordered < rounding / 2:
        # a line cancelled down to nothing waits for nothing
        return LineQuantities(allocated, released, 0.0, None)
    parked = ordered - allocated - from_stock
    parked = round_qty(parked, step) if parked > rounding / 2 else 0.0
    if parked:
        state = PARKED
    elif ordered - released < rounding / 2:
        state = RELEASED
    else:
        state = ALLOCATED
    return LineQuantities(allocated, released, parked, state)


def promise_date(arrivals):
    """A sale line's promise date: the latest Expected Arrival of its allocations."""
    arrivals = [arrival for arrival in arrivals if arrival]
    return max(arrivals) if arrivals else None


@dataclass(frozen=True)
class Held:
    """An open allocation as moving to earlier supply sees it."""

    id: int
    sale_line_id: int
    supply_id: int
    product_id: int
    kind: str
    confirmed_at: object  # of the sale order
    arrival: object  # Expected Arrival of its supply line
    quantity: float
    released: bool = False
    rounding: float = 0.0


@dataclass(frozen=True)
class Move:
    """``quantity`` of allocation ``allocation_id`` moves to supply ``to_supply_id``."""

    allocation_id: int
    from_supply_id: int
    to_supply_id: int
    quantity: float


def plan_earlier(held, supplies):
    """Moves of open allocations to supply that arrives earlier (issue 16).

    ``supplies`` carry their ATP now. For each product and kind, the oldest
    orders go first (order confirmation, then sale line, then allocation);
    each of their allocations takes what it can from the supplies arriving
    strictly earlier than its own, earliest first (ties: lower id). A move
    never goes to a later or equally late supply, released allocations never
    move, and no supply gives more than its ATP. Returns a list of Move.
    """
    queues, remaining = _supply_queues(supplies)
    result = []
    ordered = sorted(
        (allocation for allocation in held if not allocation.released),
        key=lambda a: (a.confirmed_at, a.sale_line_id, a.id),
    )
    for allocation in ordered:
        queue = queues.get((allocation.product_id, allocation.kind), ())
        left = allocation.quantity
        for supply in queue:
            if allocation.arrival is not None and supply.arrival >= allocation.arrival:
                break  # the queue is sorted by arrival: nothing earlier follows
            if supply.id == allocation.supply_id:
                continue
            quantity = round_qty(min(left, remaining[supply.id]), allocation.rounding)
            if quantity <= 0:
                continue
            result.append(Move(allocation.id, allocation.supply_id, supply.id, quantity))
            remaining[supply.id] = round_qty(remaining[supply.id] - quantity, allocation.rounding)
            left = round_qty(left - quantity, allocation.rounding)
            if left <= 0:
                break
    return result
