from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.purchase_order import REQUEST_KIND_SELECTION
from ..rules.kinds import REQUEST_KINDS


class PreorderGapOrder(models.TransientModel):
    """Create requests for uncovered demand ("order the gap").

    Opened from the Pre-order Demand report or the Pre-order Lines list: one
    line per product and kind whose parked quantity no open request covers
    (``preorder.demand.report``'s gap rows), with the product's main vendor.
    Staff fill in a missing vendor; Create makes one draft request per
    company, vendor and kind. The quantities are read again when creating, so
    a second click adds nothing that is already requested.
    """

    _name = "preorder.gap.order"
    _description = "Create Requests for Uncovered Demand"

    line_ids = fields.One2many("preorder.gap.order.line", "wizard_id", string="Uncovered Demand")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "line_ids" in fields_list:
            uncovered = self.env["preorder.demand.report"]._uncovered(self._source_domain())
            values["line_ids"] = [
                fields.Command.create(
                    {
                        "company_id": company.id,
                        "product_id": product.id,
                        "kind": kind,
                        "vendor_id": vendor.id,
                        "quantity": quantity,
                    }
                )
                for (company, product, kind), (vendor, quantity) in sorted(
                    uncovered.items(), key=lambda item: (item[0][1].display_name, item[0][2])
                )
            ]
        return values

    @api.model
    def _source_domain(self):
        """The report rows the wizard was opened for: selected report rows or
        pre-order lines (their products and kinds), else every product."""
        model = self.env.context.get("active_model")
        ids = self.env.context.get("active_ids") or []
        if model == "preorder.demand.report" and ids:
            rows = self.env[model].browse(ids)
        elif model == "sale.order.line" and ids:
            rows = (
                self.env[model]
                .browse(ids)
                .filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
            )
            rows = rows.mapped(lambda line: (line.product_id.id, line.preorder_kind))
            return [("product_id", "in", [product for product, _kind in rows])] + [
                ("kind", "in", list({kind for _product, kind in rows}))
            ]
        elif model == "product.template" and ids:
            return [("product_tmpl_id", "in", ids)]
        else:
            return []
        return [
            ("product_id", "in", rows.product_id.ids),
            ("kind", "in", list(set(rows.mapped("kind")))),
        ]

    def action_create_requests(self):
        """One draft request per company, vendor and kind, with the quantities
        still uncovered now; opens them."""
        self.ensure_one()
        self.env["res.users"]._preorder_check_action(
            self, "purchase", self.env._("create requests for uncovered demand")
        )
        lines = self.line_ids.filtered(lambda line: line.quantity > 0)
        if not lines:
            raise UserError(self.env._("There is no uncovered demand to order."))
        missing = lines.filtered(lambda line: not line.vendor_id)
        if missing:
            raise UserError(
                self.env._(
                    "Choose a vendor for: %(products)s.",
                    products=", ".join(missing.product_id.mapped("display_name")),
                )
            )
        # read again: another click or another user may have requested it meanwhile
        uncovered = self.env["preorder.demand.report"]._uncovered(
            [("product_id", "in", lines.product_id.ids)]
        )
        groups = {}
        for line in lines:
            _vendor, still = uncovered.get((line.company_id, line.product_id, line.kind), (0, 0.0))
            quantity = min(line.quantity, still)
            if quantity > 0:
                key = (line.company_id, line.vendor_id, line.kind)
                groups.setdefault(key, []).append((line.product_id, quantity))
        if not groups:
            raise UserError(
                self.env._("This demand is already requested: there is nothing left to order.")
            )
        requests = self.env["purchase.order"]
        for (company, vendor, kind), products in groups.items():
            requests |= (
                self.env["purchase.order"]
                .with_company(company)
                .create(
                    {
                        "partner_id": vendor.id,
                        "company_id": company.id,
                        "preorder_kind": kind,
                        "order_line": [
                            fields.Command.create(
                                {
                                    "product_id": product.id,
                                    "product_qty": quantity,
                                    "product_uom": product.uom_id.id,
                                }
                            )
                            for product, quantity in products
                        ],
                    }
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id("purchase.purchase_rfq")
        action["domain"] = [("id", "in", requests.ids)]
        action["context"] = {}
        if len(requests) == 1:
            action.update({"view_mode": "form", "views": [(False, "form")], "res_id": requests.id})
        return action


class PreorderGapOrderLine(models.TransientModel):
    _name = "preorder.gap.order.line"
    _description = "Uncovered Demand to Order"

    wizard_id = fields.Many2one("preorder.gap.order", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True)
    product_id = fields.Many2one("product.product", required=True)
    kind = fields.Selection(REQUEST_KIND_SELECTION, required=True)
    vendor_id = fields.Many2one("res.partner")
    quantity = fields.Float(
        "Uncovered", digits="Product Unit of Measure", help="In the product's unit of measure."
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
