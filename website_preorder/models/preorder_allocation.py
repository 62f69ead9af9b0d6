import logging
import math
from collections import defaultdict
from dataclasses import replace

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, float_compare, formatLang

from ..rules import allocation as allocation_rules
from ..rules import atp as atp_rules
from ..rules import batches as batch_rules
from ..rules import hold as hold_rules
from ..rules import release as release_rules
from ..rules.allocation import ALLOCATED, OPEN_STATES, PARKED, RELEASED
from ..rules.kinds import REQUEST_KINDS

_logger = logging.getLogger(__name__)

# the columns of an allocation the allocation plan gives, with their SQL types
_PLANNED_COLUMNS = {
    "sale_line_id": "int4[]",
    "purchase_line_id": "int4[]",
    "product_id": "int4[]",
    "quantity": "numeric[]",
    "kind": "varchar[]",
    "company_id": "int4[]",
    "sale_order_id": "int4[]",
    "order_confirmed_at": "timestamp[]",
    "purchase_order_id": "int4[]",
}
#: parked sale lines allocated between two flushes (memory stays flat)
ALLOCATION_BATCH_LINES = 5000
#: open sale lines released between two flushes (memory stays flat)
RELEASE_BATCH_LINES = 5000


def _ids_by_value(records, values):
    """{value: ids of ``records``}, ``values`` given in the order of ``records``."""
    ids_by_value = {}
    for record_id, value in zip(records._ids, values, strict=True):
        ids_by_value.setdefault(value, []).append(record_id)
    return ids_by_value


