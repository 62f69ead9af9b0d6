"""Portal cancellation window (SPEC §7)."""

from datetime import timedelta

from .floats import compare


def cancel_deadline(confirmed_at, hours):
    """When the customer's right to cancel ends; None when it never opened."""
    if confirmed_at is None or hours is None or hours <= 0:
        return None
    return confirmed_at + timedelta(hours=hours)


def may_cancel(enabled, state, confirmed_at, hours, now, started=False):
    """True while an enabled, confirmed order is within its cancellation window.

    ``started``: something was already delivered or invoiced; then the customer
    can no longer cancel from the portal.
    """
    if not enabled or state != "sale" or started:
        return False
    return within_window(confirmed_at, hours, now)


def within_window(confirmed_at, hours, now):
    """Whether ``now`` is inside the cancellation window of an order confirmed
    at ``confirmed_at`` (the whole order's, and each line's self-service)."""
    deadline = cancel_deadline(confirmed_at, hours)
    return deadline is not None and now <= deadline


#: why a customer may not lower or cancel one pre-order line from the portal
LINE_DISABLED = "disabled"
LINE_NOT_CONFIRMED = "not_confirmed"
LINE_LOCKED = "locked"
LINE_WINDOW_OVER = "window_over"
LINE_NOT_PREORDER = "not_preorder"
LINE_ON_ITS_WAY = "on_its_way"
LINE_NOT_LOWER = "not_lower"


def line_change_refusal(
    enabled, state, locked, within_window, kind_is_request, released, delivered, current, new,
    rounding=0.01,
):  # fmt: skip
    """Why the customer may not set one pre-order or pre-sale line of their
    confirmed order to ``new`` units (0 cancels it) from the portal, or None.

    Allowed while the company lets customers cancel (``enabled``) and its
    cancellation window is open (``within_window``, as for the whole order),
    the order is confirmed and not locked (Odoo's Lock), the line is a
    pre-order or pre-sale line (``kind_is_request``) and none of it was
    released or delivered yet; ``new`` must be a whole number below
    ``current``, not negative (only lowering is self-service). Quantities are
    compared at the line's unit ``rounding``.
    """
    if not enabled:
        return LINE_DISABLED
    if state != "sale":
        return LINE_NOT_CONFIRMED
    if locked:
        return LINE_LOCKED
    if not within_window:
        return LINE_WINDOW_OVER
    if not kind_is_request:
        return LINE_NOT_PREORDER
    if compare(released, 0.0, rounding) > 0 or compare(delivered, 0.0, rounding) > 0:
        return LINE_ON_ITS_WAY
    if (
        isinstance(new, bool)
        or not isinstance(new, int)
        or new < 0
        or compare(new, current, rounding) >= 0
    ):
        return LINE_NOT_LOWER
    return None
