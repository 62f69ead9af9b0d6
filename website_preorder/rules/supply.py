"""What makes a request line a supply line (SPEC §3).

The one definition: ``is_supply_line`` says it for one line, and the models'
grouped query (``product.product._get_supply_domain``) is built from the same
``TAKING_STATES`` and filters on the same facts in SQL (arrival on or after
today, ATP above zero); ``rules.availability.aggregate`` calls
``is_supply_line`` on every group it is given.
"""

from .kinds import INTERNATIONAL, NATIONAL, PRESALE

#: purchase order states in which a request of each kind takes pre-orders:
#: pre-order requests while still drafts (RFQ, sent, waiting for approval) and
#: once confirmed, pre-sale requests only once confirmed. "Confirmed" includes
#: Odoo's locked state ``done`` (Lock Confirmed Orders, the Lock button): a
#: request is finished only when fully received (per line: received ≥ ordered)
#: or cancelled.
_CONFIRMED = frozenset({"purchase", "done"})
TAKING_STATES = {
    NATIONAL: frozenset({"draft", "sent", "to approve"}) | _CONFIRMED,
    INTERNATIONAL: frozenset({"draft", "sent", "to approve"}) | _CONFIRMED,
    PRESALE: _CONFIRMED,
}
#: states in which the kind of a request can no longer change
CONFIRMED_STATES = _CONFIRMED


def is_taking(kind, state):
    """True when a request of ``kind`` in ``state`` takes pre-orders."""
    return state in TAKING_STATES.get(kind, ())


def starts_taking(kind, old_state, new_state):
    """True when a request of ``kind`` moving from ``old_state`` to ``new_state``
    starts taking orders (e.g. a pre-sale request approved or confirmed)."""
    return is_taking(kind, new_state) and not is_taking(kind, old_state)


def is_supply_line(kind, state, atp, arrival_date, today):
    """True when a request line (or a group of them) is a supply line.

    ``atp`` is its available to promise (``rules.atp.line_atp``: zero once fully
    received or allocated), ``arrival_date`` its Expected Arrival as a date (None
    when unset), ``today`` a date in the company's timezone.
    """
    return bool(
        is_taking(kind, state) and atp > 0 and arrival_date is not None and arrival_date >= today
    )


#: why a request line counts, or not, in what the shop offers (``line_status``)
COUNTED = "counted"
NOT_TAKING = "not_taking"
ARRIVAL_PASSED = "arrival_passed"
NO_ARRIVAL = "no_arrival"
NOTHING_TO_PROMISE = "nothing_to_promise"
NOT_OPEN = "not_open"
OTHER_WAREHOUSE = "other_warehouse"


def line_status(kind, state, atp, arrival_date, today, open_now=True, warehouse_considered=True):
    """Why a request line is or is not counted in what the shop offers now (the
    staff's "Why this availability"): the first reason ``is_supply_line``, the
    campaign window or the Stock Warehouse setting leaves it out for, else
    COUNTED. ``atp`` is net of other carts' checkout holds."""
    if not is_taking(kind, state):
        return NOT_TAKING
    if arrival_date is None:
        return NO_ARRIVAL
    if arrival_date < today:
        return ARRIVAL_PASSED
    if not warehouse_considered:
        return OTHER_WAREHOUSE
    if not open_now:
        return NOT_OPEN
    if atp <= 0:
        return NOTHING_TO_PROMISE
    return COUNTED
