from odoo import fields, models


class ProductPricelistItem(models.Model):
    _inherit = "product.pricelist.item"

    preorder_managed = fields.Boolean(
        "Written by Pre-sale Price Calculation",
        readonly=True,
        copy=False,
        index=True,
        help="Set on the fixed-price rules the pre-sale price job writes; the job "
        "updates and removes only these, never rules written by hand.",
    )
