from odoo import Command, api, models
from odoo.tools import str2bool


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        """A payment that starts for a cart holds its pre-order and pre-sale
        supply (``sale.order._preorder_take_holds``), whichever route created
        it (checkout, express checkout, the portal's Pay now): a cart that
        cannot be held is refused here, before any money is taken, and the
        transaction is not created."""
        transactions = super().create(vals_list)
        for transaction in transactions:
            if transaction.operation in ("refund", "validation"):
                continue
            carts = transaction.sudo().sale_order_ids.filtered(
                lambda order: order.state in ("draft", "sent")
            )
            if carts:
                carts._preorder_take_holds(transaction)
        return transactions

    def _set_canceled(self, state_message=None, extra_allowed_states=()):
        """A cancelled payment gives back what its cart held, at once; a
        cancelled balance charge makes the balance overdue."""
        transactions = super()._set_canceled(state_message, extra_allowed_states)
        transactions._preorder_drop_holds()
        transactions._preorder_balance_answered()
        return transactions

    def _set_error(self, state_message, extra_allowed_states=()):
        """A failed payment gives back what its cart held, at once; a failed
        balance charge makes the balance overdue."""
        transactions = super()._set_error(state_message, extra_allowed_states)
        transactions._preorder_drop_holds()
        transactions._preorder_balance_answered()
        return transactions

    def _post_process(self):
        """A balance charge the provider confirmed later settles its order."""
        result = super()._post_process()
        self._preorder_balance_answered()
        return result

    def _preorder_balance_answered(self):
        """Balance charges (offline payments of orders being charged) that the
        provider answered after the request (a pending payment)."""
        for tx in self.sudo().filtered(lambda tx: tx.operation == "offline"):
            for order in tx.sale_order_ids.filtered(
                lambda order: order.preorder_balance_state == "charging"
            ):
                order._preorder_balance_outcome(tx)

    def _preorder_drop_holds(self):
        """Give back what these payments' carts hold. Holds are committed by a
        cursor of their own: those taken in this very request (a saved card
        declined at once) are not in this transaction's snapshot, so they are
        found and removed as committed, in a cursor of their own."""
        if not self:
            return
        domain = [("payment_reference", "in", self.mapped("reference"))]
        Hold = self.env["preorder.hold"].sudo()
        if not self.env["sale.order"]._preorder_holds_own_transaction():
            Hold.search(domain)._drop()
            return
        with Hold._committed_env() as env:
            env["preorder.hold"].search(domain)._drop()

    def _check_amount_and_confirm_order(self):
        """A paid deposit confirms its order (Odoo's partial prepayment) and is
        invoiced as a down payment (``_preorder_invoice_deposits``)."""
        confirmed = super()._check_amount_and_confirm_order()
        done = self.filtered(lambda tx: tx.state == "done")
        done._preorder_keep_balance_tokens()
        done._preorder_invoice_deposits()
        return confirmed

    def _preorder_keep_balance_tokens(self):
        """The payment method saved with a deposit pays the balance at release."""
        for tx in self.sudo().filtered(lambda tx: tx.token_id and len(tx.sale_order_ids) == 1):
            if tx.sale_order_ids.preorder_deposit == "due":
                tx.sale_order_ids.preorder_balance_token_id = tx.token_id

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
