from odoo import api, fields, models
from odoo.tools import SQL

from ..rules import cancellation as cancellation_rules


class PreorderCancellation(models.AbstractModel):
    """Portal cancellation (SPEC §7): the ORM adapter of ``rules.cancellation``.

    A customer cancels their own confirmed order from the portal while its
    company allows it, within the company's hours and before anything was
    delivered or invoiced.
    """

    _name = "preorder.cancellation"
    _description = "Pre-order Portal Cancellation"

    @api.model
    def _may_cancel(self, orders):
        """{order id: whether its customer may cancel it now}."""
        now = fields.Datetime.now()
        result = {}
        for order in orders.sudo():
            company, lines = order.company_id, order.order_line
            result[order.id] = cancellation_rules.may_cancel(
                company.preorder_cancel_enabled,
                order.state,
                order.date_order,
                company.preorder_cancel_hours,
                now,
                started=any(lines.mapped("qty_delivered")) or any(lines.mapped("qty_invoiced")),
            )
        return result

    @api.model
    def _cancel(self, order):
        """Cancel ``order`` at its customer's request, inside the window; False
        when refused (nothing changes)."""
        order.ensure_one()
        # a release or a second request for the same order waits here, then sees
        # the order as it is now (Odoo retries the request on a stale snapshot)
        self.env.cr.execute(
            SQL("SELECT id FROM sale_order WHERE id = %s FOR UPDATE", order.id),
            log_exceptions=False,
        )
        order.invalidate_recordset(["state", "preorder_can_cancel"])
        order.order_line.invalidate_recordset(["qty_delivered", "qty_invoiced"])
        if not self._may_cancel(order)[order.id]:
            return False
        order.sudo()._action_cancel()
        order.sudo()._message_log(body=self.env._("Cancelled by the customer from the portal."))
        return True
