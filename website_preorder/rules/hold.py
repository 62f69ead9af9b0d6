"""Checkout holds (README "Launch day: checkout holds").

When a shopper starts paying, the cart's pre-order and pre-sale lines hold
supply, first in first out like allocation, for a few minutes. What is held
counts against what every other shopper sees; when the payment completes the
holds become the order's allocations.
"""

from dataclasses import dataclass
from datetime import timedelta

from . import allocation as allocation_rules
from . import availability as availability_rules
from .atp import net_atp
from .floats import round_qty
from .supply import is_supply_line

#: minutes a hold lasts when the company sets nothing sensible
DEFAULT_MINUTES = 15
#: an expired hold whose payment is still open is kept (it no longer counts)
#: so a late payment knows what it was promised; after this it goes anyway
KEEP_EXPIRED_OPEN = timedelta(days=1)
#: payment states in which a payment may still complete, or completed and
#: not yet confirmed its order (its post-processing converts the holds)
OPEN_PAYMENT_STATES = ("draft", "pending", "authorized", "done")


def expiry(now, minutes):
    """When a hold taken at ``now`` expires (``minutes`` below 1: the default)."""
    minutes = minutes if minutes and minutes > 0 else DEFAULT_MINUTES
    return now + timedelta(minutes=minutes)


def is_active(expires_at, now):
    """A hold counts against availability until it expires."""
    return bool(expires_at) and expires_at > now


def sweepable(expires_at, now, payment_state=None):
    """Whether the sweep removes a hold: expired, and its payment can no longer
    complete (or it expired more than ``KEEP_EXPIRED_OPEN`` ago)."""
    if is_active(expires_at, now):
        return False
    if payment_state in OPEN_PAYMENT_STATES:
        return expires_at + KEEP_EXPIRED_OPEN <= now
    return True


@dataclass(frozen=True)
class Hold:
    """A hold of a sale line on a supply line, as conversion sees it."""

    demand_id: int  # the sale line
    supply_id: int
    quantity: float
    rounding: float = 0.0


@dataclass(frozen=True)
class Converted:
    demand_id: int
    supply_id: int
    quantity: float


def convert(holds, remaining, wanted):
    """The allocations the holds of paid lines become.

    ``remaining``: {supply id: what it can still promise to these lines (ATP
    less the active holds of other carts)}, updated in place; ``wanted``:
    {sale line id: quantity it still waits for}, updated in place. Each hold
    becomes an allocation of its own supply line, never more than the line
    waits for nor than the supply has left (an expired hold whose supply went
    to someone else converts to what is left). Returns a list of Converted.
    """
    result = []
    for hold in sorted(holds, key=lambda hold: (hold.demand_id, hold.supply_id)):
        quantity = round_qty(
            min(hold.quantity, wanted.get(hold.demand_id, 0.0), remaining.get(hold.supply_id, 0.0)),
            hold.rounding,
        )
        if quantity <= 0:
            continue
        result.append(Converted(hold.demand_id, hold.supply_id, quantity))
        remaining[hold.supply_id] = round_qty(remaining[hold.supply_id] - quantity, hold.rounding)
        wanted[hold.demand_id] = round_qty(wanted[hold.demand_id] - quantity, hold.rounding)
    return result


def shortfall(held, converted, rounding=0.0):
    """What a paid line was held but did not receive: > 0 means the promise
    made at payment was broken (the customer is asked, never left parked)."""
    missing = round_qty(held - converted, rounding)
    return missing if missing > 0 else 0.0


@dataclass(frozen=True)
class CartLine:
    """A cart line that wants to hold supply."""

    id: int
    product_id: int
    kind: str
    quantity: float  # in the product's unit
    rounding: float = 0.0


def refusals(lines, offered):
    """{line id: what is left for it} of the cart ``lines`` that cannot be
    held: the lines of one product and kind share what that kind offers the
    shopper now (``offered``: {(product id, kind): quantity}, other carts'
    holds already taken off), first line first. A pre-sale offers its
    multiplier's quantity, of which only ATP is held (the rest is parked, as
    the shop offered it)."""
    used = {}
    result = {}
    for line in sorted(lines, key=lambda line: line.id):
        key = (line.product_id, line.kind)
        left = round_qty(offered.get(key, 0.0) - used.get(key, 0.0), line.rounding)
        if round_qty(line.quantity - left, line.rounding) > 0:
            result[line.id] = left if left > 0 else 0.0
        used[key] = used.get(key, 0.0) + line.quantity
    return result


@dataclass(frozen=True)
class SupplyLine:
    """A supply line as a checkout reads it before taking the supply rows'
    lock: what that lock does not protect (its ATP and state are read under
    the lock)."""

    id: int
    product_id: int
    kind: str
    date_planned: object  # the Expected Arrival, for first in first out
    arrival: object  # its date in the company's timezone
    restock: bool = False
    rounding: float = 0.0


def decide(cart, supplies, locked, held, today, settings, judge=True):
    """What a cart holds: ``(refused, planned)``.

    ``cart``: CartLine rows; ``supplies``: SupplyLine rows; ``locked``:
    {supply id: (ATP, state)} read under the supply rows' lock; ``held``:
    {supply id: quantity other carts hold}. With ``judge`` (a website cart),
    each line is judged against what its kind offers now by the availability
    rule (``rules.availability.aggregate`` on the locked figures, other carts'
    holds taken off): ``refused`` is ``refusals``' answer and nothing is
    planned when it is not empty. Otherwise ``planned`` is the allocation
    rule's plan of the cart on what the supply lines can still promise
    (``rules.allocation.Allocation`` rows, first in first out); a pre-sale is
    planned on ATP, what its multiplier offers beyond ATP is not held. Supply
    lines that stopped taking orders, and those missing from ``locked`` (gone
    since they were read), hold nothing."""
    net = {
        supply.id: net_atp(locked[supply.id][0], held.get(supply.id, 0.0), supply.rounding)
        for supply in supplies
        if supply.id in locked
    }
    if judge:
        availability = availability_rules.aggregate(
            [
                availability_rules.SupplyGroup(
                    supply.product_id,
                    supply.kind,
                    locked[supply.id][1],
                    supply.arrival,
                    net[supply.id],
                    supply.restock,
                    supply.rounding,
                )
                for supply in supplies
                if supply.id in net
            ],
            {line.product_id for line in cart},
            today,
            settings,
        )
        refused = refusals(
            cart,
            {
                (line.product_id, line.kind): availability[line.product_id].get(line.kind).qty
                for line in cart
            },
        )
        if refused:
            return refused, []
    planned = allocation_rules.plan(
        [
            allocation_rules.Demand(
                line.id, line.product_id, line.kind, 0, line.quantity, line.rounding
            )
            for line in cart
        ],
        [
            allocation_rules.Supply(
                supply.id, supply.product_id, supply.kind, supply.date_planned, net[supply.id]
            )
            for supply in supplies
            if supply.id in net
            and is_supply_line(
                supply.kind, locked[supply.id][1], net[supply.id], supply.arrival, today
            )
        ],
    )
    return {}, planned
