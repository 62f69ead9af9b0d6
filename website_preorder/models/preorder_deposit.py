import logging

from odoo import Command, api, models
from odoo.tools import str2bool

from ..rules import deposit as deposit_rules
from ..rules.kinds import REQUEST_KINDS

_logger = logging.getLogger(__name__)


class PreorderDeposit(models.AbstractModel):
    """Deposits (README, Deposits): the ORM adapter of ``rules.deposit``.

    A website cart with lines of a kind that takes a deposit pays that share of
    them online (Odoo's partial prepayment: ``require_payment`` and
    ``prepayment_percent``); the payment confirms the order and is invoiced as a
    down payment; once the order's pre-order and pre-sale lines are all
    released, the balance is invoiced: a regular invoice that deducts it.
    """

    _name = "preorder.deposit"
    _description = "Pre-order Deposits"

    @api.model
    def _due_now(self, order):
        """What the website cart ``order`` pays online now, or None when none of
        its lines takes a deposit (then it is paid in full, as Odoo does)."""
        order = order.sudo()
        if not order.website_id or order.state not in ("draft", "sent"):
            return None
        lines = [
            (line.preorder_kind, line.price_total)
            for line in order.order_line
            if not line.display_type
        ]
        percents = order.company_id._preorder_deposit_percents()
        return deposit_rules.due_now(lines, percents, order.currency_id.round)

    @api.model
    def _prepare_payment(self, order):
        """Before a payment of the cart ``order``: with a deposit due, the order
        asks for that prepayment (shown to staff as Odoo's Online payment and
        prepayment percentage); without one, it is back to the company's
        defaults. Returns the amount due now, or None."""
        order = order.sudo()
        due = self._due_now(order)
        if due is not None and order.currency_id.compare_amounts(order.amount_total, 0) > 0:
            order.write(
                {
                    "require_payment": True,
                    "prepayment_percent": min(due / order.amount_total, 1.0),
                    "preorder_deposit": "due",
                }
            )
            return due
        if order.preorder_deposit:
            order.preorder_deposit = False
            order._compute_require_payment()
            order._compute_prepayment_percent()
        return None

    @api.model
    def _invoice_deposits(self, transactions):
        """Done ``transactions`` that paid the deposit of an order they confirmed:
        the payment is invoiced as a down payment (the transaction posts the
        invoice and reconciles its payment with it). When Odoo invoices paid
        orders itself (Automatic Invoice), it does the same: nothing to add. An
        invoice that cannot be created never undoes the confirmation (To-Do)."""
        auto_invoice = self.env["ir.config_parameter"].sudo().get_param("sale.automatic_invoice")
        if str2bool(auto_invoice or "False"):
            return
        for tx in transactions.sudo().filtered(lambda tx: len(tx.sale_order_ids) == 1):
            order = tx.sale_order_ids.with_company(tx.company_id)
            if (
                order.preorder_deposit != "due"
                or order.state != "sale"
                or order._is_paid()
                or order.order_line.filtered("is_downpayment")
            ):
                continue
            invoices = self._invoice_or_todo(
                order,
                self.env._("Invoice the deposit of an order"),
                order._generate_downpayment_invoices,
            )
            for invoice in invoices or ():
                invoice._portal_ensure_token()
            if invoices:
                tx.invoice_ids = [Command.link(invoice.id) for invoice in invoices]

    @api.model
    def _invoice_balances(self, orders):
        """Invoice the balance of the deposit orders among ``orders`` whose
        pre-order and pre-sale lines are all released. An order that cannot be
        invoiced never holds back the release: it keeps its balance due and its
        salesperson gets a To-Do. Returns the invoices."""
        invoices = self.env["account.move"]
        for order in orders.sudo().filtered(lambda o: o.preorder_deposit == "due"):
            lines = order.order_line.filtered(
                lambda line: line.preorder_kind in REQUEST_KINDS and line.product_uom_qty > 0
            )
            if order.state != "sale" or not deposit_rules.balance_due(
                line.preorder_state == "released" for line in lines
            ):
                continue
            invoices |= (
                self._invoice_or_todo(
                    order,
                    self.env._("Invoice the balance of a deposit order"),
                    lambda order=order: self._invoice_balance(order.with_company(order.company_id)),
                )
                or self.env["account.move"]
            )
        return invoices

    @api.model
    def _invoice_or_todo(self, order, summary, work):
        """``work()``'s result; when it fails (accounting set-up, a locked
        period), nothing it did stays, the payment or the release goes on, and
        the order's salesperson gets a To-Do saying why. Returns None then."""
        try:
            with self.env.cr.savepoint():
                return work()
        except Exception as error:  # noqa: BLE001 - told to staff, the caller goes on
            _logger.exception("%s: %s failed", order.name, summary)
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=self.env["preorder.activity"]._responsible(order).id,
                summary=summary,
                note=self.env._(
                    "%(order)s could not be invoiced: %(error)s", order=order.name, error=str(error)
                ),
            )
            return None

    @api.model
    def _invoice_balance(self, order):
        """Everything not yet invoiced, at ordered quantities, less the down
        payment: one posted invoice (Odoo's final invoice)."""
        order._force_lines_to_invoice_policy_order()
        balance = order.with_context(raise_if_nothing_to_invoice=False)._create_invoices(final=True)
        balance.action_post()
        for invoice in balance:
            invoice._portal_ensure_token()
        order.preorder_deposit = "invoiced"
        order._message_log(
            body=self.env._(
                "Pre-orders released: the balance is invoiced (%(invoices)s).",
                invoices=", ".join(balance.mapped("name")),
            )
        )
        return balance
