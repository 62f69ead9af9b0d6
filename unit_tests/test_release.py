from datetime import date, datetime

from rules.release import Allocated, Candidate, covered_by_receipts, decide

TODAY = date(2026, 11, 22)
T = lambda hour: datetime(2026, 11, 1, hour)  # noqa: E731


def test_receipts_cover_oldest_orders_first():
    allocations = [Allocated(1, 10, 5, 3, T(9)), Allocated(2, 11, 5, 3, T(8))]
    assert covered_by_receipts(allocations, {5: 4}) == {2: 3, 1: 1}


def test_release_by_receipt():
    allocations = [Allocated(1, 10, 5, 3, T(9)), Allocated(2, 11, 5, 3, T(8))]
    candidates = [
        Candidate(10, 1, T(9), date(2026, 12, 1)),
        Candidate(11, 1, T(8), date(2026, 12, 1)),
    ]
    # 4 received: covers the older order (line 11) only; 4 units on the shelf
    assert decide(candidates, allocations, {5: 4}, {1: 4}, TODAY) == [11]
    assert decide(candidates, allocations, {5: 6}, {1: 6}, TODAY) == [11, 10]


def test_received_goods_taken_elsewhere_do_not_release():
    allocations = [Allocated(1, 10, 5, 3, T(9))]
    candidates = [Candidate(10, 1, T(9), date(2026, 12, 1))]
    assert decide(candidates, allocations, {5: 3}, {1: 1}, TODAY) == []


def test_release_by_promise_date_with_free_stock():
    allocations = [Allocated(1, 10, 5, 2, T(9)), Allocated(2, 11, 6, 2, T(10))]
    candidates = [
        Candidate(10, 1, T(9), TODAY),  # due today
        Candidate(11, 1, T(10), date(2026, 11, 30)),  # not due yet
    ]
    assert decide(candidates, allocations, {}, {1: 5}, TODAY) == [10]
    assert decide(candidates, allocations, {}, {1: 1}, TODAY) == [], "not enough free stock"


def test_free_stock_goes_to_earlier_orders():
    allocations = [Allocated(1, 10, 5, 2, T(10)), Allocated(2, 11, 6, 2, T(9))]
    candidates = [Candidate(10, 1, T(10), TODAY), Candidate(11, 1, T(9), TODAY)]
    assert decide(candidates, allocations, {}, {1: 3}, TODAY) == [11]


def test_partly_parked_lines_wait():
    allocations = [Allocated(1, 10, 5, 2, T(9))]
    candidates = [Candidate(10, 1, T(9), TODAY, fully_allocated=False)]
    assert decide(candidates, allocations, {5: 2}, {1: 9}, TODAY) == []


def test_line_over_several_supply_lines():
    allocations = [Allocated(1, 10, 5, 2, T(9)), Allocated(2, 10, 6, 3, T(9))]
    candidates = [Candidate(10, 1, T(9), date(2026, 12, 24))]
    assert decide(candidates, allocations, {5: 2}, {1: 9}, TODAY) == [], "3 not received yet"
    assert decide(candidates, allocations, {5: 2, 6: 3}, {1: 5}, TODAY) == [10]
