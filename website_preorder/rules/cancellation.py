"""Portal cancellation window (SPEC §7)."""

from datetime import timedelta


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
    deadline = cancel_deadline(confirmed_at, hours)
    return deadline is not None and now <= deadline
