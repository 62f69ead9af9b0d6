from odoo import api, fields, models

from ..rules import atp as atp_rules


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    preorder_kind = fields.Selection(related="order_id.preorder_kind", store=True, index=True)
    preorder_warehouse_id = fields.Many2one(
        "stock.warehouse",
        related="order_id.picking_type_id.warehouse_id",
        string="Destination Warehouse",
        store=True,
        index=True,
    )
    preorder_allocated_qty = fields.Float(
        "Allocated Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="Quantity promised to sale lines, in the product's unit of measure.",
    )
    preorder_atp = fields.Float(
        "ATP",
        compute="_compute_preorder_atp",
        store=True,
        digits="Product Unit of Measure",
        help="Available to promise: ordered − max(allocated, received), in the "
        "product's unit of measure.",
    )

    @api.depends("product_uom_qty", "qty_received", "product_uom", "preorder_allocated_qty")
    def _compute_preorder_atp(self):
        for line in self:
            product_uom = line.product_id.uom_id
            if not product_uom or line.display_type:
                line.preorder_atp = 0.0
                continue
            received = line.qty_received
            if line.product_uom and line.product_uom != product_uom:
                received = line.product_uom._compute_quantity(
                    received, product_uom, rounding_method="HALF-UP"
                )
            line.preorder_atp = atp_rules.line_atp(
                line.product_uom_qty, line.preorder_allocated_qty, received, product_uom.rounding
            )
