"""Deposits (README, Deposits): what a cart with pre-order or pre-sale lines
pays online now, and when the balance is invoiced.

Each request kind has a deposit share (company settings, percent; 0 means no
deposit, the kind is paid in full). A cart pays, now, the deposit share of each
line of a kind with a deposit and the whole of every other line (stock,
next-day, shipping). The balance is invoiced once the order's lines with a
deposit are all released.
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
    """The amount a cart pays now, or None when none of its lines takes a deposit
    (then the cart is paid in full, as Odoo does).

    ``lines``: (kind, total incl. taxes) per line; ``percents``: {kind: share};
    ``round_amount``: the currency's rounding. Never more than the total.
    """
    if not any(takes_deposit(kind, percents) for kind, _total in lines):
        return None
    due = sum(
        total * percents[kind] / 100 if takes_deposit(kind, percents) else total
        for kind, total in lines
    )
    return min(round_amount(due), round_amount(sum(total for _kind, total in lines)))


def balance_due(deposit_lines_released):
    """True when the balance of a deposit order may be invoiced: it has lines
    with a deposit and every one of them is released (``deposit_lines_released``:
    one flag per such line)."""
    flags = list(deposit_lines_released)
    return bool(flags) and all(flags)
