from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.website.tools import MockRequest

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestLaunchControls(PreorderCase):
    """Launch controls (README, "Launch day: campaign dates and limits"): the
    campaign's opening and closing on a request line, a product's limits per
    order and per customer -- in the shop, at payment and in back-office orders
    (staff may override, logged)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.request = cls._create_request("national", [(cls.product, 20, 10)], confirm=True)
        cls.supply = cls.request.order_line
        cls.buyer = new_test_user(
            cls.env, login="launch_buyer", groups="purchase.group_purchase_user"
        )
        cls.salesman = new_test_user(
            cls.env, login="launch_salesman", groups="sales_team.group_sale_salesman_all_leads"
        )
        cls.now = fields.Datetime.now()

    def _cart(self, partner=None):
        return (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": (partner or self.website.user_id.partner_id).id,
                    "website_id": self.website.id,
                }
            )
        )

    def _add(self, order, qty, kind="national"):
        with MockRequest(order.env, website=self.website, sale_order_id=order.id):
            return order._cart_update(product_id=self.product.id, add_qty=qty, preorder_kind=kind)

    def _back_office(self, qty, partner=None):
        return (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": (partner or self.customer).id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": qty,
                                "preorder_kind": "national",
                            },
                        )
                    ],
                }  # fmt: skip
            )
        )

    def _open(self, start=None, end=None):
        self.supply.with_user(self.buyer).write(
            {"preorder_open_from": start, "preorder_open_until": end}
        )

    def test_campaign_not_open_yet(self):
        self.product.allow_out_of_stock_order = False
        opens = self.now + timedelta(days=2)
        self._open(start=opens)
        self.assertEqual(self._availability().national.qty, 0.0, "nothing offered before it opens")
        info = self.website._preorder_product_info(self.product)
        self.assertEqual(info["options"], [])
        self.assertTrue(info["subscription"]["offered"], "Tell me when it opens")
        self.assertIn("Pre-orders open on", info["subscription"]["opens"])
        cart = self._cart()
        answer = self._add(cart, 1)
        self.assertIn("Only 0 available as pre-order", answer["warning"])
        self.assertFalse(cart.order_line)
        with freeze_time(opens + timedelta(minutes=1)):
            self.assertEqual(self._availability().national.qty, 20.0, "open now")
            self._add(cart, 1)
            self.assertEqual(cart.order_line.product_uom_qty, 1.0)

    def test_campaign_closed_takes_nothing_more_but_serves_what_was_taken(self):
        taken = self._create_sale([(self.product, 2, "national")])
        self._open(end=self.now - timedelta(minutes=1))
        self.assertEqual(self._availability().national.qty, 0.0)
        self.assertEqual(taken.order_line.preorder_allocated_qty, 2.0)
        order = self._back_office(1)
        with self.assertRaisesRegex(UserError, "Pre-order orders closed on"):
            order.action_confirm()
        self.assertEqual(order.state, "draft", "nothing changed")
        order.preorder_override_controls = True
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        log = order.message_ids[:1].body
        self.assertIn("Launch controls overridden by", log)
        self.assertIn("closed on", log)
        self.assertEqual(
            order.order_line.sudo().preorder_allocated_qty, 1.0, "staff decided: allocated"
        )

    def test_window_must_close_after_it_opens(self):
        with self.assertRaises(ValidationError) as caught:
            self._open(start=self.now, end=self.now - timedelta(hours=1))
        self.assertIn("must close after they open", str(caught.exception))
        self.supply.invalidate_recordset()
        self.assertFalse(self.supply.preorder_open_from, "nothing changed")

    def test_limit_per_order_in_the_shop_at_payment_and_in_the_back_office(self):
        self.product.preorder_order_limit = 2
        cart = self._cart()
        self._add(cart, 2)
        answer = self._add(cart, 1)
        self.assertIn("At most 2 per order", answer["warning"])
        self.assertIn("a line of it holds at most 2", answer["warning"])
        self.assertEqual(cart.order_line.product_uom_qty, 2.0, "nothing changed")
        self.product.preorder_order_limit = 1
        with self.assertRaisesRegex(ValidationError, "At most 1 per order"):
            cart._check_cart_is_ready_to_be_paid()
        order = self._back_office(3)
        with self.assertRaisesRegex(UserError, "Override Launch Controls"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_limit_per_customer_counts_their_orders_and_guests_by_email(self):
        self.product.preorder_customer_limit = 3
        self._create_sale([(self.product, 2, "national")])
        cart = self._cart(self.customer)
        answer = self._add(cart, 2)
        self.assertIn("1 left for this order", answer["warning"])
        self._add(cart, 1)
        self.assertEqual(cart.order_line.product_uom_qty, 1.0)
        guest = self.env["res.partner"].create(
            {"name": "Guest Again", "email": "Customer@Example.com"}
        )
        guest_cart = self._cart(guest)
        self.assertIn("1 left for this order", self._add(guest_cart, 2)["warning"])
        anonymous = self._cart()
        self._add(anonymous, 3)
        self.assertEqual(anonymous.order_line.product_uom_qty, 3.0, "a visitor is no customer yet")
        anonymous.partner_id = self.customer
        with self.assertRaisesRegex(ValidationError, "At most 3 per customer"):
            anonymous._check_cart_is_ready_to_be_paid()
        self.assertTrue(self._back_office(1)._preorder_launch_problems() == [])
        self.assertTrue(self._back_office(2)._preorder_launch_problems())

    def test_limits_refuse_nonsense(self):
        for field in ("preorder_order_limit", "preorder_customer_limit"):
            with self.subTest(field=field), self.assertRaises(ValidationError) as caught:
                self.product.product_tmpl_id.write({field: -1})
            self.assertIn("cannot be negative", str(caught.exception))
        self.product.product_tmpl_id.invalidate_recordset()
        self.assertEqual(self.product.preorder_order_limit, 0.0, "nothing changed")
