from datetime import date, datetime

import pytest

from rules import cancellation, promise_csv

TODAY = date(2026, 11, 22)
ORDERS = {"S00001": 1, "S00002": 2}
PRODUCTS = {"SKU-1": 10, "4006381333931": 10, "SKU-2": 20}
ORDER_PRODUCTS = {1: {10}, 2: {10, 20}}


def check(text):
    rows = promise_csv.parse(text.encode())
    return promise_csv.validate(rows, ORDERS, PRODUCTS, ORDER_PRODUCTS, TODAY)


def test_good_file():
    text = "order,product,date\nS00001,SKU-1,2026-12-01\nS00002,4006381333931,2026-12-02\n"
    assert check(text) == []
    rows = promise_csv.parse(text.encode())
    assert rows[1].date == date(2026, 12, 2)


def test_header_aliases_and_semicolons():
    text = "Order Reference;SKU or barcode;New Date\nS00002;SKU-2;2026-12-01\n"
    assert check(text) == []


def test_every_bad_row_reason():
    text = (
        "order,product,date\n"
        "S99999,SKU-1,2026-12-01\n"  # unknown order
        "S00001,NOPE,2026-12-01\n"  # unknown product
        "S00001,SKU-2,2026-12-01\n"  # product not on the order
        "S00002,SKU-2,01-12-2026x\n"  # bad date
        "S00002,SKU-1,2020-01-01\n"  # past
        ",SKU-1,2026-12-01\n"  # no order
    )
    errors = {row: [problem.code for problem in problems] for row, problems in check(text)}
    assert errors == {
        2: [promise_csv.UNKNOWN_ORDER],
        3: [promise_csv.UNKNOWN_PRODUCT],
        4: [promise_csv.NOT_ON_ORDER],
        5: [promise_csv.BAD_DATE],
        6: [promise_csv.PAST_DATE],
        7: [promise_csv.NO_ORDER],
    }


def test_duplicate_rows():
    text = "order,product,date\nS00001,SKU-1,2026-12-01\nS00001,4006381333931,2026-12-03\n"
    assert check(text) == [(3, [promise_csv.Problem(promise_csv.DUPLICATE, {"row": 2})])]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", promise_csv.EMPTY),
        (b"  \n", promise_csv.EMPTY),
        (b"order,product,date\n", promise_csv.NO_ROWS),
        (b"foo,bar\nS00001,SKU-1\n", promise_csv.WRONG_COLUMNS),
        ("order,product,date\nS00001,SKU-1,2026-12-01\n".encode("utf-16"), promise_csv.NOT_UTF8),
    ],
)
def test_unreadable_files(content, code):
    with pytest.raises(promise_csv.CsvError) as raised:
        promise_csv.parse(content)
    assert raised.value.code == code


def test_ambiguous_cancelled_and_unconfirmed_orders():
    text = (
        "order,product,date\n"
        "S00001,SKU-1,2026-12-01\n"
        "S00002,SKU-2,2026-12-01\n"
        "S00003,SKU-1,2026-12-01\n"
        "S00004,SKU-1,2026-12-01\n"
    )
    rows = promise_csv.parse(text.encode())
    orders = {"S00001": [1, 7], "S00002": [2], "S00003": 3, "S00004": 4}
    states = {2: "cancel", 3: "draft", 4: "sale"}
    errors = dict(
        promise_csv.validate(rows, orders, PRODUCTS, {4: {10}}, TODAY, order_states=states)
    )
    P = promise_csv.Problem
    assert errors[2] == [P(promise_csv.AMBIGUOUS_ORDER, {"order": "S00001", "count": 2})]
    assert errors[3] == [P(promise_csv.ORDER_CANCELLED, {"order": "S00002"})]
    assert errors[4] == [P(promise_csv.ORDER_NOT_CONFIRMED, {"order": "S00003"})]
    assert 5 not in errors


def test_ambiguous_products():
    text = "order,product,date\nS00001,SKU-1,2026-12-01\n"
    rows = promise_csv.parse(text.encode())
    errors = promise_csv.validate(rows, ORDERS, {"SKU-1": [10, 11]}, ORDER_PRODUCTS, TODAY)
    problem = promise_csv.Problem(promise_csv.AMBIGUOUS_PRODUCT, {"product": "SKU-1", "count": 2})
    assert errors == [(2, [problem])]


