from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.website.tools import MockRequest
from odoo.addons.website_sale.models.sale_order import SaleOrder as WebsiteSaleOrder

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestWebsiteCart(PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        Pricelist = cls.env["product.pricelist"]
        cls.pl_default = Pricelist.create({"name": "Shop Default", "website_id": cls.website.id})
        cls.pl_presale = Pricelist.create({"name": "Pre-sale PL"})
        cls.pl_international = Pricelist.create({"name": "International PL"})
        cls.pl_cash = Pricelist.create({"name": "Cash Next Day PL"})
        cls.pl_excluded = Pricelist.create({"name": "Excluded PL"})
        cls.company.write(
            {
                "presale_pricelist_id": cls.pl_presale.id,
                "international_pricelist_id": cls.pl_international.id,
                "next_day_cash_pricelist_id": cls.pl_cash.id,
                "preorder_excluded_pricelist_id": cls.pl_excluded.id,
            }
        )
        (cls.product | cls.product_b).write({"is_published": True})
        cls.product.product_tmpl_id.write({"preorder_min_qty": 2, "exclusivity_min_qty": 4})
        cls._create_request("national", [(cls.product, 5, 10)])
        cls._create_request("international", [(cls.product, 10, 20)])
        cls._create_request("presale", [(cls.product_b, 6, 10)], confirm=True)
        cls.lamp = cls._create_product("Next Day Lamp", "ND-LAMP", next_day_shipping=True,
                                       is_published=True)  # fmt: skip
        cls._set_stock(cls.lamp, 3)

    def _cart(self, pricelist=None):
        return self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "website_id": self.website.id,
                "pricelist_id": (pricelist or self.pl_default).id,
            }
        )

    def _add(self, order, product, qty, kind, **kwargs):
        with MockRequest(self.env, website=self.website, sale_order_id=order.id):
            return order._cart_update(
                product_id=product.id, add_qty=qty, preorder_kind=kind, **kwargs
            )

    def test_preorder_within_offer_and_same_product_two_kinds(self):
        order = self._cart()
        result = self._add(order, self.product, 3, "national")
        self.assertFalse(result["warning"])
        self._add(order, self.product, 2, "international")
        self.assertEqual(len(order.order_line), 2, "two kinds, two lines")
        self.assertEqual(
            sorted(order.order_line.mapped("preorder_kind")), ["international", "national"]
        )
        self._add(order, self.product, 1, "national")
        national = order.order_line.filtered(lambda line: line.preorder_kind == "national")
        self.assertEqual(national.product_uom_qty, 4, "same kind adds to its own line")

    def test_other_addons_quantity_hooks_run_for_every_kind(self):
        """_verify_updated_quantity calls super() for pre-order kinds too (without
        website_sale_stock's free-stock cap): a hook of another addon still runs."""
        calls = []
        original = WebsiteSaleOrder._verify_updated_quantity

        def hook(order, order_line, product_id, new_qty, **kwargs):
            calls.append((product_id, new_qty))
            return original(order, order_line, product_id, new_qty, **kwargs)

        order = self._cart()
        with patch.object(WebsiteSaleOrder, "_verify_updated_quantity", hook):
            result = self._add(order, self.product, 3, "national")
        self.assertFalse(result["warning"], "not capped by free stock (none here)")
        self.assertEqual(order.order_line.product_uom_qty, 3)
        self.assertEqual(calls, [(self.product.id, 3)])

    def test_refused_beyond_offer_changes_nothing(self):
        order = self._cart()
        self._add(order, self.product, 4, "national")
        result = self._add(order, self.product, 2, "national")
        self.assertIn("Only 5 available as pre-order", result["warning"])
        self.assertEqual(order.order_line.product_uom_qty, 4, "unchanged")
        fresh = self._cart()
        result = self._add(fresh, self.product, 6, "national")
        self.assertIn("Only 5 available", result["warning"])
        self.assertFalse(fresh.order_line, "no line created")

    def test_international_minimum_and_exclusivity(self):
        order = self._cart()
        result = self._add(order, self.product, 1, "international")
        self.assertIn("at least 2", result["warning"])
        self.assertFalse(order.order_line)
        result = self._add(order, self.product, 3, "international", preorder_exclusivity=True)
        self.assertIn("Exclusivity", result["warning"])
        self.assertFalse(order.order_line)
        self._add(order, self.product, 4, "international", preorder_exclusivity=True)
        self.assertTrue(order.order_line.preorder_exclusivity)

    def test_excluded_pricelist(self):
        order = self._cart(self.pl_excluded)
        result = self._add(order, self.product, 1, "national")
        self.assertIn("price list", result["warning"])
        self.assertFalse(order.order_line)

    def test_disabled_kind_refused_when_asked_directly(self):
        self.company.preorder_enabled = False
        order = self._cart()
        result = self._add(order, self.product, 1, "national")
        self.assertIn("cannot be bought", result["warning"])
        self.assertFalse(order.order_line)

    def test_unknown_kind(self):
        order = self._cart()
        with self.assertRaisesRegex(UserError, "Unknown way to buy"):
            self._add(order, self.product, 1, "weekly")
        self.assertFalse(order.order_line)

    def test_presale_and_international_pricelists(self):
        order = self._cart()
        self._add(order, self.product_b, 1, "presale")
        self.assertEqual(order.pricelist_id, self.pl_presale, "pre-sale cart")
        result = self._add(order, self.product, 2, "international")
        self.assertIn("another price list", result["warning"])
        self.assertEqual(len(order.order_line), 1)
        line = order.order_line
        with MockRequest(self.env, website=self.website, sale_order_id=order.id):
            order._cart_update(
                product_id=self.product_b.id, line_id=line.id, add_qty=None, set_qty=0
            )
        self.assertFalse(order.order_line)
        self.assertEqual(order.pricelist_id, self.pl_default, "back to the shop's pricelist")
        self._add(order, self.product, 2, "international")
        self.assertEqual(order.pricelist_id, self.pl_international)

    def test_next_day(self):
        order = self._cart()
        result = self._add(order, self.lamp, 1, "next_day")
        self.assertIn("Cash or Credit Next Day", result["warning"])
        self.assertFalse(order.order_line)
        order = self._cart(self.pl_cash)
        self.assertFalse(self._add(order, self.lamp, 2, "next_day")["warning"])
        result = self._add(order, self.lamp, 2, "next_day")
        self.assertIn("Only 3 available", result["warning"], "3 in stock, 4 asked")
        result = self._add(order, self.product, 1, "next_day")
        self.assertIn("not offered for next-day", result["warning"])
        self._create_request("national", [(self.lamp, 5, 10)])
        result = self._add(order, self.lamp, 1, "next_day")
        self.assertIn("not offered for next-day", result["warning"], "on a request now")

    def test_payment_check_rechecks_preorders(self):
        order = self._cart()
        self._add(order, self.product, 5, "national")
        self._create_sale([(self.product, 2, "national")])  # someone else took 2
        with self.assertRaisesRegex(UserError, "Only 3 available"):
            order._check_cart_is_ready_to_be_paid()

    def test_cart_line_description(self):
        order = self._cart()
        self._add(order, self.product, 1, "national")
        lines = order.order_line.get_description_following_lines()
        self.assertTrue(any("Pre-order — expected" in text for text in lines))

    def test_multi_company_websites(self):
        other = self.env["res.company"].create({"name": "Other Shop Co"})
        other_website = self.env["website"].create({"name": "Other Shop", "company_id": other.id})
        info_here = self.website._preorder_product_info(self.product)
        info_there = other_website._preorder_product_info(self.product)
        self.assertEqual(info_here["national"]["qty"], 5.0)
        self.assertEqual(info_there["national"]["qty"], 0.0, "requests of another company")
        self.assertFalse(
            [o for o in info_there["options"] if o["kind"] != "stock"], "nothing to pre-order"
        )
        other.preorder_enabled = True
        self.env.user.company_ids |= other
        self._create_request("national", [(self.product, 3, 10)], company_id=other.id)
        info_there = other_website._preorder_product_info(self.product)
        self.assertEqual(info_there["national"]["qty"], 3.0, "its own requests only")
        self.assertEqual(self.website._preorder_product_info(self.product)["national"]["qty"], 5.0)
