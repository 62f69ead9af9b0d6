from odoo import api, fields, models
from odoo.tools import SQL

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
        """Record ``changes``: (product, kind, listed, reason) rows, in one
        INSERT. The log is written by the catalogue job for every variant whose
        listing changed (a first pass on 50,000 variants writes 75,000 rows);
        nothing is computed from it and nothing checks it, so create()'s
        per-record work is left out."""
        if not changes:
            return
        now = fields.Datetime.now()
        columns = list(zip(*changes, strict=True))
        products = self.env["product.product"].browse(product.id for product in columns[0])
        companies = {product.id: product.company_id.id or None for product in products}
        self.env.cr.execute(
            SQL(
                """INSERT INTO preorder_listing_change
                       (product_id, kind, listed, reason, company_id, changed_at,
                        create_uid, create_date, write_uid, write_date)
                   SELECT product_id, kind, listed, reason, company_id, %s, %s, %s, %s, %s
                     FROM unnest(%s::int4[], %s::varchar[], %s::bool[], %s::varchar[], %s::int4[])
                          AS change(product_id, kind, listed, reason, company_id)""",
                now,
                self.env.uid,
                now,
                self.env.uid,
                now,
                [product.id for product in columns[0]],
                list(columns[1]),
                list(columns[2]),
                list(columns[3]),
                [companies[product.id] for product in columns[0]],
            )
        )
