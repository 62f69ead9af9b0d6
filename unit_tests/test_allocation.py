import random
from datetime import date, datetime

import pytest

from rules.allocation import (
    LATEST_ARRIVALS,
    Allocation,
    Demand,
    Existing,
    ReleasedQuantity,
    Supply,
    fulfilment,
    line_quantities,
    plan,
    plan_deallocation,
    promise_date,
)
from rules.atp import round_qty

D = lambda day: date(2026, 12, day)  # noqa: E731
T = lambda hour: datetime(2026, 11, 22, hour)  # noqa: E731


KINDS = ("national", "international")
ATPS = (0, 0.5, 1, 2, 3.3, 5)


def test_fifo_over_supplies_and_demands():
    supplies = [Supply(1, 10, "national", D(20), 5), Supply(2, 10, "national", D(5), 3)]
    demands = [
        Demand(100, 10, "national", T(12), 4),
        Demand(101, 10, "national", T(9), 2),  # older order, served first
    ]
    result = plan(demands, supplies)
    assert [(a.demand_id, a.supply_id, a.quantity) for a in result] == [
        (101, 2, 2),  # earliest arrival first
        (100, 2, 1),
        (100, 1, 3),
    ]


def test_ties_break_on_ids():
    supplies = [Supply(7, 1, "presale", D(1), 1), Supply(3, 1, "presale", D(1), 1)]
    demands = [Demand(9, 1, "presale", T(8), 1), Demand(4, 1, "presale", T(8), 1)]
    result = plan(demands, supplies)
    assert [(a.demand_id, a.supply_id) for a in result] == [(4, 3), (9, 7)]


def test_partial_and_parked():
    result = plan([Demand(1, 1, "national", T(8), 10)], [Supply(5, 1, "national", D(1), 4)])
    assert [(a.supply_id, a.quantity) for a in result] == [(5, 4)], "6 stay parked"


def test_nothing_on_order():
    assert plan([Demand(1, 1, "national", T(8), 3)], []) == []


def test_kinds_and_products_never_mix():
    supplies = [Supply(1, 1, "international", D(1), 5), Supply(2, 2, "national", D(1), 5)]
    assert plan([Demand(1, 1, "national", T(8), 3)], supplies) == []


def test_exhausted_and_empty_supplies():
    supplies = [Supply(1, 1, "national", D(1), 0), Supply(2, 1, "national", D(2), 2)]
    demands = [Demand(i, 1, "national", T(i), 1) for i in range(1, 5)]
    result = plan(demands, supplies)
    assert [(a.demand_id, a.supply_id) for a in result] == [(1, 2), (2, 2)]


def test_fractional_units_rounding():
    supplies = [Supply(1, 1, "national", D(1), 0.3)]
    demands = [Demand(1, 1, "national", T(8), 0.1 + 0.2, rounding=0.01)]
    result = plan(demands, supplies)
    assert [a.quantity for a in result] == [0.3]


def test_deallocation_latest_orders_first():
    allocations = [
        Existing(1, 4, T(8), 10),
        Existing(2, 3, T(9), 11),
        Existing(3, 2, T(10), 12),
    ]
    assert plan_deallocation(allocations, 4) == {3: 0, 2: 1}
    assert plan_deallocation(allocations, 0) == {}
    assert plan_deallocation(allocations, 20) == {3: 0, 2: 0, 1: 0}


def test_deallocation_latest_arrivals_first():
    allocations = [
        Existing(1, 4, T(8), 10, arrival=D(10)),
        Existing(2, 2, T(8), 10, arrival=D(20)),
    ]
    assert plan_deallocation(allocations, 3, latest=LATEST_ARRIVALS) == {2: 0, 1: 3}


def test_deallocation_never_shrinks_released():
    allocations = [
        Existing(1, 4, T(8), 10, arrival=D(10), released=True),
        Existing(2, 2, T(9), 11, arrival=D(20)),
    ]
    assert plan_deallocation(allocations, 2) == {2: 0}, "the open one pays"
    with pytest.raises(ReleasedQuantity) as caught:
        plan_deallocation(allocations, 3)
    assert (caught.value.released, caught.value.excess) == (4, 3)


