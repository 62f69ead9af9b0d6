"""Every route of the addon fed hostile input, as a browser or a script sends it.

Wrong types (lists, objects, booleans, numbers where text is expected), missing
and extra parameters, non-ASCII and huge values: each answer is a clear message
or a 4xx, nothing changes, and nothing reaches the log as an error (no
traceback, no 500, no SQL error).
"""

import logging
from contextlib import contextmanager
from urllib.parse import quote

from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .common import PreorderCase, json_call

HOSTILE_TEXTS = [
    ["one"],
    {"policy": "one"},
    True,
    42,
    1.5,
    "é",
    "\u202e\x00",
    "x" * 100000,
]


class _ErrorCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@tagged("post_install", "-at_install")
class TestBadInput(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        (cls.product | cls.product_b).is_published = True
        cls._create_request("national", [(cls.product, 5, 10)])
        cls.awaited = cls._create_product(
            "Bad Input Console", "BAD-CONSOLE", is_published=True, allow_out_of_stock_order=False
        )
        cls.order = cls._create_sale([(cls.product, 1, "national")])
        cls.order._portal_ensure_token()

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)  # a visitor's session, as a browser has

    def _csrf(self):
        return Request.csrf_token(self)

    @contextmanager
    def _nothing_logged_as_error(self):
        """No ERROR line (a traceback, a 500, an SQL error) from the server."""
        counter = _ErrorCounter()
        root = logging.getLogger()
        root.addHandler(counter)
        try:
            yield
        finally:
            root.removeHandler(counter)
        messages = [record.getMessage()[:300] for record in counter.records]
        self.assertFalse(messages, "nothing logged as an error")

    def _state(self):
        """What bad input must never change."""
        self.env.invalidate_all()
        return (
            self.env["res.partner"].search_count([]),
            self.env["mail.mail"].search_count([]),
            self.env["sale.order.line"].search_count([]),
            tuple(self.awaited.sudo().preorder_subscriber_ids.ids),
            self.order.state,
            tuple(self.order.order_line.mapped("product_uom_qty")),
        )

    def _assert_message(self, answer, route, value):
        """A JSON route refused with a message meant for people (a UserError or
        one of its kinds), not a Python error."""
        error = answer.get("error")
        self.assertTrue(error, f"{route} {value!r}: refused")
        name = error["data"]["name"]
        self.assertTrue(
            name.startswith("odoo.exceptions."), f"{route} {value!r}: {name} is not a message"
        )
        self.assertTrue(error["data"]["message"], f"{route} {value!r}: a message")

    def test_json_routes(self):
        cases = [
            ("/shop/preorder/shipping", "policy", {}),
            ("/shop/preorder/subscribe", "email", {"product_id": self.awaited.id}),
            ("/shop/preorder/subscribe", "product_id", {"email": "fan@example.com"}),
        ]
        # a cart with a pre-order line, so that the shipping choice reads the policy
        added = json_call(
            self,
            "/shop/cart/update_json",
            product_id=self.product.id,
            add_qty=1,
            preorder_kind="national",
            force_create=True,
        )
        self.assertNotIn("error", added)
        cart = self.env["sale.order"].search(
            [("website_id", "!=", False)], order="id desc", limit=1
        )
        self.assertEqual(cart.order_line.preorder_kind, "national")
        policy = cart.picking_policy
        before = self._state()
        with self._nothing_logged_as_error():
            for route, name, others in cases:
                values = [*HOSTILE_TEXTS, None]
                if name == "product_id":
                    # a number is an id: one that no product has
                    values = [value for value in values if value != 42] + [10**12, -1]
                for value in values:
                    with self.subTest(route=route, name=name, value=str(value)[:20]):
                        answer = json_call(self, route, **{**others, name: value})
                        self._assert_message(answer, route, value)
                with self.subTest(route=route, extra=True):
                    answer = json_call(
                        self, route, **{**others, name: None, "unexpected": ["x"] * 3}
                    )
                    self._assert_message(answer, route, "extra parameters")
        self.assertEqual(self._state(), before, "nothing changed")
        self.assertEqual(cart.picking_policy, policy, "the shipping choice did not change")

    def test_unsubscribe_link_with_hostile_tokens(self):
        partner = self.customer
        tokens = ["é", "ü" * 300, "%00", "x" * 5000, "0"]
        before = self._state()
        with self._nothing_logged_as_error():
            for token in tokens:
                url = "/preorder/unsubscribe/%d/%d/%s" % (self.awaited.id, partner.id, quote(token))
                for method, data in (("GET", None), ("POST", {"csrf_token": self._csrf()})):
                    with self.subTest(token=token[:10], method=method):
                        response = self.url_open(url, data=data, allow_redirects=False)
                        # not a token at all: no such page; a wrong one: said so
                        self.assertIn(response.status_code, (200, 404))
                        if response.status_code == 200:
                            self.assertIn("This link is not valid", response.text)
        self.assertEqual(self._state(), before, "nothing changed")

    def test_portal_routes_with_hostile_tokens(self):
        consent = "/my/orders/%d/preorder_consent" % self.order.id
        cancel = "/my/orders/%d/preorder_cancel" % self.order.id
        tokens = ["é", "x" * 5000, "%00", ""]
        before = self._state()
        with self._nothing_logged_as_error():
            for token in tokens:
                query = "?access_token=%s" % quote(token)
                with self.subTest(route="consent", token=token[:10]):
                    response = self.url_open(consent + query)
                    self.assertEqual(response.status_code, 200)
                    self.assertIn("This link is not valid", response.text)
                    response = self.url_open(
                        consent + query, data={"csrf_token": self._csrf(), "answer": "cancel"}
                    )
                    self.assertLess(response.status_code, 500)
                with self.subTest(route="cancel", token=token[:10]):
                    response = self.url_open(
                        cancel + query,
                        data={"csrf_token": self._csrf()},
                        allow_redirects=False,
                    )
                    self.assertIn(response.status_code, (302, 303), "sent back to /my")
            # an answer that is not one: refused, nothing changed
            for answer in ("", "maybe", "é", "x" * 5000):
                with self.subTest(answer=answer[:10]):
                    response = self.url_open(
                        consent + "?access_token=%s" % self.order.access_token,
                        data={"csrf_token": self._csrf(), "answer": answer},
                    )
                    self.assertEqual(response.status_code, 200)
        self.assertEqual(self._state(), before, "nothing changed")

    def test_feed_with_hostile_tokens(self):
        with self._nothing_logged_as_error():
            for token in ["é", "x" * 5000, "%00", "a b"]:
                with self.subTest(token=token[:10]):
                    response = self.url_open("/preorder/feed.csv?token=%s" % quote(token))
                    self.assertIn(response.status_code, (401, 403))
                    response = self.url_open(
                        "/preorder/feed.csv", headers={"Authorization": "Bearer " + quote(token)}
                    )
                    self.assertIn(response.status_code, (401, 403))
            response = self.url_open("/preorder/feed.csv?token=a&token=b")
            self.assertIn(response.status_code, (401, 403))
