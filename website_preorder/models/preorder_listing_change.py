from odoo import api, fields, models

#: why a kind is listed or not (``product.product._preorder_listing_flags``)
REASONS = [
    ("offered", "Quantity offered"),
    ("nothing", "Nothing left to offer"),
    ("in_stock", "In stock (pre-orders only while out of stock)"),
]


class PreorderListingChange(models.Model):
    """A kind of a variant that the catalogue job listed or unlisted (README,
    "Listing changes"): what changed, when and why. Written by the job in one
    batch per run (``product.product._preorder_refresh_listing``), read by staff
    (Purchase ▸ Pre-Order Requests ▸ Listing Changes) and by the feed's
    consumers (``/preorder/feed/changes.csv?since=…``)."""

    _name = "preorder.listing.change"
    _description = "Pre-order Listing Change"
    _order = "changed_at desc, id desc"
    _rec_name = "product_id"

    product_id = fields.Many2one(
        "product.product", required=True, index=True, ondelete="cascade", readonly=True
    )
    kind = fields.Selection(
        [("national", "Pre-order"), ("international", "International pre-order"),
         ("presale", "Pre-sale")],
        required=True,
        readonly=True,
    )  # fmt: skip
    listed = fields.Boolean(readonly=True, help="Listed by this change; unlisted when unset.")
    reason = fields.Selection(REASONS, required=True, readonly=True)
    changed_at = fields.Datetime(
        "When", required=True, index=True, readonly=True, default=fields.Datetime.now
    )
    # the product's company: the feeds of a company read its products' changes
    # and those of products shared by every company
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    @api.model
    def _preorder_record(self, changes):
        """Record ``changes``: (product, kind, listed, reason) rows, at once."""
        if not changes:
            return self.browse()
        now = fields.Datetime.now()
        return self.sudo().create(
            [
                {
                    "product_id": product.id,
                    "kind": kind,
                    "listed": listed,
                    "reason": reason,
                    "changed_at": now,
                    "company_id": product.company_id.id,
                }
                for product, kind, listed, reason in changes
            ]
        )
