from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestRelease(PreorderCase):
    def test_unreleased_preorder_never_reserves_stock(self):
        self._set_stock(self.product, 10)
        self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 2, "national")])
        move = order.picking_ids.move_ids
        self.assertEqual(order.order_line.preorder_state, "allocated")
        self.assertNotEqual(move.state, "assigned", "no reservation before release")
        move._action_assign()
        self.assertEqual(move.quantity, 0.0, "even when asked directly")
        stock_order = self._create_sale([(self.product, 3, "stock")])
        self.assertEqual(stock_order.picking_ids.move_ids.state, "assigned", "stock lines reserve")

    def test_receipt_releases_oldest_orders_first(self):
        request = self._create_request("national", [(self.product, 6, 10)], confirm=True)
        first = self._create_sale([(self.product, 3, "national")])
        second = self._create_sale([(self.product, 3, "national")], partner=self.customer_b)
        second.date_order = first.date_order + timedelta(minutes=5)
        self._receive(request, {self.product: 4})
        self.assertEqual(first.order_line.preorder_state, "released")
        self.assertEqual(first.picking_ids.move_ids.state, "assigned", "its delivery is reserved")
        self.assertEqual(second.order_line.preorder_state, "allocated", "1 of 3 received for it")
        self.assertNotEqual(second.picking_ids.move_ids.state, "assigned")
        mails = self.env["mail.mail"].search([("model", "=", "sale.order")])
        first_mails = mails.filtered(lambda m: m.res_id == first.id)
        self.assertEqual(len(first_mails), 1, "one release e-mail for the first order")
        self.assertIn("ready to ship", first_mails.subject)
        self.assertIn(self.customer, first_mails.recipient_ids)
        self.assertFalse(mails.filtered(lambda m: m.res_id == second.id), "not released yet")
        self.assertIn("Release e-mail sent", first.message_ids[0].body)
        self._receive(request, {self.product: 2})
        self.assertEqual(second.order_line.preorder_state, "released")
        self.assertEqual(second.picking_ids.move_ids.state, "assigned")

    def test_cron_releases_due_lines_with_free_stock(self):
        self._create_request("national", [(self.product, 5, 3)])
        old = self._create_sale([(self.product, 2, "national")])
        new = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        new.date_order = old.date_order + timedelta(minutes=5)
        self._set_stock(self.product, 3)  # enough for one of them only
        Allocation = self.env["preorder.allocation"]
        self.assertEqual(Allocation._cron_release_preorders()["released"], 0, "not due yet")
        with freeze_time(self.today + timedelta(days=3)):
            counts = Allocation._cron_release_preorders()
        self.assertEqual(counts, {"released": 1, "failed_companies": 0})
        self.assertEqual(old.order_line.preorder_state, "released", "earlier customer first")
        self.assertEqual(new.order_line.preorder_state, "allocated")
        self.assertEqual(old.picking_ids.move_ids.quantity, 2.0)

    def test_parked_lines_are_not_released(self):
        self._set_stock(self.product, 10)
        order = self._create_sale([(self.product, 2, "national")])
        with freeze_time(self.today + timedelta(days=30)):
            self.env["preorder.allocation"]._cron_release_preorders()
        self.assertEqual(order.order_line.preorder_state, "parked")
