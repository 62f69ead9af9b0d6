"""Refunds of cancelled pre-order lines (README, "Refunds").

What was paid for some lines of an order is the order's payments shared out
as the checkout shared them: each line weighs its total, a line of a kind
that took a deposit only its deposit share (``rules.deposit``). The refund
goes back through the payments it came from, where their provider refunds;
what cannot go back that way is left to staff with a deadline.
"""

from dataclasses import dataclass
from datetime import timedelta

from .deposit import takes_deposit

#: days staff have to refund by hand (the FTC rule's 7 working days, rounded
#: to calendar days on the safe side of the EU's 14)
MANUAL_REFUND_DAYS = 7


def _cents(amount):
    return round(amount, 2)


def weight(kind, total, percents, deposit_order):
    """What a line weighs in what the customer paid: its total, or for a
    deposit order's line of a kind with a deposit, its deposit share.
    Negative lines (discounts) weigh nothing here: they lowered every line."""
    if total <= 0:
        return 0.0
    if deposit_order and takes_deposit(kind, percents):
        return total * percents[kind] / 100.0
    return total


def paid_for(cancelled, weights, paid, round_amount=_cents, after=None):
    """The share of ``paid`` (what the customer paid and was not refunded)
    that went to the lines ``cancelled`` (ids), ``weights``: {line id: weight}
    of every line of the order as it was paid; ``after``: their weights once
    lowered (a quantity lowered, not cancelled: only the difference goes
    back). Never more than ``paid``."""
    total = sum(weights.values())
    if total <= 0 or paid <= 0:
        return 0.0
    after = after or {}
    share = sum(
        max(weights.get(line_id, 0.0) - after.get(line_id, 0.0), 0.0) for line_id in cancelled
    )
    return round_amount(min(paid, paid * share / total))


@dataclass(frozen=True)
class Source:
    """A payment that may give money back."""

    id: int
    refundable: float  # its amount less what was already refunded from it
    support: str  # the provider's support_refund: "partial", "full_only" or "" (none)


def plan(amount, sources, round_amount=_cents):
    """``([(source id, amount)], left)``: the refunds to request, latest
    payment first, and what no payment can refund (staff refund it by hand).
    A provider that refunds only in full takes a refund only of all that is
    left of its payment."""
    refunds = []
    left = round_amount(amount)
    for source in sorted(sources, key=lambda source: source.id, reverse=True):
        if left <= 0:
            break
        if source.refundable <= 0 or source.support not in ("partial", "full_only"):
            continue
        if source.support == "full_only":
            if round_amount(source.refundable - left) != 0:
                continue
            take = source.refundable
        else:
            take = min(source.refundable, left)
        take = round_amount(take)
        if take > 0:
            refunds.append((source.id, take))
            left = round_amount(left - take)
    return refunds, max(left, 0.0)


def manual_deadline(today, days=MANUAL_REFUND_DAYS):
    """The date by which staff refund by hand what no payment could."""
    return today + timedelta(days=days)
