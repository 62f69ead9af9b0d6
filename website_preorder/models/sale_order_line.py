from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round, format_date

from ..rules import allocation as allocation_rules
from ..rules import cart as cart_rules
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
        "purchase.order",
        string="Requests",
        compute="_compute_preorder_request_ids",
        groups=STAFF,
    )
    preorder_released_qty = fields.Float(
        "Released",
        compute="_compute_preorder_quantities",
        store=True,
        digits="Product Unit of Measure",
        groups=STAFF,
        help="Quantity reserved for delivery by the release, in the product's unit.",
    )
    preorder_stock_released_qty = fields.Float(
        "Released from Stock",
        copy=False,
        digits="Product Unit of Measure",
        groups=STAFF,
        help="Parked quantity released from free stock, without an allocation.",
    )
    preorder_release_notify_qty = fields.Float(
        copy=False,
        digits="Product Unit of Measure",
        groups=STAFF,
        help="Quantity released since the customer was last told.",
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

    @api.depends(
        "preorder_kind",
        "product_uom_qty",
        "product_uom",
        "order_id.state",
        "preorder_allocation_ids.quantity",
        "preorder_allocation_ids.state",
        "preorder_stock_released_qty",
    )
    def _compute_preorder_quantities(self):
        """Parked = ordered − allocated − released from stock; a line is released
        when its whole quantity is (SPEC §4).

        Lines with the same figures are assigned together: thousands of lines
        allocated at once mostly share a handful of values."""
        digits = self._fields["preorder_parked_qty"].get_digits(self.env)[1]
        values = defaultdict(list)
        for line in self:
            allocated = released = 0.0
            for allocation in line.preorder_allocation_ids:
                allocated += allocation.quantity
                if allocation.state == "released":
                    released += allocation.quantity
            from_stock = line.preorder_stock_released_qty
            allocated = float_round(allocated, precision_digits=digits)
            released = float_round(from_stock + released, precision_digits=digits)
            parked, state = 0.0, False
            if line.preorder_kind in REQUEST_KINDS and line.order_id.state == "sale":
                rounding = line.product_id.uom_id.rounding or 0.01
                ordered = line._preorder_to_product_qty(line.product_uom_qty)
                parked = ordered - allocated - from_stock
                if parked > rounding / 2:
                    parked = float_round(parked, precision_digits=digits)
                else:
                    parked = 0.0
                if parked:
                    state = "parked"
                elif ordered - released < rounding / 2:
                    state = "released"
                else:
                    state = "allocated"
            values[allocated, released, parked, state].append(line.id)
        for (allocated, released, parked, state), ids in values.items():
            self.browse(ids).update(
                {
                    "preorder_allocated_qty": allocated,
                    "preorder_released_qty": released,
                    "preorder_parked_qty": parked,
                    "preorder_state": state,
                }
            )

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
        """The kind and its date, as cart, checkout, portal and e-mails show them.
        National pre-orders of restocked products say "Back-order", as the
        product page does."""
        self.ensure_one()
        kind = self.preorder_kind
        if kind == STOCK:
            return ""
        if kind == NATIONAL and self.preorder_is_restock:
            label = self.env._("Back-order")
        else:
            label = dict(self._fields["preorder_kind"]._description_selection(self.env))[kind]
        date = self.preorder_expected_date
        if date:
            return self.env._(
                "%(kind)s — expected %(date)s", kind=label, date=format_date(self.env, date)
            )
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

    def _preorder_allocation_values(self, supply, quantity):
        """Create values of an allocation of ``quantity`` of this line from the
        request line ``supply``, with the values of its stored related fields."""
        self.ensure_one()
        return {
            "sale_line_id": self.id,
            "purchase_line_id": supply.id,
            "product_id": self.product_id.id,
            "quantity": quantity,
            "kind": self.preorder_kind,
            "company_id": self.company_id.id,
            "sale_order_id": self.order_id.id,
            "order_confirmed_at": self.order_id.date_order,
            "purchase_order_id": supply.order_id.id,
        }

    def _preorder_release_location(self):
        """The delivery source location release counts stock in (SPEC §4): the
        stock location of the order's warehouse (children included)."""
        self.ensure_one()
        return self.order_id.warehouse_id.lot_stock_id

    def _preorder_taking_moves(self):
        """The delivery moves of these lines that take goods from stock (the
        first step of a multi-step delivery), cancelled ones excluded."""
        return self.move_ids.filtered(
            lambda move: move.state != "cancel"
            and not move.move_orig_ids
            and move.location_id.usage == "internal"
        )

    def _preorder_taken_qty(self):
        """{line id: quantity its deliveries reserved or delivered, product unit}."""
        taken = dict.fromkeys(self.ids, 0.0)
        for move in self._preorder_taking_moves():
            quantity = move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id, rounding_method="HALF-UP"
            )
            taken[move.sale_line_id.id] = taken.get(move.sale_line_id.id, 0.0) + quantity
        return taken

    def _preorder_format_qty(self, quantity):
        """``quantity`` (in the product's unit) for people, e.g. ``2.00 Units``."""
        self.ensure_one()
        return self.env["preorder.allocation"]._preorder_format_qty(
            quantity, self.product_id.uom_id
        )

    # ------------------------------------------------------------------
    # Release now (staff)
    # ------------------------------------------------------------------

    def action_preorder_release(self):
        """Release now: the release rule, run for these lines' products."""
        self.check_access("write")
        lines = self.sudo().filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.preorder_state in ("parked", "allocated")
        )
        if not lines:
            raise UserError(self.env._("Select pre-order lines that are not released yet."))
        return self.env["preorder.release.now"]._run(lines)

    def _preorder_qty_label(self):
        """The ordered quantity for the customer: ``1,200.00 Units``."""
        self.ensure_one()
        return self.env["preorder.allocation"]._preorder_format_qty(
            self.product_uom_qty, self.product_uom
        )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # lines added to an already confirmed order are allocated like confirmed ones
        confirmed = lines.filtered(
            lambda line: line.order_id.state == "sale" and line.preorder_kind in REQUEST_KINDS
        )
        if confirmed:
            self.env["preorder.allocator"]._allocate(confirmed)
            confirmed._preorder_schedule_threshold_activity()
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
            self._preorder_check_released_quantity(vals)
        old_dates = {}
        manual = "promise_date" in vals and not self.env.context.get("preorder_system_update")
        if manual:
            old_dates = {line: line.promise_date for line in self}
            vals = {**vals, "promise_date_manual": True}
        result = super().write(vals)
        if old_dates:
            self.env["preorder.promise"]._log(self, old_dates)
        preorder_lines = self.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
        if "product_id" in vals:
            self.env["preorder.allocator"]._free_changed_product(
                preorder_lines.sudo().preorder_allocation_ids,
                self.env._("The product of a sale line changed."),
            )
        if {"product_id", "product_uom_qty", "product_uom"} & set(vals):
            self.env["preorder.allocator"]._replan(preorder_lines)
        return result

    def _preorder_check_released_quantity(self, vals):
        """Released allocations are never shrunk: a line cannot go below what is
        already released (reserved) for it."""
        for line in self.sudo().filtered("preorder_released_qty"):
            # released allocations and parked quantity released from stock
            released = line.preorder_released_qty
            uom = self.env["uom.uom"].browse(vals.get("product_uom", line.product_uom.id))
            quantity = vals.get("product_uom_qty", line.product_uom_qty)
            product_uom = line.product_id.uom_id
            if uom and uom != product_uom:
                quantity = uom._compute_quantity(quantity, product_uom, rounding_method="HALF-UP")
            if float_compare(quantity, released, precision_rounding=product_uom.rounding) < 0:
                Allocation = self.env["preorder.allocation"]
                raise UserError(
                    self.env._(
                        "%(order)s: %(released)s of %(product)s is already released "
                        "(reserved for delivery); the quantity cannot go below it. Cancel "
                        "or return the delivery first.",
                        order=line.order_id.name,
                        released=Allocation._preorder_format_qty(released, product_uom),
                        product=line.product_id.display_name,
                    )
                )

    def unlink(self):
        allocations = self.sudo().preorder_allocation_ids
        products, kinds = allocations.product_id, set(allocations.mapped("kind"))
        result = super().unlink()
        if products:
            # what they held goes to the oldest parked lines
            self.env["preorder.allocator"]._allocate_parked(products, kinds)
        return result

    def _preorder_schedule_threshold_activity(self):
        """To-Do for the Activity User when a national pre-order line exceeds Config Quantity.

        On the request the line is allocated to, or on the sale order while parked;
        once per line.
        """
        Allocation = self.env["preorder.allocation"]
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
                summary=self.env._("Large national pre-order"),
                note=self.env._(
                    "%(order)s pre-orders %(qty)s of %(product)s (more than %(limit)s).",
                    order=line.order_id.name,
                    qty=Allocation._preorder_format_qty(line.product_uom_qty, line.product_uom),
                    product=line.product_id.display_name,
                    limit=Allocation._preorder_format_qty(limit, line.product_id.uom_id),
                ),
            )
            line.preorder_activity_scheduled = True

    # ------------------------------------------------------------------
    # Website cart: per-line pricelists, cart page limits, Back-order label
    # ------------------------------------------------------------------

    @api.depends("preorder_kind", "product_id", "company_id")
    def _compute_preorder_is_restock(self):
        """Allocated lines follow their requests; the others the product's open
        requests, as the product page does. Read in sets: one query per company."""
        lines = self.filtered(lambda line: line.preorder_kind == NATIONAL and line.product_id)
        (self - lines).preorder_is_restock = False
        flags = {}
        waiting = self.browse()
        for line in lines:
            requests = line.sudo().preorder_allocation_ids.purchase_order_id
            if requests:
                flags[line.id] = all(requests.mapped("is_restock"))
            else:
                waiting |= line
        for company, company_lines in waiting.grouped("company_id").items():
            restock = self.env["purchase.order.line"]._preorder_restock_products(
                company_lines.product_id, company
            )
            for line in company_lines:
                flags[line.id] = line.product_id.id in restock
        for line in lines:
            line.preorder_is_restock = flags.get(line.id, False)

    @api.depends("preorder_kind", "order_id.preorder_base_pricelist_id")
    def _compute_pricelist_item_id(self):
        """On a cart forced onto the pre-sale or international pricelist, the
        other lines are priced by the shopper's pricelist (README, mixed carts)."""
        result = super()._compute_pricelist_item_id()
        for line in self:
            order = line.order_id
            base = order.preorder_base_pricelist_id
            if (
                not base
                or not line.product_id
                or line.display_type
                or cart_rules.forced_line(
                    line.preorder_kind,
                    self.env["preorder.cart"]._forced_pricelists(order.company_id),
                    order.pricelist_id.id,
                )
            ):
                continue
            line.pricelist_item_id = base._get_product_rule(
                line.product_id,
                quantity=line.product_uom_qty or 1.0,
                uom=line.product_uom,
                date=line._get_order_date(),
            )
        return result

    def _get_max_available_qty(self):
        """Cart page "+": a non-stock line is capped by what its kind offers, not
        by free stock."""
        if self.preorder_kind == STOCK:
            return super()._get_max_available_qty()
        facts = self.env["preorder.cart"]._facts(
            self.order_id,
            self.product_id,
            self.preorder_kind,
            self,
            self.product_uom_qty,
            self.preorder_exclusivity,
        )
        return max(facts.offered - facts.kind_total, 0.0)
