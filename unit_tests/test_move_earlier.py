"""rules.allocation.plan_earlier: allocations move to earlier supply (issue 16)."""

import random
from datetime import date, datetime

from rules.allocation import Held, Move, Supply, plan_earlier

D = lambda day: date(2026, 12, day)  # noqa: E731
T = lambda hour: datetime(2026, 11, 22, hour)  # noqa: E731


def held(id_, line, supply, arrival, qty, hour=9, released=False, product=1, kind="national"):
    return Held(id_, line, supply, product, kind, T(hour), arrival, qty, released, 0.01)


def test_moves_to_earlier_supply_oldest_order_first():
    supplies = [Supply(10, 1, "national", D(5), 3.0), Supply(20, 1, "national", D(20), 0.0)]
    allocations = [
        held(1, 100, 20, D(20), 2.0, hour=11),  # newer order
        held(2, 200, 20, D(20), 2.0, hour=9),  # older order: served first
    ]
    assert plan_earlier(allocations, supplies) == [Move(2, 20, 10, 2.0), Move(1, 20, 10, 1.0)]


def test_never_later_nor_equally_late():
    supplies = [Supply(10, 1, "national", D(20), 5.0), Supply(30, 1, "national", D(25), 5.0)]
    allocations = [held(1, 100, 20, D(20), 2.0)]
    assert plan_earlier(allocations, supplies) == []


def test_released_allocations_never_move():
    supplies = [Supply(10, 1, "national", D(5), 5.0)]
    allocations = [held(1, 100, 20, D(20), 2.0, released=True)]
    assert plan_earlier(allocations, supplies) == []


def test_only_same_product_and_kind():
    supplies = [Supply(10, 2, "national", D(5), 5.0), Supply(11, 1, "presale", D(5), 5.0)]
    allocations = [held(1, 100, 20, D(20), 2.0)]
    assert plan_earlier(allocations, supplies) == []


def test_earliest_first_and_ties_by_id():
    supplies = [
        Supply(12, 1, "national", D(8), 1.0),
        Supply(11, 1, "national", D(8), 1.0),
        Supply(10, 1, "national", D(3), 1.0),
    ]
    allocations = [held(1, 100, 20, D(20), 3.0)]
    assert plan_earlier(allocations, supplies) == [
        Move(1, 20, 10, 1.0),
        Move(1, 20, 11, 1.0),
        Move(1, 20, 12, 1.0),
    ]


def test_same_order_ties_by_sale_line_then_allocation():
    supplies = [Supply(10, 1, "national", D(5), 1.0)]
    allocations = [held(2, 101, 20, D(20), 1.0), held(1, 101, 21, D(22), 1.0)]
    assert plan_earlier(allocations, supplies) == [Move(1, 21, 10, 1.0)]


def test_random_invariants():
    rng = random.Random(16)
    for _round in range(300):
        supplies = [
            Supply(10 + i, 1, "national", D(rng.randint(1, 28)), rng.choice([0, 1, 2.5, 4]))
            for i in range(rng.randint(0, 4))
        ]
        arrivals = {s.id: s.arrival for s in supplies}
        allocations = [
            held(
                i,
                100 + i,
                sid,
                arrivals.get(sid, D(28)),
                rng.choice([1, 2, 3.5]),
                hour=rng.randint(0, 23),
                released=rng.random() < 0.2,
            )
            for i, sid in enumerate(rng.choice([10, 11, 12, 99]) for _ in range(rng.randint(0, 5)))
        ]
        moves = plan_earlier(allocations, supplies)
        by_id = {a.id: a for a in allocations}
        atp = {s.id: s.atp for s in supplies}
        for move in moves:
            allocation = by_id[move.allocation_id]
            assert not allocation.released
            assert arrivals[move.to_supply_id] < allocation.arrival, "only ever earlier"
            assert move.quantity > 0
            atp[move.to_supply_id] -= move.quantity
        assert all(left >= -1e-9 for left in atp.values()), "never more than the ATP"
        for allocation in allocations:
            moved = sum(m.quantity for m in moves if m.allocation_id == allocation.id)
            assert moved <= allocation.quantity + 1e-9
