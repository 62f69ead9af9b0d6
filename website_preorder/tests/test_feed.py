import csv
import io
import re
from unittest.mock import patch

from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged

from .common import PreorderCase

FEED = "/preorder/feed.csv"


@tagged("post_install", "-at_install")
class TestFeed(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.barcode = "4006381333931"
        cls.product.is_published = True
        cls.archived = cls._create_product("Archived Gadget", "PRE-ARCHIVED", is_published=True)
        cls.unpublished = cls._create_product("Hidden Gadget", "PRE-HIDDEN")
        cls._create_request(
            "national", [(cls.product, 5, 10), (cls.archived, 5, 10), (cls.unpublished, 5, 10)]
        )
        cls.archived.active = False

        # another company, with a product of its own and a shared product that
        # only it has on a request
        cls.other_company = cls.env["res.company"].create(
            {"name": "Feed Other Co", "preorder_enabled": True}
        )
        cls.other_product = cls._create_product(
            "Other Co Gadget",
            "OTHER-OWN",
            barcode="5901234123457",
            is_published=True,
            company_id=cls.other_company.id,
        )
        cls.shared_elsewhere = cls._create_product(
            "Shared Gadget", "OTHER-SHARED", is_published=True
        )
        Order = cls.env["purchase.order"].with_company(cls.other_company)
        Order.create(
            {
                "partner_id": cls.vendor.id,
                "company_id": cls.other_company.id,
                "preorder_kind": "national",
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_qty": 7,
                            "price_unit": 1.0,
                            "date_planned": cls._arrival(10),
                        },
                    )  # fmt: skip
                    for product in (cls.other_product, cls.shared_elsewhere)
                ],
            }
        )
        cls.env["product.product"]._cron_refresh_preorder_catalog()
        cls.company.sudo().preorder_feed_token = "s3cret-token"
        cls.other_company.sudo().preorder_feed_token = "other-token"
        roles = {
            "feed_salesman": "sales_team.group_sale_salesman",
            "feed_buyer": "purchase.group_purchase_user",
            "feed_staff": "base.group_user",
            "feed_stock": "stock.group_stock_user",
            "feed_accountant": "account.group_account_readonly",
            "feed_portal": "base.group_portal",
        }
        for login, groups in roles.items():
            new_test_user(cls.env, login, groups=groups)
        new_test_user(
            cls.env,
            "feed_other_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )

    def _rows(self, response):
        self.assertEqual(response.status_code, 200, response.text[:200])
        return list(csv.DictReader(io.StringIO(response.text)))

    def _skus(self, response):
        return {row["sku"] for row in self._rows(response)}

    def _bearer(self, token):
        return self.url_open(FEED, headers={"Authorization": f"Bearer {token}"})

    def test_token_reads_the_feed(self):
        rows = self._rows(self._bearer("s3cret-token"))
        gadget = [row for row in rows if row["sku"] == "PRE-GADGET"]
        self.assertEqual(
            {row["kind"]: (row["quantity"], row["listed"]) for row in gadget},
            {"national": ("5", "1"), "international": ("0", "0"), "presale": ("0", "0")},
        )
        national = next(row for row in gadget if row["kind"] == "national")
        self.assertEqual(national["barcode"], "4006381333931")
        self.assertTrue(national["promise_date"])
        self.assertNotIn("PRE-WIDGET", {row["sku"] for row in rows}, "never on a request")

    def test_query_string_token_still_works(self):
        self.assertIn("PRE-GADGET", self._skus(self.url_open(f"{FEED}?token=s3cret-token")))

    def test_only_active_published_products_of_the_token_company(self):
        skus = self._skus(self._bearer("s3cret-token"))
        self.assertEqual(skus, {"PRE-GADGET"})
        self.assertNotIn("PRE-ARCHIVED", skus, "archived")
        self.assertNotIn("PRE-HIDDEN", skus, "unpublished")
        self.assertNotIn("OTHER-OWN", skus, "another company's product")
        self.assertNotIn("OTHER-SHARED", skus, "listed because of another company")
        other = self._bearer("other-token")
        self.assertEqual(self._skus(other), {"OTHER-OWN", "OTHER-SHARED"})
        self.assertNotIn("4006381333931", other.text, "no barcode of the first company")

    def test_sales_and_purchase_users_read_without_token(self):
        for login in ("feed_salesman", "feed_buyer"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self._skus(self.url_open(FEED)), {"PRE-GADGET"})

    def test_multi_company_user_reads_their_company_only(self):
        self.authenticate("feed_other_salesman", "feed_other_salesman")
        self.assertEqual(self._skus(self.url_open(FEED)), {"OTHER-OWN", "OTHER-SHARED"})

    def test_listing_changes_since_a_timestamp(self):
        changes = "/preorder/feed/changes.csv"
        headers = {"Authorization": "Bearer s3cret-token"}
        rows = self._rows(self.url_open(f"{changes}?since=2000-01-01", headers=headers))
        self.assertIn(("PRE-GADGET", "national", "1", "offered"),
                      {(r["sku"], r["kind"], r["listed"], r["reason"]) for r in rows})  # fmt: skip
        self.assertNotIn("OTHER-OWN", {row["sku"] for row in rows}, "another company's product")
        # asked again from the last change read: only what changed since
        last = rows[-1]["changed_at"]
        self.assertEqual(self._rows(self.url_open(f"{changes}?since={last}", headers=headers)), [])
        self.env["purchase.order.line"].search([("product_id", "=", self.product.id)]).write(
            {"product_qty": 0.0}
        )
        self.env["preorder.listing.change"].flush_model()
        self.env["product.product"]._cron_refresh_preorder_catalog()
        rows = self._rows(self.url_open(f"{changes}?since={last}", headers=headers))
        self.assertEqual(
            [(r["sku"], r["kind"], r["listed"], r["reason"]) for r in rows],
            [("PRE-GADGET", "national", "0", "nothing")],
        )
        # read as the catalogue feed is; a bad timestamp is answered 400
        self.assertEqual(self.url_open(f"{changes}?since=2000-01-01").status_code, 401)
        for since in ("", "yesterday", "2026-13-45", "0001-01-01T00:00:00+05:00", "x" * 500):
            with self.subTest(since=since):
                response = self.url_open(f"{changes}?since={since}", headers=headers)
                self.assertEqual(response.status_code, 400)
                self.assertIn("ISO format", response.text)

    def test_others_are_refused(self):
        self.assertEqual(self.url_open(FEED).status_code, 401, "public, no token")
        for login in ("feed_staff", "feed_stock", "feed_accountant", "feed_portal"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self.url_open(FEED).status_code, 403)

    def test_any_token_input_is_refused_not_an_error(self):
        huge = "x" * 20000
        queries = {
            "wrong": "wrong",
            "non-ascii": "%C3%A9t%C3%A9-%E2%98%83",
            "invalid utf-8": "%FF%FE%00",
            "huge": huge,
            "prefix of the token": "s3cret",
            "token plus more": "s3cret-token-and-more",
        }
        for name, token in queries.items():
            with self.subTest(query=name):
                self.assertEqual(self.url_open(f"{FEED}?token={token}").status_code, 403)
        headers = {
            "wrong": b"Bearer wrong",
            "latin-1": "Bearer \xe9t\xe9".encode("latin-1"),
            "utf-8": "Bearer \u2603\u00e9".encode(),
            "huge": f"Bearer {huge}".encode(),
        }
        for name, header in headers.items():
            with self.subTest(header=name):
                response = self.url_open(FEED, headers={"Authorization": header})
                self.assertEqual(response.status_code, 403)
        for name, header in {
            "empty": b"Bearer ",
            "bare": b"Bearer",
            "basic": b"Basic YTpi",
        }.items():
            with self.subTest(header=name):
                response = self.url_open(FEED, headers={"Authorization": header})
                self.assertEqual(response.status_code, 401)
                self.assertIn("Bearer", response.headers.get("WWW-Authenticate", ""))
        self.assertEqual(self.url_open(f"{FEED}?token=").status_code, 401, "empty")

    def test_header_wins_over_a_logged_in_session(self):
        self.authenticate("feed_salesman", "feed_salesman")
        self.assertEqual(self._bearer("wrong").status_code, 403)
        self.assertEqual(self._skus(self._bearer("other-token")), {"OTHER-OWN", "OTHER-SHARED"})

    def test_token_rotation(self):
        admin = new_test_user(self.env, "feed_admin", groups="base.group_system")
        settings = self.env["res.config.settings"].with_user(admin).create({})
        settings.action_preorder_generate_feed_token()
        token = self.company.preorder_feed_token
        self.assertNotEqual(token, "s3cret-token")
        self.assertEqual(self._bearer("s3cret-token").status_code, 403, "the old token is dead")
        self.assertIn("PRE-GADGET", self._skus(self._bearer(token)))
        self.assertIn("OTHER-OWN", self._skus(self._bearer("other-token")), "per company")


GOOGLE = "/preorder/feed/google.xml"
G = "{http://base.google.com/ns/1.0}"
PRICE = re.compile(r"^\d+\.\d{2} [A-Z]{3}$")
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?[+-]\d{2}:\d{2}$")


@tagged("post_install", "-at_install")
class TestGoogleFeed(HttpCase, PreorderCase):
    """Google Merchant Center feed: Google's product data specification (RSS 2.0,
    g: namespace), required attributes and value formats, the same availability
    as the product page's structured data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        published = {"is_published": True, "allow_out_of_stock_order": False}
        cls.preorder = cls._create_product("Google Preorder", "G-PRE", barcode="4006381333931",
                                           **published)  # fmt: skip
        cls.backorder = cls._create_product("Google Backorder", "G-BACK", **published)
        cls.presale = cls._create_product("Google Presale", "G-SALE", **published)
        cls.stocked = cls._create_product("Google Stocked", "G-STOCK", **published)
        cls.far = cls._create_product("Google Far Away", "G-FAR", **published)
        cls._create_request("national", [(cls.preorder, 5, 12), (cls.stocked, 5, 12)])
        cls._create_request("national", [(cls.backorder, 5, 20)], is_restock=True)
        cls._create_request("presale", [(cls.presale, 5, 30)], confirm=True)
        cls._create_request("national", [(cls.far, 5, 400)])
        cls._set_stock(cls.stocked, 3)
        cls.company.sudo().preorder_feed_token = "g00gle-token"

    def _items(self, **headers):
        response = self.url_open(GOOGLE, headers=headers)
        self.assertEqual(response.status_code, 200)
        self.assertIn("application/rss+xml", response.headers["Content-Type"])
        root = etree.fromstring(response.content)
        self.assertEqual((root.tag, root.get("version")), ("rss", "2.0"))
        channel = root.find("channel")
        for required in ("title", "link", "description"):
            self.assertTrue(channel.findtext(required), f"channel {required}")
        return {
            item.findtext(f"{G}mpn"): {child.tag[len(G) :]: child.text for child in item}
            for item in channel.findall("item")
        }

    def test_items_follow_googles_specification(self):
        items = self._items(Authorization="Bearer g00gle-token")
        expected = {
            "G-PRE": ("preorder", 12),
            "G-BACK": ("backorder", 20),
            "G-SALE": ("preorder", 30),
            "G-STOCK": ("in_stock", None),
        }
        self.assertEqual(set(items), set(expected), "what can be bought now; a year ahead is not")
        for sku, (availability, days) in expected.items():
            with self.subTest(sku=sku):
                item = items[sku]
                for required in ("id", "title", "description", "link", "image_link", "price",
                                 "availability", "condition"):  # fmt: skip
                    self.assertTrue(item.get(required), f"{required} is required")
                self.assertEqual(item["availability"], availability)
                self.assertRegex(item["price"], PRICE)
                self.assertTrue(item["link"].startswith("http"), "an absolute URL")
                if days is None:
                    self.assertNotIn("availability_date", item)
                else:
                    self.assertRegex(item["availability_date"], ISO_WITH_ZONE)
                    self.assertEqual(
                        item["availability_date"][:10], self._arrival(days).date().isoformat()
                    )
        self.assertEqual(items["G-PRE"]["gtin"], "4006381333931")
        page = self.url_open(self.backorder.website_url).text
        self.assertIn('href="https://schema.org/BackOrder"', page, "the page says the same")

    def test_each_pricelist_prices_only_its_own_variants(self):
        """A pre-sale is priced on the Pre-sale Pricelist, the rest on the
        website's: each pricelist computes the prices of its own variants only,
        once (a batch of every kind is not priced three times over)."""
        presale_pricelist = self.env["product.pricelist"].create(
            {
                "name": "Feed Pre-sale Pricelist",
                "item_ids": [
                    (0, 0, {"applied_on": "0_product_variant", "product_id": self.presale.id,
                            "compute_price": "fixed", "fixed_price": 42.0})
                ],
            }
        )  # fmt: skip
        self.company.presale_pricelist_id = presale_pricelist
        self.presale.taxes_id = False
        websites = self.env["website"].search([("company_id", "=", self.company.id)], limit=1)
        website_pricelist = self.env["product.pricelist"].create(
            {"name": "Feed Public", "website_id": websites.id, "sequence": 1}
        )
        Pricelist = type(self.env["product.pricelist"])
        original = Pricelist._get_products_price
        calls = []

        def spy(pricelist, products, *args, **kwargs):
            calls.append((pricelist.id, set(products.mapped("default_code"))))
            return original(pricelist, products, *args, **kwargs)

        products = self.preorder | self.backorder | self.presale | self.stocked | self.far
        with patch.object(Pricelist, "_get_products_price", spy):
            items = {
                item["mpn"]: item
                for item in products.sudo()._preorder_google_items(self.company, websites)
            }
        self.assertEqual(items["G-SALE"]["price"].split()[0], "42.00")
        by_pricelist = dict(calls)
        self.assertEqual(len(calls), len(by_pricelist), "one computation per pricelist")
        self.assertEqual(by_pricelist[presale_pricelist.id], {"G-SALE"})
        self.assertEqual(by_pricelist[website_pricelist.id], {"G-PRE", "G-BACK", "G-STOCK"})

    def test_read_as_the_csv_feed_is(self):
        self.assertEqual(self.url_open(GOOGLE).status_code, 401)
        self.assertEqual(self.url_open(GOOGLE + "?token=wrong").status_code, 403)
        self.assertEqual(
            self.url_open(GOOGLE, headers={"Authorization": "Bearer é"}).status_code, 403
        )
        self.assertIn("G-PRE", self._items(Authorization="Bearer g00gle-token"))

    def test_each_website_with_its_own_domain_currency_and_pricelist(self):
        """Two websites of the company: one item per variant and website, each
        with that website's domain in its links and its visitors' pricelist and
        currency in its price."""
        euro = self.env.ref("base.EUR")
        euro.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": euro.id, "rate": 2.0, "company_id": self.company.id}
        )
        first = self.env["website"].search([("company_id", "=", self.company.id)], limit=1)
        first.domain = "https://shop.example.com"
        second = self.env["website"].create(
            {"name": "EU Shop", "company_id": self.company.id, "domain": "https://eu.example.com"}
        )
        eu_pricelist = self.env["product.pricelist"].create(
            {"name": "EU Prices", "currency_id": euro.id, "website_id": second.id,
             "selectable": True, "sequence": 1}
        )  # fmt: skip
        second.user_id.partner_id.property_product_pricelist = eu_pricelist
        self.stocked.write({"lst_price": 50.0, "taxes_id": [(6, 0, [])]})
        feed = self.url_open(GOOGLE, headers={"Authorization": "Bearer g00gle-token"}).content
        items = [
            {child.tag[len(G) :]: child.text for child in item}
            for item in etree.fromstring(feed).iter("item")
            if item.findtext(f"{G}mpn") == "G-STOCK"
        ]
        by_id = {item["id"]: item for item in items}
        self.assertEqual(set(by_id), {f"G-STOCK-{first.id}", f"G-STOCK-{second.id}"})
        eu = by_id[f"G-STOCK-{second.id}"]
        self.assertTrue(eu["link"].startswith("https://eu.example.com/shop/"))
        self.assertEqual(eu["price"], "100.00 EUR", "50 at the rate of 2, in euros")
        self.assertTrue(by_id[f"G-STOCK-{first.id}"]["link"].startswith("https://shop.example.com"))
