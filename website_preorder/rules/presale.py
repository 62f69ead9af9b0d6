"""Pre-sale quantity offered on the website and pre-sale price (SPEC §3, §6)."""

import math
from datetime import timedelta

from .floats import compare, round_qty


def horizon_end(today, days):
    """Last Expected Arrival date counted for pre-sale; None when there is no horizon."""
    if not days or days <= 0:
        return None
    return today + timedelta(days=days)


def calculated_qty(presale_atp_by_date, today, multiplier, days, minimum, rounding=0.0):
    """Pre-sale "calculated quantity" offered on the website.

    ``presale_atp_by_date``: iterable of ``(arrival_date, atp)`` of the product's
    pre-sale supply lines. Returns ``(quantity, earliest_arrival)``:
    ``floor(multiplier × ATP arriving within the horizon)``, or ``(0, None)``
    when that is below ``minimum`` (or nothing qualifies). ``rounding``: the
    product unit's; the product is taken at it before the floor (so
    1.1 × 10 units is 11, not 10.999…).
    """
    end = horizon_end(today, days)
    total = 0.0
    earliest = None
    for arrival, atp in presale_atp_by_date:
        if compare(atp, 0.0, rounding) <= 0 or (end is not None and arrival > end):
            continue
        total += atp
        if earliest is None or arrival < earliest:
            earliest = arrival
    quantity = math.floor(round_qty(max(multiplier, 0.0) * total, rounding))
    if quantity <= 0 or quantity < (minimum or 0):
        return 0, None
    return quantity, earliest


def presale_price(list_price, cash_payment_percent, digits=2):
    """``list price × (1 − Cash Payment % / 100)`` rounded to the currency's digits."""
    if not 0 <= cash_payment_percent <= 100:
        raise ValueError("Cash Payment % must be between 0 and 100.")
    price = list_price * (1 - cash_payment_percent / 100.0)
    return round_qty(price, 10**-digits)


def plan_price_rules(list_prices, on_presale, manual, existing, cash_payment_percent, digits=2):
    """Plan the fixed-price rules of the Pre-sale Pricelist for some variants.

    - ``list_prices``: {variant_id: list price in the pricelist's currency}
      for every variant considered;
    - ``on_presale``: ids of the considered variants currently on pre-sale;
    - ``manual``: ids of variants that have a hand-written rule (never touched,
      and the addon does not write a competing rule beside it);
    - ``existing``: {variant_id: [(rule_id, fixed_price), ...]} rules the addon wrote.

    Returns ``(create, update, delete)``: {variant_id: price}, {rule_id: price}
    and a sorted list of rule ids. Running it on its own result plans nothing.
    """
    create, update, delete = {}, {}, []
    for variant_id, list_price in list_prices.items():
        rules = sorted(existing.get(variant_id, ()))
        wanted = variant_id in on_presale and variant_id not in manual
        if not wanted:
            delete.extend(rule_id for rule_id, _price in rules)
            continue
        price = presale_price(list_price, cash_payment_percent, digits)
        if not rules:
            create[variant_id] = price
            continue
        (keep_id, keep_price), extra = rules[0], rules[1:]
        if abs(keep_price - price) > 10 ** -(digits + 2):
            update[keep_id] = price
        delete.extend(rule_id for rule_id, _price in extra)
    return create, update, sorted(delete)
