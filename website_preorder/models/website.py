from odoo import models
from odoo.http import request


class Website(models.Model):
    _inherit = "website"

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
