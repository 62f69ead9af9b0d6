from odoo import api, models
from odoo.exceptions import UserError

from ..rules import cart as cart_rules
from ..rules.kinds import (
    INTERNATIONAL,
    NATIONAL,
    NEXT_DAY,
    PRESALE,
    REQUEST_KINDS,
    SALE_KINDS,
    STOCK,
)


class PreorderCart(models.AbstractModel):
    """What a website cart may hold (SPEC §7), as ``sale.order``'s cart hooks
    apply it: the facts ``rules.cart`` decides on, gathered in a few grouped
    reads, and the shopper's sentence for each refusal. The cart's pricelists
    are ``preorder.cart.pricing``'s."""

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
        Pricing = self.env["preorder.cart.pricing"]
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
            pricelist_id=Pricing._shopper_pricelist(order).id or 0,
            excluded_pricelist_id=company.preorder_excluded_pricelist_id.id or 0,
            next_day_pricelist_ids=frozenset(
                (company.next_day_cash_pricelist_id | company.next_day_credit_pricelist_id).ids
            ),
            needed_pricelist_id=Pricing._needed_pricelist(company, kind),
            other_needed_pricelist_ids=frozenset(
                Pricing._needed_pricelist(company, line.preorder_kind) for line in others
            ),
            in_stock_blocks_preorder=in_stock_blocks,
        )

    @api.model
    def _line_facts(self, line):
        """The facts of an order line as it stands."""
        return self._facts(
            line.order_id,
            line.product_id,
            line.preorder_kind,
            line,
            line.product_uom_qty,
            line.preorder_exclusivity,
        )

    @api.model
    def _line_refusal(self, line):
        """The rules.cart.Refusal of an order line as it stands, or None."""
        return cart_rules.refusal(self._line_facts(line))

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

    @api.model
    def _update_refusal(self, order, order_line, product_id, kind, new_qty, kwargs):
        """The shopper's message when ``order_line`` (or a new line of ``kind``)
        may not hold ``new_qty``, else None."""
        exclusivity = (
            order_line.preorder_exclusivity
            if order_line
            else bool(kwargs.get("preorder_exclusivity"))
        )
        product = self.env["product.product"].browse(product_id)
        refusal = cart_rules.refusal(
            self._facts(order, product, kind, order_line, new_qty, exclusivity)
        )
        return self._refusal_message(refusal) if refusal else None

    @api.model
    def _cart_update_kwargs(self, kwargs):
        """The arguments of a cart update, checked: an unknown kind or a quantity
        Odoo cannot read is refused (Odoo would turn it into 1); optional products
        and combo items are bought from stock; exclusivity goes with international
        pre-orders only."""
        kind = kwargs.get("preorder_kind")
        if kind and kind not in SALE_KINDS:
            raise UserError(self.env._("Unknown way to buy: %s", kind))
        for name in ("add_qty", "set_qty"):
            if not cart_rules.is_valid_quantity(kwargs.get(name)):
                raise UserError(self.env._("The quantity must be a whole number."))
        if kwargs.get("linked_line_id"):
            return dict(kwargs, preorder_kind=STOCK, preorder_exclusivity=False)
        if kwargs.get("preorder_exclusivity") and kind != INTERNATIONAL:
            return dict(kwargs, preorder_exclusivity=False)
        return kwargs

    @api.model
    def _room(self, line):
        """How much more the cart page's "+" may add to a non-stock ``line``:
        what its kind offers less what the cart already holds of it."""
        facts = self._line_facts(line)
        return max(facts.offered - facts.kind_total, 0.0)

    @api.model
    def _payment_messages(self, order):
        """Before payment: every pre-order, pre-sale and next-day line against its
        rules, and the cart's pricelists and prices against what the rules give
        now. Nothing is changed here."""
        messages = []
        for line in order.order_line.filtered(lambda sol: sol.preorder_kind != STOCK):
            refusal = self._line_refusal(line)
            if refusal:
                messages.append(
                    self.env._(
                        "%(product)s: %(reason)s",
                        product=line.product_id.display_name,
                        reason=self._refusal_message(refusal),
                    )
                )
        if order._preorder_is_managed_cart():
            messages += self.env["preorder.cart.pricing"]._price_messages(order)
        return messages

    # ------------------------------------------------------------------
    # Shipping choice (README "Shipping choice at checkout")
    # ------------------------------------------------------------------

    @api.model
    def _shipping_labels(self):
        """{picking_policy: what the shopper reads}."""
        return {
            "direct": self.env._("Ship each item when it is ready"),
            "one": self.env._("Ship everything together"),
        }

    @api.model
    def _offers_shipping_choice(self, order):
        """A cart with pre-order or pre-sale lines lets the shopper choose."""
        return any(line.preorder_kind in REQUEST_KINDS for line in order.order_line)

    @api.model
    def _set_shipping_choice(self, order, policy):
        """Store the shopper's choice as the order's picking_policy; deliveries
        follow it (one delivery when everything is ready, or each item as the
        release reserves it). Bad input is refused and changes nothing."""
        if policy not in self._shipping_labels():
            raise UserError(self.env._("Choose how your items are shipped."))
        if not order._preorder_is_managed_cart():
            raise UserError(self.env._("This order can no longer be changed."))
        if not self._offers_shipping_choice(order):
            raise UserError(self.env._("Your cart holds no pre-ordered items."))
        order.picking_policy = policy
