from datetime import date

import pytest

from rules import atp, supply

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("kind", "state", "taking"),
    [
        ("national", "draft", True),
        ("national", "sent", True),
        ("national", "to approve", True),
        ("national", "purchase", True),
        ("national", "done", True),  # locked (Lock Confirmed Orders)
        ("national", "cancel", False),
        ("international", "draft", True),
        ("international", "purchase", True),
        ("presale", "draft", False),
        ("presale", "sent", False),
        ("presale", "to approve", False),
        ("presale", "purchase", True),
        ("presale", "done", True),
        ("international", "done", True),
        ("presale", "cancel", False),
        (False, "purchase", False),
    ],
)
def test_taking_states(kind, state, taking):
    assert supply.is_taking(kind, state) is taking


def test_starts_taking():
    assert supply.starts_taking("presale", "to approve", "purchase"), "approved"
    assert supply.starts_taking("presale", "sent", "done"), "confirmed and locked"
    assert not supply.starts_taking("presale", "purchase", "done"), "locked: already taking"
    assert not supply.starts_taking("national", "to approve", "purchase")
    assert supply.starts_taking("national", "cancel", "draft"), "back to draft"


def test_supply_line_conditions():
    base = dict(kind="national", state="draft", atp=10, today=TODAY)
    assert supply.is_supply_line(arrival_date=TODAY, **base), "arriving today still counts"
    assert not supply.is_supply_line(arrival_date=date(2026, 11, 21), **base), "past arrival"
    assert not supply.is_supply_line(arrival_date=None, **base), "no arrival date"
    no_atp = dict(base, atp=atp.line_atp(ordered=10, allocated=0, received=10))
    assert not supply.is_supply_line(arrival_date=TODAY, **no_atp), "fully received"
    assert not supply.is_supply_line(arrival_date=TODAY, **dict(base, kind="presale")), (
        "pre-sale drafts take nothing"
    )
    assert supply.is_supply_line(arrival_date=TODAY, **dict(base, state="done")), "locked"
    assert not supply.is_supply_line(arrival_date=TODAY, **dict(base, state="cancel"))


@pytest.mark.parametrize(
    ("ordered", "allocated", "received", "expected"),
    [
        (10, 0, 0, 10),
        (10, 4, 0, 6),
        (10, 0, 3, 7),
        (10, 4, 6, 4),  # received beyond allocated consumes ATP
        (10, 6, 4, 4),  # allocated beyond received
        (10, 10, 0, 0),
        (10, 12, 0, 0),  # over-allocation never gives negative ATP
        (10, 0, 15, 0),  # over-receipt
        (0, 0, 0, 0),
    ],
)
def test_line_atp(ordered, allocated, received, expected):
    assert atp.line_atp(ordered, allocated, received) == expected


def test_line_atp_rounding():
    # 3 × 0.1 is 0.30000000000000004 in floats: rounding to the unit gives 0.3
    assert atp.line_atp(1.0, 0.1 + 0.1 + 0.1, 0, rounding=0.01) == 0.7
    assert atp.line_atp(1, 0.333, 0, rounding=0.01) == 0.67
    assert atp.line_atp(5, 4.996, 0, rounding=0.01) == 0.0, "rounds to zero, not a sliver"


def test_round_qty():
    assert atp.round_qty(2.675, 0.01) == 2.68
    assert atp.round_qty(7, 5) == 5
    assert atp.round_qty(8, 5) == 10
    assert atp.round_qty(1.2345, 0) == 1.2345


def test_check_allocation():
    atp.check_allocation(10, 4, 0, 6)  # exactly the ATP is fine
    with pytest.raises(atp.NotEnoughAtp) as short:
        atp.check_allocation(10, 4, 0, 7)
    assert (short.value.available, short.value.asked) == (6, 7)
    with pytest.raises(atp.NegativeQuantity):
        atp.check_allocation(10, 0, 0, -1)
    # float noise does not refuse an exact fit
    atp.check_allocation(1.0, 0.7, 0, 0.1 + 0.2, rounding=0.01)
    with pytest.raises(atp.NotEnoughAtp) as caught:
        atp.check_allocation(1234567, 0, 0, 2345678)
    assert (caught.value.available, caught.value.asked) == (1234567, 2345678)


def test_plain_qty():
    assert atp.plain_qty(1234567) == "1234567"
    assert atp.plain_qty(2.5) == "2.5"
    assert atp.plain_qty(0.1 + 0.2, 0.01) == "0.3"
    assert atp.plain_qty(-0.0) == "0"
    assert atp.plain_qty(12345678901.25) == "12345678901.25"


def test_safety_buffer_is_withheld_from_atp():
    # a line's own quantity wins over the request's percentage
    assert atp.safety_buffer(10, quantity=3, percent=20) == 3
    assert atp.safety_buffer(10, percent=20) == 2
    assert atp.safety_buffer(10, percent=25, rounding=1) == 3, "2.5 rounded half up"
    assert atp.safety_buffer(10) == 0
    assert atp.safety_buffer(4, quantity=9) == 4, "never more than ordered"
    assert atp.line_atp(10, 3, 0, buffer=2) == 5
    assert atp.line_atp(10, 0, 9, buffer=2) == 0, "never negative"
    try:
        atp.check_allocation(10, 7, 0, 2, buffer=2)
    except atp.NotEnoughAtp as error:
        assert (error.available, error.asked) == (1, 2)
    else:
        raise AssertionError("the buffer is not promised")


def test_line_status_says_why_a_line_counts_or_not():
    later = date(2026, 12, 20)
    status = supply.line_status
    assert status("national", "draft", 5, later, TODAY) == supply.COUNTED
    assert status("presale", "draft", 5, later, TODAY) == supply.NOT_TAKING
    assert status("national", "cancel", 5, later, TODAY) == supply.NOT_TAKING
    assert status("national", "purchase", 5, None, TODAY) == supply.NO_ARRIVAL
    assert status("national", "purchase", 5, date(2026, 11, 21), TODAY) == supply.ARRIVAL_PASSED
    assert status("national", "purchase", 0, later, TODAY) == supply.NOTHING_TO_PROMISE
    assert status("national", "purchase", 5, later, TODAY, open_now=False) == supply.NOT_OPEN
    assert (
        status("national", "purchase", 5, later, TODAY, warehouse_considered=False)
        == supply.OTHER_WAREHOUSE
    )
    # counted exactly when it is a supply line (open, in a considered warehouse)
    for state in ("draft", "purchase", "cancel"):
        for atp_ in (0, 3):
            for arrival in (None, date(2026, 11, 1), TODAY, later):
                assert (status("presale", state, atp_, arrival, TODAY) == supply.COUNTED) == (
                    supply.is_supply_line("presale", state, atp_, arrival, TODAY)
                )
