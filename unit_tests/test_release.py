from datetime import date, datetime

from rules.release import (
    EARLIER_ORDERS,
    NO_STOCK,
    NOT_DUE,
    OpenAllocation,
    ParkedLine,
    Release,
    apportion,
    blocked_reason,
    plan,
    receipt_coverage,
)

TODAY = date(2026, 11, 22)
LATER = date(2026, 12, 20)
WH_A, WH_B = 100, 200  # delivery source locations
P = 1  # the product


def T(hour):
    return datetime(2026, 11, 1, hour)


def alloc(id_, line, supply, qty, hour, promise=LATER, location=WH_A, product=P):
    return OpenAllocation(id_, line, supply, product, location, qty, T(hour), promise)


def test_receipts_cover_oldest_orders_first_per_supply_line():
    allocations = [alloc(1, 10, 5, 3, 9), alloc(2, 11, 5, 3, 8), alloc(3, 12, 6, 2, 7)]
    assert receipt_coverage(allocations, {5: 4}) == {3: 0.0, 2: 3, 1: 1}


def test_received_goods_release_per_allocation_not_per_line():
    # line 10 (oldest) has 3 on supply 5 and 1 on a later supply 6; line 11 has 1 on supply 5
    allocations = [alloc(1, 10, 5, 3, 8), alloc(2, 10, 6, 1, 8), alloc(3, 11, 5, 1, 9)]
    releases = plan(allocations, [], {5: 3}, {(P, WH_A): 3}, TODAY)
    assert releases == [Release(10, 1, 3, "receipt")], "the oldest order's 3 go out now"
    releases = plan(allocations, [], {5: 4}, {(P, WH_A): 4}, TODAY)
    assert releases == [Release(10, 1, 3, "receipt"), Release(11, 3, 1, "receipt")]


def test_partial_receipt_partial_release():
    releases = plan([alloc(1, 10, 5, 5, 8)], [], {5: 2}, {(P, WH_A): 10}, TODAY)
    assert releases == [Release(10, 1, 2, "receipt")], "only what was received for it"


def test_receipt_needs_free_stock_in_the_orders_location():
    allocations = [alloc(1, 10, 5, 2, 8, location=WH_A)]
    assert plan(allocations, [], {5: 2}, {(P, WH_B): 5}, TODAY) == [], "stock elsewhere"
    assert plan(allocations, [], {5: 2}, {}, TODAY) == [], "goods still in input"
    assert plan(allocations, [], {5: 2}, {(P, WH_A): 1}, TODAY) == [Release(10, 1, 1, "receipt")]


def test_due_allocations_then_parked_lines_take_free_stock():
    allocations = [
        alloc(1, 10, 5, 2, 9, promise=TODAY),  # due
        alloc(2, 11, 5, 2, 7, promise=LATER),  # not due, no receipt: waits
        alloc(3, 12, 5, 2, 8, promise=date(2026, 11, 20)),  # due earlier
    ]
    parked = [ParkedLine(20, P, WH_A, 2, T(6)), ParkedLine(21, P, WH_A, 2, T(5))]
    releases = plan(allocations, parked, {}, {(P, WH_A): 5}, TODAY)
    assert releases == [
        Release(12, 3, 2, "due"),  # earliest promise first
        Release(10, 1, 2, "due"),
        Release(21, None, 1, "parked"),  # then parked, oldest order first, up to stock
    ]


def test_receipts_first_then_due_then_parked_never_more_than_free():
    allocations = [alloc(1, 10, 5, 2, 9, promise=TODAY), alloc(2, 11, 6, 2, 10)]
    parked = [ParkedLine(20, P, WH_A, 5, T(1))]
    releases = plan(allocations, parked, {6: 2}, {(P, WH_A): 3}, TODAY)
    assert releases == [
        Release(11, 2, 2, "receipt"),
        Release(10, 1, 1, "due"),
    ]
    assert sum(r.quantity for r in releases) == 3


def test_locations_and_products_do_not_mix():
    allocations = [
        alloc(1, 10, 5, 2, 8, promise=TODAY, location=WH_A),
        alloc(2, 11, 5, 2, 7, promise=TODAY, location=WH_B),
        alloc(3, 12, 7, 2, 6, promise=TODAY, product=2),
    ]
    releases = plan(allocations, [], {}, {(P, WH_A): 2, (2, WH_B): 2}, TODAY)
    assert releases == [Release(10, 1, 2, "due")]


def test_apportion_reserved_quantity_in_plan_order():
    planned = [Release(10, 1, 2, "receipt"), Release(10, 2, 3, "due")]
    assert apportion(planned, 5) == [(planned[0], 2), (planned[1], 3)]
    assert apportion(planned, 3) == [(planned[0], 2), (planned[1], 1)]
    assert apportion(planned, 0) == []


def test_blocked_reasons():
    free = {(P, WH_A): 0.0, (P, WH_B): 3.0}
    assert blocked_reason(10, P, WH_A, free, [], due=False) == (NOT_DUE, [])
    assert blocked_reason(10, P, WH_A, free, [9], due=True) == (NO_STOCK, [])
    assert blocked_reason(10, P, WH_B, free, [8, 9, 10], due=True) == (EARLIER_ORDERS, [8, 9])


def test_is_due_parked_covered_or_promised():
    from rules.release import is_due

    assert is_due(1.0, 0.0, None, TODAY), "parked lines take free stock"
    assert is_due(0.0, 2.0, LATER, TODAY), "received goods cover it"
    assert is_due(0.0, 0.0, TODAY, TODAY), "its promise date came"
    assert not is_due(0.0, 0.0, LATER, TODAY)
    assert not is_due(0.004, 0.0, None, TODAY, rounding=0.01), "below the unit's rounding"


def test_earlier_lines_are_first_in_first_out():
    from rules.release import earlier_lines

    queue = [(10, T(1)), (11, T(2)), (12, T(2)), (13, T(3))]
    assert earlier_lines(12, T(2), queue) == [10, 11], "older orders, then lower line ids"
    assert earlier_lines(10, T(1), queue) == []


def test_plan_ignores_float_noise_below_the_rounding():
    free = {(P, WH_A): 1e-10}
    releases = plan([], [ParkedLine(1, P, WH_A, 1.0, T(1), 0.01)], {}, free, TODAY)
    assert releases == [], "nothing free at the unit's rounding"
