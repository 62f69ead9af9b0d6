import base64
from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestPromiseDates(MockEmail, PreorderCase):
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
        self.assertIn("2.00 Units", mails.body_html, "quantities formatted with their unit")
        self.assertIn(self.customer, mails.recipient_ids)
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "sale.order"), ("res_id", "=", self.other.id)]
            ),
            "the other order's dates did not change",
        )
        action = self.order.action_preorder_notify_promise_dates()
        self.assertIn("No promise date changed", action["params"]["message"], "told already")

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
        # sent at once: Odoo's runner fakes the SMTP and deletes the sent
        # mail.mail; Odoo's mocked gateway sends and keeps it under both runners
        with self.mock_mail_gateway():
            order.with_context(send_email=True).action_confirm()
        mail = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "sent")
        self.assertIn("Merchant confirmation body", mail.body_html)
        self.assertIn("preorder_kind_cell", mail.body_html)
        self.assertIn("Pre-order — expected", mail.body_html)
        stock = self._create_sale([(self.stock_product, 1, "stock")], confirm=False)
        with self.mock_mail_gateway():
            stock.with_context(send_email=True).action_confirm()
        mail = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", stock.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("Merchant confirmation body", mail.body_html)
        self.assertNotIn("preorder_kind_cell", mail.body_html, "nothing added for stock")

    # ------------------------------------------------------------------
    # Manual and imported dates are kept until staff sync
    # ------------------------------------------------------------------

    def _gadget(self, order=None):
        return (order or self.order).order_line.filtered(
            lambda line: line.product_id == self.product
        )

    def test_manual_date_kept_until_sync(self):
        line = self._gadget()
        request = line.preorder_request_ids
        manual = self.today + timedelta(days=50)
        line.promise_date = manual
        line.preorder_allocation_ids.action_remove_allocations()
        self.assertEqual(line.promise_date, manual, "kept while parked")
        request.action_allocate_sales_orders()
        self.assertEqual(line.preorder_state, "allocated")
        self.assertEqual(line.promise_date, manual, "an automatic update keeps the manual date")
        request.action_sync_promise_dates()
        self.assertEqual(line.promise_date, self.today + timedelta(days=10), "sync is explicit")
        self.assertIn("promise date", self.order.message_ids[0].body, "the sync is logged")
        request.order_line.filtered(lambda pol: pol.product_id == self.product).product_qty = 12
        self.assertEqual(line.promise_date, self.today + timedelta(days=10))

    def test_imported_date_kept_until_sync(self):
        line = self._gadget()
        request = line.preorder_request_ids
        imported = self.today + timedelta(days=45)
        self._import(f"order,product,date\n{self.order.name},PRE-GADGET,{imported.isoformat()}\n")
        line.preorder_allocation_ids.action_remove_allocations()
        request.action_allocate_sales_orders()
        self.assertEqual(line.promise_date, imported, "an imported date is kept")
        request.action_sync_promise_dates()
        self.assertEqual(line.promise_date, self.today + timedelta(days=10))

    # ------------------------------------------------------------------
    # Notifying: nothing to tell is a message; the confirmation counts as telling
    # ------------------------------------------------------------------

    def test_notify_with_nothing_changed_is_a_message(self):
        for line in self.order.order_line:
            line.promise_date_notified = line.promise_date
        action = self.order.action_preorder_notify_promise_dates()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("No promise date changed", action["params"]["message"])

    def test_import_with_notify_and_nothing_to_tell_is_kept(self):
        line = self._gadget()
        told = line.promise_date
        self.order.order_line._preorder_mark_notified()
        self.company.preorder_slip_days = 30  # under the consent threshold
        line.promise_date = told + timedelta(days=5)  # changed by hand, not told yet
        self._import(f"order,product,date\n{self.order.name},PRE-GADGET,{told.isoformat()}\n",
                     notify=True)  # fmt: skip
        self.assertEqual(line.promise_date, told, "the import is not rolled back")
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "sale.order"), ("res_id", "=", self.order.id)]
            ),
            "back to what the customer knows: nothing to tell",
        )

    def test_confirmation_counts_as_telling(self):
        order = self._create_sale([(self.product, 1, "national")], confirm=False)
        order.with_context(send_email=True).action_confirm()
        line = order.order_line
        self.assertEqual(line.promise_date, self.today + timedelta(days=10))
        self.assertEqual(line.promise_date_notified, line.promise_date, "told at confirmation")
        self.assertFalse(order.preorder_promise_changed_lines())
        action = order.action_preorder_notify_promise_dates()
        self.assertEqual(action["params"]["type"], "warning")
        # a slip under the consent threshold is a change to tell (Notify customers)
        self.company.preorder_slip_days = 30
        line.promise_date = self.today + timedelta(days=20)
        self.assertEqual(order.preorder_promise_changed_lines(), line, "changed since told")
        # above it, the consent e-mail tells it (nothing left to notify)
        self.company.preorder_slip_days = 0
        line.promise_date = self.today + timedelta(days=25)
        self.assertEqual(line.preorder_consent_state, "pending")
        self.assertFalse(order.preorder_promise_changed_lines())

    # ------------------------------------------------------------------
    # CSV import refuses what it cannot apply safely
    # ------------------------------------------------------------------

    def _assert_refused(self, text, reason, raw=None):
        before = self._dates()
        with self.assertRaisesRegex(UserError, reason):
            self._import(text, raw=raw)
        self.assertEqual(self._dates(), before, f"{reason}: nothing changed")

    def test_import_refuses_cancelled_order(self):
        good = (self.today + timedelta(days=30)).isoformat()
        cancelled = self._create_sale([(self.product, 1, "national")])
        cancelled._action_cancel()
        self._assert_refused(
            f"order,product,date\n{self.order.name},PRE-GADGET,{good}\n"
            f"{cancelled.name},PRE-GADGET,{good}\n",
            "Row 3: order .* is cancelled",
        )

    def test_import_refuses_ambiguous_orders_and_products(self):
        good = (self.today + timedelta(days=30)).isoformat()
        twin = self._create_sale([(self.product, 1, "national")])
        twin.name = self.order.name
        self._assert_refused(
            f"order,product,date\n{self.order.name},PRE-GADGET,{good}\n",
            "Row 2: .*ambiguous order",
        )
        twin.name = "TWIN-ORDER"
        self.product_b.default_code = "PRE-GADGET"  # two products with the same SKU
        self._assert_refused(
            f"order,product,date\n{self.order.name},PRE-GADGET,{good}\n",
            "Row 2: .*ambiguous product",
        )
        self.product_b.default_code = self.product.barcode  # SKU of one, barcode of another
        self._assert_refused(
            f"order,product,date\n{self.order.name},{self.product.barcode},{good}\n",
            "Row 2: .*ambiguous product",
        )

    def test_import_refuses_malformed_csv_and_wrong_encodings(self):
        good = (self.today + timedelta(days=30)).isoformat()
        self._assert_refused(
            f"order,product,date\n{self.order.name},PRE-GADGET,{good}\n"
            f'{self.order.name},"PRE-WIDGET,{good}\n',
            "Row 3: malformed CSV",
        )
        self._assert_refused(
            "", "Row 3: not UTF-8",
            raw=f"order,product,date\n{self.order.name},PRE-GADGET,{good}\n"
            f"{self.order.name},PRE-WIDGET,{good} é\n".encode("latin-1"),
        )  # fmt: skip
