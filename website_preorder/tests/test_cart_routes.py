"""The cart routes with bad and good input."""

import json

from odoo.tests import HttpCase, tagged

from .common import PreorderCase, json_call


@tagged("post_install", "-at_install")
class TestCartRoutes(HttpCase, PreorderCase):
    """The JSON cart route with bad input: a clear error and nothing changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.is_published = True
        cls._create_request("national", [(cls.product, 5, 10)])
        cls.unpublished = cls._create_product("Hidden", "HIDDEN", is_published=False)
        cls.archived = cls._create_product("Archived", "ARCHIVED", is_published=True)
        cls._create_request("national", [(cls.archived, 5, 10)])
        cls.archived.active = False

    def _update(self, **params):
        return json_call(self, "/shop/cart/update_json", **params)

    def _cart_lines(self):
        return self.env["sale.order.line"].search(
            [("product_id", "in", (self.product | self.unpublished | self.archived).ids)]
        )

    def test_bad_quantities(self):
        for quantity in ("abc", "1.5", 10**9, "nan"):
            with self.subTest(quantity=quantity):
                result = self._update(
                    product_id=self.product.id, add_qty=quantity, preorder_kind="national",
                    force_create=True,
                )  # fmt: skip
                self.assertIn("whole number", result["error"]["data"]["message"])
                self.assertFalse(self._cart_lines())
        for quantity in (0, -3):
            result = self._update(
                product_id=self.product.id, add_qty=quantity, preorder_kind="national",
                force_create=True,
            )  # fmt: skip
            self.assertNotIn("error", result)
            self.assertFalse(self._cart_lines(), f"{quantity}: nothing added")
        result = self._update(
            product_id=self.product.id, add_qty=999999, preorder_kind="national", force_create=True
        )
        self.assertIn("Only 5 available", json.dumps(result))
        self.assertFalse(self._cart_lines(), "huge: refused")

    def test_bad_products_and_kinds(self):
        for product_id in (999999999, self.unpublished.id, self.archived.id):
            with self.subTest(product_id=product_id):
                result = self._update(
                    product_id=product_id, add_qty=1, preorder_kind="national", force_create=True
                )
                self.assertIn("error", result)
                self.assertFalse(self._cart_lines())
        result = self._update(
            product_id=self.product.id, add_qty=1, preorder_kind="weekly", force_create=True
        )
        self.assertIn("Unknown way to buy", result["error"]["data"]["message"])
        self.assertFalse(self._cart_lines())

    def test_good_add(self):
        result = self._update(
            product_id=self.product.id, add_qty=2, preorder_kind="national", force_create=True
        )
        self.assertNotIn("error", result)
        line = self._cart_lines()
        self.assertEqual((line.preorder_kind, line.product_uom_qty), ("national", 2))
