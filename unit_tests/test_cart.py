import pytest

from rules import cart
from rules.cart import (
    CartLine,
    Refusal,
    forced_line,
    is_valid_quantity,
    needs_default_pricelist,
    pricelist_plan,
    refusal,
)


def line(**values):
    base = {"kind": "national", "quantity": 1, "kind_total": 1, "offered": 5}
    return CartLine(**{**base, **values})


def test_allowed_within_offer():
    assert refusal(line()) is None
    assert refusal(line(quantity=5, kind_total=5)) is None


def test_quantity_beyond_offer():
    # 3 of the same kind are on other lines of the cart: 2 left for this one
    assert refusal(line(quantity=3, kind_total=6)) == Refusal(
        cart.NOT_ENOUGH, "national", {"available": 2}
    )
    assert refusal(line(quantity=1, kind_total=1, offered=0)).params == {"available": 0}


def test_quantity_judged_by_the_holds_is_not_judged_here():
    # the payment's checkout holds decide the quantity under lock: every other
    # rule still applies
    assert refusal(line(quantity=9, kind_total=9, offered=None)) is None
    assert refusal(line(offered=None, kind_enabled=False)).code == cart.KIND_DISABLED


def test_removal_always_allowed():
    assert refusal(line(quantity=0, kind_total=0, offered=0, kind_enabled=False)) is None


def test_unknown_and_disabled_kinds():
    assert refusal(line(kind="weekly")) == Refusal(cart.UNKNOWN_KIND, "weekly")
    assert refusal(line(kind="presale", kind_enabled=False)) == Refusal(
        cart.KIND_DISABLED, "presale"
    )


def test_international_minimum():
    assert refusal(line(kind="international", quantity=2, kind_total=2, min_qty=3)) == Refusal(
        cart.BELOW_MINIMUM, "international", {"min_qty": 3}
    )
    assert refusal(line(kind="international", quantity=3, kind_total=3, min_qty=3)) is None


def test_exclusivity_minimum():
    refused = line(exclusivity=True, exclusivity_min_qty=4, quantity=3, kind_total=3)
    assert refusal(refused) == Refusal(cart.EXCLUSIVITY_MINIMUM, "national", {"min_qty": 4})
    assert refusal(line(exclusivity=False, exclusivity_min_qty=4)) is None, "not asked for"


def test_excluded_pricelist():
    assert refusal(line(pricelist_id=7, excluded_pricelist_id=7)).code == cart.EXCLUDED_PRICELIST
    assert refusal(line(kind="stock", pricelist_id=7, excluded_pricelist_id=7)) is None


def test_two_pricelists_conflict():
    conflict = line(
        kind="presale", needed_pricelist_id=3, other_needed_pricelist_ids=frozenset({4})
    )
    assert refusal(conflict).code == cart.OTHER_PRICELIST
    same = line(kind="presale", needed_pricelist_id=3, other_needed_pricelist_ids=frozenset({3}))
    assert refusal(same) is None


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"next_day_product": False}, cart.NOT_NEXT_DAY),
        ({"on_request": True}, cart.NOT_NEXT_DAY),
        ({"pricelist_id": 1}, cart.NEXT_DAY_PRICELIST),
        ({"quantity": 9, "kind_total": 9}, cart.NOT_ENOUGH),
    ],
)
def test_next_day(values, code):
    base = {
        "kind": "next_day",
        "next_day_product": True,
        "pricelist_id": 2,
        "next_day_pricelist_ids": frozenset({2, 3}),
    }
    assert refusal(line(**{**base, **values})).code == code
    assert refusal(line(**base)) is None


def test_stock_lines_left_to_odoo():
    assert refusal(line(kind="stock", quantity=50, kind_total=50, offered=0)) is None


@pytest.mark.parametrize("value", [None, "", 1, "3", -2, "0", 0, 1e6])
def test_valid_quantities(value):
    assert is_valid_quantity(value)


@pytest.mark.parametrize("value", ["abc", "1.5", 2.5, "1e9", 10**7, True, [], "nan", "inf"])
def test_invalid_quantities(value):
    assert not is_valid_quantity(value)


FORCED = {"presale": 10, "international": 20}


def test_plan_forced_kind_keeps_the_shoppers_pricelist():
    plan = pricelist_plan(["stock", "presale"], FORCED, 1, 0, 1)
    assert (plan.pricelist_id, plan.base_pricelist_id, plan.conflict) == (10, 1, False)


