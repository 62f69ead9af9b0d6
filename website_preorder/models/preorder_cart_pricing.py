import contextlib

from odoo import api, models
from odoo.tools import float_compare

from ..rules import cart as cart_rules
from ..rules.kinds import INTERNATIONAL, PRESALE


class PreorderCartPricing(models.AbstractModel):
    """The website cart's pricelists (README "Cart pricelists"): a pre-sale or
    international line puts the order on its kind's pricelist, every other
    line stays priced by the shopper's pricelist, remembered on the order."""

    _name = "preorder.cart.pricing"
    _description = "Pre-order Cart Pricelists"

    @api.model
    def _shopper_pricelist(self, order):
        """The pricelist of the cart's ordinary lines: the shopper's."""
        return order.preorder_base_pricelist_id or order.pricelist_id

    @api.model
    def _needed_pricelist(self, company, kind):
        """Id of the pricelist a line of ``kind`` puts the cart on (0: none)."""
        if kind == PRESALE:
            return company.presale_pricelist_id.id or 0
        if kind == INTERNATIONAL:
            return company.international_pricelist_id.id or 0
        return 0

    @api.model
    def _forced_pricelists(self, company):
        """{kind: pricelist id} of the kinds that put the cart on their own pricelist."""
        return {kind: self._needed_pricelist(company, kind) for kind in (PRESALE, INTERNATIONAL)}

    @api.model
    def _pricelist_plan(self, order):
        forced = self._forced_pricelists(order.company_id)
        forced_ids = set(forced.values())
        default = self.env["product.pricelist"]
        if (
            order.website_id
            and order.pricelist_id.id in forced_ids
            and order.preorder_base_pricelist_id.id in forced_ids | {False}
        ):
            # forced with no shopper's pricelist known (an old or merged cart)
            default = order.website_id.with_company(order.company_id)._get_current_pricelist()
        return cart_rules.pricelist_plan(
            order.order_line.mapped("preorder_kind"),
            forced,
            order.pricelist_id.id or 0,
            order.preorder_base_pricelist_id.id or 0,
            default.id or 0,
        )

    @api.model
    def _fix_pricelists(self, orders):
        """Put each website cart on the pricelists the rules require (no repricing).

        Returns the carts that changed."""
        changed = orders.browse()
        for order in orders.filtered(lambda order: order._preorder_is_managed_cart()):
            plan = self._pricelist_plan(order)
            if plan.conflict:
                continue
            if (order.pricelist_id.id or 0, order.preorder_base_pricelist_id.id or 0) != (
                plan.pricelist_id,
                plan.base_pricelist_id,
            ):
                order.write(
                    {
                        "pricelist_id": plan.pricelist_id or False,
                        "preorder_base_pricelist_id": plan.base_pricelist_id or False,
                    }
                )
                changed |= order
        return changed

    @api.model
    def _sync_pricelists(self, orders):
        """Fix the carts' pricelists and reprice those whose pricelists changed."""
        changed = self._fix_pricelists(orders)
        if changed:
            changed._recompute_prices()
        return changed

    @api.model
    def _price_changes(self, order):
        """Lines whose price differs from what the rules give now, and whether the
        pricelist is wrong. Changes nothing (computed in a rolled back savepoint)."""
        report = {}

        class _Rollback(Exception):
            pass

        lines = order._get_update_prices_lines()
        before = {line.id: (line.price_unit, line.discount) for line in lines}
        pricelists_before = (order.pricelist_id, order.preorder_base_pricelist_id)
        with contextlib.suppress(_Rollback), self.env.cr.savepoint():
            # repriced the way the cart would be (pricelists fixed first)
            order._recompute_prices()
            report["pricelist"] = (
                order.pricelist_id,
                order.preorder_base_pricelist_id,
            ) != pricelists_before
            digits = self.env["decimal.precision"].precision_get("Product Price")
            report["lines"] = [
                (line.id, line.price_unit)
                for line in lines
                if float_compare(line.price_unit, before[line.id][0], precision_digits=digits)
                or float_compare(line.discount, before[line.id][1], precision_digits=2)
            ]
            raise _Rollback
        return report

    @api.model
    def _price_messages(self, order):
        """What the shopper must review before paying: kinds that cannot share a
        cart, a wrong pricelist, changed prices (nothing changed here)."""
        if self._pricelist_plan(order).conflict:
            return [
                self.env._(
                    "Your cart holds pre-sale and international pre-order items: check "
                    "them out in separate orders."
                )
            ]
        report = self._price_changes(order)
        messages = []
        if report["pricelist"]:
            messages.append(self.env._("The price list of your cart no longer matches its items."))
        if report["lines"]:
            lines = self.env["sale.order.line"].browse(
                [line_id for line_id, _price in report["lines"]]
            )
            messages.append(
                self.env._(
                    "The price of %(products)s changed: please review your cart.",
                    products=", ".join(lines.product_id.mapped("display_name")),
                )
            )
        return messages

    @api.model
    def _price_with_shopper_pricelist(self, lines):
        """On a cart forced onto the pre-sale or international pricelist, the
        other lines are priced by the shopper's pricelist (their pricelist item)."""
        for line in lines:
            order = line.order_id
            base = order.preorder_base_pricelist_id
            if (
                not base
                or not line.product_id
                or line.display_type
                or cart_rules.forced_line(
                    line.preorder_kind,
                    self._forced_pricelists(order.company_id),
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