def test_deallocation_rounds():
    allocations = [Existing(1, 0.3, T(8), 10), Existing(2, 0.3, T(9), 11)]
    assert plan_deallocation(allocations, 0.1 + 0.2, rounding=0.01) == {2: 0.0}
    assert plan_deallocation(allocations, 0.004, rounding=0.01) == {}, "below the rounding"


def test_fulfilment_in_arrival_order():
    allocations = [(7, 2, D(20)), (3, 4, D(10))]
    assert fulfilment(allocations, 3) == {3: 3, 7: 0}
    assert fulfilment(allocations, 5) == {3: 4, 7: 1}
    assert fulfilment(allocations, 9) == {3: 4, 7: 2}, "never more than allocated"


def test_promise_date_is_latest_arrival():
    assert promise_date([D(3), D(9), D(1)]) == D(9)
    assert promise_date([]) is None
    assert promise_date([None]) is None


def _reference_plan(demands, supplies):
    """The plan written the slow, obvious way: every demand scans its whole queue."""
    remaining = {s.id: s.atp for s in supplies if s.atp > 0}
    ordered = sorted((s for s in supplies if s.atp > 0), key=lambda s: (s.arrival, s.id))
    result = []
    for demand in sorted(demands, key=lambda d: (d.confirmed_at, d.id)):
        wanted = demand.quantity
        for supply in ordered:
            if (supply.product_id, supply.kind) != (demand.product_id, demand.kind):
                continue
            if round_qty(wanted, demand.rounding) <= 0:
                break
            quantity = round_qty(min(wanted, remaining[supply.id]), demand.rounding)
            if remaining[supply.id] <= 0 or quantity <= 0:
                continue
            result.append(Allocation(demand.id, supply.id, quantity))
            remaining[supply.id] = round_qty(remaining[supply.id] - quantity, demand.rounding)
            wanted -= quantity
    return result


def test_plan_matches_the_obvious_plan():
    rng = random.Random(7)
    for _case in range(2000):
        supplies = [
            Supply(i, rng.randint(1, 3), rng.choice(KINDS), rng.randint(1, 5), rng.choice(ATPS))
            for i in range(rng.randint(0, 8))
        ]
        demands = [
            Demand(
                100 + i,
                rng.randint(1, 3),
                rng.choice(KINDS),
                rng.randint(1, 5),
                rng.choice((0.5, 1, 2, 3, 4.7)),
                rng.choice((0, 0.01, 1)),
            )
            for i in range(rng.randint(0, 8))
        ]
        assert plan(demands, supplies) == _reference_plan(demands, supplies), (demands, supplies)


def test_plan_walks_long_queues_in_order():
    supplies = [Supply(i, 1, "national", i, 1) for i in range(3000)]
    demands = [Demand(10000 + i, 1, "national", i, 1) for i in range(3000)]
    result = plan(demands, supplies)
    assert [(row.demand_id - 10000, row.supply_id) for row in result] == [
        (i, i) for i in range(3000)
    ]


def test_line_quantities_parked_allocated_released():
    # 10 ordered, 4 allocated (1 of it released), 2 released from stock: 4 parked
    figures = line_quantities([(3, False), (1, True)], 2, 10, True, 1, 0.01)
    assert (figures.allocated, figures.released, figures.parked, figures.state) == (
        4,
        3,
        4,
        "parked",
    )
    assert line_quantities([(6, False), (4, True)], 0, 10, True, 1, 0.01).state == "allocated"
    assert line_quantities([(6, True)], 4, 10, True, 1, 0.01).state == "released"


def test_line_quantities_rounding_and_closed_lines():
    # less than half the unit's rounding left over is not parked
    figures = line_quantities([(9.996, False)], 0, 10, True, 0.01, 0.01)
    assert figures.allocated == 10.0 and figures.parked == 0.0 and figures.state == "allocated"
    # float noise of many small allocations is rounded to the field's precision
    noisy = line_quantities([(0.1, False)] * 3, 0, 1, True, 0.01, 0.01)
    assert noisy.allocated == 0.3 and noisy.parked == 0.7
    # a draft order or a stock line waits for nothing
    closed = line_quantities([(2, False)], 0, 10, False, 1, 0.01)
    assert (closed.allocated, closed.parked, closed.state) == (2, 0.0, None)


def test_line_quantities_of_a_line_cancelled_to_nothing():
    figures = line_quantities([], 0, 0, True, 1, 0.01)
    assert (figures.parked, figures.state) == (0.0, None)
