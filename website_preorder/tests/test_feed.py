import csv
import io

from odoo.tests import HttpCase, new_test_user, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestFeed(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.barcode = "4006381333931"
        cls._create_request("national", [(cls.product, 5, 10)])
        cls.env["product.product"]._cron_refresh_preorder_catalog()
        cls.company.sudo().preorder_feed_token = "s3cret-token"
        new_test_user(cls.env, "feed_staff", password="feed_staff_pw", groups="base.group_user")
        new_test_user(cls.env, "feed_portal", password="feed_portal_pw", groups="base.group_portal")

    def _rows(self, response):
        self.assertEqual(response.status_code, 200)
        return list(csv.DictReader(io.StringIO(response.text)))

    def test_token_reads_the_feed(self):
        rows = self._rows(self.url_open("/preorder/feed.csv?token=s3cret-token"))
        gadget = [row for row in rows if row["sku"] == "PRE-GADGET"]
        self.assertEqual(
            {row["kind"]: (row["quantity"], row["listed"]) for row in gadget},
            {"national": ("5", "1"), "international": ("0", "0"), "presale": ("0", "0")},
        )
        national = next(row for row in gadget if row["kind"] == "national")
        self.assertEqual(national["barcode"], "4006381333931")
        self.assertTrue(national["promise_date"])
        self.assertNotIn("PRE-WIDGET", {row["sku"] for row in rows}, "never on a request")

    def test_staff_read_the_feed(self):
        self.authenticate("feed_staff", "feed_staff_pw")
        rows = self._rows(self.url_open("/preorder/feed.csv"))
        self.assertIn("PRE-GADGET", {row["sku"] for row in rows})

    def test_others_are_refused(self):
        self.assertEqual(self.url_open("/preorder/feed.csv").status_code, 403, "public")
        self.assertEqual(self.url_open("/preorder/feed.csv?token=wrong").status_code, 403)
        self.authenticate("feed_portal", "feed_portal_pw")
        self.assertEqual(self.url_open("/preorder/feed.csv").status_code, 403, "portal")
