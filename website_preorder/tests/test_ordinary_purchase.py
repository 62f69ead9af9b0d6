from odoo.tests import Form, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestOrdinaryPurchase(PreorderCase):
    """Ordinary purchase orders behave as in plain Odoo with the addon installed."""

    def test_received_quantity_log_as_plain_odoo(self):
        """purchase_stock's test_message_qty_already_received, on our fixtures:
        the incoming-stock hook must not flush Odoo's pending computations in
        the middle of a receipt of a product nobody pre-ordered (it did: the
        first receipt logged a received quantity plain Odoo does not log)."""
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_qty": 25.0, "price_unit": 5.0})
                ],
            }
        )
        order.button_confirm()
        for index in range(3):
            picking = order.picking_ids[index]
            picking.move_ids.quantity = 5
            Form.from_action(self.env, picking.button_validate()).save().process()
        newest = order.message_ids.mapped("body")[0]
        self.assertIn("Received Quantity: 5.0 -&gt; 10.0", newest)
