"""A product's availability per kind, from its supply lines (SPEC §3)."""

from dataclasses import dataclass, field

from . import presale as presale_rules
from .floats import round_qty
from .kinds import PREORDER_KINDS, PRESALE
from .supply import is_supply_line


@dataclass(frozen=True)
class SupplyGroup:
    """ATP of a product's request lines of one kind, state and arrival date."""

    product_id: int
    kind: str
    state: str
    arrival: object  # datetime.date
    atp: float
    restock: bool = False  # the lines belong to a restock request
    rounding: float = 0.0  # of the product's unit


@dataclass(frozen=True)
class Settings:
    """The company settings availability depends on."""

    preorder_enabled: bool = True
    presale_enabled: bool = True
    multiplier: float = 1.0
    minimum: float = 0.0
    days: int = 0


@dataclass
class KindAvailability:
    qty: float = 0.0
    date: object = None  # earliest Expected Arrival among lines with ATP


@dataclass
class ProductAvailability:
    national: KindAvailability = field(default_factory=KindAvailability)
    international: KindAvailability = field(default_factory=KindAvailability)
    presale: KindAvailability = field(default_factory=KindAvailability)
    #: raw pre-sale ATP (before multiplier, horizon and minimum)
    presale_atp: float = 0.0
    #: every pre-order supply line belongs to a restock request ("Back-order")
    restock: bool = False

    def get(self, kind):
        return getattr(self, kind)


def aggregate(groups, product_ids, today, settings):
    """{product_id: ProductAvailability} for every id of ``product_ids``.

    ``groups`` are SupplyGroup rows as a grouped query returns them; rows that
    are not supply (not a taking state, arrival before today, no ATP) are ignored.
    A product is a restock ("Back-order") when every pre-order supply line it
    has belongs to a restock request.
    """
    result = {product_id: ProductAvailability() for product_id in product_ids}
    presale_rows = {}
    restock_flags = {}
    roundings = {}
    for group in groups:
        if group.product_id not in result:
            continue
        roundings[group.product_id] = group.rounding
        if not is_supply_line(group.kind, group.state, group.atp, group.arrival, today):
            continue
        if group.kind in PREORDER_KINDS:
            restock_flags.setdefault(group.product_id, set()).add(bool(group.restock))
        availability = result[group.product_id]
        if group.kind == PRESALE:
            availability.presale_atp += group.atp
            presale_rows.setdefault(group.product_id, []).append((group.arrival, group.atp))
            continue
        if not settings.preorder_enabled or group.kind not in PREORDER_KINDS:
            continue
        kind = availability.get(group.kind)
        kind.qty += group.atp
        if kind.date is None or group.arrival < kind.date:
            kind.date = group.arrival
    for product_id, availability in result.items():
        for kind in (availability.national, availability.international):
            kind.qty = round_qty(kind.qty, roundings.get(product_id, 0.0))
        availability.restock = restock_flags.get(product_id) == {True}
    if settings.presale_enabled:
        for product_id, rows in presale_rows.items():
            qty, date = presale_rules.calculated_qty(
                rows,
                today,
                settings.multiplier,
                settings.days,
                settings.minimum,
                roundings.get(product_id, 0.0),
            )
            result[product_id].presale = KindAvailability(qty, date)
    return result


def offered_kinds(availability, in_stock, only_out_of_stock=False, next_day=False):
    """The kinds a shopper may buy a variant as now, in the order "Buy it as"
    lists them (the first is the default): from stock, national pre-order,
    pre-sale, international pre-order, next-day shipping.

    ``availability``: its ProductAvailability; ``in_stock``: free stock in the
    considered warehouses; ``only_out_of_stock``: "Offer pre-orders only while
    out of stock"; ``next_day``: a next-day product in stock on no request.
    The product page, the structured data and the Google feed read this one list.
    """
    kinds = []
    if in_stock:
        kinds.append("stock")
    preorder_open = not (only_out_of_stock and in_stock)
    if availability.national.qty > 0 and preorder_open:
        kinds.append("national")
    if availability.presale.qty > 0:
        kinds.append(PRESALE)
    if availability.international.qty > 0 and preorder_open:
        kinds.append("international")
    if next_day and in_stock:
        kinds.append("next_day")
    return kinds


#: schema.org ItemAvailability, as search engines read a product page's Offer
SCHEMA_IN_STOCK = "https://schema.org/InStock"
SCHEMA_PRE_ORDER = "https://schema.org/PreOrder"
SCHEMA_PRE_SALE = "https://schema.org/PreSale"
SCHEMA_BACK_ORDER = "https://schema.org/BackOrder"


def offer_availability(default_kind, restock):
    """The schema.org availability of the kind a shopper buys by default (the
    first option of "Buy it as"), or None when nothing can be bought now: stock
    and next-day are InStock; a national or international pre-order is
    PreOrder, BackOrder for a restocked product; a pre-sale is PreSale. One
    place for the product page's structured data (and the feeds that follow it)."""
    if default_kind in ("stock", "next_day"):
        return SCHEMA_IN_STOCK
    if default_kind in PREORDER_KINDS:
        return SCHEMA_BACK_ORDER if restock else SCHEMA_PRE_ORDER
    if default_kind == PRESALE:
        return SCHEMA_PRE_SALE
    return None


#: Google Merchant Center's availability for each schema.org availability
GOOGLE_AVAILABILITY = {
    SCHEMA_IN_STOCK: "in_stock",
    SCHEMA_PRE_ORDER: "preorder",
    SCHEMA_PRE_SALE: "preorder",
    SCHEMA_BACK_ORDER: "backorder",
}
