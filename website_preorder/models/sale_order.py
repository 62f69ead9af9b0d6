from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..rules.supply import REQUEST_KINDS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    preorder_line_count = fields.Integer(compute="_compute_preorder_line_count")

    @api.depends("order_line.preorder_kind")
    def _compute_preorder_line_count(self):
        for order in self:
            order.preorder_line_count = len(
                order.order_line.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
            )

    def _action_confirm(self):
        # allocate before the deliveries exist, so none of them reserves too early
        lines = self.order_line.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
        self.env["preorder.allocation"]._allocate(lines)
        result = super()._action_confirm()
        lines._preorder_schedule_threshold_activity()
        return result

    def _action_cancel(self):
        allocations = self.order_line.sudo().preorder_allocation_ids
        products = allocations.product_id
        result = super()._action_cancel()
        if allocations:
            allocations._deallocate()
            # what they held may serve parked lines of other orders
            self.env["preorder.allocation"]._allocate_parked(products)
        return result

    # ------------------------------------------------------------------
    # Customer notifications
    # ------------------------------------------------------------------

    def preorder_promise_changed_lines(self):
        """Pre-order lines whose promise date changed since the customer was told."""
        self.ensure_one()
        return self.order_line.sudo().filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.promise_date != line.promise_date_notified
        )

    def preorder_release_lines(self):
        """Released lines the customer was not told about yet."""
        self.ensure_one()
        return self.order_line.sudo().filtered(
            lambda line: line.preorder_state == "released" and not line.preorder_release_notified
        )

    def action_preorder_notify_promise_dates(self):
        """Notify customers: one e-mail per order listing its changed promise dates."""
        template = self.env.ref("website_preorder.mail_template_promise_date_changed")
        sent = self.browse()
        for order in self:
            lines = order.preorder_promise_changed_lines()
            if not lines:
                continue
            order.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            for line in lines:
                line.promise_date_notified = line.promise_date
            sent |= order
        if not sent:
            raise UserError(_("No promise date changed since the customers were last told."))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%s customer(s) notified.", len(sent)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _preorder_notify_release(self, released_lines):
        template = self.env.ref("website_preorder.mail_template_preorder_released")
        for order in self:
            if order.preorder_release_lines():
                order.message_post_with_source(
                    template, message_type="comment", subtype_xmlid="mail.mt_comment"
                )
        released_lines.sudo().preorder_release_notified = True