def test_plan_odoo_changes_the_pricelist_of_a_forced_cart():
    # address, login or a pricelist switch set pricelist 2: it prices the other lines
    plan = pricelist_plan(["presale"], FORCED, 2, 1, 1)
    assert (plan.pricelist_id, plan.base_pricelist_id) == (10, 2)
    # nothing happened: the remembered pricelist stays
    plan = pricelist_plan(["presale"], FORCED, 10, 2, 1)
    assert (plan.pricelist_id, plan.base_pricelist_id) == (10, 2)


def test_plan_back_to_the_shoppers_pricelist():
    assert pricelist_plan(["stock"], FORCED, 10, 2, 1) == pricelist_plan([], FORCED, 2, 0, 1)
    assert pricelist_plan(["stock"], FORCED, 10, 2, 1).pricelist_id == 2
    # forced without a remembered pricelist (an old or merged cart): the website's
    assert pricelist_plan(["national"], FORCED, 20, 0, 1).pricelist_id == 1
    assert pricelist_plan(["stock"], FORCED, 3, 0, 1).pricelist_id == 3, "untouched"


def test_plan_conflict_changes_nothing():
    plan = pricelist_plan(["presale", "international"], FORCED, 10, 2, 1)
    assert (plan.pricelist_id, plan.base_pricelist_id, plan.conflict) == (10, 2, True)


def test_plan_shopper_on_the_forced_pricelist():
    plan = pricelist_plan(["presale"], FORCED, 1, 0, 10)
    assert (plan.pricelist_id, plan.base_pricelist_id) == (10, 1)
    plan = pricelist_plan(["presale"], FORCED, 10, 0, 10)
    assert (plan.pricelist_id, plan.base_pricelist_id) == (10, 0)


def test_forced_line():
    assert forced_line("presale", FORCED, 10)
    assert not forced_line("stock", FORCED, 10)
    assert not forced_line("presale", {"presale": 0}, 0)


def test_in_stock_blocks_preorders_only():
    blocked = {"quantity": 1, "kind_total": 1, "offered": 5, "in_stock_blocks_preorder": True}
    assert refusal(CartLine(kind="national", **blocked)).code == cart.IN_STOCK
    assert refusal(CartLine(kind="international", **blocked)).code == cart.IN_STOCK
    assert refusal(CartLine(kind="presale", **blocked)) is None


def test_the_website_is_asked_only_when_no_shoppers_pricelist_is_known():
    assert needs_default_pricelist(FORCED, 20, 0)
    assert needs_default_pricelist(FORCED, 0, 10)
    assert not needs_default_pricelist(FORCED, 3, 0), "the order's own pricelist"
    assert not needs_default_pricelist(FORCED, 10, 2), "the remembered one"
    # no pricelist forced (pricelists not used): the order keeps what Odoo gave it
    assert not needs_default_pricelist({"presale": 0, "international": 0}, 0, 0)
    assert pricelist_plan(["presale"], {"presale": 0, "international": 0}, 0, 0, 7) == (
        pricelist_plan([], {}, 0, 0, 0)
    )


def test_prices_seen_on_the_checkout_page_are_taken_for_a_while():
    stamp = (7, "abc", 1000.0)
    assert cart.prices_seen(stamp, 7, "abc", 1000.0)
    assert cart.prices_seen(list(stamp), 7, "abc", 1000.0 + cart.PRICES_SEEN_SECONDS)
    assert not cart.prices_seen(stamp, 7, "abc", 1000.0 + cart.PRICES_SEEN_SECONDS + 1)


def test_prices_seen_only_for_the_same_unchanged_cart():
    stamp = (7, "abc", 1000.0)
    assert not cart.prices_seen(stamp, 8, "abc", 1001.0), "another cart"
    assert not cart.prices_seen(stamp, 7, "abd", 1001.0), "a line or a pricelist changed"
    assert not cart.prices_seen((7, "", 1000.0), 7, "", 1001.0), "no fingerprint"


@pytest.mark.parametrize(
    "stamp",
    [None, (), (7, "abc"), "7abc", (7, "abc", "1000"), (7, "abc", True), (7, "abc", 1002.0)],
)
def test_prices_seen_refuses_what_it_cannot_trust(stamp):
    # no stamp, another shape, a time that is not a number, a time ahead of now
    assert not cart.prices_seen(stamp, 7, "abc", 1001.0)
