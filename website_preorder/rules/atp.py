"""Available to promise of one supply line (SPEC §3)."""

from decimal import ROUND_HALF_UP, Decimal


def round_qty(value, rounding):
    """Round ``value`` to a multiple of ``rounding`` (half up), as Odoo's UoM does.

    >>> round_qty(2.675, 0.01)
    2.68
    """
    if not rounding or rounding <= 0:
        return float(value)
    step = Decimal(repr(rounding))
    units = (Decimal(repr(float(value))) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(units * step)


def line_atp(ordered, allocated, received, rounding=0.0):
    """``ATP = ordered − max(allocated, received)``, never negative.

    All quantities are in the product's unit; ``rounding`` is that unit's rounding.
    """
    atp = round_qty(ordered - max(allocated, received), rounding)
    return atp if atp > 0 else 0.0


def check_allocation(ordered, allocated, received, new_quantity, rounding=0.0):
    """Raise ValueError when allocating ``new_quantity`` more would make ATP negative."""
    if new_quantity < 0:
        raise ValueError("An allocation quantity cannot be negative.")
    available = line_atp(ordered, allocated, received, rounding)
    if round_qty(new_quantity - available, rounding) > 0:
        raise ValueError(
            f"Only {available:g} can still be promised from this line; {new_quantity:g} asked."
        )
