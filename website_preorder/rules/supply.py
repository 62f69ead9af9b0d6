"""What makes a request line a supply line (SPEC §3)."""

NATIONAL = "national"
INTERNATIONAL = "international"
PRESALE = "presale"
#: the request kinds, in the order the website lists them
REQUEST_KINDS = (NATIONAL, INTERNATIONAL, PRESALE)
PREORDER_KINDS = (NATIONAL, INTERNATIONAL)

#: purchase order states in which a request of each kind takes pre-orders:
#: pre-order requests while still drafts and once confirmed, pre-sale requests
#: only once confirmed.
TAKING_STATES = {
    NATIONAL: frozenset({"draft", "sent", "to approve", "purchase"}),
    INTERNATIONAL: frozenset({"draft", "sent", "to approve", "purchase"}),
    PRESALE: frozenset({"purchase"}),
}
#: every state in which some kind takes orders (for one grouped query)
ANY_TAKING_STATE = frozenset().union(*TAKING_STATES.values())
#: states in which the kind of a request can no longer change
CONFIRMED_STATES = frozenset({"purchase", "done"})


def is_taking(kind, state):
    """True when a request of ``kind`` in ``state`` takes pre-orders."""
    return state in TAKING_STATES.get(kind, ())


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
