from odoo import api, fields, models

from ..rules import consent as consent_rules


class PreorderConsentEvent(models.Model):
    """Evidence of a delay notice and its answer (README, "Delay policy"):
    what the customer was told, when, under which policy, and what they
    answered (or what their silence became), who and when. Written by the
    date-slip consent code only; staff read it on the order and print it."""

    _name = "preorder.consent.event"
    _description = "Pre-order Delay Notice or Answer"
    _order = "at, id"
    _check_company_auto = True

    sale_order_id = fields.Many2one(
        "sale.order", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="sale_order_id.company_id", store=True, index=True)
    line_ids = fields.Many2many("sale.order.line", string="Lines", readonly=True)
    event = fields.Selection(
        [("notice", "Notice sent"), ("answer", "Customer's answer"), ("lapse", "No answer")],
        required=True,
        readonly=True,
    )
    outcome = fields.Selection(
        [
            ("asked", "Asked to accept or cancel"),
            ("accepted", "Accepted"),
            ("declined", "Cancelled by the customer"),
            ("accepted_silence", "Accepted by silence"),
            ("kept", "Kept"),
            ("cancelled", "Cancelled and refunded"),
        ],
        readonly=True,
    )
    policy = fields.Selection(
        [
            (consent_rules.ALWAYS_ASK, "Always ask"),
            (consent_rules.FTC, "US FTC rule"),
            (consent_rules.EU, "EU directive"),
        ],
        readonly=True,
    )
    at = fields.Datetime("When", required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", string="By", readonly=True)
    details = fields.Html(readonly=True, sanitize=True)

    @api.model
    def _record(self, lines, event, outcome, details=None):
        """One event per order of ``lines``, in one create."""
        self.sudo().create(
            [
                {
                    "sale_order_id": order.id,
                    "line_ids": [fields.Command.set(order_lines.ids)],
                    "event": event,
                    "outcome": outcome,
                    "policy": order.company_id.preorder_delay_policy,
                    "user_id": self.env.uid,
                    "details": (details or {}).get(order.id),
                }
                for order, order_lines in lines.grouped("order_id").items()
            ]
        )
