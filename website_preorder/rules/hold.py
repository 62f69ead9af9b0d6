"""Checkout holds (README "Launch day: checkout holds").

When a shopper starts paying, the cart's pre-order and pre-sale lines hold
supply, first in first out like allocation, for a few minutes. What is held
counts against what every other shopper sees; when the payment completes the
holds become the order's allocations.
"""

from dataclasses import dataclass
from datetime import timedelta

from .floats import round_qty

#: minutes a hold lasts when the company sets nothing sensible
DEFAULT_MINUTES = 15
#: an expired hold whose payment is still open is kept (it no longer counts)
#: so a late payment knows what it was promised; after this it goes anyway
KEEP_EXPIRED_OPEN = timedelta(days=1)
#: payment states in which a payment may still complete
OPEN_PAYMENT_STATES = ("draft", "pending", "authorized")


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
