import contextlib

from odoo import api, models
from odoo.tools import float_compare

from ..rules import cart as cart_rules
from ..rules.kinds import INTERNATIONAL, NATIONAL, NEXT_DAY, PRESALE, REQUEST_KINDS, STOCK


class PreorderCart(models.AbstractModel):
    """The website cart's pre-order rules (SPEC §7), as ``sale.order``'s cart
    hooks apply them: the facts ``rules.cart`` decides on, gathered in a few
    grouped reads; the shopper's sentence for each refusal; and the cart's
    pricelists (README "Cart pricelists"): a pre-sale or international line puts
    the order on its kind's pricelist, every other line stays priced by the
    shopper's pricelist, remembered on the order."""

    _name = "preorder.cart"
    _description = "Pre-order Cart Rules"

    # ------------------------------------------------------------------
    # What may be bought
    # ------------------------------------------------------------------

    @api.model
    def _facts(self, order, product, kind, order_line, new_qty, exclusivity):
        """Gather what rules.cart needs: a few grouped reads, no loop of queries."""
        company = order.company_id.sudo()
        others = order.order_line - order_line
        same = others.filtered(lambda line: line.product_id == product)
        kind_total = sum(
            same.filtered(lambda sol: sol.preorder_kind == kind).mapped("product_uom_qty")
        )
        product = product.with_company(company).sudo()
        on_request = in_stock_blocks = False
        if kind == NEXT_DAY:
            free = self.env["stock.quant"]._preorder_free_qty(product, company)[product.id]
            stock_in_cart = sum(
                same.filtered(lambda sol: sol.preorder_kind == STOCK).mapped("product_uom_qty")
            )
            offered = free - stock_in_cart
            Supply = self.env["purchase.order.line"]
            on_request = product.id in Supply._preorder_products_on_request(product, company)
            enabled = True
        elif kind in REQUEST_KINDS:
            availability = product._get_preorder_availability(company)[product.id]
            offered = availability.get(kind).qty
            enabled = company.presale_enabled if kind == PRESALE else company.preorder_enabled
            if kind != PRESALE and company.preorder_only_out_of_stock:
                free = self.env["stock.quant"]._preorder_free_qty(product, company)[product.id]
                in_stock_blocks = free > 0
        else:
            offered, enabled = 0.0, False
        return cart_rules.CartLine(
            kind=kind,
            quantity=new_qty,
            kind_total=kind_total + new_qty,
            offered=offered,
            kind_enabled=enabled,
            min_qty=product.preorder_min_qty,
            exclusivity=exclusivity,
            exclusivity_min_qty=product.exclusivity_min_qty,
            next_day_product=product.next_day_shipping,
            on_request=on_request,
            pricelist_id=order._preorder_shopper_pricelist().id or 0,
            excluded_pricelist_id=company.preorder_excluded_pricelist_id.id or 0,
            next_day_pricelist_ids=frozenset(
                (company.next_day_cash_pricelist_id | company.next_day_credit_pricelist_id).ids
            ),
            needed_pricelist_id=self._needed_pricelist(company, kind),
            other_needed_pricelist_ids=frozenset(
                self._needed_pricelist(company, line.preorder_kind) for line in others
            ),
            in_stock_blocks_preorder=in_stock_blocks,
        )

    @api.model
    def _line_refusal(self, line):
        """The rules.cart.Refusal of an order line as it stands, or None."""
        return cart_rules.refusal(
            self._facts(
                line.order_id,
                line.product_id,
                line.preorder_kind,
                line,
                line.product_uom_qty,
                line.preorder_exclusivity,
            )
        )

    @api.model
    def _refusal_message(self, refusal):
        """The shopper's message for a ``rules.cart.Refusal``."""
        kind = {
            STOCK: self.env._("from stock"),
            NATIONAL: self.env._("pre-order"),
            INTERNATIONAL: self.env._("international pre-order"),
            PRESALE: self.env._("pre-sale"),
            NEXT_DAY: self.env._("next-day shipping"),
        }.get(refusal.kind, refusal.kind)
        params = {key: f"{value:g}" for key, value in refusal.params.items()}
        messages = {
            cart_rules.UNKNOWN_KIND: lambda: self.env._("Unknown way to buy: %(kind)s.", kind=kind),
            cart_rules.KIND_DISABLED: lambda: self.env._(
                "This product cannot be bought as %(kind)s at the moment.", kind=kind
            ),
            cart_rules.IN_STOCK: lambda: self.env._(
                "This product is in stock: it cannot be bought as %(kind)s at the moment.",
                kind=kind,
            ),
            cart_rules.EXCLUDED_PRICELIST: lambda: self.env._(
                "Products cannot be bought as %(kind)s with your price list.", kind=kind
            ),
            cart_rules.BELOW_MINIMUM: lambda: self.env._(
                "An international pre-order of this product is at least %(min_qty)s.", **params
            ),
            cart_rules.OTHER_PRICELIST: lambda: self.env._(
                "Your cart holds items with another price list: check them out before "
                "buying this one as %(kind)s.",
                kind=kind,
            ),
            cart_rules.EXCLUSIVITY_MINIMUM: lambda: self.env._(
                "Exclusivity of this product requires at least %(min_qty)s.", **params
            ),
            cart_rules.NOT_NEXT_DAY: lambda: self.env._(
                "This product is not offered for next-day shipping."
            ),
            cart_rules.NEXT_DAY_PRICELIST: lambda: self.env._(
                "Next-day shipping is only sold on the Cash or Credit Next Day price list."
            ),
            cart_rules.NOT_ENOUGH: lambda: self.env._(
                "Only %(available)s available as %(kind)s.", kind=kind, **params
            ),
        }
        return messages[refusal.code]()

    # ------------------------------------------------------------------
    # Cart pricelists
    # ------------------------------------------------------------------

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
