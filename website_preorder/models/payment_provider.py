from odoo import models
from odoo.exceptions import MissingError


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _is_tokenization_required(self, sale_order_id=None, **kwargs):
        """A website cart that pays a deposit saves its payment method (where
        the provider can): the balance is charged to it when the pre-ordered
        goods are released (README, "Balance collection")."""
        try:
            order_id = int(sale_order_id or 0)
        except (TypeError, ValueError):
            order_id = 0  # not an order id (a payment link's parameter): Odoo's rule
        if order_id > 0 and self.allow_tokenization:
            order = self.env["sale.order"].sudo().browse(order_id)
            try:
                # no existence check of its own: the shop's payment route has
                # just read the order (a read of one that is gone raises)
                cart = order.state in ("draft", "sent") and order.website_id
            except MissingError:
                cart = False
            if cart and order._preorder_deposit_due_now() is not None:
                return True
        return super()._is_tokenization_required(sale_order_id=sale_order_id, **kwargs)
