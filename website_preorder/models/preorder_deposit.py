import logging

from odoo import Command, api, models
from odoo.exceptions import UserError, ValidationError
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
    def _prepare_payment(self, order, amount=None):
        """Before the shop's payment of the cart ``order`` for ``amount``.

        The deposit due (or no amount): the order asks for that prepayment
        (Odoo's Online payment and its percentage, as staff see them) and is
        marked as a deposit order; returns the deposit. The whole cart (express
        checkout pays it, a shopper may too): back to the company's defaults;
        returns None, Odoo's own payment. Any other amount, or a deposit already
        paid, is refused and changes nothing. An order no longer in the cart
        state is left to Odoo's own checks.
        """
        order = order.sudo()
        if order.state not in ("draft", "sent"):
            return None
        due = self._due_now(order)
        compare = order.currency_id.compare_amounts
        if due is not None and (amount is None or not compare(amount, due)):
            if compare(order.amount_paid, due) >= 0:
                raise UserError(
                    self.env._("The deposit has already been paid. Please refresh the page.")
                )
            order.write(
                {
                    "require_payment": True,
                    "prepayment_percent": due / order.amount_total,
                    "preorder_deposit": "due",
                }
            )
            return due
        if due is not None and compare(amount, order.amount_total):
            raise ValidationError(self.env._("The cart has been updated. Please refresh the page."))
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
                lambda order=order: self._invoice_deposit(order),
            )
            if invoices:
                tx.invoice_ids = [Command.link(invoice.id) for invoice in invoices]

    @api.model
    def _invoice_deposit(self, order):
        """The paid deposit as Odoo's down-payment invoice, posted."""
        invoices = order._generate_downpayment_invoices()
        invoices.action_post()
        for invoice in invoices:
            invoice._portal_ensure_token()
        return invoices

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
        # what the customer paid since the deposit (a payment link) settles it
        for payment in order.transaction_ids.filtered(lambda tx: tx.state == "done").payment_id:
            (payment.move_id.line_ids + balance.line_ids).filtered(
                lambda line, payment=payment: line.account_id == payment.destination_account_id
                and not line.reconciled
            ).reconcile()
        order.preorder_deposit = "invoiced"
        order._message_log(
            body=self.env._(
                "Pre-orders released: the balance is invoiced (%(invoices)s).",
                invoices=", ".join(balance.mapped("name")),
            )
        )
        return balance
