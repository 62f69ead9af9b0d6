from datetime import date, timedelta

from rules.availability import Settings, SupplyGroup, aggregate

TODAY = date(2026, 11, 22)
IN = lambda days: TODAY + timedelta(days=days)  # noqa: E731


def g(product, kind, state, days, atp, rounding=0.01):
    return SupplyGroup(product, kind, state, IN(days), atp, rounding=rounding)


def test_sums_per_kind_and_earliest_date():
    groups = [
        g(1, "national", "draft", 10, 5),
        g(1, "national", "purchase", 3, 2),
        g(1, "international", "sent", 30, 8),
        g(1, "presale", "purchase", 20, 6),
        g(2, "national", "purchase", 1, 1),
    ]
    result = aggregate(groups, [1, 2, 3], TODAY, Settings())
    assert (result[1].national.qty, result[1].national.date) == (7, IN(3))
    assert (result[1].international.qty, result[1].international.date) == (8, IN(30))
    assert (result[1].presale.qty, result[1].presale.date) == (6, IN(20))
    assert result[2].national.qty == 1
    assert result[3].national.qty == 0 and result[3].national.date is None, "nothing on order"


def test_ignores_non_supply_rows():
    groups = [
        g(1, "national", "cancel", 5, 5),
        g(1, "presale", "draft", 5, 5),  # pre-sale takes only once confirmed
        g(1, "national", "purchase", -1, 5),  # arrival passed
        g(1, "international", "purchase", 5, 0),  # no ATP left
        g(9, "national", "purchase", 5, 5),  # product not asked for
        SupplyGroup(1, "national", "purchase", None, 5),  # no date
    ]
    result = aggregate(groups, [1], TODAY, Settings())
    assert result[1].national.qty == 0
    assert result[1].international.qty == 0
    assert result[1].presale.qty == 0
    assert 9 not in result


def test_locked_requests_still_offer():
    groups = [g(1, "national", "done", 5, 5), g(1, "presale", "done", 5, 3)]
    result = aggregate(groups, [1], TODAY, Settings())
    assert result[1].national.qty == 5, "Lock Confirmed Orders: still taking"
    assert result[1].presale.qty == 3


def test_arrival_today_counts():
    result = aggregate([g(1, "national", "draft", 0, 3)], [1], TODAY, Settings())
    assert result[1].national.qty == 3


def test_disabled_kinds_offer_nothing():
    groups = [g(1, "national", "draft", 5, 5), g(1, "presale", "purchase", 5, 5)]
    off = Settings(preorder_enabled=False, presale_enabled=False)
    result = aggregate(groups, [1], TODAY, off)
    assert result[1].national.qty == 0
    assert result[1].presale.qty == 0
    assert result[1].presale_atp == 5, "the raw pre-sale ATP is still known"


def test_presale_settings_apply():
    groups = [g(1, "presale", "purchase", 5, 4), g(1, "presale", "purchase", 60, 10)]
    settings = Settings(multiplier=2.0, minimum=5, days=30)
    result = aggregate(groups, [1], TODAY, settings)
    assert (result[1].presale.qty, result[1].presale.date) == (8, IN(5))
    assert result[1].presale_atp == 14
    below = aggregate(groups, [1], TODAY, Settings(multiplier=1.0, minimum=5, days=30))
    assert below[1].presale.qty == 0, "4 is below the minimum of 5"


def test_fractional_quantities_do_not_drift():
    groups = [g(1, "national", "draft", 1, 0.1) for _ in range(3)]
    assert aggregate(groups, [1], TODAY, Settings())[1].national.qty == 0.3


def test_presale_floor_is_taken_at_the_unit_rounding():
    # 1.15 × 100 is 114.99999999999999 in binary floating point
    groups = [g(1, "presale", "purchase", 5, 100)]
    result = aggregate(groups, [1], TODAY, Settings(multiplier=1.15))
    assert result[1].presale.qty == 115


def test_restock_when_every_preorder_supply_line_is_a_restock():
    def r(product, kind, days, restock, state="purchase", atp=1):
        return SupplyGroup(product, kind, state, IN(days), atp, restock)

    groups = [
        r(1, "national", 5, True),
        r(1, "international", 9, True),
        r(2, "national", 5, True),
        r(2, "national", 7, False),  # one ordinary pre-order request: not a restock
        r(3, "national", -1, False),  # past arrival: not supply, does not count
        r(3, "national", 5, True),
        r(4, "presale", 5, True),  # pre-sale requests do not make a back-order
        r(5, "national", 5, True, atp=0),  # no ATP: not supply
    ]
    result = aggregate(groups, [1, 2, 3, 4, 5], TODAY, Settings())
    assert [result[p].restock for p in (1, 2, 3, 4, 5)] == [True, False, True, False, False]


def test_offer_availability_for_search_engines():
    from rules.availability import (
        SCHEMA_BACK_ORDER,
        SCHEMA_IN_STOCK,
        SCHEMA_PRE_ORDER,
        SCHEMA_PRE_SALE,
        offer_availability,
    )

    assert offer_availability("stock", False) == SCHEMA_IN_STOCK
    assert offer_availability("next_day", False) == SCHEMA_IN_STOCK
    assert offer_availability("national", False) == SCHEMA_PRE_ORDER
    assert offer_availability("international", False) == SCHEMA_PRE_ORDER
    assert offer_availability("national", True) == SCHEMA_BACK_ORDER, "a restock"
    assert offer_availability("presale", False) == SCHEMA_PRE_SALE
    assert offer_availability(None, False) is None, "nothing to buy: no claim"
