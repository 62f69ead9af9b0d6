"""Available to promise of one supply line (SPEC §3)."""

from .floats import round_qty

__all__ = ["round_qty"]  # kept here for the callers of rules.atp.round_qty


def safety_buffer(ordered, quantity=0.0, percent=0.0, rounding=0.0):
    """What a request line withholds from ATP because vendors under-deliver:
    its own safety quantity when it has one, else the request's percentage of
    its ordered quantity; never more than ordered, never negative."""
    if quantity and quantity > 0:
        buffer = quantity
    elif percent and percent > 0:
        buffer = ordered * percent / 100.0
    else:
        return 0.0
    return round_qty(min(buffer, max(ordered, 0.0)), rounding)


def line_atp(ordered, allocated, received, rounding=0.0, buffer=0.0):
    """``ATP = ordered − safety buffer − max(allocated, received)``, never negative.

    All quantities are in the product's unit; ``rounding`` is that unit's rounding.
    """
    atp = round_qty(ordered - buffer - max(allocated, received), rounding)
    return atp if atp > 0 else 0.0


def net_atp(atp, held, rounding=0.0):
    """What a supply line can still promise once the checkout holds of other
    carts are taken off its ATP, never negative."""
    net = round_qty(atp - (held or 0.0), rounding)
    return net if net > 0 else 0.0


class NotEnoughAtp(ValueError):
    """An allocation asks more than the supply line can still promise."""

    def __init__(self, available, asked):
        super().__init__(available, asked)
        self.available = available
        self.asked = asked


class NegativeQuantity(ValueError):
    """An allocation quantity below zero."""


def check_allocation(
    ordered, allocated, received, new_quantity, rounding=0.0, buffer=0.0, held=0.0
):
    """Raise NegativeQuantity, or NotEnoughAtp when allocating ``new_quantity``
    more would make ATP (less ``held`` by other carts' checkouts) negative."""
    if new_quantity < 0:
        raise NegativeQuantity(new_quantity)
    available = net_atp(line_atp(ordered, allocated, received, rounding, buffer), held, rounding)
    if round_qty(new_quantity - available, rounding) > 0:
        raise NotEnoughAtp(available, new_quantity)


def plain_qty(value, rounding=0.0):
    """A quantity as plain digits for machines (CSV): never scientific notation,
    no thousands separator, no trailing zeros (``1234567``, ``2.5``)."""
    value = round_qty(value, rounding) if rounding else float(value)
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
