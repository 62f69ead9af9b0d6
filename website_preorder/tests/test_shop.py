"""The shop: availability filters, the product page payload, buying each kind."""

import base64
import io
import json
import logging

from PIL import Image

from odoo.tests import HttpCase, tagged

from .common import PreorderCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestShop(HttpCase, PreorderCase):
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
        cls.env["product.product"]._cron_refresh_preorder_catalog()

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
        result = missing.get("result")
        self.assertTrue(
            "error" in missing or result.get("preorder") is False,
            f"no pre-order payload for a variant that does not exist: {missing}",
        )

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
        _logger.info(
            "product page availability queries: 1 warehouse %s, 5 warehouses %s", one, five
        )

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
        cls.env["product.product"]._cron_refresh_preorder_catalog()

    def test_tour_filters_at_phone_width(self):
        self.start_tour("/shop", "website_preorder_mobile_filters")


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
class TestDemoPictures(PreorderCase):
    def test_demo_products_get_a_picture_drawn_at_install(self):
        """The demo's products have pictures without any download."""
        template = self.product.product_tmpl_id
        self.assertFalse(template.image_1920)
        template._preorder_draw_demo_pictures()
        image = Image.open(io.BytesIO(base64.b64decode(template.image_1920)))
        self.assertEqual((image.format, image.size), ("PNG", (1024, 1024)))

    def test_coming_soon_snippet_lists_preorders_and_presales(self):
        """The "Coming soon" filter of Odoo's dynamic product snippet gives what
        the catalogue lists for a pre-order kind, not what is only in stock."""
        self.product.is_published = True
        self.product_b.is_published = True
        self._create_request("national", [(self.product, 5, 10)])
        self._set_stock(self.product_b, 5)
        self.env["product.product"]._preorder_refresh_catalog_all()
        website = self.env["website"].search([("company_id", "=", self.company.id)], limit=1)
        snippet = self.env.ref("website_preorder.dynamic_filter_coming_soon").with_context(
            website_id=website.id
        )
        shown = {values["_record"] for values in snippet._prepare_values(limit=16)}
        self.assertIn(self.product, shown)
        self.assertNotIn(self.product_b, shown, "in stock only: not coming")


@tagged("post_install", "-at_install")
class TestComingSoonBlock(HttpCase, PreorderCase):
    def test_homepage_shows_the_coming_soon_block(self):
        """The demo puts Odoo's dynamic product snippet, on the "Coming soon"
        filter, on every website's homepage (its own copy included)."""
        website = self.env["website"].search([("company_id", "=", self.company.id)], limit=1)
        website._preorder_add_coming_soon_block()
        snippet_filter = self.env.ref("website_preorder.dynamic_filter_coming_soon")
        page = self.url_open("/").text
        self.assertIn('data-filter-id="%d"' % snippet_filter.id, page)
        self.assertIn("Coming soon", page)
