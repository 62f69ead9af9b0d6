"""Float rounding and comparison for the rules, the way Odoo's ``float_utils`` does it.

Quantities are compared at their unit's rounding (``product.uom_id.rounding``)
and amounts at their currency's: both values are rounded half up to a multiple
of the rounding, and two values are equal when their rounded difference is
below it. The models use Odoo's ``float_compare``/``float_is_zero`` with the
same roundings, so a rule and the model that calls it never disagree on
whether a quantity is left. Without a rounding (0), values compare exactly.
"""

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


def is_zero(value, rounding):
    """``value`` is zero at ``rounding`` (Odoo's ``float_is_zero``)."""
    if not rounding or rounding <= 0:
        return value == 0
    return abs(round_qty(value, rounding)) < rounding


def compare(value1, value2, rounding):
    """-1, 0 or 1 as ``value1`` is below, equal to or above ``value2`` at
    ``rounding`` (Odoo's ``float_compare``)."""
    delta = round_qty(value1, rounding) - round_qty(value2, rounding)
    if is_zero(delta, rounding):
        return 0
    return -1 if delta < 0 else 1
