from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    next_day_shipping = fields.Boolean(
        help="Offer this product for next-day shipping on the website while it is in "
        "stock and on no pre-order or pre-sale request.",
    )
    preorder_min_qty = fields.Float(
        "Minimum Quantity",
        digits="Product Unit of Measure",
        help="An international pre-order line of this product may not be smaller.",
    )
    exclusivity_min_qty = fields.Float(
        "Minimum Exclusivity Quantity",
        digits="Product Unit of Measure",
        help="A shopper who asks for the exclusivity of this product may not order less.",
    )
    delivery_estimated_time = fields.Char(
        help="Shown to shoppers for international pre-orders, e.g. '6 to 8 weeks'.",
    )

    @api.constrains("preorder_min_qty", "exclusivity_min_qty")
    def _check_preorder_min_quantities(self):
        for template in self:
            if template.preorder_min_qty < 0 or template.exclusivity_min_qty < 0:
                raise ValidationError(
                    _("The minimum and exclusivity quantities of %s cannot be negative.")
                    % template.display_name
                )

    def _get_additionnal_combination_info(self, product_or_template, quantity, date, website):
        """The product page's availability table and "Buy it as" follow the variant."""
        info = super()._get_additionnal_combination_info(
            product_or_template, quantity, date, website
        )
        if product_or_template._name != "product.product" or not product_or_template:
            info["preorder"] = False
            return info
        preorder = product_or_template._preorder_website_info(website)
        info["preorder"] = preorder
        if any(option["kind"] != "stock" for option in preorder["options"]):
            # pre-orders are sold while out of stock: keep "Add to cart"
            info["allow_out_of_stock_order"] = True
        return info

    def _search_get_detail(self, website, order, options):
        detail = super()._search_get_detail(website, order, options)
        availability = options.get("preorder_availability")
        if availability:
            company = website.company_id.sudo()
            detail["base_domain"].append(
                self.env["product.product"]._preorder_shop_domain(availability, company)
            )
        return detail
