"""Cart rules for pre-order, pre-sale and next-day lines (SPEC §6, §7).

``refusal`` returns the message that tells the shopper why a cart change is
refused, or None when it is allowed. The website's sale.order hooks gather the
facts and call it; a refused change changes nothing.
"""

import math
from dataclasses import dataclass, field

from .supply import INTERNATIONAL, NATIONAL, PRESALE

STOCK = "stock"
NEXT_DAY = "next_day"
SALE_KINDS = (STOCK, NATIONAL, INTERNATIONAL, PRESALE, NEXT_DAY)
KIND_LABELS = {
    STOCK: "from stock",
    NATIONAL: "pre-order",
    INTERNATIONAL: "international pre-order",
    PRESALE: "pre-sale",
    NEXT_DAY: "next-day shipping",
}


@dataclass(frozen=True)
class CartLine:
    """The facts about one cart change."""

    kind: str
    quantity: float  # the line's new quantity
    kind_total: float  # the cart's total of this product and kind after the change
    offered: float  # what the kind offers now (availability, or free stock for next day)
    kind_enabled: bool = True
    min_qty: float = 0.0  # international Minimum Quantity
    exclusivity: bool = False
    exclusivity_min_qty: float = 0.0
    next_day_product: bool = False  # template flag
    on_request: bool = False  # the product is on an open request
    pricelist_id: int = 0  # the cart's pricelist
    excluded_pricelist_id: int = 0
    next_day_pricelist_ids: frozenset = field(default_factory=frozenset)
    needed_pricelist_id: int = 0  # what this kind sets on the cart (0: none)
    other_needed_pricelist_ids: frozenset = field(default_factory=frozenset)


def refusal(line):
    """Why the change is refused, or None."""
    label = KIND_LABELS.get(line.kind)
    if label is None:
        return f"Unknown way to buy: {line.kind!r}."
    if line.quantity <= 0:
        return None  # removing is always allowed
    if not line.kind_enabled:
        return f"This product cannot be bought as {label} at the moment."
    if line.kind in (NATIONAL, INTERNATIONAL, PRESALE):
        if line.excluded_pricelist_id and line.pricelist_id == line.excluded_pricelist_id:
            return f"Products cannot be bought as {label} with your price list."
        if line.kind == INTERNATIONAL and line.quantity < line.min_qty:
            return f"An international pre-order of this product is at least {line.min_qty:g}."
        other = line.other_needed_pricelist_ids - {line.needed_pricelist_id, 0}
        if line.needed_pricelist_id and other:
            return (
                f"Your cart holds items with another price list: check them out before "
                f"buying this one as {label}."
            )
    if line.exclusivity and line.quantity < line.exclusivity_min_qty:
        return f"Exclusivity of this product requires at least {line.exclusivity_min_qty:g}."
    if line.kind == NEXT_DAY:
        if not line.next_day_product or line.on_request:
            return "This product is not offered for next-day shipping."
        if line.pricelist_id not in line.next_day_pricelist_ids:
            return "Next-day shipping is only sold on the Cash or Credit Next Day price list."
    if line.kind != STOCK and line.kind_total > line.offered + 1e-9:
        available = max(line.offered - (line.kind_total - line.quantity), 0)
        return f"Only {available:g} available as {label}."
    return None


MAX_QUANTITY = 10**6


def is_valid_quantity(value):
    """A cart quantity as it comes from a form or JSON: absent, or a whole number
    of reasonable size (negative values decrease a line)."""
    if value is None or value is False or value == "":
        return True
    if isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    if not math.isfinite(number) or abs(number) > MAX_QUANTITY:
        return False
    return number == int(number)
