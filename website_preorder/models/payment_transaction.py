from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A paid deposit confirms its order (Odoo's partial prepayment) and is
        invoiced as a down payment (``preorder.deposit``)."""
        confirmed = super()._check_amount_and_confirm_order()
        self.env["preorder.deposit"]._invoice_deposits(self.filtered(lambda tx: tx.state == "done"))
        return confirmed
