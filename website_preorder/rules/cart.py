"""Cart rules for pre-order, pre-sale and next-day lines (SPEC §6, §7).

``refusal`` says why a cart change is refused (a ``Refusal``: a reason code and
its numbers), or None when it is allowed. The website's sale.order hooks
gather the facts, call it, and turn the code into a translated message; a
refused change changes nothing.
"""

import math
from dataclasses import dataclass, field

from .floats import compare
from .kinds import INTERNATIONAL, NATIONAL, NEXT_DAY, PRESALE, SALE_KINDS, STOCK
from .launch import limit_left

#: reason codes of ``refusal``
UNKNOWN_KIND = "unknown_kind"
KIND_DISABLED = "kind_disabled"
IN_STOCK = "in_stock"  # "Offer pre-orders only while out of stock"
EXCLUDED_PRICELIST = "excluded_pricelist"
BELOW_MINIMUM = "below_minimum"  # params: min_qty
OTHER_PRICELIST = "other_pricelist"
EXCLUSIVITY_MINIMUM = "exclusivity_minimum"  # params: min_qty
NOT_NEXT_DAY = "not_next_day"
NEXT_DAY_PRICELIST = "next_day_pricelist"
NOT_ENOUGH = "not_enough"  # params: available
ORDER_LIMIT = "order_limit"  # params: limit, available
CUSTOMER_LIMIT = "customer_limit"  # params: limit, available


@dataclass(frozen=True)
class Refusal:
    """Why a cart change is refused: a reason code, the kind, and numbers."""

    code: str
    kind: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CartLine:
    """The facts about one cart change."""

    kind: str
    quantity: float  # the line's new quantity
    kind_total: float  # the cart's total of this product and kind after the change
    # what the kind offers now (availability, or free stock for next day); None:
    # judged elsewhere (a payment's checkout holds, under the supply rows' lock)
    offered: float | None
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
    # "Offer pre-orders only while out of stock" is on and the product has free stock
    in_stock_blocks_preorder: bool = False
    rounding: float = 0.0  # of the product's unit
    # launch controls (rules.launch): limits of the product, 0 for none
    order_limit: float = 0.0
    customer_limit: float = 0.0
    product_total: float = 0.0  # the cart's pre-order and pre-sale quantity of the product
    customer_bought: float = 0.0  # in the customer's confirmed orders


def launch_refusal(line):
    """The product's limits per order and per customer (pre-order and pre-sale
    kinds together), or None. The cart, the payment and back-office orders
    ask this; ``quantity`` is what this line adds to ``product_total``."""
    if line.kind not in (NATIONAL, INTERNATIONAL, PRESALE) or line.quantity <= 0:
        return None
    others = line.product_total - line.quantity
    for code, limit, taken in (
        (ORDER_LIMIT, line.order_limit, others),
        (CUSTOMER_LIMIT, line.customer_limit, others + line.customer_bought),
    ):
        left = limit_left(limit, taken, line.rounding)
        if left is not None and compare(line.quantity, left, line.rounding) > 0:
            return Refusal(code, line.kind, {"limit": limit, "available": left})
    return None


def refusal(line):
    """Why the change is refused (a Refusal), or None."""
    if line.kind not in SALE_KINDS:
        return Refusal(UNKNOWN_KIND, line.kind)
    if line.quantity <= 0:
        return None  # removing is always allowed
    if not line.kind_enabled:
        return Refusal(KIND_DISABLED, line.kind)
    if line.kind in (NATIONAL, INTERNATIONAL) and line.in_stock_blocks_preorder:
        return Refusal(IN_STOCK, line.kind)
    if line.kind in (NATIONAL, INTERNATIONAL, PRESALE):
        if line.excluded_pricelist_id and line.pricelist_id == line.excluded_pricelist_id:
            return Refusal(EXCLUDED_PRICELIST, line.kind)
        if line.kind == INTERNATIONAL and line.quantity < line.min_qty:
            return Refusal(BELOW_MINIMUM, line.kind, {"min_qty": line.min_qty})
        other = line.other_needed_pricelist_ids - {line.needed_pricelist_id, 0}
        if line.needed_pricelist_id and other:
            return Refusal(OTHER_PRICELIST, line.kind)
    if line.exclusivity and line.quantity < line.exclusivity_min_qty:
        return Refusal(EXCLUSIVITY_MINIMUM, line.kind, {"min_qty": line.exclusivity_min_qty})
    if line.kind == NEXT_DAY:
        if not line.next_day_product or line.on_request:
            return Refusal(NOT_NEXT_DAY, line.kind)
        if line.pricelist_id not in line.next_day_pricelist_ids:
            return Refusal(NEXT_DAY_PRICELIST, line.kind)
    limited = launch_refusal(line)
    if limited:
        return limited
    if (
        line.kind != STOCK
        and line.offered is not None
        and compare(line.kind_total, line.offered, line.rounding) > 0
    ):
        available = max(line.offered - (line.kind_total - line.quantity), 0)
        return Refusal(NOT_ENOUGH, line.kind, {"available": available})
    return None


