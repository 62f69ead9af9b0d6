"""Shipping choice at checkout: stored as Odoo's picking_policy on the cart."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import PreorderCase, json_call


@tagged("post_install", "-at_install")
class TestShippingChoice(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        (cls.product | cls.product_b).is_published = True
        cls._create_request("national", [(cls.product, 5, 10)])
        cls._set_stock(cls.product_b, 10)

    def _cart(self, lines):
        return self._create_sale(lines, confirm=False, website_id=self.website.id)

    def _choose(self, policy):
        return json_call(self, "/shop/preorder/shipping", policy=policy)

    def test_choice_is_the_order_picking_policy_and_deliveries_follow_it(self):
        for policy in ("one", "direct"):
            with self.subTest(policy=policy):
                cart = self._cart([(self.product, 2, "national"), (self.product_b, 1, "stock")])
                cart._preorder_set_shipping_choice(policy)
                self.assertEqual(cart.picking_policy, policy)
                label = self.env["sale.order"]._preorder_shipping_labels()[policy]
                self.assertEqual(cart._preorder_shipping_choice(), label)
                cart.action_confirm()
                picking = cart.picking_ids
                self.assertEqual(picking.move_type, policy)
                # the stock line is reserved, the pre-order line waits for its release
                expected = "assigned" if policy == "direct" else "confirmed"
                self.assertEqual(picking.state, expected)

    def test_bad_choices_are_refused_and_change_nothing(self):
        cart = self._cart([(self.product, 1, "national")])
        for policy in ("", "later", None, 3):
            with self.subTest(policy=policy), self.assertRaisesRegex(UserError, "how your items"):
                cart._preorder_set_shipping_choice(policy)
        stock_only = self._cart([(self.product_b, 1, "stock")])
        with self.assertRaisesRegex(UserError, "no pre-ordered items"):
            stock_only._preorder_set_shipping_choice("one")
        self.assertFalse(stock_only._preorder_shipping_choice(), "nothing to choose, nothing shown")
        cart.action_confirm()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            cart._preorder_set_shipping_choice("one")
        self.assertEqual((cart.picking_policy, stock_only.picking_policy), ("direct", "direct"))

    def test_route_refuses_without_a_cart_or_with_bad_input(self):
        result = self._choose("one")
        self.assertIn("Your cart is empty", result["error"]["data"]["message"])
        # the visitor's own cart, through the JSON cart route
        json_call(
            self, "/shop/cart/update_json",
            product_id=self.product.id, add_qty=1, preorder_kind="national",
        )  # fmt: skip
        cart = self.env["sale.order"].search(
            [("website_id", "=", self.website.id), ("order_line.product_id", "=", self.product.id)]
        )
        self.assertEqual(len(cart), 1)
        result = self._choose("sometime")
        self.assertIn("how your items", result["error"]["data"]["message"])
        self.assertEqual(cart.picking_policy, "direct")
        self.assertEqual(self._choose("one")["result"], {"policy": "one"})
        cart.invalidate_recordset(["picking_policy"])
        self.assertEqual(cart.picking_policy, "one")
