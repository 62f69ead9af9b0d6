from odoo import api, models

from ..rules.kinds import NATIONAL


class PreorderActivity(models.AbstractModel):
    """The To-Do for the company's Activity User when a national pre-order
    line is larger than its Config Quantity (SPEC §4), scheduled once per line
    when the line is confirmed; and who gets the other To-Dos about an order
    (refunds after a consent cancellation, a balance that could not be invoiced)."""

    _name = "preorder.activity"
    _description = "Pre-order Activities"

    @api.model
    def _responsible(self, order):
        """Who gets a To-Do about ``order``: its salesperson, else the company's
        Activity User, the sales team's leader, the administrator."""
        return (
            order.user_id
            or order.company_id.preorder_activity_user_id
            or order.team_id.user_id
            or self.env.ref("base.user_admin")
        )

    @api.model
    def _schedule_large_orders(self, lines):
        """On the request the line is allocated to, or on the sale order while parked."""
        Allocation = self.env["preorder.allocation"]
        for line in lines.sudo():
            company = line.company_id
            user = company.preorder_activity_user_id
            limit = company.preorder_config_qty
            if (
                line.preorder_kind != NATIONAL
                or line.preorder_activity_scheduled
                or not user
                or not limit
                or line._preorder_to_product_qty(line.product_uom_qty) <= limit
            ):
                continue
            target = line.preorder_allocation_ids[:1].purchase_order_id or line.order_id
            target.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Large national pre-order"),
                note=self.env._(
                    "%(order)s pre-orders %(qty)s of %(product)s (more than %(limit)s).",
                    order=line.order_id.name,
                    qty=Allocation._preorder_format_qty(line.product_uom_qty, line.product_uom),
                    product=line.product_id.display_name,
                    limit=Allocation._preorder_format_qty(limit, line.product_id.uom_id),
                ),
            )
            line.preorder_activity_scheduled = True
