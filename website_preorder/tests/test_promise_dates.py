import base64
from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestPromiseDates(PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.barcode = "4006381333931"
        cls._create_request("national", [(cls.product, 10, 10), (cls.product_b, 10, 10)])
        cls.order = cls._create_sale([(cls.product, 2, "national"), (cls.product_b, 1, "national")])
        cls.stock_product = cls._create_product("Stock Only", "STOCK-ONLY")
        cls.other = cls._create_sale(
            [(cls.product, 1, "national"), (cls.stock_product, 1, "stock")],
            partner=cls.customer_b,
        )

    def _import(self, text, notify=False, raw=None):
        content = raw if raw is not None else text.encode()
        wizard = self.env["preorder.promise.import"].create(
            {"file": base64.b64encode(content), "filename": "dates.csv", "notify": notify}
        )
        return wizard.action_import()

    def _dates(self):
        lines = (self.order | self.other).order_line
        lines.invalidate_recordset(["promise_date"])
        return lines.mapped("promise_date")

    def test_import_applies_every_row(self):
        new = (self.today + timedelta(days=30)).isoformat()
        text = (
            "order,product,date\n"
            f"{self.order.name},PRE-GADGET,{new}\n"
            f"{self.other.name},4006381333931,{new}\n"
        )
        self._import(text)
        gadget = self.order.order_line.filtered(lambda line: line.product_id == self.product)
        self.assertEqual(gadget.promise_date, self.today + timedelta(days=30))
        self.assertEqual(self.other.order_line[0].promise_date, self.today + timedelta(days=30))
        self.assertIn("promise date", self.order.message_ids[0].body)

    def test_each_bad_row_refused_and_nothing_changed(self):
        before = self._dates()
        good = (self.today + timedelta(days=30)).isoformat()
        past = (self.today - timedelta(days=1)).isoformat()
        cases = {
            "unknown order": f"order,product,date\nS-NOPE,PRE-GADGET,{good}\n",
            "unknown product": f"order,product,date\n{self.order.name},NOPE,{good}\n",
            "not a pre-order line": f"order,product,date\n{self.other.name},STOCK-ONLY,{good}\n",
            "bad date": f"order,product,date\n{self.order.name},PRE-GADGET,31/31/2026\n",
            "in the past": f"order,product,date\n{self.order.name},PRE-GADGET,{past}\n",
            "empty": "",
            "Wrong columns": f"reference,when\n{self.order.name},{good}\n",
            "no rows": "order,product,date\n",
        }
        for reason, text in cases.items():
            with self.subTest(reason=reason), self.assertRaisesRegex(UserError, reason):
                # a good row beside the bad one is not applied either
                if text.count("\n") == 2:
                    text += f"{self.order.name},PRE-WIDGET,{good}\n"
                self._import(text)
            self.assertEqual(self._dates(), before, f"{reason}: nothing changed")
        with self.assertRaisesRegex(UserError, "not UTF-8"):
            self._import(
                "",
                raw=f"order,product,date\n{self.order.name},PRE-GADGET,{good}\n".encode("utf-16"),
            )
        self.assertEqual(self._dates(), before)

    def test_error_lists_every_bad_row(self):
        good = (self.today + timedelta(days=30)).isoformat()
        text = (
            "order,product,date\n"
            f"{self.order.name},PRE-GADGET,{good}\n"
            f"S-NOPE,PRE-GADGET,{good}\n"
            f"{self.order.name},PRE-WIDGET,never\n"
        )
        with self.assertRaises(UserError) as caught:
            self._import(text)
        message = str(caught.exception)
        self.assertIn("Row 3: unknown order", message)
        self.assertIn("Row 4: bad date", message)
        self.assertNotIn("Row 2", message)

    def test_notify_customers_one_mail_per_order(self):
        new = (self.today + timedelta(days=40)).isoformat()
        text = (
            "order,product,date\n"
            f"{self.order.name},PRE-GADGET,{new}\n"
            f"{self.order.name},PRE-WIDGET,{new}\n"
        )
        self._import(text, notify=True)
        mails = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", self.order.id)]
        )
        self.assertEqual(len(mails), 1, "one e-mail for the order")
        self.assertIn("Pre-order Gadget", mails.body_html)
        self.assertIn("Pre-order Widget", mails.body_html)
        self.assertIn(self.customer, mails.recipient_ids)
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "sale.order"), ("res_id", "=", self.other.id)]
            ),
            "the other order's dates did not change",
        )
        with self.assertRaisesRegex(UserError, "No promise date changed"):
            self.order.action_preorder_notify_promise_dates()

    def test_confirmation_mail_tells_kind_and_date(self):
        """The merchant's confirmation template is kept; the layout adds kind and date."""
        merchant = self.env.ref("sale.mail_template_sale_confirmation").copy(
            {"body_html": "<p>Merchant confirmation body</p>"}
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "sale.default_confirmation_template", merchant.id
        )
        order = self._create_sale([(self.product, 1, "national")], confirm=False)
        self.assertEqual(order._get_confirmation_template(), merchant)
        order.with_context(send_email=True).action_confirm()
        mail = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("Merchant confirmation body", mail.body_html)
        self.assertIn("preorder_kind_cell", mail.body_html)
        self.assertIn("Pre-order — expected", mail.body_html)
        stock = self._create_sale([(self.stock_product, 1, "stock")], confirm=False)
        stock.with_context(send_email=True).action_confirm()
        mail = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", stock.id)]
        )
        self.assertIn("Merchant confirmation body", mail.body_html)
        self.assertNotIn("preorder_kind_cell", mail.body_html, "nothing added for stock")
