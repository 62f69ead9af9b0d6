import json

from odoo.tests import HttpCase, new_test_user, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestWebsite(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.env.ref("website_sale.products_attributes").active = True
        cls.gadget = cls._create_product(
            "Tour Pre-order Gadget", "TOUR-GADGET", is_published=True, sale_ok=True
        )
        cls.mug = cls._create_product("Tour Stock Mug", "TOUR-MUG", is_published=True)
        cls._set_stock(cls.mug, 10)
        cls._create_request("national", [(cls.gadget, 5, 10)], warehouse=cls.wh1)
        cls.env["preorder.catalog"]._cron_refresh_preorder_catalog()

    def _shop_names(self, query):
        html = self.url_open(f"/shop?{query}").text
        return {name for name in ("Tour Pre-order Gadget", "Tour Stock Mug") if name in html}

    def test_shop_filters(self):
        self.assertEqual(self._shop_names("availability=national"), {"Tour Pre-order Gadget"})
        self.assertEqual(self._shop_names("availability=in_stock"), {"Tour Stock Mug"})
        self.assertEqual(self._shop_names("availability=presale"), set())
        self.assertEqual(
            self._shop_names("availability=national&search=Mug"), set(), "combines with search"
        )
        self.assertEqual(
            self._shop_names("availability=bogus&search=Tour"),
            {"Tour Pre-order Gadget", "Tour Stock Mug"},
            "an unknown filter is ignored",
        )

    def _combination(self, product, **extra):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "product_template_id": product.product_tmpl_id.id,
                "product_id": product.id,
                "combination": [],
                "add_qty": 1,
                **extra,
            },
        }
        response = self.url_open(
            "/website_sale/get_combination_info",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_combination_info_exposes_quantities_only(self):
        result = self._combination(self.gadget)["result"]
        info = result["preorder"]
        self.assertEqual(info["national"]["qty"], 5.0)
        self.assertEqual([o["kind"] for o in info["options"]], ["national"])
        self.assertTrue(result["allow_out_of_stock_order"])
        text = json.dumps(info)
        request = self.env["purchase.order"].search([("preorder_kind", "=", "national")], limit=1)
        self.assertNotIn(request.name, text, "no request reference")
        self.assertNotIn(self.vendor.name, text, "no vendor")

    def test_combination_info_bad_input(self):
        self.assertIn("error", self._combination(self.gadget, add_qty="lots"))
        missing = self._combination(self.gadget, product_id=999999999)
        self.assertNotIn("preorder_national", json.dumps(missing))

    def _info_queries(self):
        self.website._preorder_product_info(self.gadget)  # warm the ormcaches
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        info = self.website._preorder_product_info(self.gadget)
        return self.env.cr.sql_log_count - before, info

    def test_product_page_queries_do_not_grow_with_warehouses(self):
        self.company.write(
            {"preorder_warehouse_mode": "several", "preorder_warehouse_ids": self.wh1.ids}
        )
        self._set_stock(self.gadget, 1, self.wh1)
        one, info = self._info_queries()
        self.assertEqual(len(info["stock"]), 1)
        warehouses = self.wh1
        for index in range(4):
            warehouse = self.env["stock.warehouse"].create(
                {"name": f"Extra WH {index}", "code": f"XW{index}"}
            )
            warehouses |= warehouse
            self._set_stock(self.gadget, 1, warehouse)
            self._create_request("national", [(self.gadget, 1, 10)], warehouse=warehouse)
        self.company.preorder_warehouse_ids = warehouses
        five, info = self._info_queries()
        self.assertEqual(len(info["stock"]), 5, "free stock per warehouse")
        self.assertEqual(info["national"]["qty"], 9.0)
        self.assertEqual(five, one, f"1 warehouse: {one} queries, 5 warehouses: {five}")
        print(f"product page availability queries: 1 warehouse {one}, 5 warehouses {five}")

    def test_tour_shop_filters(self):
        self.start_tour("/shop", "website_preorder_shop_filters")

    def test_filters_follow_the_shop_layout(self):
        """No forced left column: without categories and attributes the filters
        are a dropdown in the top bar, and always in Odoo's filter panel."""
        self.env.ref("website_sale.products_attributes").active = False
        self.env.ref("website_sale.products_categories").active = False
        html = self.url_open("/shop").text
        self.assertNotIn('id="products_grid_before"', html)
        self.assertIn('id="preorder_shop_filters_dropdown"', html)
        self.assertIn('id="preorder_offcanvas_filters"', html)
        self.env.ref("website_sale.products_attributes").active = True
        html = self.url_open("/shop").text
        self.assertIn('id="products_grid_before"', html)
        self.assertIn('id="preorder_shop_filters"', html)
        self.assertNotIn('id="preorder_shop_filters_dropdown"', html)

    def test_tour_buy_as_preorder(self):
        self.start_tour("/shop", "website_preorder_buy_as_preorder")
        order = self.env["sale.order"].search(
            [("order_line.product_id", "=", self.gadget.id)], order="id desc", limit=1
        )
        line = order.order_line.filtered(lambda sol: sol.product_id == self.gadget)
        self.assertEqual(line.preorder_kind, "national")
        self.assertEqual(line.product_uom_qty, 1)

    def test_tour_refused_add(self):
        self.start_tour("/shop", "website_preorder_refused_add")
        self.assertFalse(
            self.env["sale.order.line"].search([("product_id", "=", self.gadget.id)]),
            "nothing was added",
        )


@tagged("post_install", "-at_install")
class TestPortalCancel(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"preorder_cancel_enabled": True, "preorder_cancel_hours": 24})
        cls.portal = new_test_user(
            cls.env, "cancel_portal", password="cancel_portal_pw", groups="base.group_portal"
        )
        cls._create_request("national", [(cls.product, 5, 10)])
        cls.order = cls._create_sale([(cls.product, 2, "national")], partner=cls.portal.partner_id)
        cls.other = cls._create_sale([(cls.product, 1, "national")])

    def _cancel(self, order):
        page = self.url_open(f"/my/orders/{order.id}")
        csrf = (
            page.text.split('name="csrf_token" value="')[1].split('"')[0]
            if ('name="csrf_token"' in page.text)
            else ""
        )
        return self.url_open(
            f"/my/orders/{order.id}/preorder_cancel",
            data={"csrf_token": csrf, "access_token": ""},
        )

    def test_order_page_shows_kind_and_promise_date(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        html = self.url_open(f"/my/orders/{self.order.id}").text
        self.assertIn("preorder_line_kind", html)
        self.assertIn("Pre-order — expected", html)
        self.assertIn("preorder_cancel_button", html)

    def test_cancel_inside_the_window(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        self._cancel(self.order)
        self.assertEqual(self.order.state, "cancel")
        self.assertFalse(self.order.order_line.preorder_allocation_ids, "allocations freed")

    def test_refused_after_the_window_or_for_others_or_when_off(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        self._cancel(self.other)
        self.assertEqual(self.other.state, "sale", "someone else's order")
        self.order.date_order = self.order.date_order.replace(year=2020)
        html = self.url_open(f"/my/orders/{self.order.id}").text
        self.assertNotIn("preorder_cancel_button", html, "the button is gone")
        self._cancel(self.order)
        self.assertEqual(self.order.state, "sale", "after the time limit")
        self.order.date_order = self.other.date_order
        self.company.preorder_cancel_enabled = False
        self._cancel(self.order)
        self.assertEqual(self.order.state, "sale", "setting off")

    def test_refused_once_delivered(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        self.order.order_line.qty_delivered_method = "manual"
        self.order.order_line.qty_delivered = 1
        self._cancel(self.order)
        self.assertEqual(self.order.state, "sale", "something was delivered")

    def test_post_without_csrf_is_refused(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        response = self.url_open(
            f"/my/orders/{self.order.id}/preorder_cancel", data={"access_token": ""}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.order.state, "sale")


@tagged("post_install", "-at_install")
class TestWebsiteTours(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("website_sale.products_attributes").active = True
        colour = cls.env["product.attribute"].create(
            {
                "name": "Tour Colour",
                "display_type": "radio",
                "value_ids": [(0, 0, {"name": "Tour Red"}), (0, 0, {"name": "Tour Blue"})],
            }
        )
        cls.chair = cls.env["product.template"].create(
            {
                "name": "Tour Colour Chair",
                "type": "consu",
                "is_storable": True,
                "is_published": True,
                "list_price": 50,
                "attribute_line_ids": [
                    (0, 0, {"attribute_id": colour.id, "value_ids": [(6, 0, colour.value_ids.ids)]})
                ],
            }
        )
        variants = cls.chair.product_variant_ids
        cls.red = variants.filtered(
            lambda v: v.product_template_attribute_value_ids.name == "Tour Red"
        )
        cls.blue = variants - cls.red
        cls._create_request("national", [(cls.red, 4, 10)], is_restock=True)
        cls._set_stock(cls.blue, 6)

    def test_tour_table_follows_the_variant(self):
        info = self.env["website"].get_current_website()._preorder_product_info(self.red)
        self.assertEqual(info["label"], "Back-order", "restock requests say Back-order")
        self.start_tour("/shop", "website_preorder_variant_table")


@tagged("post_install", "-at_install")
class TestPortalTours(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"preorder_cancel_enabled": True, "preorder_cancel_hours": 24})
        cls.portal = new_test_user(
            cls.env, "tour_portal", password="tour_portal", groups="base.group_portal"
        )
        cls._create_request("national", [(cls.product, 5, 10)])
        cls.order = cls._create_sale([(cls.product, 2, "national")], partner=cls.portal.partner_id)

    def test_tour_cancel_inside_the_window(self):
        self.start_tour("/my/orders", "website_preorder_portal_cancel",
                        login="tour_portal")  # fmt: skip
        self.assertEqual(self.order.state, "cancel")
        self.assertFalse(self.order.order_line.preorder_allocation_ids)

    def test_tour_no_cancel_after_the_window(self):
        self.order.date_order = self.order.date_order.replace(year=2020)
        self.start_tour("/my/orders", "website_preorder_portal_no_cancel",
                        login="tour_portal")  # fmt: skip
        self.assertEqual(self.order.state, "sale")


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
        payload = {"jsonrpc": "2.0", "method": "call", "params": params}
        response = self.url_open(
            "/shop/cart/update_json",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

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


@tagged("post_install", "-at_install")
class TestBuyEachKindTour(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lamp = cls._create_product("Tour Multi Lamp", "TOUR-LAMP", is_published=True)
        cls.boots = cls._create_product("Tour Presale Boots", "TOUR-BOOTS", is_published=True)
        cls._set_stock(cls.lamp, 5)
        cls._create_request("national", [(cls.lamp, 5, 10)])
        cls._create_request("international", [(cls.lamp, 5, 30)])
        cls._create_request("presale", [(cls.boots, 5, 20)], confirm=True)

    def test_tour_buy_each_kind(self):
        self.start_tour("/shop", "website_preorder_buy_each_kind")
        order = self.env["sale.order"].search(
            [("order_line.product_id", "=", self.lamp.id)], order="id desc", limit=1
        )
        kinds = {
            (line.product_id, line.preorder_kind): line.product_uom_qty for line in order.order_line
        }
        self.assertEqual(
            kinds,
            {
                (self.lamp, "stock"): 1,
                (self.lamp, "national"): 1,
                (self.lamp, "international"): 1,
                (self.boots, "presale"): 1,
            },
            "the same product as three kinds makes three lines",
        )


@tagged("post_install", "-at_install")
class TestMobileFilters(HttpCase, PreorderCase):
    browser_size = "390x844"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("website_sale.products_attributes").active = True
        cls.gadget = cls._create_product("Tour Pre-order Gadget", "TOUR-GADGET", is_published=True)
        cls.mug = cls._create_product("Tour Stock Mug", "TOUR-MUG", is_published=True)
        cls._set_stock(cls.mug, 10)
        cls._create_request("national", [(cls.gadget, 5, 10)])
        cls.env["preorder.catalog"]._cron_refresh_preorder_catalog()

    def test_tour_filters_at_phone_width(self):
        self.start_tour("/shop", "website_preorder_mobile_filters")