def test_today_per_order():
    text = "order,product,date\nS00001,SKU-1,2026-11-22\nS00002,SKU-1,2026-11-22\n"
    rows = promise_csv.parse(text.encode())
    today = {1: TODAY, 2: date(2026, 11, 23)}  # the second company is already tomorrow
    errors = promise_csv.validate(rows, ORDERS, PRODUCTS, ORDER_PRODUCTS, today)
    past = promise_csv.Problem(promise_csv.PAST_DATE, {"date": date(2026, 11, 22)})
    assert errors == [(3, [past])]


@pytest.mark.parametrize(
    ("content", "code", "row"),
    [
        (b'order,product,date\nS00001,"SKU-1,2026-12-01\n', promise_csv.MALFORMED, 2),
        (b'order,product,date\nS00001,"SKU"-1,2026-12-01\n', promise_csv.MALFORMED, 2),
        ("order,product,date\nS00001,SKU-1,2026-12-01\nS\u00e9,x,y\n".encode("latin-1"),
         promise_csv.NOT_UTF8, 3),
    ],
)  # fmt: skip
def test_malformed_rows_named(content, code, row):
    with pytest.raises(promise_csv.CsvError) as raised:
        promise_csv.parse(content)
    assert (raised.value.code, raised.value.params["row"]) == (code, row)


def test_old_mac_line_endings():
    rows = promise_csv.parse(b"order,product,date\rS00001,SKU-1,2026-12-01\r")
    assert [row.order for row in rows] == ["S00001"]


def test_cancellation_window():
    confirmed = datetime(2026, 11, 22, 10)
    assert cancellation.may_cancel(True, "sale", confirmed, 24, datetime(2026, 11, 23, 10))
    assert not cancellation.may_cancel(True, "sale", confirmed, 24, datetime(2026, 11, 23, 10, 1))
    assert not cancellation.may_cancel(False, "sale", confirmed, 24, confirmed)
    assert not cancellation.may_cancel(True, "draft", confirmed, 24, confirmed)
    assert not cancellation.may_cancel(True, "sale", confirmed, 0, confirmed)
    assert not cancellation.may_cancel(True, "sale", None, 24, confirmed)
    assert not cancellation.may_cancel(True, "sale", confirmed, 24, confirmed, started=True)


def test_a_customer_lowers_or_cancels_one_line_until_it_is_on_its_way():
    from rules import cancellation as c

    def refusal(**values):
        base = {
            "enabled": True,
            "state": "sale",
            "locked": False,
            "within_window": True,
            "kind_is_request": True,
            "released": 0.0,
            "delivered": 0.0,
            "current": 3.0,
            "new": 1,
        }
        return c.line_change_refusal(**{**base, **values})

    assert refusal() is None
    assert refusal(new=0) is None, "cancels the line"
    assert refusal(enabled=False) == c.LINE_DISABLED
    assert refusal(state="draft") == c.LINE_NOT_CONFIRMED
    assert refusal(locked=True) == c.LINE_LOCKED
    assert refusal(within_window=False) == c.LINE_WINDOW_OVER
    assert refusal(kind_is_request=False) == c.LINE_NOT_PREORDER
    assert refusal(released=1.0) == c.LINE_ON_ITS_WAY
    assert refusal(delivered=1.0) == c.LINE_ON_ITS_WAY
    # quantities at the unit's rounding: a rounding residue is nothing on its way
    assert refusal(released=0.001, rounding=0.01) is None
    assert refusal(new=3, current=3.0000001, rounding=0.01) == c.LINE_NOT_LOWER
    for new in (3, 4, -1, 1.5, True, "1", None):
        assert refusal(new=new) == c.LINE_NOT_LOWER, new


def test_the_window_is_one_rule_for_the_order_and_its_lines():
    from datetime import datetime, timedelta

    from rules import cancellation

    confirmed = datetime(2026, 12, 1, 10, 0)
    assert cancellation.within_window(confirmed, 24, confirmed + timedelta(hours=24))
    assert not cancellation.within_window(confirmed, 24, confirmed + timedelta(hours=25))
    assert not cancellation.within_window(confirmed, 0, confirmed), "never opened"
    assert not cancellation.within_window(None, 24, confirmed)
