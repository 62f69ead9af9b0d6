"""Release plan (SPEC §4): which pre-ordered quantities may be reserved now.

Release is per allocation, first in first out by sale order confirmation, and
always within one **delivery source location** (the stock location of the
order's warehouse, children included; never input or quality locations):

1. Received goods of a supply line cover its allocations, oldest order first;
   each covered allocation is released up to what is free in its order's
   location.
2. Then allocations whose promise date has arrived take free stock in their
   location (earliest promise first, then oldest order), and then parked
   lines take what is left, oldest order first.

The plan says how much each allocation or parked line may reserve; the model
reserves it and marks released only what the deliveries actually reserved.
"""

from dataclasses import dataclass, field

from .floats import compare, is_zero

#: why a pre-order line was not (fully) released
NOT_DUE = "not_due"  # goods not received for it and promise date not reached
NO_STOCK = "no_stock"  # nothing free in its location
EARLIER_ORDERS = "earlier_orders"  # earlier orders took the free stock


@dataclass(frozen=True)
class OpenAllocation:
    """An allocation not released yet."""

    id: int
    sale_line_id: int
    supply_id: int
    product_id: int
    location_id: int  # the order's delivery source location
    quantity: float
    confirmed_at: object  # of the sale order
    promise_date: object = None  # of the sale line (date or None)
    rounding: float = 0.0  # of the product's unit


@dataclass(frozen=True)
class ParkedLine:
    sale_line_id: int
    product_id: int
    location_id: int
    quantity: float  # the parked quantity
    confirmed_at: object
    rounding: float = 0.0  # of the product's unit


@dataclass(frozen=True)
class Release:
    """Reserve ``quantity`` for a sale line, from an allocation (or from free
    stock for a parked line, ``allocation_id`` None)."""

    sale_line_id: int
    allocation_id: object  # int or None
    quantity: float
    reason: str  # "receipt", "due" or "parked"


@dataclass
class ReleaseResult:
    """What a release run planned and reserved (for messages and tests)."""

    planned: list = field(default_factory=list)  # rules.release.Release rows
    reserved: dict = field(default_factory=dict)  # {sale line id: quantity reserved now}
    free: dict = field(default_factory=dict)  # {(product id, location id): free before}
    covered: dict = field(default_factory=dict)  # {allocation id: covered by receipts}
    today: dict = field(default_factory=dict)  # {company id: date}

    def merge(self, other):
        """Add what ``other`` (a batch of other products) planned and reserved."""
        self.planned.extend(other.planned)
        self.reserved.update(other.reserved)
        self.free.update(other.free)
        self.covered.update(other.covered)
        self.today.update(other.today)


def _fifo(row):
    return (row.confirmed_at, row.sale_line_id, getattr(row, "id", 0))


def receipt_coverage(allocations, receipt_credit):
    """{allocation_id: quantity} the received goods of each supply line cover.

    ``receipt_credit``: {supply_id: received quantity not yet used by released
    allocations}. On each supply line, oldest orders are covered first.
    """
    covered = {}
    left = dict(receipt_credit)
    for allocation in sorted(allocations, key=_fifo):
        credit = left.get(allocation.supply_id, 0.0)
        positive = compare(credit, 0.0, allocation.rounding) > 0
        take = min(allocation.quantity, credit) if positive else 0.0
        covered[allocation.id] = take
        left[allocation.supply_id] = credit - take
    return covered


def plan(allocations, parked, receipt_credit, free, today):
    """The releases to make, in the order their deliveries should reserve.

    - ``allocations``: OpenAllocation rows (not released);
    - ``parked``: ParkedLine rows;
    - ``receipt_credit``: {supply_id: received quantity not used yet};
    - ``free``: {(product_id, location_id): unreserved on-hand quantity};
    - ``today``: a date.
    Returns a list of Release; never more than ``free`` per product and
    location, nor more than an allocation's or a parked line's quantity.
    """
    free = dict(free)
    left = {allocation.id: allocation.quantity for allocation in allocations}
    releases = []

    def take(key, wanted, rounding):
        available = free.get(key, 0.0)
        quantity = min(wanted, available)
        if compare(quantity, 0.0, rounding) <= 0:
            return 0.0
        free[key] = available - quantity
        return quantity

    covered = receipt_coverage(allocations, receipt_credit)
    for allocation in sorted(allocations, key=_fifo):
        key = (allocation.product_id, allocation.location_id)
        quantity = take(key, covered.get(allocation.id, 0.0), allocation.rounding)
        if quantity:
            left[allocation.id] -= quantity
            releases.append(Release(allocation.sale_line_id, allocation.id, quantity, "receipt"))

    due = [
        allocation
        for allocation in allocations
        if allocation.promise_date is not None
        and allocation.promise_date <= today
        and compare(left[allocation.id], 0.0, allocation.rounding) > 0
    ]
    for allocation in sorted(due, key=lambda a: (a.promise_date, *_fifo(a))):
        key = (allocation.product_id, allocation.location_id)
        quantity = take(key, left[allocation.id], allocation.rounding)
        if quantity:
            left[allocation.id] -= quantity
            releases.append(Release(allocation.sale_line_id, allocation.id, quantity, "due"))

    for line in sorted(parked, key=_fifo):
        quantity = take((line.product_id, line.location_id), line.quantity, line.rounding)
        if quantity:
            releases.append(Release(line.sale_line_id, None, quantity, "parked"))
    return releases


def apportion(planned, reserved, rounding=0.0):
    """Split what a sale line's deliveries ``reserved`` over its ``planned``
    releases, in plan order (``rounding``: of the product's unit). Returns
    [(Release, quantity)] with quantity > 0."""
    result = []
    for release in planned:
        if compare(reserved, 0.0, rounding) <= 0:
            break
        quantity = min(release.quantity, reserved)
        result.append((release, quantity))
        reserved -= quantity
    return result


def blocked_reason(line_id, product_id, location_id, free, waiting_before, due, rounding=0.0):
    """Why a pre-order line got nothing: a reason code and the earlier lines.

    - ``free``: what was free in its location before the plan;
    - ``waiting_before``: ids of earlier (FIFO) open pre-order lines of the same
      product and location (``earlier_lines``);
    - ``due``: True when its goods were received for it or its promise date came
      (``is_due``);
    - ``rounding``: of the product's unit.
    """
    if not due:
        return NOT_DUE, []
    if compare(free.get((product_id, location_id), 0.0), 0.0, rounding) <= 0:
        return NO_STOCK, []
    return EARLIER_ORDERS, [other for other in waiting_before if other != line_id]


def is_due(parked_qty, covered_qty, promise_date, today, rounding=0.0):
    """Whether release may serve a line now: part of it is parked (parked lines
    take free stock), received goods cover one of its allocations
    (``covered_qty``, from ``receipt_coverage``), or its promise date came."""
    return bool(
        not is_zero(parked_qty, rounding)
        or not is_zero(covered_qty, rounding)
        or (promise_date is not None and promise_date <= today)
    )


def earlier_lines(line_id, confirmed_at, queue):
    """Ids of the lines of ``queue`` served before the line ``line_id``
    confirmed at ``confirmed_at``: first in first out by order confirmation,
    then line id, as ``plan`` serves them. ``queue``: (line id, confirmed at)
    of the open lines of the same product and location."""
    mine = (confirmed_at, line_id)
    return [other for other, at in queue if (at, other) < mine]
