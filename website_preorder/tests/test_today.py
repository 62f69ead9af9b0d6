import base64
from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.website_preorder.controllers.feed import PreorderFeed

from .common import PreorderCase

# 2026-03-10 11:00 UTC is 2026-03-11 01:00 in Kiritimati (UTC+14) and
# 2026-03-10 00:00 in Pago Pago (UTC-11): three calendars, one company.
NOW = "2026-03-10 11:00:00"
COMPANY_TODAY = date(2026, 3, 11)


@tagged("post_install", "-at_install")
class TestOneToday(PreorderCase):
    """ "Today" is the company's date, whoever asks (visitor, staff, cron)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Pacific/Kiritimati"
        # arrives 00:30 today in the company's timezone (still 10 March in UTC)
        cls.today_request = cls._create_request("national", [(cls.product, 5, 10)])
        cls.today_request.order_line.date_planned = datetime(2026, 3, 10, 10, 30)
        # arrived 23:00 yesterday in the company's timezone (also 10 March in UTC)
        cls.past_request = cls._create_request("national", [(cls.product_b, 5, 10)])
        cls.past_request.order_line.date_planned = datetime(2026, 3, 10, 9, 0)

    def _as(self, tz):
        return self.env(context=dict(self.env.context, tz=tz))

    def test_company_today(self):
        with freeze_time(NOW):
            self.assertEqual(self.company._preorder_today(), COMPANY_TODAY)
            for tz in ("UTC", "Pacific/Pago_Pago", "Europe/Brussels"):
                company = self._as(tz).company
                self.assertEqual(company._preorder_today(), COMPANY_TODAY, tz)

    def test_timezone_change_is_seen_at_once(self):
        """The company's timezone is cached (every page asks for it): a change of
        its partner's timezone, or of its partner, moves "today" at once."""
        with freeze_time(NOW):
            self.assertEqual(self.company._preorder_today(), COMPANY_TODAY)
            self.company.partner_id.tz = "Pacific/Pago_Pago"
            self.assertEqual(self.company._preorder_today(), date(2026, 3, 10))
            self.company.partner_id.write({"tz": "Pacific/Kiritimati"})
            self.assertEqual(self.company._preorder_today(), COMPANY_TODAY)
            elsewhere = self.env["res.partner"].create(
                {"name": "Head office", "tz": "Pacific/Pago_Pago"}
            )
            self.company.partner_id = elsewhere
            self.assertEqual(self.company._preorder_today(), date(2026, 3, 10))
            # another partner's timezone is not the company's
            self.customer.tz = "Europe/Brussels"
            self.assertEqual(self.company._preorder_tz().zone, "Pacific/Pago_Pago")

    def test_availability_catalogue_and_feed_agree(self):
        with freeze_time(NOW):
            for tz in ("UTC", "Pacific/Pago_Pago"):
                products = (self.product | self.product_b).with_env(self._as(tz))
                availability = products._get_preorder_availability(self.company)
                self.assertEqual(availability[self.product.id].national.qty, 5.0, tz)
                self.assertEqual(availability[self.product.id].national.date, COMPANY_TODAY, tz)
                self.assertEqual(
                    availability[self.product_b.id].national.qty, 0.0, f"{tz}: arrived yesterday"
                )
            self.env["product.product"]._cron_refresh_preorder_catalog()
            (self.product | self.product_b).invalidate_recordset()
            self.assertTrue(self.product.preorder_national_listed)
            self.assertFalse(self.product_b.preorder_national_listed)
            feed = b"".join(
                PreorderFeed()._feed_chunks(self.product | self.product_b, self.company)
            ).decode()
            self.assertIn(f"PRE-GADGET,,national,5,{COMPANY_TODAY.isoformat()},1", feed)
            self.assertIn("PRE-WIDGET,,national,0,,0", feed)

    def test_promise_date_is_the_company_date_of_arrival(self):
        with freeze_time(NOW):
            order = self._as("Pacific/Pago_Pago")["sale.order"].create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        (0, 0, {"product_id": self.product.id, "product_uom_qty": 2,
                                "preorder_kind": "national"}),
                    ],
                }
            )  # fmt: skip
            order.action_confirm()
            self.assertEqual(order.order_line.preorder_state, "allocated")
            self.assertEqual(order.order_line.promise_date, COMPANY_TODAY)
            parked = self._create_sale([(self.product_b, 1, "national")])
            self.assertEqual(parked.order_line.preorder_state, "parked", "arrived yesterday")

    def test_import_refuses_the_company_yesterday(self):
        with freeze_time(NOW):
            order = self._create_sale([(self.product, 1, "national")])
            wizard = self._as("UTC")["preorder.promise.import"].create(
                {
                    "file": base64.b64encode(
                        f"order,product,date\n{order.name},PRE-GADGET,2026-03-10\n".encode()
                    ),
                    "filename": "dates.csv",
                }
            )
            with self.assertRaisesRegex(UserError, "in the past"):
                wizard.action_import()
            self.assertEqual(order.order_line.promise_date, COMPANY_TODAY)
