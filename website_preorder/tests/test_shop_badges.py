import logging
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.website.tests.test_performance import UtilPerf

from .common import PreorderCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestShopBadges(UtilPerf, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.website.shop_ppg = 250
        cls.count = 0

    def _make_cards(self, number):
        """``number`` published cards, a quarter each pre-order, back-order,
        pre-sale and next-day."""
        products = self.env["product.product"]
        for index in range(self.count, self.count + number):
            products |= self._create_product(
                f"Badge Card {index:03d}", f"BADGE-{index:03d}", is_published=True,
                next_day_shipping=index % 4 == 3,
            )  # fmt: skip
        self.count += number
        quarter = [products.filtered(lambda p, i=i: int(p.default_code[-3:]) % 4 == i)
                   for i in range(4)]  # fmt: skip
        self._create_request("national", [(p, 5, 10) for p in quarter[0]])
        self._create_request("national", [(p, 5, 10) for p in quarter[1]], is_restock=True)
        self._create_request("presale", [(p, 5, 10) for p in quarter[2]], confirm=True)
        for product in quarter[3]:
            self._set_stock(product, 2)
        self.env["product.product"]._cron_refresh_preorder_catalog()
        return products

    def _badges(self, html, code):
        start = html.index(f"Badge Card {code}")
        end = html.find("o_wsale_product_sub", start)
        return html[start:end]

    def _queries(self, url):
        """/shop's queries with the badges, and without them (same page, plain Odoo)."""
        with_badges = self._get_url_hot_query(url)
        with patch.object(
            type(self.env["product.template"]), "_preorder_shop_badges", lambda self, w: {}
        ):
            without = self._get_url_hot_query(url)
        return with_badges, without

    def _badge_queries(self):
        templates = self.env["product.template"].search([("name", "like", "Badge Card")])
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        badges = templates._preorder_shop_badges(self.website)
        return self.env.cr.sql_log_count - before, badges

    def test_badges_from_the_flags_with_constant_queries(self):
        url = "/shop?search=Badge Card"
        self._make_cards(20)
        html = self.url_open(url).text
        self.assertIn("Pre-order · ", self._badges(html, "000"))
        self.assertIn("Back-order", self._badges(html, "001"))
        self.assertIn("Pre-sale", self._badges(html, "002"))
        self.assertIn("Next-day", self._badges(html, "003"))
        self.assertEqual(html.count("o_preorder_badge "), 20)
        badge_queries_20, badges = self._badge_queries()
        self.assertEqual(len(badges), 20)
        shop_20, plain_20 = self._queries(url)
        self._make_cards(180)
        html = self.url_open(url).text
        self.assertEqual(html.count("o_preorder_badge "), 200)
        badge_queries_200, badges = self._badge_queries()
        self.assertEqual(len(badges), 200)
        shop_200, plain_200 = self._queries(url)
        _logger.info(
            "/shop queries: %s with 20 cards, %s with 200 cards (plain Odoo's page: %s and %s; "
            "the badges: %s and %s)",
            shop_20, shop_200, plain_20, plain_200, badge_queries_20, badge_queries_200,
        )  # fmt: skip
        self.assertEqual(badge_queries_200, badge_queries_20, "badges: same queries for 200 cards")
        # what still grows with the cards is Odoo's own (one image query per card)
        self.assertLessEqual(
            shop_200 - shop_20, plain_200 - plain_20, "the badges add no query per card to /shop"
        )
        self.assertLessEqual(shop_20 - plain_20, badge_queries_20)
