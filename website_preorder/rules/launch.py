"""Launch controls (README, "Launch day: campaign dates and limits").

A request line may carry the dates its pre-order campaign opens and closes;
a product may limit what one order and one customer buy as pre-order or
pre-sale. The shop, the payment and back-office orders all judge by these.
"""

from .floats import compare

#: window states of a product's kind (``window``)
OPEN = "open"
NOT_YET = "not_yet"  # every window opens later: "Pre-orders open on ..."
CLOSED = "closed"  # every window has closed: nothing more is taken


def is_open(open_from, open_until, now):
    """A request line takes orders between its opening (included) and its
    closing (excluded); an empty end is unbounded."""
    return (not open_from or open_from <= now) and (not open_until or now < open_until)


def window(windows, now):
    """``(state, when)`` of a product's kind from the ``(open_from, open_until)``
    of its supply lines: OPEN (when None) if one is open now or there is
    none; else NOT_YET with the earliest opening still to come; else CLOSED
    with the latest closing."""
    windows = list(windows)
    if not windows or any(is_open(start, end, now) for start, end in windows):
        return OPEN, None
    upcoming = [start for start, _end in windows if start and start > now]
    if upcoming:
        return NOT_YET, min(upcoming)
    return CLOSED, max(end for _start, end in windows if end)


def limit_left(limit, taken, rounding=0.0):
    """What a customer may still add under ``limit`` (0: no limit, None
    returned) having ``taken`` already (this cart's other lines, and for the
    customer limit their confirmed orders)."""
    if not limit or limit <= 0:
        return None
    left = limit - taken
    return left if compare(left, 0.0, rounding) > 0 else 0.0
