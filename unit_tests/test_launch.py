from datetime import datetime, timedelta

from rules import cart, launch

NOW = datetime(2026, 12, 7, 12, 0)
HOUR = timedelta(hours=1)


def test_is_open_between_opening_included_and_closing_excluded():
    assert launch.is_open(None, None, NOW)
    assert launch.is_open(NOW, None, NOW)
    assert not launch.is_open(NOW + HOUR, None, NOW)
    assert not launch.is_open(None, NOW, NOW)
    assert launch.is_open(NOW - HOUR, NOW + HOUR, NOW)


def test_window_of_a_kind():
    assert launch.window([], NOW) == (launch.OPEN, None)
    assert launch.window([(None, None)], NOW) == (launch.OPEN, None)
    later, latest = NOW + HOUR, NOW + 2 * HOUR
    assert launch.window([(latest, None), (later, None)], NOW) == (launch.NOT_YET, later)
    assert launch.window([(later, None), (None, NOW - HOUR)], NOW) == (launch.NOT_YET, later)
    closed = [(None, NOW - 2 * HOUR), (NOW - 3 * HOUR, NOW - HOUR)]
    assert launch.window(closed, NOW) == (launch.CLOSED, NOW - HOUR)
    assert launch.window([*closed, (None, NOW + HOUR)], NOW) == (launch.OPEN, None)


def test_limit_left():
    assert launch.limit_left(0, 5) is None
    assert launch.limit_left(3, 1) == 2
    assert launch.limit_left(3, 5) == 0.0


def _line(**values):
    base = {"kind": "national", "quantity": 1.0, "kind_total": 1.0, "offered": 100.0}
    return cart.CartLine(**{**base, **values})


def test_limit_per_order_counts_every_preorder_kind_of_the_product():
    line = _line(quantity=2.0, product_total=3.0, order_limit=3.0)
    assert cart.launch_refusal(line) is None
    refused = cart.launch_refusal(_line(quantity=2.0, product_total=4.0, order_limit=3.0))
    assert refused == cart.Refusal(cart.ORDER_LIMIT, "national", {"limit": 3.0, "available": 1.0})
    assert cart.refusal(_line(quantity=2.0, product_total=4.0, order_limit=3.0)) == refused


def test_limit_per_customer_counts_their_confirmed_orders():
    line = _line(quantity=2.0, product_total=2.0, customer_limit=3.0, customer_bought=2.0)
    assert cart.launch_refusal(line) == cart.Refusal(
        cart.CUSTOMER_LIMIT, "national", {"limit": 3.0, "available": 1.0}
    )
    assert (
        cart.launch_refusal(_line(customer_limit=3.0, product_total=1.0, customer_bought=2.0))
        is None
    )


def test_limits_do_not_apply_to_stock_nor_to_removing():
    assert cart.launch_refusal(_line(kind="stock", product_total=9.0, order_limit=1.0)) is None
    assert cart.launch_refusal(_line(quantity=0.0, product_total=9.0, order_limit=1.0)) is None
