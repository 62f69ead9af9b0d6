from markupsafe import Markup

from odoo import models
from odoo.http import request
from odoo.tools import float_compare, format_date, format_datetime, formatLang

from ..rules import availability as availability_rules
from ..rules import launch as launch_rules
from ..rules.kinds import INTERNATIONAL, NATIONAL, NEXT_DAY, PRESALE, REQUEST_KINDS, STOCK


class Website(models.Model):
    """What the website shows of pre-orders (product page payload, prices as the
    cart charges them) and its cart pricelist, next to website_sale_stock's own
    stock helpers on ``website``."""

    _inherit = "website"

    def _preorder_product_info(self, product):
        """What the product page shows of a variant: quantities, dates and prices
        only (never requests, costs or allocations)."""
        self.ensure_one()
        company = self.company_id.sudo()
        product = product.with_company(company).sudo()
        availability = product._get_preorder_availability(company)[product.id]
        by_warehouse = self.env["stock.quant"]._preorder_free_qty_by_warehouse(product, company)
        free = sum(by_warehouse.values())
        in_stock = float_compare(free, 0.0, precision_rounding=product.uom_id.rounding) > 0
        restock = availability.restock
        currency = self.currency_id

        def when(date):
            return format_date(self.env, date) if date else ""

        # the kinds the cart puts on a pricelist of their own: their price as
        # the cart will charge it (the others are the page's own price)
        kind_prices = {}
        if availability.presale.qty and company.presale_pricelist_id:
            kind_prices[PRESALE] = self._preorder_price(product, company.presale_pricelist_id)
        if availability.international.qty and company.international_pricelist_id:
            kind_prices[INTERNATIONAL] = self._preorder_price(
                product, company.international_pricelist_id
            )

        def money(kind):
            if kind not in kind_prices:
                return ""
            return formatLang(self.env, kind_prices[kind], currency_obj=currency)

        presale_price = money(PRESALE)
        international_price = money(INTERNATIONAL)
        # "Offer pre-orders only while out of stock" (README, Catalogue)
        preorder_open = not (company.preorder_only_out_of_stock and in_stock)
        next_day = (
            product.next_day_shipping
            and in_stock
            # read only when it decides: one query fewer on most product pages
            and product.id
            not in self.env["purchase.order.line"]._preorder_products_on_request(product, company)
        )
        labels = {
            STOCK: self.env._("From stock – standard delivery"),
            NATIONAL: self.env._("As back-order") if restock else self.env._("As pre-order"),
            PRESALE: self.env._("As pre-sale"),
            INTERNATIONAL: self.env._("As international pre-order"),
            NEXT_DAY: self.env._("As next-day shipping"),
        }
        options = [
            {
                "kind": kind,
                "label": labels[kind],
                # the number the page's main price shows for this kind (None:
                # the page's own price), in the website's currency
                "price": kind_prices.get(kind),
                "price_value": (
                    formatLang(self.env, kind_prices[kind], digits=currency.decimal_places)
                    if kind in kind_prices
                    else None
                ),
            }
            for kind in availability_rules.offered_kinds(
                availability, in_stock, company.preorder_only_out_of_stock, next_day
            )
        ]
        label = self.env._("Back-order") if restock else self.env._("Pre-order")
        national_date = when(availability.national.date)
        default_kind = options[0]["kind"] if options else None
        starts = availability.get(default_kind).date if default_kind in REQUEST_KINDS else None
        # plain numbers, formatted here: an f-string inside a translated call
        # would break the extraction of the terms
        min_qty = "%g" % product.preorder_min_qty
        exclusivity_qty = "%g" % product.exclusivity_min_qty
        return {
            "sku": product.default_code or "",
            "label": label,
            "stock": [
                {
                    "warehouse": warehouse.name,
                    "qty": qty,
                    "text": self.env._("In stock — %(warehouse)s", warehouse=warehouse.name),
                }
                for warehouse, qty in by_warehouse.items()
                if qty > 0
            ],
            NATIONAL: {
                "qty": availability.national.qty if preorder_open else 0.0,
                "date": national_date,
                "text": self.env._("%(kind)s, expected %(date)s", kind=label, date=national_date),
                "message": (
                    self.env._(
                        "This product is available as back-order: expected arrival %(date)s.",
                        date=national_date,
                    )
                    if restock
                    else self.env._(
                        "This product is available as pre-order: expected arrival %(date)s.",
                        date=national_date,
                    )
                ),
            },
            INTERNATIONAL: {
                "qty": availability.international.qty if preorder_open else 0.0,
                "date": when(availability.international.date),
                "delivery_estimated_time": product.delivery_estimated_time or "",
                "text": (
                    self.env._(
                        "International pre-order, delivery in %(time)s",
                        time=product.delivery_estimated_time,
                    )
                    if product.delivery_estimated_time
                    else self.env._("International pre-order")
                ),
                "price": international_price,
                "min_qty": product.preorder_min_qty,
                "min_qty_text": self.env._("Minimum quantity: %(qty)s", qty=min_qty),
                "message": company.international_preorder_message or "",
            },
            PRESALE: {
                "qty": availability.presale.qty,
                "date": when(availability.presale.date),
                "text": self.env._(
                    "Pre-sale, expected %(date)s", date=when(availability.presale.date)
                ),
                "price": presale_price,
                "message": company.presale_message or "",
            },
            "exclusivity_min_qty": product.exclusivity_min_qty,
            "exclusivity_text": self.env._(
                "I want the exclusivity of this product (at least %(qty)s)", qty=exclusivity_qty
            ),
            "options": options,
            "subscription": self._preorder_subscription_info(product, options),
            # the Offer's structured data (schema.org) for the default kind
            "schema": {
                "availability": availability_rules.offer_availability(default_kind, restock),
                "starts": starts.isoformat() if starts else "",
            },
        }

    def _preorder_subscription_info(self, product, options):
        """ "Tell me when it opens" on the page of a product that cannot be bought
        now (stored, out of stock, no kind on offer, no out-of-stock ordering)."""
        if options or not product.is_storable or product.allow_out_of_stock_order:
            return {"offered": False}
        user = self.env.user
        if user._is_public():
            session = request.session if request else {}
            subscribed = product.id in session.get("preorder_subscriptions", [])
            email = session.get("preorder_subscription_email") or ""
        else:
            subscribed = user.partner_id in product.sudo().preorder_subscriber_ids
            email = user.email or ""
        # a campaign that opens later says when (rules.launch)
        company = self.company_id.sudo()
        openings = [
            when
            for state, when in product._preorder_windows(company).values()
            if state == launch_rules.NOT_YET
        ]
        opens = ""
        if openings:
            tz = company._preorder_tz().zone
            opens = self.env._(
                "Pre-orders open on %(date)s.",
                date=format_datetime(self.env, min(openings), tz=tz, dt_format="short"),
            )
        return {
            "offered": True,
            "subscribed": subscribed,
            "logged_in": not user._is_public(),
            "email": email,
            "opens": opens,
        }

    def _preorder_price(self, product, pricelist):
        """A kind's price as the cart will charge it: ``pricelist``'s price in the
        website's currency, with or without taxes as the website shows prices
        (its fiscal position applied)."""
        self.ensure_one()
        amount = pricelist._get_product_price(product, 1.0, currency=self.currency_id)
        return self._preorder_price_with_taxes(product, amount)

    def _preorder_price_with_taxes(self, product, amount, plans=None):
        """``amount`` (a pricelist price in the website's currency) as the website
        shows prices: Odoo's ``_apply_taxes_to_price``, skipped when it could
        change nothing (prices shown without taxes, no tax included in prices,
        no fiscal position mapping) -- the feeds price thousands of variants.

        ``plans``: a dict kept by a caller that prices many products on this
        website (the Google feed). The website's currency and fiscal position
        (computed fields, computed again on every read) and what each distinct
        set of template taxes maps to are then worked out once, not per
        product."""
        if plans is None:
            plans = {}
        if not plans:
            plans.update(
                currency=self.currency_id,
                fiscal_position=self.fiscal_position_id.sudo(),
                taxes={},
            )
        # the template's taxes: the variant's are a related field, computed
        template_taxes = product.product_tmpl_id.sudo().taxes_id
        plan = plans["taxes"].get(template_taxes)
        if plan is None:
            product_taxes = template_taxes._filter_taxes_by_company(self.company_id)
            taxes = plans["fiscal_position"].map_tax(product_taxes)
            plain = (
                self.show_line_subtotals_tax_selection == "tax_excluded"
                and taxes == product_taxes
                and not any(product_taxes.mapped("price_include"))
            )
            plan = plans["taxes"][template_taxes] = (product_taxes, taxes, plain)
        product_taxes, taxes, plain = plan
        currency = plans["currency"]
        if plain:
            return currency.round(amount)
        return self.env["product.template"]._apply_taxes_to_price(
            amount, currency, product_taxes, taxes, product, website=self
        )

    def _preorder_shopper_cart_pricelist(self):
        """The shopper's pricelist kept on their last cart while a pre-sale or
        international line puts it on its own pricelist (README, Cart pricelists),
        when this website offers it; else an empty recordset."""
        if not request or self.env.user._is_public():
            return self.env["product.pricelist"]
        cart = self.env.user.partner_id.last_website_so_id
        shopper = cart.preorder_base_pricelist_id
        if shopper and shopper in self.get_pricelist_available():
            return shopper
        return self.env["product.pricelist"]

    def _get_current_pricelist(self):
        """A forced cart's pricelist is never the shop's: a returning shopper sees
        the shop on their own pricelist, kept on the cart."""
        if request and not request.session.get("website_sale_current_pl"):
            shopper = self._preorder_shopper_cart_pricelist()
            if shopper:
                return shopper
        return super()._get_current_pricelist()

    def sale_get_order(self, force_create=False):
        """Odoo drops a returning shopper's cart whose pricelist the website does
        not offer; a forced cart is judged on the shopper's pricelist instead."""
        if request and not request.session.get("sale_order_id"):
            shopper = self._preorder_shopper_cart_pricelist()
            cart = shopper and self.env.user.partner_id.last_website_so_id
            if cart:
                fpos = (
                    self.env["account.fiscal.position"]
                    .sudo()
                    .with_company(cart.company_id)
                    ._get_fiscal_position(cart.partner_id, delivery=cart.partner_shipping_id)
                )
                if fpos == cart.fiscal_position_id:
                    request.session["sale_order_id"] = cart.id
        return super().sale_get_order(force_create=force_create)

    def _preorder_add_coming_soon_block(self):
        """Show "Coming soon" (Odoo's dynamic product snippet on the pre-order
        filter) on these websites' homepages: an inherited view of each
        homepage, the website's own copy included (demo data)."""
        snippet_filter = self.env.ref("website_preorder.dynamic_filter_coming_soon")
        arch = Markup(
            """<data><xpath expr="//div[@id='wrap']" position="inside">
<section data-snippet="s_dynamic_snippet_products" data-name="Coming Soon"
         class="s_dynamic_snippet_products s_dynamic pt32 pb32 o_colored_level"
         data-filter-id="%s"
         data-template-key="website_sale.dynamic_filter_template_product_product_borderless_1"
         data-product-category-id="all" data-number-of-elements="4"
         data-number-of-elements-small-devices="1" data-number-of-records="16"
         data-carousel-interval="5000">
    <div class="container o_not_editable">
        <h2 class="mb-3">%s</h2>
        <div class="dynamic_snippet_template"/>
    </div>
</section></xpath></data>"""
        ) % (snippet_filter.id, self.env._("Coming soon"))
        pages = self.env["website.page"].sudo().search([("url", "=", "/")])
        for website in self:
            page = pages.filtered(lambda p, website=website: p.website_id == website) or (
                pages.filtered(lambda p: not p.website_id)
            )
            for view in page.view_id:
                self.env["ir.ui.view"].sudo().create(
                    {
                        "name": "Homepage: Coming soon",
                        "type": "qweb",
                        "inherit_id": view.id,
                        "website_id": view.website_id.id,
                        "arch": arch,
                    }
                )
