from rules.deposit import OUT_OF_RANGE, balance_due, due_now, percent_problem, takes_deposit

PERCENTS = {"national": 30, "international": 0, "presale": 100}


def test_percent_problem():
    assert percent_problem(0) is None
    assert percent_problem(30) is None
    assert percent_problem(100) is None
    assert percent_problem(-1) == OUT_OF_RANGE
    assert percent_problem(100.5) == OUT_OF_RANGE
    assert percent_problem(None) == OUT_OF_RANGE


def test_takes_deposit_only_for_request_kinds_with_a_share():
    assert takes_deposit("national", PERCENTS)
    assert not takes_deposit("international", PERCENTS), "0 %: paid in full"
    assert not takes_deposit("presale", PERCENTS), "100 %: paid in full"
    assert not takes_deposit("stock", {"stock": 30}), "stock is always paid in full"
    assert not takes_deposit("next_day", {"next_day": 30})


def test_due_now_mixes_deposits_and_full_payments():
    lines = [("national", 100.0), ("stock", 20.0), ("international", 50.0)]
    assert due_now(lines, PERCENTS) == 30.0 + 20.0 + 50.0
    assert due_now([("stock", 20.0)], PERCENTS) is None, "no deposit line: Odoo's full payment"
    assert due_now([], PERCENTS) is None


def test_due_now_rounds_with_the_currency():
    lines = [("national", 33.33)]
    assert due_now(lines, PERCENTS, lambda amount: round(amount, 2)) == 10.0
    assert due_now(lines, {"national": 12.5}, lambda amount: round(amount, 0)) == 4.0


def test_due_now_is_none_when_nothing_or_everything_is_due():
    assert due_now([("national", 0.01)], {"national": 99.99}, lambda a: round(a, 2)) is None
    assert due_now([("national", 0.0)], PERCENTS) is None, "a free cart: Odoo's flow"
    assert due_now([("national", 10.0), ("stock", -10.0)], PERCENTS) is None


def test_discounts_lower_the_deposit_in_proportion():
    """A 10 % coupon on a 1,000 pre-order with a 10 % deposit: 90 due, not 0."""
    lines = [("national", 1000.0), ("stock", -100.0)]
    assert due_now(lines, {"national": 10}, lambda a: round(a, 2)) == 90.0
    gift_card = [("national", 100.0), ("stock", 50.0), ("stock", -120.0)]
    # 80 of the 150 bought is due now; the card leaves 30 to pay, 80/150 of it is due
    assert due_now(gift_card, {"national": 30}, lambda a: round(a, 2)) == round(30 * 80 / 150, 2)


def test_balance_due_when_every_deposit_line_is_released():
    assert balance_due([True, True])
    assert not balance_due([True, False])
    assert balance_due([]), "every deposit line cancelled: nothing waits, what remains is invoiced"
