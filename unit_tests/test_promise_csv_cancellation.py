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
    errors = dict(check(text))
    assert "unknown order" in errors[2]
    assert "unknown product" in errors[3]
    assert "not a pre-order line" in errors[4]
    assert "bad date" in errors[5]
    assert "in the past" in errors[6]
    assert "no order reference" in errors[7]


def test_duplicate_rows():
    text = "order,product,date\nS00001,SKU-1,2026-12-01\nS00001,4006381333931,2026-12-03\n"
    assert check(text) == [(3, "same order and product as row 2")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"order,product,date\n", "no rows"),
        (b"foo,bar\nS00001,SKU-1\n", "Wrong columns"),
        ("order,product,date\nS00001,SKU-1,2026-12-01\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_unreadable_files(content, message):
    with pytest.raises(promise_csv.CsvError, match=message):
        promise_csv.parse(content)


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
    assert "ambiguous order 'S00001'" in errors[2]
    assert "order S00002 is cancelled" in errors[3]
    assert "order S00003 is not confirmed" in errors[4]
    assert 5 not in errors


def test_ambiguous_products():
    text = "order,product,date\nS00001,SKU-1,2026-12-01\n"
    rows = promise_csv.parse(text.encode())
    errors = promise_csv.validate(rows, ORDERS, {"SKU-1": [10, 11]}, ORDER_PRODUCTS, TODAY)
    assert errors == [(2, "ambiguous product 'SKU-1' (the SKU or barcode of 2 products)")]


def test_today_per_order():
    text = "order,product,date\nS00001,SKU-1,2026-11-22\nS00002,SKU-1,2026-11-22\n"
    rows = promise_csv.parse(text.encode())
    today = {1: TODAY, 2: date(2026, 11, 23)}  # the second company is already tomorrow
    errors = promise_csv.validate(rows, ORDERS, PRODUCTS, ORDER_PRODUCTS, today)
    assert errors == [(3, "date 2026-11-22 is in the past")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'order,product,date\nS00001,"SKU-1,2026-12-01\n', "Row 2: malformed CSV"),
        (b'order,product,date\nS00001,"SKU"-1,2026-12-01\n', "Row 2: malformed CSV"),
        ("order,product,date\nS00001,SKU-1,2026-12-01\nS\u00e9,x,y\n".encode("latin-1"),
         "Row 3: not UTF-8"),
    ],
)  # fmt: skip
def test_malformed_rows_named(content, message):
    with pytest.raises(promise_csv.CsvError, match=message):
        promise_csv.parse(content)


def test_old_mac_line_endings():
    rows = promise_csv.parse(b"order,product,date\rS00001,SKU-1,2026-12-01\r")
    assert [row.order for row in rows] == ["S00001"]


def test_format_errors():
    assert promise_csv.format_errors([(2, "x"), (5, "y")]) == "Row 2: x\nRow 5: y"


def test_cancellation_window():
    confirmed = datetime(2026, 11, 22, 10)
    assert cancellation.may_cancel(True, "sale", confirmed, 24, datetime(2026, 11, 23, 10))
    assert not cancellation.may_cancel(True, "sale", confirmed, 24, datetime(2026, 11, 23, 10, 1))
    assert not cancellation.may_cancel(False, "sale", confirmed, 24, confirmed)
    assert not cancellation.may_cancel(True, "draft", confirmed, 24, confirmed)
    assert not cancellation.may_cancel(True, "sale", confirmed, 0, confirmed)
    assert not cancellation.may_cancel(True, "sale", None, 24, confirmed)
    assert not cancellation.may_cancel(True, "sale", confirmed, 24, confirmed, started=True)
