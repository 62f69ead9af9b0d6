from datetime import date

from rules import refund


def test_weight_of_a_deposit_line_is_its_share():
    percents = {"national": 25.0}
    assert refund.weight("national", 200.0, percents, True) == 50.0
    assert refund.weight("national", 200.0, percents, False) == 200.0, "paid in full"
    assert refund.weight("stock", 100.0, percents, True) == 100.0
    assert refund.weight("national", -10.0, percents, True) == 0.0


def test_paid_for_shares_what_was_paid_as_the_checkout_did():
    weights = {1: 50.0, 2: 25.0, 3: 100.0}  # 25 % of 200 and of 100, a 100 stock line
    assert refund.paid_for([2], weights, 175.0) == 25.0
    assert refund.paid_for([1, 2, 3], weights, 175.0) == 175.0
    assert refund.paid_for([2], weights, 0.0) == 0.0, "nothing paid, nothing back"
    assert refund.paid_for([2], weights, 87.5) == 12.5, "half refunded already"
    assert refund.paid_for([9], weights, 175.0) == 0.0


def test_plan_refunds_latest_payment_first_and_leaves_the_rest_to_staff():
    sources = [
        refund.Source(1, 40.0, "partial"),
        refund.Source(2, 30.0, "partial"),
        refund.Source(3, 100.0, ""),  # a provider without refunds
    ]
    assert refund.plan(50.0, sources) == ([(2, 30.0), (1, 20.0)], 0.0)
    assert refund.plan(90.0, sources) == ([(2, 30.0), (1, 40.0)], 20.0)


def test_full_only_providers_refund_only_all_of_a_payment():
    sources = [refund.Source(1, 40.0, "full_only")]
    assert refund.plan(40.0, sources) == ([(1, 40.0)], 0.0)
    assert refund.plan(30.0, sources) == ([], 30.0)


def test_manual_deadline():
    assert refund.manual_deadline(date(2026, 12, 7)) == date(2026, 12, 14)


def test_paid_for_a_lowered_line_is_its_lost_weight():
    weights = {1: 100.0, 2: 100.0}
    assert refund.paid_for([1], weights, 200.0, after={1: 50.0, 2: 100.0}) == 50.0
    assert refund.paid_for([1], weights, 200.0, after={1: 100.0, 2: 100.0}) == 0.0
