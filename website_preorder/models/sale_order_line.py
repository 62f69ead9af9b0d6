from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..rules import allocation as allocation_rules
from ..rules.kinds import INTERNATIONAL, NATIONAL, NEXT_DAY, PRESALE, REQUEST_KINDS, STOCK

SALE_KIND_SELECTION = [
    (STOCK, "From stock"),
    (NATIONAL, "Pre-order"),
    (INTERNATIONAL, "International pre-order"),
    (PRESALE, "Pre-sale"),
    (NEXT_DAY, "Next-day shipping"),
]
PREORDER_STATES = [("parked", "Parked"), ("allocated", "Allocated"), ("released", "Released")]
STAFF = "sales_team.group_sale_salesman,purchase.group_purchase_user,stock.group_stock_user"


def _staff_qty(string, compute=None, **kwargs):
    """A pre-order quantity of a line, in the product's unit, that only staff
    read: stored when computed, not copied otherwise."""
    if compute:
        kwargs.update(compute=compute, store=True)
    else:
        kwargs.update(copy=False)
    return fields.Float(string, digits="Product Unit of Measure", groups=STAFF, **kwargs)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    preorder_kind = fields.Selection(
        SALE_KIND_SELECTION, string="Kind", default=STOCK, required=True, index=True
    )
    preorder_is_restock = fields.Boolean(
        "Back-order",
        compute="_compute_preorder_is_restock",
        help="A national pre-order of a restocked product: shown as Back-order.",
    )

    preorder_allocation_ids = fields.One2many(
        "preorder.allocation", "sale_line_id", string="Allocations", groups=STAFF
    )
    preorder_allocated_qty = _staff_qty("Allocated", compute="_compute_preorder_quantities")
    preorder_parked_qty = _staff_qty("Parked", compute="_compute_preorder_quantities")
    preorder_state = fields.Selection(
        PREORDER_STATES,
        string="Pre-order Status",
        compute="_compute_preorder_quantities",
        store=True,
        index=True,
    )
    promise_date = fields.Date(copy=False, help="The date the shopper was promised for this line.")
    promise_date_notified = fields.Date(
        copy=False,
        groups=STAFF,
        help="The promise date the customer was last told (order confirmation e-mail or "
        "promise date notification).",
    )
    promise_date_manual = fields.Boolean(
        "Promise Date Set by Hand",
        copy=False,
        groups=STAFF,
        help="Set by hand or imported: automatic updates keep it until staff sync the "
        "date with the request (Sync Date with SO).",
    )
    preorder_request_ids = fields.Many2many(
        "purchase.order", string="Requests", compute="_compute_preorder_request_ids", groups=STAFF
    )
    preorder_released_qty = _staff_qty(
        "Released",
        compute="_compute_preorder_quantities",
        help="Quantity reserved for delivery by the release, in the product's unit.",
    )
    preorder_stock_released_qty = _staff_qty(
        "Released from Stock",
        help="Parked quantity released from free stock, without an allocation.",
    )
    preorder_release_notify_qty = _staff_qty(
        "Release Not Yet Told", help="Quantity released since the customer was last told."
    )
    preorder_expected_date = fields.Date(
        "Expected",
        compute="_compute_preorder_expected_date",
        help="The promise date, or while there is none the earliest Expected Arrival on offer.",
    )
    preorder_exclusivity = fields.Boolean(
        "Exclusivity", help="The shopper asked for the exclusivity of this product."
    )
    preorder_activity_scheduled = fields.Boolean(copy=False, groups=STAFF)
    preorder_consent_state = fields.Selection(
        [
            ("pending", "Waiting for the customer"),
            ("accepted", "Accepted"),
            ("declined", "Declined"),
            ("lapsed", "Lapsed"),
        ],
        string="Date-slip Consent",
        copy=False,
        index="btree_not_null",
        help="The customer's answer to a promise date that slipped (README, Date-slip consent).",
    )
    preorder_consent_old_date = fields.Date("Agreed Date", copy=False, groups=STAFF)
    preorder_consent_asked_at = fields.Datetime("Consent Asked", copy=False, groups=STAFF)

    @api.depends("preorder_kind", "product_uom_qty", "product_uom", "order_id.state",
                 "preorder_allocation_ids.quantity", "preorder_allocation_ids.state",
                 "preorder_stock_released_qty")  # fmt: skip
    def _compute_preorder_quantities(self):
        """The figures of ``rules.allocation.line_quantities``. Lines with the same
        figures are assigned together: thousands of lines allocated at once mostly
        share a handful of values."""
        step = 10 ** -self._fields["preorder_parked_qty"].get_digits(self.env)[1]
        values = defaultdict(list)
        for line in self:
            figures = allocation_rules.line_quantities(
                [(a.quantity, a.state == "released") for a in line.preorder_allocation_ids],
                line.preorder_stock_released_qty,
                line._preorder_to_product_qty(line.product_uom_qty),
                line.preorder_kind in REQUEST_KINDS and line.order_id.state == "sale",
                line.product_id.uom_id.rounding or 0.01,
                step,
            )
            values[figures].append(line.id)
        for figures, ids in values.items():
            self.browse(ids).update(
                {
                    "preorder_allocated_qty": figures.allocated,
                    "preorder_released_qty": figures.released,
                    "preorder_parked_qty": figures.parked,
                    "preorder_state": figures.state or False,
                }
            )

    @api.depends("preorder_allocation_ids.purchase_order_id")
    def _compute_preorder_request_ids(self):
        for line in self:
            line.preorder_request_ids = line.preorder_allocation_ids.purchase_order_id

    @api.depends("promise_date", "preorder_kind", "product_id")
    @api.depends_context("company", "tz")
    def _compute_preorder_expected_date(self):
        dates = self.env["preorder.promise"]._expected_dates(self)
        for line in self:
            line.preorder_expected_date = dates[line.id]

    def get_description_following_lines(self):
        """Cart and checkout lines tell the kind and its date (SPEC §7)."""
        lines = super().get_description_following_lines()
        label = self._preorder_kind_description()
        return [*lines, label] if label else lines

    def _preorder_kind_description(self):
        """The kind and its date, as cart, checkout, portal and e-mails show them."""
        self.ensure_one()
        return self.env["preorder.promise"]._kind_description(self)

    def _preorder_to_product_qty(self, quantity):
        """``quantity`` in the line's unit, in the product's."""
        self.ensure_one()
        uom, product_uom = self.product_uom, self.product_id.uom_id
        if not uom or not product_uom or uom == product_uom:
            return quantity
        return uom._compute_quantity(quantity, product_uom, rounding_method="HALF-UP")

    def _preorder_format_qty(self, quantity):
        """``quantity`` (in the product's unit) for people, e.g. ``2.00 Units``."""
        self.ensure_one()
        return self.env["preorder.allocation"]._preorder_format_qty(
            quantity, self.product_id.uom_id
        )

    def _preorder_qty_label(self):
        """The ordered quantity for the customer: ``1,200.00 Units`` (called by
        the merchants' mail templates, which are ``noupdate``: keep the name)."""
        self.ensure_one()
        return self.env["preorder.allocation"]._preorder_format_qty(
            self.product_uom_qty, self.product_uom
        )

    def action_preorder_release(self):
        """Release now: the release rule, run for these lines' products."""
        self.check_access("write")
        return self.env["preorder.release.now"]._run_lines(self.sudo())

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # lines added to an already confirmed order are allocated like confirmed ones
        confirmed = lines.filtered(lambda line: line.order_id.state == "sale")
        self.env["preorder.allocator"]._allocate_confirmed(confirmed)
        return lines

    def write(self, vals):
        if "preorder_kind" in vals:
            locked = self.filtered(
                lambda line: line.order_id.state == "sale"
                and line.preorder_kind != vals["preorder_kind"]
            )
            if locked:
                raise UserError(self.env._("The kind of a confirmed order line cannot change."))
        if {"product_uom_qty", "product_uom"} & set(vals):
            self.env["preorder.delivery"]._check_released_quantity(self, vals)
        old_dates = {}
        manual = "promise_date" in vals and not self.env.context.get("preorder_system_update")
        if manual:
            old_dates = {line: line.promise_date for line in self}
            vals = {**vals, "promise_date_manual": True}
        result = super().write(vals)
        if old_dates:
            self.env["preorder.promise"]._log(self, old_dates)
            self.env["preorder.consent"]._ask(self, old_dates)
        preorder_lines = self.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
        if "product_id" in vals:
            self.env["preorder.deallocator"]._free_changed_product(
                preorder_lines.sudo().preorder_allocation_ids,
                self.env._("The product of a sale line changed."),
            )
        if {"product_id", "product_uom_qty", "product_uom"} & set(vals):
            self.env["preorder.deallocator"]._replan(preorder_lines)
            # the last line waiting may have gone: the balance of a deposit is due
            self.env["preorder.deposit"]._invoice_balances(preorder_lines.order_id)
        return result

    def unlink(self):
        allocations = self.sudo().preorder_allocation_ids
        products, kinds = allocations.product_id, set(allocations.mapped("kind"))
        result = super().unlink()
        if products:
            # what they held goes to the oldest parked lines
            self.env["preorder.allocator"]._allocate_parked(products, kinds)
        return result

    # ------------------------------------------------------------------
    # Website cart: per-line pricelists, cart page limits, Back-order label
    # ------------------------------------------------------------------

    @api.depends("preorder_kind", "product_id", "company_id")
    def _compute_preorder_is_restock(self):
        flags = self.env["preorder.promise"]._restock_flags(self)
        for line in self:
            line.preorder_is_restock = flags.get(line.id, False)

    @api.depends("preorder_kind", "order_id.preorder_base_pricelist_id")
    def _compute_pricelist_item_id(self):
        result = super()._compute_pricelist_item_id()
        self.env["preorder.cart.pricing"]._price_with_shopper_pricelist(self)
        return result

    def _get_max_available_qty(self):
        """Cart page "+": a non-stock line is capped by what its kind offers, not
        by free stock."""
        if self.preorder_kind == STOCK:
            return super()._get_max_available_qty()
        return self.env["preorder.cart"]._room(self)