class PreorderAllocation(models.Model):
    """A quantity of one sale line promised from one supply line.

    The model also holds the engines that make and unmake allocations, as
    Odoo keeps ``procurement.group.run`` on a real model: allocation of parked
    lines first in first out (``_allocate``, ``_allocate_parked``), the one
    path by which allocations shrink or go (``_free`` and its callers), moving
    allocations to supply that arrives earlier, and release (``_release_products``
    and its scheduled action ``_cron_release_preorders``). The decisions are
    the pure rules of ``rules.allocation`` and ``rules.release``; these methods
    gather the data in sets, call them and write the result.
    """

    _name = "preorder.allocation"
    _description = "Pre-order Allocation"
    _order = "purchase_line_id, order_confirmed_at, sale_line_id, id"
    _check_company_auto = True

    sale_line_id = fields.Many2one(
        "sale.order.line", required=True, index=True, ondelete="cascade", check_company=True
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line",
        string="Request Line",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    product_id = fields.Many2one("product.product", required=True, index=True)
    quantity = fields.Float(digits="Product Unit of Measure", required=True)
    state = fields.Selection(
        [(ALLOCATED, "Allocated"), (RELEASED, "Released")],
        default=ALLOCATED,
        required=True,
        index=True,
    )
    kind = fields.Selection(related="sale_line_id.preorder_kind", store=True)
    exclusivity = fields.Boolean(related="sale_line_id.preorder_exclusivity")
    company_id = fields.Many2one(related="sale_line_id.company_id", store=True, index=True)
    sale_order_id = fields.Many2one(
        related="sale_line_id.order_id", store=True, index=True, string="Sale Order"
    )
    partner_id = fields.Many2one(related="sale_order_id.partner_id", string="Customer")
    order_confirmed_at = fields.Datetime(
        related="sale_order_id.date_order", store=True, string="Order Confirmed"
    )
    purchase_order_id = fields.Many2one(
        related="purchase_line_id.order_id", store=True, index=True, string="Request"
    )
    date_planned = fields.Datetime(
        related="purchase_line_id.date_planned", string="Expected Arrival"
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    # computed from the sale line, which purchase and stock users may not read
    qty_delivered = fields.Float(
        "Delivered",
        compute="_compute_fulfilment",
        digits="Product Unit of Measure",
        compute_sudo=True,
    )
    fulfilled_percent = fields.Float(
        "Order Fulfilled %", compute="_compute_fulfilment", compute_sudo=True
    )

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "An allocation quantity must be positive."),
    ]

    @api.depends(
        "quantity",
        "sale_line_id.qty_delivered",
        "sale_line_id.preorder_allocation_ids.quantity",
        "purchase_line_id.date_planned",
    )
    def _compute_fulfilment(self):
        """The sale line's delivered quantity covers ALL its allocations in
        arrival order (rules.allocation.fulfilment), whichever of them are
        shown: a request's Details tab reads only its own."""
        for line, allocations in self.grouped("sale_line_id").items():
            line = line.sudo()
            shares = allocation_rules.fulfilment(
                [(a.id, a.quantity, a.date_planned) for a in line.preorder_allocation_ids],
                line._preorder_to_product_qty(line.qty_delivered),
                line.product_id.uom_id.rounding,
            )
            for allocation in allocations:
                share = shares.get(allocation.id, 0.0)
                allocation.qty_delivered = share
                allocation.fulfilled_percent = (
                    100.0 * share / allocation.quantity if allocation.quantity else 0.0
                )

    @api.depends("sale_order_id.name", "purchase_order_id.name", "product_id", "quantity")
    def _compute_display_name(self):
        # staff who see an allocation see both its order and its request
        for allocation, record in zip(self, self.sudo(), strict=True):
            allocation.display_name = self.env._(
                "%(order)s → %(request)s: %(qty)s %(product)s",
                order=record.sale_order_id.name,
                request=record.purchase_order_id.name,
                qty=self._preorder_format_qty(record.quantity, record.product_id.uom_id),
                product=record.product_id.display_name,
            )

    @api.constrains("sale_line_id", "purchase_line_id", "product_id")
    def _check_matches(self):
        """Sale line, request line and allocation are of one product, and the
        sale line's kind is the request's: checked for the whole set in one
        query (allocation inserts thousands at once)."""
        self.flush_recordset(["sale_line_id", "purchase_line_id", "product_id"])
        self.env["sale.order.line"].flush_model(["product_id", "preorder_kind"])
        self.env["purchase.order.line"].flush_model(["product_id", "preorder_kind"])
        self.env.cr.execute(
            SQL(
                """SELECT a.id, s.product_id = a.product_id AND p.product_id = a.product_id,
                          s.preorder_kind, p.preorder_kind
                     FROM preorder_allocation a
                     JOIN sale_order_line s ON s.id = a.sale_line_id
                     JOIN purchase_order_line p ON p.id = a.purchase_line_id
                    WHERE a.id IN %s
                      AND (s.product_id != a.product_id OR p.product_id != a.product_id
                           OR p.preorder_kind IS DISTINCT FROM s.preorder_kind)
                    LIMIT 1""",
                tuple(self.ids),
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return
        _allocation_id, same_product, sale_kind, request_kind = row
        if not same_product:
            raise ValidationError(self.env._("An allocation joins lines of the same product."))
        raise ValidationError(
            self.env._(
                "A %(sale)s line cannot be allocated to a %(request)s request.",
                sale=sale_kind,
                request=request_kind or self.env._("ordinary purchase"),
            )
        )

    @api.constrains("quantity", "sale_line_id")
    def _check_sale_line_quantity(self):
        """No sale line is allocated more than it ordered: the allocated sums of
        the whole set's sale lines in one grouped query."""
        # purchase users who may change allocations may not read sale lines
        lines = self.sudo().sale_line_id
        allocated = dict(
            self.sudo()._read_group(
                [("sale_line_id", "in", lines.ids)], ["sale_line_id"], ["quantity:sum"]
            )
        )
        for line in lines:
            ordered = line._preorder_to_product_qty(line.product_uom_qty)
            rounding = line.product_id.uom_id.rounding
            if float_compare(allocated.get(line, 0.0), ordered, precision_rounding=rounding) > 0:
                uom = line.product_id.uom_id
                raise ValidationError(
                    self.env._(
                        "%(line)s: %(allocated)s allocated is more than the %(ordered)s ordered.",
                        line=line.display_name,
                        allocated=self._preorder_format_qty(allocated[line], uom),
                        ordered=self._preorder_format_qty(ordered, uom),
                    )
                )

    @api.model
    def _check_quantity_positive(self, quantities):
        """Refuse a quantity of zero or less with a clear message (the database's
        own check would fail the transaction with a logged SQL error)."""
        if any(quantity is not None and quantity <= 0 for quantity in quantities):
            raise ValidationError(
                self.env._(
                    "An allocation quantity must be positive: remove the allocation instead."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_quantity_positive([vals.get("quantity", 0.0) or 0.0 for vals in vals_list])
        if not self.env.context.get("preorder_split"):
            # a released part split off an allocation moves quantity, adds none
            self._check_atp_for(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if "purchase_line_id" in vals or "sale_line_id" in vals:
            raise ValidationError(self.env._("Remove the allocation and allocate again instead."))
        if "quantity" in vals:
            self._check_quantity_positive([vals["quantity"]])
            self._check_atp_for(
                [
                    {
                        "purchase_line_id": allocation.purchase_line_id.id,
                        "quantity": vals["quantity"] - allocation.quantity,
                    }
                    for allocation in self
                ]
            )
        return super().write(vals)

    @api.model
    def _check_atp_for(self, vals_list):
        """Refuse allocations that would make a supply line's ATP negative."""
        wanted = {}
        for vals in vals_list:
            line_id = vals.get("purchase_line_id")
            if line_id:
                wanted[line_id] = wanted.get(line_id, 0.0) + (vals.get("quantity") or 0.0)
        lines = self.env["purchase.order.line"].sudo().browse(list(wanted))
        # what other shoppers' checkouts hold is not there to allocate by hand
        sale_line_ids = {vals["sale_line_id"] for vals in vals_list if vals.get("sale_line_id")}
        held = self.env["preorder.hold"]._held_by_supply(
            supply_lines=lines,
            exclude_sale_lines=self.env["sale.order.line"].browse(sale_line_ids),
            fresh=True,
        )
        for line in lines:
            rounding = line.product_id.uom_id.rounding
            if float_compare(wanted[line.id], 0.0, precision_rounding=rounding) <= 0:
                continue
            ordered, received = line._preorder_ordered_and_received()
            try:
                atp_rules.check_allocation(
                    ordered,
                    line.preorder_allocated_qty,
                    received,
                    wanted[line.id],
                    line.product_id.uom_id.rounding,
                    line._preorder_safety_buffer(ordered),
                    held.get(line.id, 0.0),
                )
            except atp_rules.NotEnoughAtp as error:
                uom = line.product_id.uom_id
                raise ValidationError(
                    self.env._(
                        "%(request)s: Only %(available)s can still be promised from this "
                        "line; %(asked)s asked.",
                        request=line.order_id.name,
                        available=self._preorder_format_qty(error.available, uom),
                        asked=self._preorder_format_qty(error.asked, uom),
                    )
                ) from error
            except atp_rules.NegativeQuantity as error:
                raise ValidationError(
                    self.env._(
                        "%(request)s: an allocation quantity cannot be negative.",
                        request=line.order_id.name,
                    )
                ) from error

    @api.model
    def _preorder_format_qty(self, quantity, uom=None):
        """A quantity for people (messages, e-mails): the user's language, the
        unit's rounding and name, e.g. ``1,234,567.00 Units``."""
        rounding = uom.rounding if uom else 0.0
        digits = max(0, -math.floor(math.log10(rounding))) if 0 < rounding < 1 else 0
        text = formatLang(self.env, quantity, digits=digits if uom else None)
        return f"{text} {uom.name}" if uom else text

    # ------------------------------------------------------------------
    # Review / remove (buttons of the allocation list)
    # ------------------------------------------------------------------

    def action_remove_allocations(self):
        """Remove the selected allocations; their sale lines are parked again.

        The freed quantity is offered to the other parked lines, oldest order
        first, but not to the lines just removed (staff removed them on purpose;
        Allocate Sales Orders takes them again).
        """
        self.env["res.users"]._preorder_check_action(
            self, "allocation_write", self.env._("remove allocations")
        )
        open_ = self.filtered(lambda a: a.state == ALLOCATED)
        if not open_:
            raise ValidationError(self.env._("Select allocations that are not released yet."))
        # checked above; the sale lines and requests are the engine's work
        open_.sudo()._free(
            dict.fromkeys(open_.ids, 0.0),
            self.env._("Allocations removed by %s.", self.env.user.name),
            exclude=open_.sudo().sale_line_id,
        )
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_open_sale_order(self):
        """Open the sale order of this allocation (Details tab of a request)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # Allocation of parked lines (rules.allocation.plan)
    # ------------------------------------------------------------------

    @api.model
    def _allocate(self, sale_lines, supply_lines=None):
        """Allocate the parked quantity of ``sale_lines`` first in first out.

        Supply lines of the same product and kind are taken earliest Expected
        Arrival first; sale lines are served oldest confirmed order first. When
        ``supply_lines`` is given only those are used. The supply rows are locked
        and their ATP re-read under the lock; what other carts' checkout holds
        keep is not given. A line's own checkout holds (a paid cart) become its
        allocations first (``rules.hold.convert``), then are dropped; a paid
        line whose hold could not be kept is asked the date-slip question, never
        left parked in silence. Returns the created allocations.
        """
        # internal: the callers checked their user (purchase users confirming a
        # request may not read sale orders)
        sale_lines = sale_lines.sudo()
        # orders and product templates are wide rows: read only what is needed
        sale_lines.order_id.fetch(["state", "date_order"])
        sale_lines.product_id.product_tmpl_id.fetch(["uom_id"])
        confirmed = sale_lines.filtered(lambda line: line.order_id.state == "sale")
        own_holds = confirmed.preorder_hold_ids
        sale_lines = confirmed.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and float_compare(
                line.preorder_parked_qty, 0.0, precision_rounding=line.product_id.uom_id.rounding
            )
            > 0
        )
        Allocation = self.sudo().browse()
        created = Allocation
        PurchaseLine = self.env["purchase.order.line"].sudo()
        for company, lines in sale_lines.grouped("company_id").items():
            products = lines.product_id.with_company(company)
            today = company._preorder_today()
            domain = products._get_supply_domain(company, today, set(lines.mapped("preorder_kind")))
            if supply_lines is not None:
                domain.append(("id", "in", supply_lines.ids))
            supplies = PurchaseLine.search(domain)
            if not supplies:
                continue
            supplies._preorder_lock()
            held = self.env["preorder.hold"]._held_by_supply(
                supply_lines=supplies, exclude_sale_lines=lines, fresh=True
            )
            remaining = {
                supply.id: supply._preorder_supply(held.get(supply.id, 0.0)).atp
                for supply in supplies
            }
            wanted = {line.id: line.preorder_parked_qty for line in lines}
            holds = own_holds.filtered(
                lambda hold, lines=lines, remaining=remaining: hold.sale_line_id in lines
                and hold.purchase_line_id.id in remaining
            )
            converted = hold_rules.convert(
                [
                    hold_rules.Hold(
                        hold.sale_line_id.id,
                        hold.purchase_line_id.id,
                        hold.quantity,
                        hold.product_id.uom_id.rounding,
                    )
                    for hold in holds
                ],
                remaining,
                wanted,
            )
            planned = allocation_rules.plan(
                [replace(line._preorder_demand(), quantity=wanted[line.id]) for line in lines],
                [
                    replace(supply._preorder_supply(), atp=remaining[supply.id])
                    for supply in supplies
                ],
            )
            rows = [(row.demand_id, row.supply_id, row.quantity) for row in converted]
            rows += [(row.demand_id, row.supply_id, row.quantity) for row in planned]
            if rows:
                lines_by_id = {line.id: line for line in lines}
                supplies_by_id = {supply.id: supply for supply in supplies}
                # rules.hold.convert and rules.allocation.plan pair lines of one
                # product, kind and company within the ATP read under the lock:
                # inserted as planned, without the checks of a hand-made allocation
                created |= self._create_planned(
                    [
                        self._planned_values(
                            lines_by_id[line_id], supplies_by_id[supply_id], quantity
                        )
                        for line_id, supply_id, quantity in rows
                    ]
                )
        created.sale_line_id._preorder_update_promise_dates()
        if own_holds:
            self._keep_or_ask(own_holds, created)
        return created.with_env(self.env)

    @api.model
    def _keep_or_ask(self, holds, created):
        """The checkout ``holds`` of confirmed lines are done with: dropped. A
        line that received less than it held (its payment came after the hold
        expired and the supply went to someone else) asks its customer the
        date-slip question: wait without a date, or cancel (README, "Launch
        day: checkout holds")."""
        received = defaultdict(float)
        for allocation in created:
            received[allocation.sale_line_id] += allocation.quantity
        agreed = {}
        for line, line_holds in holds.grouped("sale_line_id").items():
            missing = hold_rules.shortfall(
                sum(line_holds.mapped("quantity")),
                received[line],
                line.product_id.uom_id.rounding,
            )
            if missing and line.preorder_parked_qty:
                day_of = line.company_id.sudo()._preorder_date_of
                agreed[line] = day_of(max(line_holds.purchase_line_id.mapped("date_planned")))
        holds._drop()
        if agreed:
            lines = self.env["sale.order.line"].sudo().browse(line.id for line in agreed)
            lines._preorder_ask_consent(agreed, undated=True)

    @api.model
    def _allocate_parked(self, products, kinds=None, supply_lines=None, exclude=None):
        """Allocate every parked sale line of ``products`` (oldest orders first),
        except the sale lines ``exclude``.

        Products are taken in batches of about ``ALLOCATION_BATCH_LINES`` parked lines (a
        product's lines are never split: FIFO is per product and kind); between
        batches the work done is flushed and the cache emptied, so memory stays
        flat however many lines wait.
        """
        domain = [("preorder_state", "=", PARKED), ("product_id", "in", products.ids)]
        if kinds:
            domain.append(("preorder_kind", "in", list(kinds)))
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        SaleLine = self.env["sale.order.line"].sudo()
        groups = SaleLine._read_group(domain, ["product_id"], ["id:array_agg"])
        batches = batch_rules.by_product(
            [(product.id, ids) for product, ids in groups], ALLOCATION_BATCH_LINES
        )
        created_ids = []
        for index, (product_ids, line_ids) in enumerate(batches):
            if index:
                self.env.invalidate_all(flush=True)
            created_ids += self._allocate(SaleLine.browse(sorted(line_ids)), supply_lines).ids
            # supply changed or was freed: what arrives earlier serves older orders
            self._move_to_earlier_supply(products.browse(product_ids), kinds)
        # and for the products that have no parked line
        unparked = products - products.browse(product.id for product, _ids in groups)
        if unparked:
            self._move_to_earlier_supply(unparked, kinds)
        return self.browse(created_ids)

    @api.model
    def _planned_values(self, line, supply, quantity):
        """The values of an allocation of ``quantity`` of the sale ``line`` from
        the request line ``supply``, its stored related fields included."""
        return {
            "sale_line_id": line.id,
            "purchase_line_id": supply.id,
            "product_id": line.product_id.id,
            "quantity": quantity,
            "kind": line.preorder_kind,
            "company_id": line.company_id.id,
            "sale_order_id": line.order_id.id,
            "order_confirmed_at": line.order_id.date_order,
            "purchase_order_id": supply.order_id.id,
        }

    @api.model
    def _create_planned(self, vals_list):
        """Insert the allocations ``rules.allocation`` planned, in one statement.

        The plan pairs lines of one product, kind and company within the ATP
        read under the supply rows' lock, so create()'s ATP check, defaults and
        per-value conversions (a third of allocating 10,000 lines) are not
        needed. What create() does after its INSERT is done here: the values go
        to the cache, the cached allocations of the records they point to gain
        the new ones, ``modified`` marks every stored field that depends on
        allocations (the sale lines' quantities and state, the request lines'
        allocated quantity and ATP) for recomputation, and every constraint on
        those fields (``@api.constrains``, the addon's and any other addon's)
        runs once on the whole set, as for records created through the ORM.
        Then ``_preorder_allocations_created`` is called with them: the hook
        for code that would have overridden create().
        ``vals_list``: values of ``_values``.
        """
        Allocation = self.sudo().browse()
        if not vals_list:
            return Allocation
        columns = {name: [vals[name] for vals in vals_list] for name in _PLANNED_COLUMNS}
        digits = Allocation._fields["quantity"].get_digits(self.env)[1]
        columns["quantity"] = [round(quantity, digits) for quantity in columns["quantity"]]
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """INSERT INTO preorder_allocation
                       (%s, state, create_uid, create_date, write_uid, write_date)
                   SELECT *, 'allocated', %s, %s, %s, %s FROM unnest(%s)
                   RETURNING id""",
                SQL(", ").join(SQL.identifier(name) for name in _PLANNED_COLUMNS),
                self.env.uid,
                now,
                self.env.uid,
                now,
                SQL(", ").join(
                    SQL("%s::%s", values, SQL(_PLANNED_COLUMNS[name]))
                    for name, values in columns.items()
                ),
            )
        )
        records = Allocation.browse(row[0] for row in self.env.cr.fetchall())
        columns["state"] = ["allocated"] * len(records)
        # as create() does after its INSERT: the new records' values in cache
        # (already in the cache's format), the records added to the cached
        # one2many of the records they point to, and every stored field that
        # depends on allocations marked for recomputation -- but not the
        # allocations' own stored related fields, whose values were inserted
        planned = [Allocation._fields[name] for name in columns]
        for field, values in zip(planned, columns.values(), strict=True):
            self.env.cache.update(records, field, values)
            if field.type == "many2one" and Allocation.pool.field_inverses[field]:
                for value, ids in _ids_by_value(records, values).items():
                    field._update_inverses(Allocation.browse(ids), value)
        with self.env.protecting(planned, records):
            records.modified([field.name for field in planned], create=True)
        records._validate_fields(columns)
        records._preorder_allocations_created()
        return records

    def _preorder_allocations_created(self):
        """Hook: these allocations were just created by allocation in one
        statement (``_create_planned``: checked, not through create()). Called
        once per batch; override it to act on new allocations (an addon that
        would have overridden create()). Does nothing here."""

    # ------------------------------------------------------------------
    # Deallocation: the one path by which allocations shrink or go
    # ------------------------------------------------------------------

    def _plan_free(self, excess, latest, rounding, what):
        """{allocation_id: new quantity} freeing ``excess`` of these allocations
        (one line's, rules.allocation). Released allocations are never shrunk:
        a UserError names ``what``.
        """
        allocations = self
        existing = [
            allocation_rules.Existing(
                a.id,
                a.quantity,
                a.order_confirmed_at,
                a.sale_line_id.id,
                a.date_planned,
                a.state == RELEASED,
            )
            for a in allocations
        ]
        try:
            return allocation_rules.plan_deallocation(existing, excess, rounding, latest)
        except allocation_rules.ReleasedQuantity as error:
            uom = allocations[:1].product_id.uom_id
            raise UserError(
                self.env._(
                    "%(what)s: %(released)s is already released (reserved for delivery) "
                    "and cannot be taken back. Cancel or return the delivery first.",
                    what=what,
                    released=allocations._preorder_format_qty(error.released, uom),
                )
            ) from error

    @api.model
    def _free_excess(self, excesses, latest, reason, reoffer=True):
        """Free what each sale or request line holds beyond its quantity.

        ``excesses``: {line: quantity to free}; ``latest``: which allocations pay
        (rules.allocation.LATEST_ORDERS when supply shrank, LATEST_ARRIVALS when
        demand did). Released quantity is never taken back. Returns the sale
        lines that lost quantity.
        """
        changes = {}
        for line, excess in excesses.items():
            rounding = line.product_id.uom_id.rounding
            if float_compare(excess, 0.0, precision_rounding=rounding) > 0:
                changes.update(
                    line.preorder_allocation_ids._plan_free(
                        excess, latest, rounding, line.order_id.name
                    )
                )
        return self.sudo().browse(list(changes))._free(changes, reason, reoffer=reoffer)

    def _free_changed_product(self, reason):
        """After a sale or request line changed product: those of these
        allocations that are of the old product go, and what they held is
        offered to parked lines. A line whose goods are already released cannot
        change product."""
        stale = self.filtered(
            lambda a: a.product_id != a.sale_line_id.product_id
            or a.product_id != a.purchase_line_id.product_id
        )
        released = stale.filtered(lambda a: a.state == RELEASED)
        if released:
            raise UserError(
                self.env._(
                    "%(order)s (%(request)s): goods are already released for this line; its "
                    "product cannot change.",
                    order=released[:1].sale_order_id.name,
                    request=released[:1].purchase_order_id.name,
                )
            )
        return stale._free_all(reason)

    def _free_all(self, reason):
        """Remove those of these allocations that are not released (see _free)."""
        open_ = self.filtered(lambda allocation: allocation.state == ALLOCATED)
        return open_._free(dict.fromkeys(open_.ids, 0.0), reason)

    def _free(self, changes, reason, reoffer=True, exclude=None):
        """Shrink or remove these allocations: ``changes`` gives each its new
        quantity, ``{allocation id: new quantity}`` (0 removes it).

        The one path by which allocations shrink or go: logs on the requests and
        on the sale orders concerned, updates the promise dates, then re-offers
        the freed quantity to the parked lines of those products, oldest order
        first (so a later order never overtakes them). Released allocations are
        refused here: callers plan with _plan_free. Returns the sale lines that
        lost quantity.
        """
        SaleLine = self.env["sale.order.line"]
        changes = {aid: qty for aid, qty in changes.items() if qty >= 0}
        allocations = self.sudo().browse(list(changes)).exists()
        if not allocations:
            return SaleLine
        if allocations.filtered(lambda a: a.state == RELEASED):
            raise UserError(self.env._("Released allocations cannot be taken back."))
        freed = {a: a.quantity - max(changes[a.id], 0.0) for a in allocations}
        allocations._log_freed(freed, reason)
        products = allocations.product_id
        kinds = set(allocations.mapped("kind"))
        sale_lines = allocations.sale_line_id
        removed = allocations.filtered(lambda a: changes[a.id] <= 0)
        removed.unlink()
        for quantity, kept in (allocations - removed).grouped(lambda a: changes[a.id]).items():
            kept.write({"quantity": quantity})
        sale_lines._preorder_update_promise_dates()
        if reoffer:
            self._allocate_parked(products, kinds, exclude=exclude)
        return sale_lines

    def _log_freed(self, freed, reason):
        """One chatter note per request and per sale order naming what was freed
        of these allocations (``freed``: {allocation: quantity})."""
        by_request, by_order = {}, {}
        for allocation in self:
            quantity = freed.get(allocation, 0.0)
            if (
                float_compare(
                    quantity, 0.0, precision_rounding=allocation.product_id.uom_id.rounding
                )
                <= 0
            ):
                continue
            qty = self._preorder_format_qty(quantity, allocation.product_id.uom_id)
            product = allocation.product_id.display_name
            by_request.setdefault(allocation.purchase_order_id, []).append(
                self.env._(
                    "%(order)s: %(qty)s of %(product)s parked again",
                    order=allocation.sale_order_id.name,
                    qty=qty,
                    product=product,
                )
            )
            by_order.setdefault(allocation.sale_order_id, []).append(
                self.env._(
                    "%(product)s: %(qty)s no longer allocated from %(request)s",
                    product=product,
                    qty=qty,
                    request=allocation.purchase_order_id.name,
                )
            )
        for groups in (by_request, by_order):
            if not groups:
                continue
            records = self.env[next(iter(groups))._name].sudo().concat(*groups)
            records._message_log_batch(
                bodies={
                    record.id: Markup("%s<br/>") % reason + Markup("<br/>").join(lines)
                    for record, lines in groups.items()
                }
            )

    def _deallocate(self, message=None):
        """Remove these allocations (released ones too: cancellations), without
        re-offering. Kept for the cancellation of sale orders."""
        allocations = self.sudo()
        sale_lines = allocations.sale_line_id
        if message:
            allocations._log_freed({a: a.quantity for a in allocations}, message)
        allocations.unlink()
        sale_lines._preorder_update_promise_dates()
        return sale_lines

    # ------------------------------------------------------------------
    # Move to earlier supply (rules.allocation.plan_earlier)
    # ------------------------------------------------------------------

    @api.model
    def _move_to_earlier_supply(self, products, kinds=None):
        """Move open allocations of ``products`` to supply arriving earlier that
        has quantity to promise (``rules.allocation.plan_earlier``), in the
        companies that allow it (Move to Earlier Supply). The supply rows are
        locked as for allocating. Logged on both requests; each order whose
        promise date improved gets one e-mail. Returns the moves."""
        Allocation = self.sudo().browse()
        domain = [("product_id", "in", products.ids), ("state", "=", ALLOCATED)]
        if kinds:
            domain.append(("kind", "in", list(kinds)))
        moves = []
        sale_lines = self.env["sale.order.line"].sudo()
        for company, held in Allocation.search(domain).grouped("company_id").items():
            if not company.preorder_move_earlier:
                continue
            supplies = (
                self.env["purchase.order.line"]
                .sudo()
                .search(
                    held.product_id.with_company(company)._get_supply_domain(
                        company, company._preorder_today(), set(held.mapped("kind"))
                    )
                )
            )
            # a move needs supply other than the allocations' own, arriving earlier
            earliest = {}
            for supply in supplies:
                key = (supply.product_id.id, supply.preorder_kind)
                earliest[key] = min(earliest.get(key, supply.date_planned), supply.date_planned)
            held = held.filtered(
                lambda a, earliest=earliest: a.purchase_line_id.date_planned
                > earliest.get((a.product_id.id, a.kind), a.purchase_line_id.date_planned)
            )
            if not held:
                continue
            (supplies | held.purchase_line_id)._preorder_lock()
            # what shoppers paying right now hold is not free to move to
            holds = self.env["preorder.hold"]._held_by_supply(supply_lines=supplies, fresh=True)
            planned = allocation_rules.plan_earlier(
                [
                    allocation_rules.Held(
                        a.id,
                        a.sale_line_id.id,
                        a.purchase_line_id.id,
                        a.product_id.id,
                        a.kind,
                        a.order_confirmed_at,
                        a.purchase_line_id.date_planned,
                        a.quantity,
                        a.state == RELEASED,
                        a.product_id.uom_id.rounding,
                    )
                    for a in held
                ],
                [supply._preorder_supply(holds.get(supply.id, 0.0)) for supply in supplies],
            )
            if planned:
                sale_lines |= self._apply_moves(planned, supplies)
                moves.extend(planned)
        if moves:
            # internal: the user who changed the supply may not read sale orders
            improved = sale_lines.sudo()._preorder_update_promise_dates()
            improved.order_id.sudo()._preorder_notify_promise_changes()
            # what the later requests got back may serve lines still parked
            parked = (
                self.env["sale.order.line"]
                .sudo()
                .search([("preorder_state", "=", PARKED), ("product_id", "in", products.ids)])
            )
            self._allocate(parked)
        return moves

    @api.model
    def _apply_moves(self, moves, supplies):
        """Apply ``rules.allocation.Move`` rows: the moved part of an allocation
        becomes an allocation of the earlier supply line. Returns the sale lines."""
        supplies_by_id = {supply.id: supply for supply in supplies}
        allocations = self.sudo().browse({move.allocation_id for move in moves})
        moved = dict.fromkeys(allocations.ids, 0.0)
        values = []
        for move in moves:
            allocation = allocations.browse(move.allocation_id)
            moved[allocation.id] += move.quantity
            values.append(
                self._planned_values(
                    allocation.sale_line_id, supplies_by_id[move.to_supply_id], move.quantity
                )
            )
        allocations._log_moves(moves, supplies_by_id)
        sale_lines = allocations.sale_line_id
        rounding = {a.id: a.product_id.uom_id.rounding for a in allocations}
        gone = allocations.filtered(lambda a: a.quantity - moved[a.id] <= rounding[a.id] / 2)
        left = allocations - gone
        gone.unlink()
        # one write per distinct new quantity, not one per allocation
        for quantity, kept in left.grouped(lambda a: a.quantity - moved[a.id]).items():
            kept.write({"quantity": quantity})
        self._create_planned(values)
        return sale_lines

    def _log_moves(self, moves, supplies_by_id):
        """One chatter note on each request one of these allocations left and on
        each it joined (``moves``: rules.allocation.Move rows)."""
        allocations = self
        notes = {}
        for move in moves:
            allocation = allocations.browse(move.allocation_id)
            origin = allocation.purchase_order_id
            target = supplies_by_id[move.to_supply_id].order_id
            qty = allocations._preorder_format_qty(move.quantity, allocation.product_id.uom_id)
            product = allocation.product_id.display_name
            notes.setdefault(origin, []).append(
                self.env._(
                    "%(order)s: %(qty)s of %(product)s moved to %(request)s, which arrives earlier",
                    order=allocation.sale_order_id.name,
                    qty=qty,
                    product=product,
                    request=target.name,
                )
            )
            notes.setdefault(target, []).append(
                self.env._(
                    "%(order)s: %(qty)s of %(product)s moved here from %(request)s, which "
                    "arrives later",
                    order=allocation.sale_order_id.name,
                    qty=qty,
                    product=product,
                    request=origin.name,
                )
            )
        requests = self.env["purchase.order"].sudo().concat(*notes)
        requests._message_log_batch(
            bodies={request.id: Markup("<br/>").join(lines) for request, lines in notes.items()}
        )

    # ------------------------------------------------------------------
    # Release (rules.release): planning and reserving
    # ------------------------------------------------------------------

    @api.model
    def _release_products(self, products, apply=True, notify=True):
        """Release what may be released now for ``products``, in every company.

        Gathers the open allocations, parked lines, receipts and free stock in
        sets, plans with ``rules.release.plan``, then (``apply``) reserves the
        deliveries in plan order, each capped to what was planned for it, marks
        released exactly what they reserved (a partly released allocation is
        split) and (``notify``) e-mails each customer once; without ``notify``
        the released quantities wait on their lines for
        ``sale.order._preorder_notify_released``. Returns a ReleaseResult.

        Products are taken in batches of about ``RELEASE_BATCH_LINES`` open lines (a
        product's lines are never split: release is first in first out per
        product); between batches the work done is flushed and the cache
        emptied, so memory stays flat. Balances and e-mails go out once, after
        the last batch.
        """
        result = release_rules.ReleaseResult()
        SaleLine = self.env["sale.order.line"].sudo()
        groups = SaleLine._read_group(
            [
                ("product_id", "in", products.ids),
                ("preorder_state", "in", list(OPEN_STATES)),
            ],
            ["product_id"],
            ["id:array_agg"],
            order="product_id",
        )
        batches = batch_rules.by_product(
            [(product.id, ids) for product, ids in groups], RELEASE_BATCH_LINES
        )
        released_order_ids = set()
        for index, (_product_ids, line_ids) in enumerate(batches):
            if index:
                self.env.invalidate_all(flush=True)
            batch = release_rules.ReleaseResult()
            lines = SaleLine.browse(sorted(line_ids))
            for company, company_lines in lines.grouped("company_id").items():
                self.sudo().with_company(company)._release_plan(company, company_lines, batch)
            if apply and batch.planned:
                released_order_ids.update(self.sudo()._release_apply(batch).order_id.ids)
            result.merge(batch)
        if released_order_ids:
            orders = self.env["sale.order"].sudo().browse(sorted(released_order_ids))
            # deposit orders whose pre-orders are all released now: the balance is due
            orders._preorder_invoice_balances()
            if notify:
                orders._preorder_notify_released()
        return result

    @api.model
    def _release_plan(self, company, lines, result):
        """Plan the release of ``lines`` (one company) into ``result``."""
        today = company._preorder_today()
        allocations = lines.preorder_allocation_ids.filtered(lambda a: a.state == ALLOCATED)
        supplies = allocations.purchase_line_id
        used = dict(
            self._read_group(
                [("purchase_line_id", "in", supplies.ids), ("state", "=", RELEASED)],
                groupby=["purchase_line_id"],
                aggregates=["quantity:sum"],
            )
        )
        credit = {
            supply.id: supply._preorder_ordered_and_received()[1] - used.get(supply, 0.0)
            for supply in supplies
        }
        locations = {line.id: line._preorder_release_location() for line in lines}
        free = self.env["stock.quant"]._preorder_free_by_location(
            lines.product_id, self.env["stock.location"].union(*locations.values())
        )
        rows = [
            release_rules.OpenAllocation(
                allocation.id,
                allocation.sale_line_id.id,
                allocation.purchase_line_id.id,
                allocation.product_id.id,
                locations[allocation.sale_line_id.id].id,
                allocation.quantity,
                allocation.order_confirmed_at,
                allocation.sale_line_id.promise_date or None,
                allocation.product_id.uom_id.rounding,
            )
            for allocation in allocations
        ]
        parked = [
            release_rules.ParkedLine(
                line.id,
                line.product_id.id,
                locations[line.id].id,
                line.preorder_parked_qty,
                line.order_id.date_order,
                line.product_id.uom_id.rounding,
            )
            for line in lines
            if float_compare(
                line.preorder_parked_qty, 0.0, precision_rounding=line.product_id.uom_id.rounding
            )
            > 0
        ]
        result.free.update(free)
        result.covered.update(release_rules.receipt_coverage(rows, credit))
        result.today[company.id] = today
        result.planned.extend(release_rules.plan(rows, parked, credit, free, today))

    @api.model
    def _release_apply(self, result):
        """Reserve the planned releases and record what was actually reserved;
        returns the sale lines that reserved something."""
        planned = {}
        for release in result.planned:
            planned.setdefault(release.sale_line_id, []).append(release)
        Allocation = self.sudo().browse()
        lines = self.env["sale.order.line"].sudo().browse(list(planned))
        before = lines._preorder_taken_qty()
        rank = {line_id: index for index, line_id in enumerate(planned)}
        moves = (
            lines._preorder_taking_moves()
            .filtered(lambda move: move.state != "done")
            .sorted(lambda move: (rank[move.sale_line_id.id], move.id))
        )
        extra = {line_id: sum(r.quantity for r in rows) for line_id, rows in planned.items()}
        moves.with_context(preorder_release_extra=extra)._action_assign()
        after = lines._preorder_taken_qty()
        released_ids, splits = [], []
        # the lines' new quantities, written once per distinct value (not per line)
        stock_released, notify = defaultdict(list), defaultdict(list)
        for line in lines:
            reserved = after[line.id] - before[line.id]
            if reserved <= line.product_id.uom_id.rounding / 2:
                continue
            result.reserved[line.id] = reserved
            from_stock = 0.0
            for release, quantity in release_rules.apportion(
                planned[line.id], reserved, line.product_id.uom_id.rounding
            ):
                if release.allocation_id is None:
                    from_stock += quantity
                else:
                    allocation = Allocation.browse(release.allocation_id)
                    if quantity >= allocation.quantity - line.product_id.uom_id.rounding / 2:
                        released_ids.append(allocation.id)
                    else:
                        splits.append((allocation, quantity))
            if from_stock:
                stock_released[line.preorder_stock_released_qty + from_stock].append(line.id)
            notify[line.preorder_release_notify_qty + reserved].append(line.id)
        for field, values in (
            ("preorder_stock_released_qty", stock_released),
            ("preorder_release_notify_qty", notify),
        ):
            for value, line_ids in values.items():
                lines.browse(line_ids).write({field: value})
        Allocation.browse(released_ids).write({"state": RELEASED})
        Split = Allocation.with_context(preorder_split=True)
        for allocation, quantity in splits:
            allocation.with_context(preorder_split=True).quantity -= quantity
        Split.create(
            [
                {
                    "sale_line_id": allocation.sale_line_id.id,
                    "purchase_line_id": allocation.purchase_line_id.id,
                    "product_id": allocation.product_id.id,
                    "quantity": quantity,
                    "state": RELEASED,
                }
                for allocation, quantity in splits
            ]
        )
        return lines.filtered(lambda line: line.id in result.reserved)

    # ------------------------------------------------------------------
    # The release scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_release_preorders(self, batch_size=200):
        """Release job (SPEC §4): one committed batch of pending products per call.

        Incoming stock marks products pending and triggers this job; once a day
        (company timezone) every product with open pre-order lines is swept in.
        Each call releases one batch and reports through the cron progress API,
        so Odoo's cron runner commits it and calls again for the rest; the
        customers are e-mailed once the pass is over, one e-mail per order. A failing
        product is logged and skipped (until the next trigger or sweep), the
        others are released. Workers on several hosts share the work: each
        takes pending products no other transaction holds (``SKIP LOCKED``).
        Returns counts.
        """
        self._release_sweep()
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        batch = Product.browse(self._take_release_pending(batch_size))
        remaining = Product.search_count([("preorder_release_pending", "=", True)]) - len(batch)
        counts = {"released": 0, "failed": 0, "busy": 0}
        busy = Product.browse()
        try:
            with self.env.cr.savepoint():
                counts["released"] += len(self._release_products(batch, notify=False).reserved)
        except Exception:
            _logger.exception("Pre-order release failed for a batch; retrying product by product")
            for product in batch:
                try:
                    with self.env.cr.savepoint():
                        released = self._release_products(product, notify=False).reserved
                        counts["released"] += len(released)
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    # another transaction changed its lines (a cancellation, Release
                    # now): left pending, the next run takes it with fresh data
                    _logger.info("Pre-order release of product %s postponed: busy", product.id)
                    busy |= product
                except Exception:
                    _logger.exception(
                        "Pre-order release failed for product %s: skipped", product.id
                    )
                    counts["failed"] += 1
        counts["busy"] = len(busy)
        (batch - busy).preorder_release_pending = False
        if not remaining:
            # the pass is over: one e-mail per order for everything it released,
            # whatever the number of batches (or of runs, after an interruption)
            notify = (
                self.env["sale.order.line"].sudo().search([("preorder_release_notify_qty", ">", 0)])
            )
            notify.order_id._preorder_notify_released()
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=remaining)
        return {**counts, "done": len(batch), "remaining": remaining}

    @api.model
    def _take_release_pending(self, limit):
        """Ids of up to ``limit`` pending products, locked for this transaction;
        products another worker is releasing right now are skipped, not waited for."""
        self.env["product.product"].flush_model(["preorder_release_pending"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM product_product WHERE preorder_release_pending"
                " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                limit,
            )
        )
        return [product_id for (product_id,) in self.env.cr.fetchall()]

    @api.model
    def _release_sweep(self):
        """Once a day per company: every product with open pre-order lines is pending."""
        # every company (a handful of records): each has its own "today"
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        for company in companies:
            today = company._preorder_today()
            if company.preorder_release_swept_on == today:
                continue
            self.env["product.product"]._preorder_mark_release_pending(
                [("company_id", "=", company.id)]
            )
            company.preorder_release_swept_on = today
