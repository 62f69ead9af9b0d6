from odoo import _, api, fields, models
from odoo.tools import format_date

from ..rules import cart as cart_rules
from ..rules.supply import NATIONAL


class SaleOrderLine(models.Model):
    """Website cart side of sale.order.line: per-line pricelists, cart page limits."""

    _inherit = "sale.order.line"

    preorder_is_restock = fields.Boolean(
        "Back-order",
        compute="_compute_preorder_is_restock",
        help="A national pre-order of a restocked product: shown as Back-order.",
    )

    @api.depends("preorder_kind", "product_id", "company_id")
    def _compute_preorder_is_restock(self):
        """Allocated lines follow their requests; the others the product's open
        requests, as the product page does. Read in sets: one query per company."""
        lines = self.filtered(lambda line: line.preorder_kind == NATIONAL and line.product_id)
        (self - lines).preorder_is_restock = False
        flags = {}
        waiting = self.browse()
        for line in lines:
            requests = line.sudo().preorder_allocation_ids.purchase_order_id
            if requests:
                flags[line.id] = all(requests.mapped("is_restock"))
            else:
                waiting |= line
        for company, company_lines in waiting.grouped("company_id").items():
            restock = company_lines.product_id._preorder_restock_products(company)
            for line in company_lines:
                flags[line.id] = line.product_id.id in restock
        for line in lines:
            line.preorder_is_restock = flags.get(line.id, False)

    def _preorder_kind_description(self):
        """National pre-orders of restocked products say "Back-order", as the
        product page does, in the cart, checkout, portal and e-mails."""
        self.ensure_one()
        if self.preorder_kind != NATIONAL or not self.preorder_is_restock:
            return super()._preorder_kind_description()
        date = self.preorder_expected_date
        if date:
            return _("Back-order — expected %(date)s", date=format_date(self.env, date))
        return _("Back-order")

    @api.depends("preorder_kind", "order_id.preorder_base_pricelist_id")
    def _compute_pricelist_item_id(self):
        """On a cart forced onto the pre-sale or international pricelist, the
        other lines are priced by the shopper's pricelist (README, mixed carts)."""
        super()._compute_pricelist_item_id()
        for line in self:
            order = line.order_id
            base = order.preorder_base_pricelist_id
            if (
                not base
                or not line.product_id
                or line.display_type
                or cart_rules.forced_line(
                    line.preorder_kind,
                    order._preorder_forced_pricelists(),
                    order.pricelist_id.id,
                )
            ):
                continue
            line.pricelist_item_id = base._get_product_rule(
                line.product_id,
                quantity=line.product_uom_qty or 1.0,
                uom=line.product_uom,
                date=line._get_order_date(),
            )

    def _get_max_available_qty(self):
        """Cart page "+": a non-stock line is capped by what its kind offers, not
        by free stock."""
        if self.preorder_kind == cart_rules.STOCK:
            return super()._get_max_available_qty()
        facts = self.order_id._preorder_cart_facts(
            self.product_id,
            self.preorder_kind,
            self,
            self.product_uom_qty,
            self.preorder_exclusivity,
        )
        return max(facts.offered - facts.kind_total, 0.0)
