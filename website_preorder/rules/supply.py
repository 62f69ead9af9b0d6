"""What makes a request line a supply line (SPEC §3)."""

NATIONAL = "national"
INTERNATIONAL = "international"
PRESALE = "presale"
#: the request kinds, in the order the website lists them
REQUEST_KINDS = (NATIONAL, INTERNATIONAL, PRESALE)
PREORDER_KINDS = (NATIONAL, INTERNATIONAL)

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
#: every state in which some kind takes orders (for one grouped query)
ANY_TAKING_STATE = frozenset().union(*TAKING_STATES.values())
#: states in which the kind of a request can no longer change
CONFIRMED_STATES = _CONFIRMED


def is_taking(kind, state):
    """True when a request of ``kind`` in ``state`` takes pre-orders."""
    return state in TAKING_STATES.get(kind, ())


def starts_taking(kind, old_state, new_state):
    """True when a request of ``kind`` moving from ``old_state`` to ``new_state``
    starts taking orders (e.g. a pre-sale request approved or confirmed)."""
    return is_taking(kind, new_state) and not is_taking(kind, old_state)


def is_supply_line(kind, state, ordered, received, arrival_date, today, in_warehouses=True):
    """True when a request line is a supply line.

    ``ordered`` and ``received`` are in the same unit; ``arrival_date`` is the
    line's Expected Arrival as a date (None when unset), ``today`` a date.
    """
    return bool(
        is_taking(kind, state)
        and received < ordered
        and arrival_date is not None
        and arrival_date >= today
        and in_warehouses
    )
