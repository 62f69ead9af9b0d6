"""Collecting a deposit order's balance (README, "Balance collection").

At release the balance is invoiced and charged to the payment method saved
with the deposit. A failed charge is tried again with growing spacing; after
the last attempt and some days unpaid, the company's final action applies.
"""

from datetime import timedelta

#: what the final action does with an order whose balance stays unpaid
KEEP = "keep"  # keep the order, a To-Do for staff
CANCEL = "cancel"  # cancel the unpaid lines and refund the deposit

#: next steps for an order whose balance is overdue (``next_step``)
WAIT = "wait"
RETRY = "retry"
FINAL = "final"


def retry_at(failed_at, attempts, spacing_days):
    """When to try again after the ``attempts``-th failed charge: the spacing
    doubles each time (1×, 2×, 4× … ``spacing_days``)."""
    spacing = max(spacing_days or 0, 0)
    return failed_at + timedelta(days=spacing * 2 ** max(attempts - 1, 0))


def next_step(now, attempts, max_attempts, next_try, failed_at, final_days, can_charge):
    """What the scheduled action does now with an overdue balance: RETRY a
    charge (a saved method, attempts left, its time has come), FINAL (no
    attempt left, or nothing to charge, and ``final_days`` passed since the
    last failure), else WAIT."""
    if can_charge and attempts < max_attempts:
        return RETRY if next_try and now >= next_try else WAIT
    if failed_at and now >= failed_at + timedelta(days=max(final_days or 0, 0)):
        return FINAL
    return WAIT


def notice_due(today, promise_date, notice_days, already_sent):
    """Whether the "upcoming charge" e-mail goes out today: ``notice_days``
    before the promise date (0: no notice), once."""
    if already_sent or not promise_date or not notice_days or notice_days <= 0:
        return False
    return today >= promise_date - timedelta(days=notice_days)
