"""Deposits (README, Deposits): what a cart with pre-order or pre-sale lines
pays online now, and when the balance is invoiced.

Each request kind has a deposit share (company settings, percent; 0 means no
deposit, the kind is paid in full). A cart pays, now, the deposit share of each
line of a kind with a deposit and the whole of every other line (stock,
next-day, shipping). The balance is invoiced once the order's pre-order and
pre-sale lines are all released.
"""

from .kinds import REQUEST_KINDS

#: problem codes of a deposit setting
OUT_OF_RANGE = "out_of_range"


def percent_problem(percent):
    """The problem code of a deposit share, or None when it is valid (0–100)."""
    if percent is None or not 0 <= percent <= 100:
        return OUT_OF_RANGE
    return None


def takes_deposit(kind, percents):
    """True when a line of ``kind`` pays only a deposit now."""
    return kind in REQUEST_KINDS and 0 < (percents.get(kind) or 0) < 100


def due_now(lines, percents, round_amount=round):
    """The amount a cart pays now, or None when it pays in full as Odoo does
    (no line takes a deposit, or nothing is left to pay).

    ``lines``: (kind, total incl. taxes) per line; ``percents``: {kind: share};
    ``round_amount``: the currency's rounding. Lines of a kind with a deposit
    count for their share, the others in full; negative lines (discounts,
    coupons, gift cards) lower what is due in the proportion they lower the
    cart's total.
    """
    if not any(takes_deposit(kind, percents) for kind, _total in lines):
        return None
    total = sum(amount for _kind, amount in lines)
    positive = sum(amount for _kind, amount in lines if amount > 0)
    if total <= 0 or positive <= 0:
        return None
    share = sum(
        amount * (percents[kind] / 100 if takes_deposit(kind, percents) else 1)
        for kind, amount in lines
        if amount > 0
    )
    due = round_amount(total * share / positive)
    if due <= 0 or due >= round_amount(total):
        return None
    return due


def balance_due(deposit_lines_released):
    """True when the balance of a deposit order may be invoiced: every one of
    its pre-order and pre-sale lines is released (``deposit_lines_released``:
    one flag per such line, cancelled ones left out). When none is left (all
    cancelled or set to 0) nothing waits any more either: what remains is
    invoiced, or credited when the deposit is more than what remains."""
    return all(deposit_lines_released)
