from odoo.exceptions import UserError
from odoo.http import request, route

from odoo.addons.website_sale.controllers.main import WebsiteSale

#: the shop's availability filters, in display order
SHOP_FILTERS = ("in_stock", "presale", "national", "international", "next_day")


class PreorderWebsiteSale(WebsiteSale):
    @staticmethod
    def _preorder_availability(post):
        """The availability filter asked for, or None (unknown values are ignored)."""
        value = post.get("availability")
        return value if value in SHOP_FILTERS else None

    def _get_search_options(self, **kwargs):
        options = super()._get_search_options(**kwargs)
        options["preorder_availability"] = self._preorder_availability(kwargs)
        return options

    def _shop_get_query_url_kwargs(self, *args, **post):
        kwargs = super()._shop_get_query_url_kwargs(*args, **post)
        kwargs["availability"] = self._preorder_availability(post)
        return kwargs

    def _get_additional_extra_shop_values(self, values, **post):
        result = super()._get_additional_extra_shop_values(values, **post)
        result["preorder_availability"] = self._preorder_availability(post)
        result["preorder_shop_filters"] = self._preorder_shop_filters()
        products = values.get("products")
        result["preorder_badges"] = (
            products._preorder_shop_badges(request.website) if products else {}
        )
        return result

    def _get_shop_payment_values(self, order, **kwargs):
        values = super()._get_shop_payment_values(order, **kwargs)
        due = order._preorder_deposit_due_now()
        if due is not None:
            # the payment form pays the deposit (README, Deposits)
            values.update(amount=due, preorder_deposit_due=due)
        return values

    def _check_cart(self, order_sudo):
        """Checkout pages: a cart whose pricelist or prices no longer follow the
        rules (a path that bypassed them, prices changed meanwhile) is fixed and
        the shopper sent back to the cart to review it, before any payment. A
        cart whose prices follow them is shown with those prices: the page
        notes it in the shopper's session, and a payment started from it within
        ``rules.cart.PRICES_SEEN_SECONDS`` takes them (README, Cart pricelists)."""
        managed = order_sudo and order_sudo._preorder_is_managed_cart() and order_sudo.order_line
        messages = order_sudo._preorder_price_messages() if managed else []
        if messages:
            order_sudo._preorder_fix_pricelists()
            order_sudo._recompute_prices()
            order_sudo.shop_warning = " ".join(messages)
            return request.redirect("/shop/cart")
        if managed:
            request.session["preorder_prices_seen"] = order_sudo._preorder_prices_seen_stamp()
        return super()._check_cart(order_sudo)

    @route("/shop/preorder/shipping", type="json", auth="public", website=True)
    def preorder_shipping_choice(self, policy=None, **kwargs):
        """The shopper's shipping choice for the cart's pre-ordered items."""
        order_sudo = request.website.sale_get_order()
        if not order_sudo:
            raise UserError(request.env._("Your cart is empty."))
        order_sudo._preorder_set_shipping_choice(policy)
        return {"policy": order_sudo.picking_policy}

    def _preorder_shop_filters(self):
        company = request.website.company_id.sudo()
        labels = {
            "in_stock": request.env._("In stock"),
            "presale": request.env._("Pre-sale"),
            "national": request.env._("National pre-order"),
            "international": request.env._("International pre-order"),
            "next_day": request.env._("Next-day shipping"),
        }
        hidden = set()
        if not company.preorder_enabled:
            hidden |= {"national", "international"}
        if not company.presale_enabled:
            hidden.add("presale")
        return [(key, labels[key]) for key in SHOP_FILTERS if key not in hidden]
