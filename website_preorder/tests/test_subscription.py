""" "Tell me when it opens": subscribe, be told once when a kind opens, unsubscribe."""

import re
from datetime import timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from ..models.product_product import SUBSCRIPTIONS_PER_IP_HOUR
from .common import PreorderCase, json_call


@tagged("post_install", "-at_install")
class TestSubscription(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.awaited = cls._create_product(
            "Awaited Console", "AWAITED", is_published=True, allow_out_of_stock_order=False
        )
        cls.Product = cls.env["product.product"]

    def _subscribe(self, **params):
        return json_call(self, "/shop/preorder/subscribe", **params)

    def _mails(self, email):
        return self.env["mail.mail"].search([("email_to", "ilike", email)])

    def _fan(self, email="fan@example.com"):
        return self.env["res.partner"].search([("email", "=", email)])

    def test_bad_input_is_refused_and_changes_nothing(self):
        for email in (None, "", "not-an-address", "a@"):
            with self.subTest(email=email):
                result = self._subscribe(product_id=self.awaited.id, email=email)
                self.assertIn("valid e-mail", result["error"]["data"]["message"])
        hidden = self._create_product("Hidden Console", "HIDDEN-C", is_published=False)
        for product_id in ("abc", None, 0, 999999999, hidden.id):
            with self.subTest(product_id=product_id):
                result = self._subscribe(product_id=product_id, email="fan@example.com")
                self.assertIn("not available", result["error"]["data"]["message"])
        self.assertFalse(self.awaited.preorder_subscriber_ids | hidden.preorder_subscriber_ids)
        self.assertFalse(self._fan(), "no partner created")
        self.assertFalse(self._mails("fan@example.com"))

    def test_an_address_gets_one_confirmation_a_day(self):
        """Anyone can type any address: a second product the same day is
        subscribed without a second e-mail; the next day it gets one again."""
        other = self._create_product(
            "Awaited Handheld", "AWAITED-H", is_published=True, allow_out_of_stock_order=False
        )
        for product in (self.awaited, other):
            result = self._subscribe(product_id=product.id, email="fan@example.com")
            self.assertEqual(result["result"], {"subscribed": True, "new": True})
        fan = self._fan()
        self.assertEqual((self.awaited | other).preorder_subscriber_ids, fan)
        self.assertEqual(len(self._mails("fan@example.com")), 1, "one e-mail a day")
        fan.preorder_subscription_mailed_at -= timedelta(days=1, minutes=1)
        third = self._create_product("Awaited Dock", "AWAITED-D", is_published=True)
        self._subscribe(product_id=third.id, email="fan@example.com")
        self.assertEqual(len(self._mails("fan@example.com")), 2, "a day later: e-mailed")

    def test_one_connection_subscribes_a_few_addresses_an_hour(self):
        """From one connection (IP address) a visitor's subscriptions are
        e-mailed a few an hour; more are refused with a message and create
        nothing (no partner, no e-mail)."""
        for index in range(SUBSCRIPTIONS_PER_IP_HOUR):
            result = self._subscribe(product_id=self.awaited.id, email=f"fan{index}@example.com")
            self.assertEqual(result["result"]["new"], True)
        partners = self.env["res.partner"].search_count([])
        mails = self.env["mail.mail"].search_count([])
        result = self._subscribe(product_id=self.awaited.id, email="one.too.many@example.com")
        self.assertIn("Too many requests", result["error"]["data"]["message"])
        self.assertEqual(self.env["res.partner"].search_count([]), partners, "no partner")
        self.assertEqual(self.env["mail.mail"].search_count([]), mails, "no e-mail")

    def test_visitor_subscribes_once_and_is_told_once(self):
        result = self._subscribe(product_id=self.awaited.id, email="fan@example.com")
        self.assertEqual(result["result"], {"subscribed": True, "new": True})
        fan = self._fan()
        self.assertEqual(self.awaited.preorder_subscriber_ids, fan)
        confirmation = self._mails("fan@example.com")
        self.assertEqual(len(confirmation), 1)
        self.assertIn("/preorder/unsubscribe/%d/%d/" % (self.awaited.id, fan.id),
                      confirmation.body_html)  # fmt: skip
        again = self._subscribe(product_id=self.awaited.id, email="FAN@example.com")
        self.assertEqual(again["result"], {"subscribed": True, "new": False})
        self.assertEqual(len(self._mails("fan@example.com")), 1, "no second confirmation")

        self.Product._preorder_refresh_catalog_all()
        self.assertEqual(len(self._mails("fan@example.com")), 1, "nothing open yet")
        self._create_request("national", [(self.awaited, 5, 10)])
        self.Product._preorder_refresh_catalog_all()
        opened = self._mails("fan@example.com") - confirmation
        self.assertEqual(len(opened), 1)
        self.assertIn("can now be ordered", opened.subject)
        self.assertIn("Pre-order, expected", opened.body_html)
        self.assertIn("100.00", opened.body_html, "the shopper's price")
        self.assertFalse(self.awaited.preorder_subscriber_ids, "the subscription ends")
        # the job runs again, the product is unlisted and listed again: no e-mail
        self.Product._preorder_refresh_catalog_all()
        self._create_request("presale", [(self.awaited, 5, 20)], confirm=True)
        self.Product._preorder_refresh_catalog_all()
        self.assertEqual(self._mails("fan@example.com"), confirmation | opened)

    def test_one_email_lists_every_kind_that_opened(self):
        self.awaited.with_user(self._portal())._preorder_subscribe()
        self._create_request("national", [(self.awaited, 5, 10)])
        self._create_request("presale", [(self.awaited, 5, 20)], confirm=True)
        self.Product._preorder_refresh_catalog_all()
        opened = self._mails("portal.fan@example.com").filtered(
            lambda mail: "can now be ordered" in mail.subject
        )
        self.assertEqual(len(opened), 1)
        self.assertIn("Pre-order, expected", opened.body_html)
        self.assertIn("Pre-sale, expected", opened.body_html)

    def _portal(self):
        return new_test_user(
            self.env, "sub_portal", password="sub_portal", groups="base.group_portal",
            name="Portal Fan", email="portal.fan@example.com",
        )  # fmt: skip

    def test_logged_in_shopper_subscribes_in_one_click(self):
        user = self._portal()
        self.authenticate("sub_portal", "sub_portal")
        result = self._subscribe(product_id=self.awaited.id)
        self.assertTrue(result["result"]["new"])
        self.assertEqual(self.awaited.preorder_subscriber_ids, user.partner_id)
        info = (
            self.env["website"]
            .search([], limit=1)
            .with_user(user)
            ._preorder_product_info(self.awaited)
        )
        self.assertEqual(info["subscription"]["subscribed"], True)

    def test_unsubscribe_link(self):
        fan, _new = self.awaited.with_user(self.env.ref("base.public_user"))._preorder_subscribe(
            email="fan@example.com"
        )
        other = self.env["res.partner"].create({"name": "Other", "email": "other@example.com"})
        url = self.awaited._preorder_unsubscribe_url(fan)
        path = url[url.index("/preorder/") :]
        token = path.rsplit("/", 1)[1]
        bad_paths = [
            path[: -len(token)] + "0" * len(token),  # tampered token
            "/preorder/unsubscribe/%d/%d/%s" % (self.awaited.id, other.id, token),  # other partner
            "/preorder/unsubscribe/%d/%d/%s" % (self.product.id, fan.id, token),  # other product
        ]
        for bad in bad_paths:
            with self.subTest(path=bad):
                page = self.url_open(bad).text
                self.assertIn("This link is not valid", page)
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
                self.assertFalse(csrf, "no form on a bad link")
        page = self.url_open(path).text
        self.assertIn("preorder_unsubscribe_button", page)
        self.assertEqual(self.awaited.preorder_subscriber_ids, fan, "a GET changes nothing")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.url_open(path, data={"csrf_token": csrf})
        self.assertIn("You will not be e-mailed", response.text)
        self.assertFalse(self.awaited.preorder_subscriber_ids)
        self._create_request("national", [(self.awaited, 5, 10)])
        self.Product._preorder_refresh_catalog_all()
        self.assertFalse(
            self._mails("fan@example.com").filtered(lambda m: "can now be ordered" in m.subject)
        )

    def test_tour_visitor_subscribes_from_the_product_page(self):
        self.start_tour(self.awaited.website_url, "website_preorder_subscription")
        self.assertEqual(self.awaited.preorder_subscriber_ids.email, "tour.fan@example.com")
