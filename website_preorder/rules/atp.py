"""Available to promise of one supply line (SPEC §3)."""

from .floats import round_qty

__all__ = ["round_qty"]  # kept here for the callers of rules.atp.round_qty


def line_atp(ordered, allocated, received, rounding=0.0):
    """``ATP = ordered − max(allocated, received)``, never negative.

    All quantities are in the product's unit; ``rounding`` is that unit's rounding.
    """
    atp = round_qty(ordered - max(allocated, received), rounding)
    return atp if atp > 0 else 0.0


class NotEnoughAtp(ValueError):
    """An allocation asks more than the supply line can still promise."""

    def __init__(self, available, asked):
        super().__init__(available, asked)
        self.available = available
        self.asked = asked


class NegativeQuantity(ValueError):
    """An allocation quantity below zero."""


def check_allocation(ordered, allocated, received, new_quantity, rounding=0.0):
    """Raise NegativeQuantity, or NotEnoughAtp when allocating ``new_quantity``
    more would make ATP negative."""
    if new_quantity < 0:
        raise NegativeQuantity(new_quantity)
    available = line_atp(ordered, allocated, received, rounding)
    if round_qty(new_quantity - available, rounding) > 0:
        raise NotEnoughAtp(available, new_quantity)


def plain_qty(value, rounding=0.0):
    """A quantity as plain digits for machines (CSV): never scientific notation,
    no thousands separator, no trailing zeros (``1234567``, ``2.5``)."""
    value = round_qty(value, rounding) if rounding else float(value)
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
