from odoo import api, fields, models

from ..rules import availability as availability_rules


class ProductProduct(models.Model):
    """A variant's availability per kind, from its supply lines (SPEC §3).

    The catalogue job (``preorder.catalog``) keeps the stored ``*_listed`` flags
    the shop filters read; the page payload is ``website._preorder_product_info``.
    """

    _inherit = "product.product"

    preorder_national_qty = fields.Float(
        "National Pre-order Quantity",
        compute="_compute_preorder_availability",
        digits="Product Unit of Measure",
    )
    preorder_national_date = fields.Date(
        "National Pre-order Arrival", compute="_compute_preorder_availability"
    )
    preorder_international_qty = fields.Float(
        "International Pre-order Quantity",
        compute="_compute_preorder_availability",
        digits="Product Unit of Measure",
    )
    preorder_international_date = fields.Date(
        "International Pre-order Arrival", compute="_compute_preorder_availability"
    )
    presale_qty = fields.Float(
        "Pre-sale Quantity",
        compute="_compute_preorder_availability",
        digits="Product Unit of Measure",
        help="Calculated quantity offered for pre-sale: the pre-sale ATP arriving within "
        "the Days for Calculation, times the Available Quantity Multiplier.",
    )
    presale_date = fields.Date("Pre-sale Arrival", compute="_compute_preorder_availability")
    # Stored catalogue flags, maintained by the catalogue job (ir_cron_refresh_catalog).
    preorder_national_listed = fields.Boolean(
        "Listed for National Pre-order", readonly=True, copy=False, index=True
    )
    preorder_international_listed = fields.Boolean(
        "Listed for International Pre-order", readonly=True, copy=False, index=True
    )
    presale_listed = fields.Boolean("Listed for Pre-sale", readonly=True, copy=False, index=True)
    preorder_release_pending = fields.Boolean(
        "Release Pending",
        readonly=True,
        copy=False,
        index=True,
        help="Stock came in for this product: the release job has not looked at it yet.",
    )
    preorder_subscriber_ids = fields.Many2many(
        "res.partner",
        relation="preorder_subscription_product_partner_rel",
        string="Told When It Opens",
        groups="sales_team.group_sale_salesman",
        help="Shoppers who asked to be e-mailed when this product can be pre-ordered or "
        "pre-sold; each is told once, then the subscription ends.",
    )
    preorder_purchase_line_ids = fields.One2many(
        "purchase.order.line", "product_id", groups="purchase.group_purchase_user"
    )

    @api.depends_context("company", "tz")
    def _compute_preorder_availability(self):
        availability = self._get_preorder_availability()
        for product in self:
            product.update(self._preorder_availability_values(availability[product.id]))

    @api.model
    def _preorder_availability_values(self, availability):
        return {
            "preorder_national_qty": availability.national.qty,
            "preorder_national_date": availability.national.date,
            "preorder_international_qty": availability.international.qty,
            "preorder_international_date": availability.international.date,
            "presale_qty": availability.presale.qty,
            "presale_date": availability.presale.date,
        }

    # ------------------------------------------------------------------
    # Availability (SPEC §3): one grouped query for a whole recordset
    # ------------------------------------------------------------------

    def _get_supply_domain(self, company, today, kinds=None):
        """Domain of the request lines that may be supply lines of these products.

        The SQL form of ``rules.supply.is_supply_line`` (taking state of its kind,
        arrival today or later in the company's timezone, ATP above zero), scoped
        to the company and its pre-order warehouses. Hook for other addons.
        """
        domain = [
            ("product_id", "in", self.ids),
            *self.env["purchase.order.line"]._preorder_taking_domain(kinds),
            ("company_id", "=", company.id),
            ("date_planned", ">=", company.sudo()._preorder_day_start_utc(today)),
            ("preorder_atp", ">", 0),
        ]
        if company.preorder_warehouse_mode != "all":
            domain.append(("preorder_warehouse_id", "in", company._get_preorder_warehouses().ids))
        return domain

    def _get_preorder_supply_groups(self, company, today):
        """SupplyGroup rows of these products: ATP summed per kind, state, arrival
        day and restock flag of the request."""
        if not self.ids:
            return []
        # arrival days are counted in the company's timezone
        tz = company.sudo()._preorder_tz().zone
        groups = (
            self.env["purchase.order.line"]
            .sudo()
            .with_context(tz=tz)
            ._read_group(
                self._get_supply_domain(company, today),
                groupby=[
                    "product_id",
                    "preorder_kind",
                    "state",
                    "date_planned:day",
                    "preorder_is_restock",
                ],
                aggregates=["preorder_atp:sum"],
            )
        )
        return [
            availability_rules.SupplyGroup(
                product.id, kind, state, arrival.date() if arrival else None, atp, restock
            )
            for product, kind, state, arrival, restock, atp in groups
        ]

    def _get_preorder_availability(self, company=None, today=None):
        """{product_id: ProductAvailability} per kind, for the whole recordset.

        The product page, the shop filters, the cart and the allocator all read
        this. Its query count does not depend on the number of products, lines
        or warehouses.
        """
        # a record of its own: env.company prefetches through the user's cache,
        # which an invalidation empties (then warehouses are read one by one)
        company = self.env["res.company"].sudo().browse((company or self.env.company).id)
        today = today or company._preorder_today()
        groups = self._get_preorder_supply_groups(company, today)
        return availability_rules.aggregate(
            groups, self.ids, today, company._get_preorder_availability_settings()
        )

    def action_view_preorder_demand(self):
        """Pre-orders smart button: demand against supply of this variant."""
        self.ensure_one()
        return self.env["preorder.demand.report"]._action_for(
            [("product_id", "=", self.id)], self.display_name
        )
