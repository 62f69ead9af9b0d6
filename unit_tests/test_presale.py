from datetime import date, timedelta

import pytest

from rules import presale

TODAY = date(2026, 11, 22)
IN = lambda days: TODAY + timedelta(days=days)  # noqa: E731


def test_calculated_qty_no_horizon():
    rows = [(IN(5), 10), (IN(400), 7)]
    assert presale.calculated_qty(rows, TODAY, 1.0, 0, 0) == (17, IN(5))


def test_calculated_qty_horizon_and_multiplier():
    rows = [(IN(40), 10), (IN(5), 4), (IN(30), 6)]
    # within 30 days: 4 + 6 = 10, × 1.5 = 15; earliest arrival in the horizon
    assert presale.calculated_qty(rows, TODAY, 1.5, 30, 0) == (15, IN(5))


def test_calculated_qty_floor_and_minimum():
    rows = [(IN(1), 3)]
    assert presale.calculated_qty(rows, TODAY, 1.3, 0, 0) == (3, IN(1)), "floor(3.9) is 3"
    assert presale.calculated_qty(rows, TODAY, 1.3, 0, 3) == (3, IN(1)), "minimum reached"
    assert presale.calculated_qty(rows, TODAY, 1.3, 0, 4) == (0, None), "below the minimum"


def test_calculated_qty_edges():
    assert presale.calculated_qty([], TODAY, 1.0, 0, 0) == (0, None)
    assert presale.calculated_qty([(IN(1), 0)], TODAY, 1.0, 0, 0) == (0, None)
    assert presale.calculated_qty([(IN(1), 5)], TODAY, 0.0, 0, 0) == (0, None), "multiplier 0"
    assert presale.calculated_qty([(IN(1), 5)], TODAY, -1, 0, 0) == (0, None)
    # 0.1 × 30 is 3.0000000000000004 or 2.9999999999999996 depending on order: still 3
    assert presale.calculated_qty([(IN(1), 30)], TODAY, 0.1, 0, 0) == (3, IN(1))
    assert presale.calculated_qty([(IN(1), 0.5)], TODAY, 1.0, 0, 0) == (0, None), "floor to 0"


def test_horizon_end():
    assert presale.horizon_end(TODAY, 0) is None
    assert presale.horizon_end(TODAY, 10) == IN(10)


@pytest.mark.parametrize(
    ("price", "pct", "digits", "expected"),
    [
        (100.0, 10, 2, 90.0),
        (100.0, 0, 2, 100.0),
        (100.0, 100, 2, 0.0),
        (19.99, 15, 2, 16.99),  # 16.9915
        (10.005, 0, 2, 10.01),  # half rounds away from zero
        (1000, 33.333, 0, 667.0),
    ],
)
def test_presale_price(price, pct, digits, expected):
    assert presale.presale_price(price, pct, digits) == expected


@pytest.mark.parametrize("pct", [-1, 100.01])
def test_presale_price_bad_percent(pct):
    with pytest.raises(ValueError, match="between 0 and 100"):
        presale.presale_price(100, pct)


def test_plan_price_rules():
    list_prices = {1: 100.0, 2: 50.0, 3: 80.0, 4: 10.0, 5: 20.0}
    on_presale = {1, 2, 4, 5}
    manual = {4}
    existing = {
        2: [(20, 45.0)],  # already right
        3: [(30, 72.0)],  # variant no longer on pre-sale: stale
        4: [(40, 9.0)],  # a hand-written rule appeared: ours goes
        5: [(51, 1.0), (50, 3.0)],  # duplicates: keep the oldest, fix its price
    }
    create, update, delete = presale.plan_price_rules(list_prices, on_presale, manual, existing, 10)
    assert create == {1: 90.0}
    assert update == {50: 18.0}
    assert delete == [30, 40, 51]


def test_plan_price_rules_is_idempotent():
    list_prices = {1: 100.0, 2: 50.0}
    create, update, delete = presale.plan_price_rules(list_prices, {1, 2}, set(), {}, 25)
    existing = {vid: [(vid * 10, price)] for vid, price in create.items()}
    assert presale.plan_price_rules(list_prices, {1, 2}, set(), existing, 25) == ({}, {}, [])
