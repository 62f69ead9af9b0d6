from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, formatLang

from ..rules.allocation import OPEN_STATES
from ..rules.kinds import REQUEST_KINDS


class StockPicking(models.Model):
    _inherit = "stock.picking"

    preorder_release_waiting = fields.Boolean(
        compute="_compute_preorder_release_waiting",
        help="The delivery holds pre-order lines the release has not served yet.",
    )

    @api.depends("move_ids.sale_line_id.preorder_state", "state")
    def _compute_preorder_release_waiting(self):
        for picking in self:
            picking.preorder_release_waiting = picking.state not in ("done", "cancel") and any(
                state in OPEN_STATES
                for state in picking.sudo()._preorder_lines().mapped("preorder_state")
            )

    preorder_balance_unpaid = fields.Boolean(
        compute="_compute_preorder_balance_unpaid",
        help="The delivery holds pre-ordered goods of a deposit order whose balance is unpaid: "
        "it cannot be validated until it is paid.",
    )

    @api.depends("move_ids.sale_line_id", "state")
    def _compute_preorder_balance_unpaid(self):
        for picking in self:
            picking.preorder_balance_unpaid = bool(picking._preorder_unpaid_balances())

    def _preorder_unpaid_balances(self):
        """{sale order: amount still owed} of the deposit orders whose
        pre-ordered goods these deliveries would take out of the company while
        their balance is unpaid (README, Deposits). Deliveries leave anyway when
        the company ships before payment or the customer is trusted
        (``preorder_ship_before_payment``)."""
        unpaid = {}
        leaving = self.filtered(
            lambda picking: picking.picking_type_code == "outgoing"
            and picking.state not in ("done", "cancel")
        )
        for picking in leaving.sudo():
            # the goods that would leave: moves with a quantity (the others go
            # to a backorder), so the stock items of the cart ship as paid
            lines = picking.move_ids.filtered(
                lambda move: move.state != "cancel"
                and float_compare(move.quantity, 0.0, precision_rounding=move.product_uom.rounding)
                > 0
            ).sale_line_id.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
            for order in lines.order_id.filtered("preorder_deposit"):
                if order.company_id.preorder_ship_unpaid_balance:
                    continue
                if order.partner_id.commercial_partner_id.preorder_ship_before_payment:
                    continue
                amount = order._preorder_balance_unpaid()
                if amount:
                    unpaid[order] = amount
        return unpaid

    def button_validate(self):
        """No parcel of pre-ordered goods leaves while its deposit order's
        balance is unpaid: a clear message names each order and what is owed.
        Release (reservation) still happens, so the goods wait for the customer.
        An Inventory Manager may ship anyway with a reason (``preorder.ship.unpaid``)."""
        # the override is the wizard's, for Inventory Managers: a context key
        # sent over RPC by anyone else changes nothing
        overridden = self.env.context.get("preorder_ship_unpaid_reason") and (
            self.env.su or self.env.user.has_group("stock.group_stock_manager")
        )
        if not overridden:
            unpaid = self._preorder_unpaid_balances()
            if unpaid:
                raise UserError(
                    self.env._(
                        "The pre-ordered goods cannot leave before the balance is paid:\n"
                        "%(orders)s\nRegister the payment, or ask an Inventory Manager to "
                        "ship before payment.",
                        orders="\n".join(
                            self.env._(
                                "%(order)s: %(amount)s due",
                                order=order.name,
                                amount=formatLang(self.env, amount, currency_obj=order.currency_id),
                            )
                            for order, amount in unpaid.items()
                        ),
                    )
                )
        return super().button_validate()

    def action_preorder_ship_unpaid(self):
        """Ship before payment (Inventory Manager): asks for the reason."""
        self.env["res.users"]._preorder_check_action(
            self, "ship_unpaid", self.env._("ship before the balance is paid")
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "preorder.ship.unpaid",
            "view_mode": "form",
            "target": "new",
            "context": {"default_picking_ids": self.ids},
        }

    def _preorder_lines(self):
        return self.move_ids.sale_line_id.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)

    def action_preorder_release(self):
        """Release now (delivery): the release rule for this delivery's pre-order lines."""
        self.check_access("write")
        lines = self._preorder_lines().sudo()
        lines = lines.filtered(lambda line: line.preorder_state in OPEN_STATES)
        if not lines:
            raise UserError(self.env._("This transfer has no pre-order line waiting for release."))
        return lines._preorder_release_report()

    def action_assign(self):
        """Check availability: a blocked pre-order delivery says what it waits for."""
        result = super().action_assign()
        waiting = (
            self._preorder_lines().sudo().filtered(lambda line: line.preorder_state in OPEN_STATES)
        )
        if waiting and result is True:
            return waiting._preorder_release_report(apply=False)
        return result
