from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..rules import allocation as allocation_rules
from ..rules import atp as atp_rules
from ..rules.allocation import ALLOCATED
from ..rules.kinds import REQUEST_KINDS
from ..rules.supply import TAKING_STATES


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    preorder_kind = fields.Selection(related="order_id.preorder_kind", store=True, index=True)
    preorder_warehouse_id = fields.Many2one(
        "stock.warehouse",
        related="order_id.picking_type_id.warehouse_id",
        string="Destination Warehouse",
        store=True,
        index=True,
    )
    preorder_is_restock = fields.Boolean(related="order_id.is_restock")
    preorder_allocation_ids = fields.One2many(
        "preorder.allocation", "purchase_line_id", string="Allocations"
    )
    preorder_allocated_qty = fields.Float(
        "Allocated Quantity",
        compute="_compute_preorder_allocated_qty",
        store=True,
        digits="Product Unit of Measure",
        help="Quantity promised to sale lines, in the product's unit of measure.",
    )
    preorder_hold_ids = fields.One2many(
        "preorder.hold", "purchase_line_id", string="Checkout Holds"
    )
    preorder_held_qty = fields.Float(
        "Held",
        digits="Product Unit of Measure",
        compute="_compute_preorder_held_qty",
        help="Quantity held by shoppers who are paying right now (checkout holds not yet "
        "expired), in the product's unit. It is not promised yet: the payment turns it into "
        "allocations, an expired hold gives it back.",
    )
    preorder_open_from = fields.Datetime(
        "Orders Open",
        copy=False,
        help="The shop takes pre-orders of this line from this moment on (empty: at once). "
        'Before it the product page says when they open and offers "Tell me when it opens".',
    )
    preorder_open_until = fields.Datetime(
        "Orders Close",
        copy=False,
        help="The shop takes no more pre-orders of this line from this moment on (empty: "
        "while it has ATP). Orders already taken are served as before.",
    )
    preorder_order_limit = fields.Float(
        related="product_id.preorder_order_limit", string="Limit per Order"
    )
    preorder_customer_limit = fields.Float(
        related="product_id.preorder_customer_limit", string="Limit per Customer"
    )
    preorder_safety_qty = fields.Float(
        "Safety Buffer",
        digits="Product Unit of Measure",
        copy=False,
        help="Withheld from what this line promises to shoppers, because vendors "
        "under-deliver (in the line's unit). Empty: the request's percentage.",
    )
    preorder_atp = fields.Float(
        "ATP",
        compute="_compute_preorder_atp",
        store=True,
        digits="Product Unit of Measure",
        help="Available to promise: ordered − safety buffer − max(allocated, received), in "
        "the product's unit of measure.",
    )

    @api.constrains("preorder_open_from", "preorder_open_until")
    def _check_preorder_window(self):
        for line in self:
            start, end = line.preorder_open_from, line.preorder_open_until
            if start and end and end <= start:
                raise ValidationError(
                    self.env._(
                        "%(request)s, %(product)s: the orders must close after they open.",
                        request=line.order_id.name,
                        product=line.product_id.display_name,
                    )
                )

    def _preorder_safety_buffer(self, ordered):
        """The quantity this line withholds from ATP (``rules.atp.safety_buffer``),
        in the product's unit."""
        self.ensure_one()
        return atp_rules.safety_buffer(
            ordered,
            self._preorder_safety_qty_in_product_uom(),
            self.order_id.preorder_safety_percent,
            self.product_id.uom_id.rounding,
        )

    def _preorder_safety_qty_in_product_uom(self):
        uom, product_uom = self.product_uom, self.product_id.uom_id
        quantity = self.preorder_safety_qty
        if quantity and uom and product_uom and uom != product_uom:
            return uom._compute_quantity(quantity, product_uom, rounding_method="HALF-UP")
        return quantity

    @api.depends("preorder_allocation_ids.quantity")
    def _compute_preorder_allocated_qty(self):
        # lines with the same total are assigned together (see the sale line's)
        totals = defaultdict(list)
        for line in self:
            totals[sum(line.preorder_allocation_ids.mapped("quantity"))].append(line.id)
        for total, ids in totals.items():
            self.browse(ids).preorder_allocated_qty = total

    @api.depends(
        "product_uom_qty",
        "qty_received",
        "product_uom",
        "preorder_allocated_qty",
        "preorder_safety_qty",
        "order_id.preorder_safety_percent",
    )
    def _compute_preorder_atp(self):
        atps = defaultdict(list)
        for line in self:
            atp = 0.0
            if line.product_id and not line.display_type:
                ordered, received = line._preorder_ordered_and_received()
                atp = atp_rules.line_atp(
                    ordered,
                    line.preorder_allocated_qty,
                    received,
                    line.product_id.uom_id.rounding,
                    line._preorder_safety_buffer(ordered),
                )
            atps[atp].append(line.id)
        for atp, ids in atps.items():
            self.browse(ids).preorder_atp = atp

    def _preorder_ordered_and_received(self):
        """(ordered, received) of the line in the product's unit of measure."""
        self.ensure_one()
        product_uom = self.product_id.uom_id
        received = self.qty_received
        if self.product_uom and product_uom and self.product_uom != product_uom:
            received = self.product_uom._compute_quantity(
                received, product_uom, rounding_method="HALF-UP"
            )
        return self.product_uom_qty, received

    def _preorder_supply(self, held=0.0):
        """This line as the allocation rules see it; ``held``: what active
        checkout holds of other carts take off its ATP."""
        self.ensure_one()
        return allocation_rules.Supply(
            self.id,
            self.product_id.id,
            self.preorder_kind,
            self.date_planned,
            atp_rules.net_atp(self.preorder_atp, held, self.product_id.uom_id.rounding),
        )

    def _compute_preorder_held_qty(self):
        # one grouped query (not stored: a hold never writes its supply row,
        # see preorder.hold._held_by_supply)
        held = self.env["preorder.hold"]._held_by_supply(supply_lines=self._origin)
        for line in self:
            line.preorder_held_qty = held.get(line._origin.id, 0.0)

    # ------------------------------------------------------------------
    # Supply reads: grouped queries over request lines, for sets of products
    # ------------------------------------------------------------------

    @api.model
    def _preorder_taking_domain(self, kinds=None):
        """Request lines whose request takes orders of its kind (rules.supply)."""
        return expression.OR(
            [
                [("preorder_kind", "=", kind), ("state", "in", sorted(TAKING_STATES[kind]))]
                for kind in sorted(kinds or REQUEST_KINDS)
            ]
        )

    @api.model
    def _preorder_open_request_domain(self, company):
        """Request lines of open requests (taking orders, arrival today or later)."""
        company = company.sudo()
        return [
            *self._preorder_taking_domain(),
            ("company_id", "=", company.id),
            ("date_planned", ">=", company._preorder_day_start_utc(company._preorder_today())),
        ]

    @api.model
    def _preorder_products_on_request(self, products, company):
        """Ids of ``products`` on an open request (any kind, ATP or not), one query."""
        if not products:
            return set()
        groups = self.sudo()._read_group(
            [("product_id", "in", products.ids), *self._preorder_open_request_domain(company)],
            groupby=["product_id"],
        )
        return {product.id for (product,) in groups}

    @api.model
    def _preorder_restock_products(self, products, company):
        """Ids of ``products`` whose pre-order supply lines all belong to restock
        requests (shown as "Back-order"): rules.availability decides."""
        if not products:
            return set()
        availability = products.with_company(company)._get_preorder_availability(company)
        return {product_id for product_id, values in availability.items() if values.restock}

    @api.model
    def _preorder_request_products(self, company, kinds=None, open_only=False):
        """Products on requests of the company (of ``kinds``; with ``open_only``,
        on open requests only), in one grouped query."""
        domain = [("company_id", "=", company.id), ("product_id", "!=", False)]
        domain.append(
            ("preorder_kind", "in", list(kinds)) if kinds else ("preorder_kind", "!=", False)
        )
        if open_only:
            domain += self._preorder_open_request_domain(company)
        groups = self.sudo()._read_group(domain, groupby=["product_id"])
        return self.env["product.product"].browse({product.id for (product,) in groups})

    def _preorder_lock(self):
        """Lock these supply rows until the transaction ends and re-read their ATP.

        Two shoppers racing for the last unit: the second waits here, then
        PostgreSQL refuses its stale snapshot and Odoo retries it with fresh data.
        """
        if not self:
            return
        # a conflict here is expected under load and retried by Odoo: not an
        # error worth a "bad query" line in the log
        self.env.cr.execute(
            SQL(
                "SELECT id FROM purchase_order_line WHERE id IN %s ORDER BY id FOR UPDATE",
                tuple(self.ids),
            ),
            log_exceptions=False,
        )
        self.invalidate_recordset(["preorder_allocated_qty", "preorder_atp", "qty_received"])

    def _preorder_lock_and_read(self):
        """Lock these supply rows until the transaction ends and read what the
        lock protects: {id: (ATP, state)}, in one statement. In a READ COMMITTED
        transaction (a checkout's holds) a row another checkout held is read as
        that one committed it. Lines gone since they were found are left out."""
        if not self:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT id, preorder_atp, state FROM purchase_order_line WHERE id IN %s "
                "ORDER BY id FOR UPDATE",
                tuple(self.ids),
            ),
            log_exceptions=False,
        )
        locked = {row[0]: (row[1] or 0.0, row[2]) for row in self.env.cr.fetchall()}
        self.invalidate_recordset(
            ["preorder_allocated_qty", "preorder_atp", "qty_received", "state"]
        )
        return locked

    # ------------------------------------------------------------------
    # Expected Arrival: the date promised to shoppers moves only by hand
    # ------------------------------------------------------------------

    def _preorder_keeps_date_planned(self):
        """A request line whose Expected Arrival is promised to customers: it
        has allocations, or its request is confirmed (it takes orders at that
        date). Its date changes only when someone changes it (or Sync/CSV)."""
        self.ensure_one()
        return bool(
            self.preorder_kind
            and self.date_planned
            and (self.sudo().preorder_allocation_ids or self.order_id.state in ("purchase", "done"))
        )

    def _compute_price_unit_and_date_planned_and_name(self):
        """Odoo recomputes Expected Arrival from the vendor's lead time whenever
        the quantity or unit of a line changes (form and write alike). On a
        request line promised to customers that would move their date with no
        message and no consent: the price follows the vendor, the date stays."""
        kept = {line: line.date_planned for line in self if line._preorder_keeps_date_planned()}
        result = super()._compute_price_unit_and_date_planned_and_name()
        for line, date_planned in kept.items():
            if line.date_planned != date_planned:
                line.date_planned = date_planned
        return result

    # ------------------------------------------------------------------
    # Changes to supply (SPEC §4): cancellation and lowered quantities park
    # ------------------------------------------------------------------

    def write(self, vals):
        result = super().write(vals)
        if "date_planned" in vals:
            self._preorder_follow_date_planned()
        if "product_id" in vals:
            self.preorder_allocation_ids._free_changed_product(
                self.env._("The product of a request line changed.")
            )
        if {"product_qty", "product_uom"} & set(vals):
            self._preorder_park_excess(self.env._("The request line quantity was lowered."))
        if {
            "product_id",
            "product_qty",
            "date_planned",
            "product_uom",
            "preorder_safety_qty",
        } & set(vals):
            # a smaller safety buffer may serve parked lines (a larger one never
            # takes back what is allocated: it holds back new promises only)
            requests = self.order_id.filtered("preorder_kind")
            requests._preorder_allocate_parked()
        return result

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id.filtered("preorder_kind")._preorder_allocate_parked()
        return lines

    def unlink(self):
        allocations = self.preorder_allocation_ids.filtered(lambda a: a.state == ALLOCATED)
        if not allocations:
            return super().unlink()
        products, kinds = allocations.product_id, set(allocations.mapped("kind"))
        allocations._free(
            dict.fromkeys(allocations.ids, 0.0),
            self.env._("A request line was deleted."),
            reoffer=False,
        )
        result = super().unlink()
        # offered once the line is gone, so nothing lands on it again
        self.env["preorder.allocation"]._allocate_parked(products, kinds)
        return result

    def _preorder_follow_date_planned(self):
        """Someone changed these lines' Expected Arrival: the promise dates of
        their allocated sale lines follow at once (a date set by hand or
        imported stays until Sync), logged on each order; a date that moves
        later than the customer was told goes through the date-slip consent
        path (SPEC §4: no date moves silently)."""
        # the buyer may not read sale lines: the dates are the allocations' work
        sale_lines = (
            self.sudo()
            .preorder_allocation_ids.filtered(lambda a: a.state == ALLOCATED)
            .sale_line_id
        )
        if not sale_lines:
            return
        old = {line: line.promise_date for line in sale_lines}
        changed = sale_lines._preorder_update_promise_dates()
        changed._preorder_log_promise_dates(
            old, self.env._("The Expected Arrival of the request changed.")
        )

    def _preorder_park_excess(self, message):
        """Free what is allocated beyond the ordered quantity, latest orders first;
        released allocations are never shrunk."""
        lines = self.filtered("preorder_allocation_ids")
        return self.env["preorder.allocation"]._free_excess(
            {
                line: line.preorder_allocated_qty - line._preorder_ordered_and_received()[0]
                for line in lines
            },
            allocation_rules.LATEST_ORDERS,
            message,
        )

    # ------------------------------------------------------------------
    # Buttons per supply line
    # ------------------------------------------------------------------

    def action_preorder_allocate(self):
        """Allocate Sales Orders: parked lines of this product and kind, oldest first."""
        self.env["res.users"]._preorder_check_action(
            self, "purchase", self.env._("allocate sales orders")
        )
        allocations = self.env["preorder.allocation"]._allocate_parked(
            self.product_id, set(self.mapped("preorder_kind")), supply_lines=self
        )
        return self.order_id._preorder_notification(
            self.env._("%s sale line(s) allocated.", len(allocations.sale_line_id))
        )

    def action_preorder_sync_promise_dates(self):
        """Sync Date with SO: push Expected Arrival to the allocated sale lines."""
        self.env["res.users"]._preorder_check_action(
            self, "purchase", self.env._("sync promise dates")
        )
        # checked above; purchase users may not read the sale lines themselves.
        # One query for the lines (not every allocation's row first)
        lines = (
            self.env["sale.order.line"]
            .sudo()
            .search([("preorder_allocation_ids.purchase_line_id", "in", self.ids)])
        )
        changed = lines._preorder_update_promise_dates(sync=True)
        return self.order_id._preorder_notification(
            self.env._("%s sale line promise date(s) updated.", len(changed))
        )

    def action_preorder_review_allocations(self):
        self.env["res.users"]._preorder_check_action(
            self, "review", self.env._("review allocations"), "read"
        )
        self.env["preorder.allocation"].check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "website_preorder.action_preorder_allocations"
        )
        action["domain"] = [("purchase_line_id", "in", self.ids)]
        action["context"] = {"search_default_state_allocated": 1}
        action["name"] = self.env._("Allocations of %s", self[:1].product_id.display_name)
        return action
