from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..rules import allocation as allocation_rules
from ..rules import release as release_rules
from ..rules.supply import NATIONAL, REQUEST_KINDS

SALE_KINDS = [
    ("stock", "From stock"),
    ("national", "Pre-order"),
    ("international", "International pre-order"),
    ("presale", "Pre-sale"),
    ("next_day", "Next-day shipping"),
]
PREORDER_STATES = [("parked", "Parked"), ("allocated", "Allocated"), ("released", "Released")]
STAFF = "sales_team.group_sale_salesman,purchase.group_purchase_user,stock.group_stock_user"


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    preorder_kind = fields.Selection(
        SALE_KINDS, string="Kind", default="stock", required=True, index=True
    )
    preorder_allocation_ids = fields.One2many(
        "preorder.allocation", "sale_line_id", string="Allocations", groups=STAFF
    )
    preorder_allocated_qty = fields.Float(
        "Allocated",
        compute="_compute_preorder_quantities",
        store=True,
        digits="Product Unit of Measure",
        groups=STAFF,
    )
    preorder_parked_qty = fields.Float(
        "Parked",
        compute="_compute_preorder_quantities",
        store=True,
        digits="Product Unit of Measure",
        groups=STAFF,
    )
    preorder_state = fields.Selection(
        PREORDER_STATES,
        string="Pre-order Status",
        compute="_compute_preorder_quantities",
        store=True,
        index=True,
    )
    promise_date = fields.Date(copy=False, help="The date the shopper was promised for this line.")
    promise_date_notified = fields.Date(copy=False, groups=STAFF)
    preorder_request_ids = fields.Many2many(
        "purchase.order",
        string="Requests",
        compute="_compute_preorder_request_ids",
        groups=STAFF,
    )
    preorder_release_notified = fields.Boolean(copy=False, groups=STAFF)
    preorder_expected_date = fields.Date(
        "Expected",
        compute="_compute_preorder_expected_date",
        help="The promise date, or while there is none the earliest Expected Arrival on offer.",
    )
    preorder_exclusivity = fields.Boolean(
        "Exclusivity", help="The shopper asked for the exclusivity of this product."
    )
    preorder_activity_scheduled = fields.Boolean(copy=False, groups=STAFF)

    @api.depends(
        "preorder_kind",
        "product_uom_qty",
        "product_uom",
        "order_id.state",
        "preorder_allocation_ids.quantity",
        "preorder_allocation_ids.state",
    )
    def _compute_preorder_quantities(self):
        for line in self:
            allocations = line.preorder_allocation_ids
            allocated = sum(allocations.mapped("quantity"))
            line.preorder_allocated_qty = allocated
            if line.preorder_kind not in REQUEST_KINDS or line.order_id.state != "sale":
                line.preorder_parked_qty = 0.0
                line.preorder_state = False
                continue
            rounding = line.product_id.uom_id.rounding or 0.01
            parked = line._preorder_to_product_qty(line.product_uom_qty) - allocated
            line.preorder_parked_qty = parked if parked > rounding / 2 else 0.0
            if line.preorder_parked_qty:
                line.preorder_state = "parked"
            elif allocations and all(a.state == "released" for a in allocations):
                line.preorder_state = "released"
            else:
                line.preorder_state = "allocated"

    @api.depends("preorder_allocation_ids.purchase_order_id")
    def _compute_preorder_request_ids(self):
        for line in self:
            line.preorder_request_ids = line.preorder_allocation_ids.purchase_order_id

    @api.depends("promise_date", "preorder_kind", "product_id")
    @api.depends_context("company", "tz")
    def _compute_preorder_expected_date(self):
        """Computed for the whole recordset: one availability query per company."""
        waiting = self.filtered(
            lambda line: not line.promise_date and line.preorder_kind in REQUEST_KINDS
        )
        dates = {}
        for company, lines in waiting.grouped("company_id").items():
            availability = lines.product_id.sudo()._get_preorder_availability(company)
            for line in lines:
                dates[line.id] = availability[line.product_id.id].get(line.preorder_kind).date
        for line in self:
            line.preorder_expected_date = line.promise_date or dates.get(line.id) or False

    def get_description_following_lines(self):
        """Cart and checkout lines tell the kind and its date (SPEC §7)."""
        lines = super().get_description_following_lines()
        label = self._preorder_kind_description()
        return [*lines, label] if label else lines

    def _preorder_kind_description(self):
        self.ensure_one()
        kind = self.preorder_kind
        if kind == "stock":
            return ""
        label = dict(self._fields["preorder_kind"]._description_selection(self.env))[kind]
        date = self.preorder_expected_date
        if date:
            return _("%(kind)s — expected %(date)s", kind=label, date=format_date(self.env, date))
        return label

    def _preorder_to_product_qty(self, quantity):
        self.ensure_one()
        product_uom = self.product_id.uom_id
        if self.product_uom and product_uom and self.product_uom != product_uom:
            return self.product_uom._compute_quantity(
                quantity, product_uom, rounding_method="HALF-UP"
            )
        return quantity

    def _preorder_demand(self):
        self.ensure_one()
        return allocation_rules.Demand(
            self.id,
            self.product_id.id,
            self.preorder_kind,
            self.order_id.date_order,
            self.preorder_parked_qty,
            self.product_id.uom_id.rounding,
        )

    def _preorder_release_candidate(self):
        self.ensure_one()
        return release_rules.Candidate(
            self.id,
            self.product_id.id,
            self.order_id.date_order,
            self.promise_date,
            not self.preorder_parked_qty,
        )

    def _preorder_blocks_reservation(self):
        """True while this line's deliveries must not take stock (not released)."""
        self.ensure_one()
        return self.preorder_kind in REQUEST_KINDS and self.preorder_state != "released"

    # ------------------------------------------------------------------
    # Promise dates
    # ------------------------------------------------------------------

    def _preorder_update_promise_dates(self):
        """Promise date = latest Expected Arrival of the allocations; none when parked.

        Returns the lines whose promise date changed.
        """
        by_date = {}
        for line in self.filtered(lambda line: line.preorder_kind in REQUEST_KINDS):
            new = False
            if not line.preorder_parked_qty and line.preorder_allocation_ids:
                arrival = allocation_rules.promise_date(
                    line.preorder_allocation_ids.mapped("date_planned")
                )
                # the day it arrives in the user's timezone, as availability counts it
                new = arrival and fields.Date.context_today(line, timestamp=arrival)
            if new != line.promise_date:
                by_date.setdefault(new, []).append(line.id)
        changed = self.browse()
        for new, ids in by_date.items():
            lines = self.browse(ids)
            lines.with_context(preorder_system_update=True).write({"promise_date": new})
            changed |= lines
        return changed

    def write(self, vals):
        if "preorder_kind" in vals:
            locked = self.filtered(
                lambda line: line.order_id.state == "sale"
                and line.preorder_kind != vals["preorder_kind"]
            )
            if locked:
                raise UserError(_("The kind of a confirmed order line cannot change."))
        old_dates = {}
        if "promise_date" in vals and not self.env.context.get("preorder_system_update"):
            old_dates = {line: line.promise_date for line in self}
        result = super().write(vals)
        if old_dates:
            self._preorder_log_promise_dates(old_dates)
        if {"product_uom_qty", "product_uom"} & set(vals):
            self.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)._preorder_replan()
        return result

    def _preorder_log_promise_dates(self, old_dates):
        for order, lines in self.grouped("order_id").items():
            changes = [
                _(
                    "%(product)s: promise date %(old)s → %(new)s",
                    product=line.product_id.display_name,
                    old=old_dates[line] or _("none"),
                    new=line.promise_date or _("none"),
                )
                for line in lines
                if old_dates[line] != line.promise_date
            ]
            if changes:
                order._message_log(body="\n".join(changes))

    def _preorder_replan(self):
        """After a quantity change: free the excess (latest arrivals first) or allocate more."""
        lines = self.filtered(lambda line: line.order_id.state == "sale")
        for line in lines:
            excess = line.preorder_allocated_qty - line._preorder_to_product_qty(
                line.product_uom_qty
            )
            if excess <= 0:
                continue
            changes = {}
            for allocation in line.preorder_allocation_ids.sorted(
                lambda a: (a.date_planned, a.id), reverse=True
            ):
                if excess <= 0:
                    break
                taken = min(allocation.quantity, excess)
                changes[allocation.id] = allocation.quantity - taken
                excess -= taken
            line.preorder_allocation_ids._reduce_to(changes)
        self.env["preorder.allocation"]._allocate(lines)

    def _preorder_schedule_threshold_activity(self):
        """To-Do for the Activity User when a national pre-order line exceeds Config Quantity.

        On the request the line is allocated to, or on the sale order while parked;
        once per line.
        """
        for line in self.sudo():
            company = line.company_id
            user = company.preorder_activity_user_id
            limit = company.preorder_config_qty
            if (
                line.preorder_kind != NATIONAL
                or line.preorder_activity_scheduled
                or not user
                or not limit
                or line._preorder_to_product_qty(line.product_uom_qty) <= limit
            ):
                continue
            target = line.preorder_allocation_ids[:1].purchase_order_id or line.order_id
            target.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=_("Large national pre-order"),
                note=_(
                    "%(order)s pre-orders %(qty)s × %(product)s (more than %(limit)s).",
                    order=line.order_id.name,
                    qty=line.product_uom_qty,
                    product=line.product_id.display_name,
                    limit=limit,
                ),
            )
            line.preorder_activity_scheduled = True
