from datetime import datetime, timedelta

from rules import atp, availability, consent, hold

NOW = datetime(2026, 12, 7, 12, 0)


def test_expiry_uses_the_company_minutes_or_the_default():
    assert hold.expiry(NOW, 5) == NOW + timedelta(minutes=5)
    assert hold.expiry(NOW, 0) == NOW + timedelta(minutes=hold.DEFAULT_MINUTES)
    assert hold.expiry(NOW, None) == NOW + timedelta(minutes=hold.DEFAULT_MINUTES)


def test_active_until_it_expires():
    assert hold.is_active(NOW + timedelta(seconds=1), NOW)
    assert not hold.is_active(NOW, NOW), "expired at the second it expires"
    assert not hold.is_active(None, NOW)


def test_sweep_keeps_expired_holds_of_open_payments_for_a_day():
    expired = NOW - timedelta(minutes=1)
    assert not hold.sweepable(NOW + timedelta(minutes=1), NOW, None), "still counting"
    assert hold.sweepable(expired, NOW, None), "no payment"
    assert hold.sweepable(expired, NOW, "cancel")
    assert hold.sweepable(expired, NOW, "error")
    assert not hold.sweepable(expired, NOW, "done"), "paid: its confirmation converts them"
    for state in hold.OPEN_PAYMENT_STATES:
        assert not hold.sweepable(expired, NOW, state), state
        assert hold.sweepable(NOW - timedelta(days=1), NOW, state), state


def test_convert_gives_each_hold_its_own_supply_within_what_is_left():
    holds = [hold.Hold(1, 10, 2.0), hold.Hold(2, 10, 3.0), hold.Hold(2, 11, 1.0)]
    remaining = {10: 4.0, 11: 5.0}
    wanted = {1: 2.0, 2: 4.0}
    result = hold.convert(holds, remaining, wanted)
    assert result == [
        hold.Converted(1, 10, 2.0),
        hold.Converted(2, 10, 2.0),  # the supply had 2 left (an expired hold lost 1)
        hold.Converted(2, 11, 1.0),
    ]
    assert remaining == {10: 0.0, 11: 4.0}
    assert wanted == {1: 0.0, 2: 1.0}


def test_convert_never_gives_more_than_the_line_waits_for_nor_unknown_supply():
    remaining = {10: 5.0}
    wanted = {1: 1.0}
    result = hold.convert([hold.Hold(1, 10, 3.0), hold.Hold(1, 99, 3.0)], remaining, wanted)
    assert result == [hold.Converted(1, 10, 1.0)]
    assert remaining == {10: 4.0}


def test_shortfall():
    assert hold.shortfall(3.0, 3.0) == 0.0
    assert hold.shortfall(3.0, 1.0) == 2.0
    assert hold.shortfall(1.0, 1.004, 0.01) == 0.0


def test_refusals_share_what_a_kind_offers_first_line_first():
    lines = [
        hold.CartLine(2, 7, "national", 2.0),
        hold.CartLine(1, 7, "national", 1.0),
        hold.CartLine(3, 7, "presale", 5.0),
        hold.CartLine(4, 8, "national", 1.0),
    ]
    offered = {(7, "national"): 2.0, (7, "presale"): 5.0}
    assert hold.refusals(lines, offered) == {2: 1.0, 4: 0.0}


def test_refusals_none_when_everything_fits():
    lines = [hold.CartLine(1, 7, "national", 3.0, 1.0)]
    assert hold.refusals(lines, {(7, "national"): 3.0}) == {}


def test_net_atp_and_allocation_check_leave_held_quantity_alone():
    assert atp.net_atp(5.0, 2.0) == 3.0
    assert atp.net_atp(2.0, 5.0) == 0.0
    atp.check_allocation(10.0, 5.0, 0.0, 3.0, held=2.0)
    try:
        atp.check_allocation(10.0, 5.0, 0.0, 4.0, held=2.0)
    except atp.NotEnoughAtp as error:
        assert (error.available, error.asked) == (3.0, 4.0)
    else:
        raise AssertionError("4 asked of 3 left")


def test_undated_slip_only_when_asked_for():
    agreed = datetime(2026, 12, 20).date()
    assert not consent.slipped(agreed, None)
    assert consent.slipped(agreed, None, undated=True)
    assert not consent.slipped(None, None, undated=True), "nothing agreed, nothing slipped"


TODAY = NOW.date()


def _supply(id_, kind="national", days=10, product=1, restock=False):
    arrival = NOW + timedelta(days=days)
    return hold.SupplyLine(id_, product, kind, arrival, arrival.date(), restock, 1.0)


def test_decide_plans_first_in_first_out_on_what_other_carts_leave():
    cart = [hold.CartLine(7, 1, "national", 3.0, 1.0)]
    supplies = [_supply(10, days=20), _supply(11, days=5)]
    locked = {10: (5.0, "purchase"), 11: (2.0, "purchase")}
    refused, planned = hold.decide(
        cart, supplies, locked, {11: 1.0}, TODAY, availability.Settings()
    )
    assert refused == {}
    # the earlier arrival first, less what another cart holds of it
    assert [(row.supply_id, row.quantity) for row in planned] == [(11, 1.0), (10, 2.0)]


def test_decide_refuses_a_website_cart_asking_more_than_is_left_and_plans_nothing():
    cart = [hold.CartLine(7, 1, "national", 2.0, 1.0)]
    supplies = [_supply(10)]
    refused, planned = hold.decide(
        cart, supplies, {10: (3.0, "purchase")}, {10: 2.0}, TODAY, availability.Settings()
    )
    assert refused == {7: 1.0}
    assert planned == []
    # an order staff made is never refused: it holds what there is
    refused, planned = hold.decide(
        cart, supplies, {10: (3.0, "purchase")}, {10: 2.0}, TODAY, availability.Settings(),
        judge=False,
    )  # fmt: skip
    assert refused == {}
    assert [(row.supply_id, row.quantity) for row in planned] == [(10, 1.0)]


def test_decide_reads_atp_and_state_from_the_lock_not_from_before_it():
    cart = [hold.CartLine(7, 1, "national", 1.0, 1.0)]
    supplies = [_supply(10), _supply(11, days=30)]
    # line 10 was cancelled and line 11 allocated to the last unit while the
    # checkout waited for the lock; line 12 was deleted
    locked = {10: (4.0, "cancel"), 11: (0.0, "purchase")}
    refused, planned = hold.decide(
        cart, [*supplies, _supply(12)], locked, {}, TODAY, availability.Settings()
    )
    assert refused == {7: 0.0}
    refused, planned = hold.decide(
        cart, [*supplies, _supply(12)], locked, {}, TODAY, availability.Settings(), judge=False
    )
    assert planned == []


def test_decide_holds_a_presale_on_atp_only():
    cart = [hold.CartLine(7, 1, "presale", 3.0, 1.0)]
    supplies = [_supply(10, kind="presale")]
    settings = availability.Settings(multiplier=2.0)
    refused, planned = hold.decide(cart, supplies, {10: (2.0, "purchase")}, {}, TODAY, settings)
    assert refused == {}, "the multiplier offers 4"
    assert [(row.supply_id, row.quantity) for row in planned] == [(10, 2.0)]