@dataclass(frozen=True)
class PricelistPlan:
    """The pricelists a website cart must carry (ids, 0 for none)."""

    pricelist_id: int  # the order's pricelist
    base_pricelist_id: int  # the shopper's pricelist for the other lines, while forced
    conflict: bool = False  # pre-sale and international lines in one cart


def pricelist_plan(kinds, forced_by_kind, current_id, base_id, default_id):
    """Which pricelist a website cart carries, and which one prices its other lines.

    ``kinds``: the kinds of the cart's lines; ``forced_by_kind``: {kind: pricelist
    id} for the kinds whose lines put the cart on their own pricelist (pre-sale,
    international); ``current_id``: the order's pricelist now, as Odoo or the
    shopper last set it (address, login, pricelist switch, promo code);
    ``base_id``: the shopper's pricelist remembered while the cart is forced;
    ``default_id``: the website's pricelist for this shopper.

    A line of a forced kind puts the order on that kind's pricelist and the
    shopper's pricelist is kept for every other line; whatever pricelist Odoo sets
    meanwhile becomes the shopper's pricelist. Without forced lines the order
    returns to the shopper's pricelist. Two forced kinds in one cart are a
    conflict: nothing is changed and payment is refused.
    """
    forced_ids = {pricelist for pricelist in forced_by_kind.values() if pricelist}
    needed = {forced_by_kind.get(kind) for kind in kinds} - {0, None}
    if len(needed) > 1:
        return PricelistPlan(current_id, base_id, conflict=True)
    if current_id and current_id not in forced_ids:
        shopper = current_id
    elif base_id and base_id not in forced_ids:
        shopper = base_id
    elif forced_ids:
        shopper = default_id or current_id
    else:
        shopper = current_id
    if needed:
        forced = needed.pop()
        return PricelistPlan(forced, shopper if shopper != forced else 0)
    return PricelistPlan(shopper, 0)


def needs_default_pricelist(forced_by_kind, current_id, base_id):
    """True when ``pricelist_plan`` takes the shopper's pricelist from the website
    (``default_id``): neither the order's pricelist nor the remembered one is the
    shopper's, and some kind forces a pricelist. Without forced pricelists the
    order keeps the pricelist Odoo gave it, so the website is not asked."""
    forced_ids = {pricelist for pricelist in forced_by_kind.values() if pricelist}
    return bool(forced_ids) and all(
        not pricelist or pricelist in forced_ids for pricelist in (current_id, base_id)
    )


def forced_line(kind, forced_by_kind, order_pricelist_id):
    """True when a line of ``kind`` is priced by the order's (forced) pricelist."""
    return bool(forced_by_kind.get(kind)) and forced_by_kind[kind] == order_pricelist_id


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


#: seconds during which the prices a checkout page checked against the rules
#: and showed are the prices its payment takes (README, "Cart pricelists")
PRICES_SEEN_SECONDS = 120


def prices_seen(stamp, order_id, fingerprint, now, max_age=PRICES_SEEN_SECONDS):
    """Whether a payment of the cart ``order_id`` may take its prices as the
    checkout page checked and showed them, without checking them again.

    ``stamp``: what the checkout page noted, ``(order id, fingerprint, time)``,
    or None; ``fingerprint``: the cart's now (its pricelists and each line's
    product, kind, quantity, unit, price and discount). True when the page
    checked this same cart, unchanged, at most ``max_age`` seconds before
    ``now``; a stamp from the future (a clock set back) or of another shape is
    not trusted."""
    if not isinstance(stamp, list | tuple) or len(stamp) != 3:
        return False
    seen_order, seen_fingerprint, seen_at = stamp
    if not isinstance(seen_at, int | float) or isinstance(seen_at, bool):
        return False
    return (
        seen_order == order_id
        and bool(fingerprint)
        and seen_fingerprint == fingerprint
        and 0 <= now - seen_at <= max_age
    )
