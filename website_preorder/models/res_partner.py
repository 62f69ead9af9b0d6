from odoo import fields, models

from odoo.addons.website.models import ir_http


class ResPartner(models.Model):
    _inherit = "res.partner"

    # "Tell me when it opens" throttle (README): when this address was last sent
    # a subscription confirmation, and from which connection it was asked
    preorder_subscription_mailed_at = fields.Datetime(
        "Opening Subscription Mailed", copy=False, readonly=True, groups="base.group_user"
    )
    preorder_ship_before_payment = fields.Boolean(
        "Ship pre-orders before the balance is paid",
        groups="base.group_user",
        help="A trusted customer (B2B): deliveries of their deposit orders leave before the "
        "balance is paid.",
    )
    preorder_subscription_ip = fields.Char(
        "Opening Subscription From", copy=False, readonly=True, groups="base.group_user"
    )

    def write(self, vals):
        result = super().write(vals)
        if "tz" in vals and self.env["res.company"].sudo().with_context(
            active_test=False
        ).search_count([("partner_id", "in", self.ids)], limit=1):
            # a company's timezone: its "today" (res.company._preorder_tz_name)
            self.env["res.company"]._preorder_clear_tz_cache()
        return result

    def _compute_last_website_so_id(self):
        """Odoo finds a shopper's last cart by their pricelist; a cart forced onto
        the pre-sale or international pricelist keeps theirs as the Shopper's
        Pricelist, so it is found too (the newest of both)."""
        super()._compute_last_website_so_id()
        website = ir_http.get_request_website()
        if not website:
            return
        SaleOrder = self.env["sale.order"]
        for partner in self.filtered(lambda partner: not partner.is_public):
            forced = SaleOrder.search(
                [
                    ("partner_id", "=", partner.id),
                    ("preorder_base_pricelist_id", "=", partner.property_product_pricelist.id),
                    ("website_id", "=", website.id),
                    ("state", "=", "draft"),
                ],
                order="write_date desc",
                limit=1,
            )
            last = partner.last_website_so_id
            if forced and (not last or forced.write_date > last.write_date):
                partner.last_website_so_id = forced
