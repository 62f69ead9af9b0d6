from odoo import Command, models
from odoo.tools import str2bool


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A paid deposit confirms its order (Odoo's partial prepayment) and is
        invoiced as a down payment (``_preorder_invoice_deposits``)."""
        confirmed = super()._check_amount_and_confirm_order()
        self.filtered(lambda tx: tx.state == "done")._preorder_invoice_deposits()
        return confirmed

    def _preorder_invoice_deposits(self):
        """These done transactions that paid the deposit of an order they
        confirmed: the payment is invoiced as a down payment (the transaction
        posts the invoice and reconciles its payment with it). When Odoo invoices
        paid orders itself (Automatic Invoice), it does the same: nothing to add.
        An invoice that cannot be created never undoes the confirmation (To-Do)."""
        auto_invoice = self.env["ir.config_parameter"].sudo().get_param("sale.automatic_invoice")
        if str2bool(auto_invoice or "False"):
            return
        for tx in self.sudo().filtered(lambda tx: len(tx.sale_order_ids) == 1):
            order = tx.sale_order_ids.with_company(tx.company_id)
            if (
                order.preorder_deposit != "due"
                or order.state != "sale"
                or order._is_paid()
                or order.order_line.filtered("is_downpayment")
            ):
                continue
            invoices = order._preorder_invoice_or_todo(
                self.env._("Invoice the deposit of an order"),
                lambda order=order: order._preorder_invoice_deposit(),
            )
            if invoices:
                tx.invoice_ids = [Command.link(invoice.id) for invoice in invoices]
