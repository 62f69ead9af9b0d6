from odoo import api, models

from ..rules import cart as cart_rules


class SaleOrderLine(models.Model):
    """Website cart side of sale.order.line: per-line pricelists, cart page limits."""

    _inherit = "sale.order.line"

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
