from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestEditsAfterAllocation(PreorderCase):
    """Every change that can invalidate an allocation deallocates through one rule,
    re-offers the freed quantity oldest order first and tells both documents."""

    def _older(self, order, than, hours=1):
        order.date_order = than.date_order - timedelta(hours=hours)

    def _assert_logged(self, record, *texts):
        body = " ".join(record.message_ids.mapped("body"))
        for text in texts:
            self.assertIn(text, body, f"{record.display_name} chatter mentions {text}")

    def test_request_line_product_change_deallocates(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 3, "national")])
        waiting_b = self._create_sale([(self.product_b, 2, "national")], partner=self.customer_b)
        self.assertEqual(waiting_b.order_line.preorder_state, "parked")
        request.order_line.product_id = self.product_b
        line = order.order_line
        self.assertFalse(line.preorder_allocation_ids, "no allocation points at the wrong product")
        self.assertEqual(line.preorder_state, "parked")
        self.assertFalse(line.promise_date)
        self.assertEqual(
            waiting_b.order_line.preorder_request_ids, request, "the new product's parked line"
        )
        for allocation in self.env["preorder.allocation"].search([]):
            self.assertEqual(allocation.product_id, allocation.purchase_line_id.product_id)
            self.assertEqual(allocation.product_id, allocation.sale_line_id.product_id)
        self._assert_logged(request, order.name)
        self._assert_logged(order, request.name)

    def test_draft_request_kind_change_deallocates(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 3, "national")])
        international = self._create_sale(
            [(self.product, 2, "international")], partner=self.customer_b
        )
        request.preorder_kind = "international"
        self.assertEqual(order.order_line.preorder_state, "parked")
        self.assertFalse(order.order_line.preorder_allocation_ids)
        self.assertEqual(international.order_line.preorder_request_ids, request)
        self.assertEqual(request.preorder_allocation_ids.kind, "international")
        self._assert_logged(request, order.name)
        self._assert_logged(order, request.name)

    def test_sale_line_product_change_deallocates(self):
        request = self._create_request("national", [(self.product, 3, 10)])
        order = self._create_sale([(self.product, 3, "national")])
        waiting = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        self.assertEqual(waiting.order_line.preorder_state, "parked")
        order.picking_ids.action_cancel()  # Odoo lets the product change once no move is open
        order.order_line.product_id = self.product_b
        line = order.order_line
        self.assertFalse(
            line.preorder_allocation_ids.filtered(lambda a: a.product_id != line.product_id)
        )
        self.assertEqual(line.preorder_state, "parked", "nothing on order for the new product")
        self.assertEqual(waiting.order_line.preorder_state, "allocated", "freed quantity served")
        self.assertEqual(request.order_line.preorder_atp, 1.0)
        self._assert_logged(request, order.name)
        self._assert_logged(order, request.name)

    def test_lowered_sale_quantity_goes_to_oldest_parked_line(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        first = self._create_sale([(self.product, 5, "national")])
        old = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        newer = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        self._older(old, newer)
        first.order_line.product_uom_qty = 3
        self.assertEqual(old.order_line.preorder_state, "allocated", "oldest parked line first")
        self.assertEqual(newer.order_line.preorder_state, "parked")
        self.assertEqual(request.order_line.preorder_atp, 0.0)
        self.product.invalidate_recordset()
        self.assertEqual(self.product.preorder_national_qty, 0.0, "nothing left for the website")
        self._assert_logged(first, request.name)
        self._assert_logged(request, first.name)

    def test_lowered_sale_quantity_frees_latest_arrivals(self):
        self._create_request("national", [(self.product, 4, 10), (self.product, 4, 20)])
        order = self._create_sale([(self.product, 6, "national")])
        order.order_line.product_uom_qty = 3
        self.assertEqual(order.order_line.preorder_allocated_qty, 3.0)
        self.assertEqual(order.order_line.promise_date, self.today + timedelta(days=10))

    def test_released_allocation_never_shrunk(self):
        request = self._create_request("national", [(self.product, 5, 10)], confirm=True)
        order = self._create_sale([(self.product, 4, "national")])
        self._receive(request, {self.product: 5})
        self._run_release()  # the receipt triggers the release job
        line = order.order_line
        self.assertEqual(line.preorder_state, "released")
        with self.assertRaisesRegex(UserError, "released"):
            line.product_uom_qty = 2
        self.assertEqual(line.product_uom_qty, 4.0)
        self.assertEqual(sum(line.preorder_allocation_ids.mapped("quantity")), 4.0)

    def test_lowered_request_line_logs_on_orders(self):
        request = self._create_request("national", [(self.product, 6, 10)])
        order = self._create_sale([(self.product, 6, "national")])
        request.order_line.product_qty = 4
        self.assertEqual(order.order_line.preorder_parked_qty, 2.0)
        self._assert_logged(order, request.name)

    def test_request_line_deleted_parks_and_tells_orders(self):
        request = self._create_request("national", [(self.product, 2, 10)])
        other = self._create_request("national", [(self.product, 2, 20)])
        newer = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        older = self._create_sale([(self.product, 2, "national")])
        self._older(older, newer, hours=2)
        self.assertEqual(newer.order_line.preorder_request_ids, request)
        self.assertEqual(older.order_line.preorder_request_ids, other)
        request.order_line.unlink()
        self.assertEqual(older.order_line.preorder_request_ids, other, "older keeps its own")
        self.assertEqual(newer.order_line.preorder_state, "parked")
        self._assert_logged(newer, request.name)

    def test_line_added_to_confirmed_order_is_allocated(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        self._set_stock(self.product_b, 10)
        order = self._create_sale([(self.product_b, 1, "stock")])
        self.assertEqual(order.state, "sale")
        order.write(
            {
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": 2,
                            "preorder_kind": "national"}),
                ]
            }
        )  # fmt: skip
        line = order.order_line.filtered(lambda sol: sol.preorder_kind == "national")
        self.assertEqual(line.preorder_state, "allocated")
        self.assertEqual(line.preorder_request_ids, request)
        self.assertEqual(line.promise_date, self.today + timedelta(days=10))
        self.assertEqual(request.order_line.preorder_atp, 3.0)
        parked = self.env["sale.order.line"].create(
            {"order_id": order.id, "product_id": self.product.id, "product_uom_qty": 5,
             "preorder_kind": "national"}
        )  # fmt: skip
        self.assertEqual(parked.preorder_allocated_qty, 3.0)
        self.assertEqual(parked.preorder_state, "parked")
        self.assertFalse(
            parked.move_ids.filtered(lambda move: move.state == "assigned"),
            "an unreleased pre-order line reserves nothing",
        )

    def test_request_line_never_lowered_below_released(self):
        request = self._create_request("national", [(self.product, 5, 10)], confirm=True)
        order = self._create_sale([(self.product, 4, "national")])
        self._receive(request, {self.product: 5})
        self._run_release()  # the receipt triggers the release job
        self.assertEqual(order.order_line.preorder_state, "released")
        # Odoo refuses it below the received quantity; beyond that, plan_deallocation
        # refuses to shrink released allocations (unit_tests/test_allocation.py)
        with self.assertRaisesRegex(UserError, "received quantity|already released"):
            request.order_line.product_qty = 3
        self.assertEqual(order.order_line.preorder_allocated_qty, 4.0)
        self.assertEqual(order.order_line.preorder_state, "released")
