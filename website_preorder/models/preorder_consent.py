import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..rules import consent as consent_rules
from ..rules.kinds import REQUEST_KINDS

_logger = logging.getLogger(__name__)


class PreorderConsent(models.AbstractModel):
    """Date-slip consent (README): a confirmed pre-order line whose promise date
    moves later than the date the customer agreed to (by more than the
    company's threshold) waits for the customer's answer. One e-mail per order
    links to the portal page where the customer accepts the new dates or
    cancels the lines; no answer within the company's days lapses (keep or
    cancel, a setting). Every step is logged on the order."""

    _name = "preorder.consent"
    _description = "Pre-order Date-slip Consent"

    @api.model
    def _ask(self, lines, old_dates):
        """Ask the customers of ``lines`` whose promise date slipped (``old_dates``:
        {line: date before the change}). Returns the lines asked."""
        asked = lines.browse()
        now = fields.Datetime.now()
        for line in lines.sudo():
            order = line.order_id
            if order.state != "sale" or line.preorder_kind not in REQUEST_KINDS:
                continue
            pending = line.preorder_consent_state == consent_rules.PENDING
            agreed = (
                line.preorder_consent_old_date
                if pending
                else line.promise_date_notified or old_dates.get(line)
            )
            if not consent_rules.slipped(
                agreed, line.promise_date, order.company_id.preorder_slip_days
            ):
                if pending and line.promise_date:
                    # the date came back: nothing to ask any more, the agreed date stands
                    line.write(
                        {
                            "preorder_consent_state": False,
                            "promise_date_notified": line.preorder_consent_old_date,
                        }
                    )
                continue
            line.write(
                {
                    "preorder_consent_state": consent_rules.PENDING,
                    "preorder_consent_old_date": agreed,
                    "preorder_consent_asked_at": now,
                    # this e-mail tells the new date: not told again as a change
                    "promise_date_notified": line.promise_date,
                }
            )
            asked |= line
        if asked:
            self.env["preorder.promise"]._send(
                asked.order_id,
                "website_preorder.mail_template_preorder_consent",
                self.env._("Promise date slipped: the customer was asked to accept or cancel."),
            )
        return asked

    @api.model
    def _refusal(self, order, answer):
        """The ``rules.consent`` code refusing ``answer`` on ``order`` now, or None."""
        lines = order.order_line
        pending = lines.filtered(lambda line: line.preorder_consent_state == "pending")
        if order.state != "sale":
            return consent_rules.NOTHING_WAITING
        shipped = order.locked or any(
            line.qty_delivered or line.preorder_released_qty for line in pending
        )
        return consent_rules.answer_refusal(
            answer, set(lines.mapped("preorder_consent_state")), shipped
        )

    @api.model
    def _answer(self, order, answer):
        """The customer's answer from the portal (``order``: sudo, access checked).
        Returns the refusal code, or None when taken. Idempotent: a second
        answer finds nothing waiting and changes nothing."""
        # a second click or the lapse job waits here, then sees the order as it is now
        self.env.cr.execute(
            SQL("SELECT id FROM sale_order WHERE id = %s FOR UPDATE", order.id),
            log_exceptions=False,
        )
        order.invalidate_recordset()
        order.order_line.invalidate_recordset()
        refusal = self._refusal(order, answer)
        if refusal:
            return refusal
        pending = order.order_line.filtered(lambda line: line.preorder_consent_state == "pending")
        if answer == consent_rules.ACCEPT:
            pending.write({"preorder_consent_state": consent_rules.ACCEPTED})
            self._log(pending, self.env._("The customer accepted the new dates:"))
        else:
            self._cancel_lines(
                pending,
                consent_rules.DECLINED,
                self.env._("The customer cancelled these lines rather than wait:"),
            )
        return None

    @api.model
    def _cancel_lines(self, lines, state, reason):
        """Cancel ``lines`` (quantity 0, their open deliveries cancelled, their
        allocations freed like any lowered quantity); a refund follow-up for
        staff when the order was paid."""
        self._log(lines, reason)
        lines.write({"preorder_consent_state": state, "product_uom_qty": 0.0})
        lines.move_ids.filtered(lambda move: move.state not in ("done", "cancel"))._action_cancel()
        for order in lines.order_id:
            paid = order.amount_paid or any(
                invoice.payment_state in ("paid", "in_payment", "partial")
                for invoice in order.invoice_ids
            )
            if paid:
                order.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=self.env["preorder.activity"]._responsible(order).id,
                    summary=self.env._("Refund cancelled pre-order lines"),
                    note=self.env._(
                        "The customer of %(order)s cancelled lines whose date slipped; the order "
                        "was paid: refund them.",
                        order=order.name,
                    ),
                )

    @api.model
    def _log(self, lines, reason):
        for order, order_lines in lines.grouped("order_id").items():
            rows = [
                self.env._(
                    "%(product)s: %(old)s → %(new)s",
                    product=line.product_id.display_name,
                    old=self.env["preorder.promise"]._format(line.preorder_consent_old_date),
                    new=self.env["preorder.promise"]._format(line.promise_date),
                )
                for line in order_lines
            ]
            order._message_log(body=Markup("<br/>").join([reason, *rows]))

    @api.model
    def _cron_lapse(self):
        """Questions without an answer for the company's days lapse: the lines
        are kept or cancelled as the company chose. Set-based: one search."""
        now = fields.Datetime.now()
        pending = (
            self.env["sale.order.line"]
            .sudo()
            .search([("preorder_consent_state", "=", consent_rules.PENDING)])
        )
        due = pending.filtered(
            lambda line: consent_rules.lapse_due(
                line.preorder_consent_asked_at, now, line.company_id.preorder_consent_days
            )
        )
        for order, lines in due.grouped("order_id").items():
            cancel = order.company_id.preorder_consent_lapse == "cancel" and not self._refusal(
                order, consent_rules.CANCEL
            )
            if cancel:
                try:
                    with self.env.cr.savepoint():
                        self._cancel_lines(
                            lines,
                            consent_rules.LAPSED,
                            self.env._("No answer to the new dates: the lines are cancelled:"),
                        )
                    continue
                except UserError:
                    _logger.exception("Date-slip consent: could not cancel %s", order.name)
            # kept: chosen so, or the goods are on their way (or cannot be cancelled)
            lines.write({"preorder_consent_state": consent_rules.LAPSED})
            self._log(lines, self.env._("No answer to the new dates: the lines are kept:"))
        return due
