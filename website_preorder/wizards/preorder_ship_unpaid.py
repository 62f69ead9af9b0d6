from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError


class PreorderShipUnpaid(models.TransientModel):
    """Ship before payment: an Inventory Manager validates deliveries of deposit
    orders whose balance is unpaid, with a reason logged on each order."""

    _name = "preorder.ship.unpaid"
    _description = "Ship Pre-orders Before the Balance Is Paid"

    picking_ids = fields.Many2many("stock.picking", string="Deliveries", required=True)
    reason = fields.Text(required=True, help="Why the goods leave before the balance is paid.")

    def action_ship(self):
        self.ensure_one()
        pickings = self.picking_ids
        self.env["res.users"]._preorder_check_action(
            pickings, "ship_unpaid", self.env._("ship before the balance is paid")
        )
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the goods leave before the balance is paid."))
        unpaid = pickings._preorder_unpaid_balances()
        for order, amount in unpaid.items():
            order.sudo().message_post(
                body=Markup("%s<br/>%s")
                % (
                    self.env._(
                        "Pre-ordered goods shipped by %(user)s before the balance (%(amount)s) "
                        "was paid:",
                        user=self.env.user.name,
                        amount=order.currency_id.format(amount),
                    ),
                    reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return pickings.with_context(preorder_ship_unpaid_reason=reason).button_validate()
