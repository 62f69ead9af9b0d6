from odoo import api, fields, models
from odoo.exceptions import UserError

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
