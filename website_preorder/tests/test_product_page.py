"""The product page table follows the selected variant."""

from lxml import etree

from odoo.tests import HttpCase, tagged

from .common import PreorderCase


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
class TestStructuredData(HttpCase, PreorderCase):
    """The product page's schema.org Offer says what a shopper buys by default,
    as search engines (and Google Merchant) read it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        published = {"is_published": True, "allow_out_of_stock_order": False}
        cls.preorder = cls._create_product("Schema Preorder", "SCHEMA-PRE", **published)
        cls.backorder = cls._create_product("Schema Backorder", "SCHEMA-BACK", **published)
        cls.presale = cls._create_product("Schema Presale", "SCHEMA-SALE", **published)
        cls.stocked = cls._create_product("Schema Stocked", "SCHEMA-STOCK", **published)
        cls._create_request("national", [(cls.preorder, 5, 12)])
        cls._create_request("national", [(cls.backorder, 5, 20)], is_restock=True)
        cls._create_request("presale", [(cls.presale, 5, 30)], confirm=True)
        cls._set_stock(cls.stocked, 3)

    def _offer(self, product):
        page = etree.fromstring(self.url_open(product.website_url).content, etree.HTMLParser())
        [offer] = page.xpath("//*[@itemtype='http://schema.org/Offer']")
        availability = offer.xpath(".//*[@itemprop='availability']/@href")
        starts = offer.xpath(".//*[@itemprop='availabilityStarts']/@content")
        return (availability[0] if availability else None, starts[0] if starts else None)

    def test_offer_availability_and_date(self):
        expected = {
            self.preorder: ("https://schema.org/PreOrder", self._arrival(12).date().isoformat()),
            self.backorder: ("https://schema.org/BackOrder", self._arrival(20).date().isoformat()),
            self.presale: ("https://schema.org/PreSale", self._arrival(30).date().isoformat()),
            self.stocked: ("https://schema.org/InStock", None),
        }
        for product, offer in expected.items():
            with self.subTest(product=product.name):
                self.assertEqual(self._offer(product), offer)


@tagged("post_install", "-at_install")
class TestKindPrice(HttpCase, PreorderCase):
    """The price a shopper pays is the price the page shows: the main price
    follows the kind chosen in "Buy it as"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        Pricelist = cls.env["product.pricelist"]
        Pricelist.search([("website_id", "=", website.id)]).write({"website_id": False})
        Pricelist.create(
            {"name": "Kind Price Public", "website_id": website.id, "selectable": True,
             "sequence": 1}
        )  # fmt: skip
        pricelist = Pricelist.create({"name": "Kind Price Pre-sale", "sequence": 50})
        cls.company.write(
            {"presale_pricelist_id": pricelist.id, "presale_cash_payment_percent": 20.0}
        )
        untaxed = {"is_published": True, "taxes_id": [(6, 0, [])], "list_price": 100.0,
                   "allow_out_of_stock_order": False}  # fmt: skip
        cls.lamp = cls._create_product("Kind Price Lamp", "KIND-LAMP", **untaxed)
        cls.sneakers = cls._create_product("Kind Price Sneakers", "KIND-SNK", **untaxed)
        cls._create_request("national", [(cls.lamp, 5, 10)])
        cls._create_request("presale", [(cls.lamp, 5, 20), (cls.sneakers, 5, 20)], confirm=True)
        cls.env["product.pricelist"]._preorder_update_presale_prices(cls.lamp | cls.sneakers)

    def test_presale_only_page_shows_the_presale_price(self):
        """A product only sold as pre-sale: the page's price and its structured
        data are the pre-sale price, the regular price struck through."""
        page = etree.fromstring(
            self.url_open(self.sneakers.website_url).content, etree.HTMLParser()
        )
        [offer] = page.xpath("//*[@itemtype='http://schema.org/Offer']")
        self.assertEqual(offer.xpath("string(.//*[@itemprop='price'])").strip(), "80.0")
        shown = offer.xpath("string(.//*[contains(@class, 'oe_price')])")
        self.assertIn("80.00", shown)
        struck = offer.xpath(".//*[contains(@class, 'oe_default_price')]")[0]
        self.assertNotIn("d-none", struck.get("class"))
        self.assertIn("100.00", struck.xpath("string(.)"))

    def test_tour_main_price_follows_the_kind(self):
        self.start_tour("/shop", "website_preorder_kind_price")
