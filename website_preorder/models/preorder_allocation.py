import logging
import math

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, formatLang

from ..rules import allocation as allocation_rules
from ..rules import atp as atp_rules
from ..rules.kinds import REQUEST_KINDS

_logger = logging.getLogger(__name__)


class PreorderAllocation(models.Model):
    """A quantity of one sale line promised from one supply line."""

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
        [("allocated", "Allocated"), ("released", "Released")],
        default="allocated",
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
        if self.env.context.get("preorder_planned"):
            return  # rules.allocation.plan only pairs lines of one product and kind
        for allocation in self:
            sale_line, purchase_line = allocation.sale_line_id, allocation.purchase_line_id
            if not (sale_line.product_id == purchase_line.product_id == allocation.product_id):
                raise ValidationError(self.env._("An allocation joins lines of the same product."))
            if sale_line.preorder_kind != purchase_line.preorder_kind:
                raise ValidationError(
                    self.env._(
                        "A %(sale)s line cannot be allocated to a %(request)s request.",
                        sale=sale_line.preorder_kind,
                        request=purchase_line.preorder_kind or self.env._("ordinary purchase"),
                    )
                )

    @api.constrains("quantity", "sale_line_id")
    def _check_sale_line_quantity(self):
        if self.env.context.get("preorder_planned"):
            return  # rules.allocation.plan never gives a line more than it waits for
        for line in self.sale_line_id:
            allocated = sum(line.preorder_allocation_ids.mapped("quantity"))
            ordered = line._preorder_to_product_qty(line.product_uom_qty)
            rounding = line.product_id.uom_id.rounding
            if float_compare(allocated, ordered, precision_rounding=rounding) > 0:
                uom = line.product_id.uom_id
                raise ValidationError(
                    self.env._(
                        "%(line)s: %(allocated)s allocated is more than the %(ordered)s ordered.",
                        line=line.display_name,
                        allocated=self._preorder_format_qty(allocated, uom),
                        ordered=self._preorder_format_qty(ordered, uom),
                    )
                )

    def _check_company(self, fnames=None):
        if self.env.context.get("preorder_planned"):
            return None  # the allocator searches supply lines in the sale lines' company
        return super()._check_company(fnames=fnames)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("preorder_split") and not self.env.context.get(
            "preorder_planned"
        ):
            # a released part split off an allocation moves quantity, adds none
            self._check_atp_for(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if "purchase_line_id" in vals or "sale_line_id" in vals:
            raise ValidationError(self.env._("Remove the allocation and allocate again instead."))
        if "quantity" in vals:
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
        for line in lines:
            if wanted[line.id] <= 0:
                continue
            ordered, received = line._preorder_ordered_and_received()
            try:
                atp_rules.check_allocation(
                    ordered,
                    line.preorder_allocated_qty,
                    received,
                    wanted[line.id],
                    line.product_id.uom_id.rounding,
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
    # Allocation (SPEC §4)
    # ------------------------------------------------------------------

    @api.model
    def _allocate(self, sale_lines, supply_lines=None):
        """Allocate the parked quantity of ``sale_lines`` first in first out.

        Supply lines of the same product and kind are taken earliest Expected
        Arrival first; sale lines are served oldest confirmed order first. When
        ``supply_lines`` is given only those are used. The supply rows are locked
        and their ATP re-read under the lock. Returns the created allocations.
        """
        # internal: the callers checked their user (purchase users confirming a
        # request may not read sale orders)
        sale_lines = sale_lines.sudo().filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.order_id.state == "sale"
            and line.preorder_parked_qty > 0
        )
        created = self.browse()
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
            planned = allocation_rules.plan(
                [line._preorder_demand() for line in lines],
                [supply._preorder_supply() for supply in supplies],
            )
            if planned:
                lines_by_id = {line.id: line for line in lines}
                supplies_by_id = {supply.id: supply for supply in supplies}
                # rules.allocation.plan pairs lines of one product, kind and
                # company within the ATP read under the lock: the checks of a
                # hand-made allocation are not repeated, the related values
                # are given rather than read back one record at a time
                Planned = self.sudo().with_context(preorder_planned=True)
                created |= Planned.create(
                    [
                        lines_by_id[row.demand_id]._preorder_allocation_values(
                            supplies_by_id[row.supply_id], row.quantity
                        )
                        for row in planned
                    ]
                )
        created.sudo().sale_line_id._preorder_update_promise_dates()
        return created

    @api.model
    def _allocate_parked(self, products, kinds=None, supply_lines=None, exclude=None):
        """Allocate every parked sale line of ``products`` (oldest orders first),
        except the sale lines ``exclude``."""
        domain = [("preorder_state", "=", "parked"), ("product_id", "in", products.ids)]
        if kinds:
            domain.append(("preorder_kind", "in", list(kinds)))
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        parked = self.env["sale.order.line"].sudo().search(domain)
        return self._allocate(parked, supply_lines=supply_lines)

    # ------------------------------------------------------------------
    # Deallocation: the one path every change takes (SPEC §4)
    # ------------------------------------------------------------------

    def _preorder_existing(self):
        return [
            allocation_rules.Existing(
                a.id,
                a.quantity,
                a.order_confirmed_at,
                a.sale_line_id.id,
                a.date_planned,
                a.state == "released",
            )
            for a in self
        ]

    def _preorder_plan_free(self, excess, latest, rounding, what):
        """{allocation_id: new quantity} freeing ``excess`` (rules.allocation).

        Released allocations are never shrunk: a UserError names ``what``.
        """
        try:
            return allocation_rules.plan_deallocation(
                self._preorder_existing(), excess, rounding, latest
            )
        except allocation_rules.ReleasedQuantity as error:
            uom = self[:1].product_id.uom_id
            raise UserError(
                self.env._(
                    "%(what)s: %(released)s is already released (reserved for delivery) "
                    "and cannot be taken back. Cancel or return the delivery first.",
                    what=what,
                    released=self._preorder_format_qty(error.released, uom),
                )
            ) from error

    @api.model
    def _preorder_free_excess(self, excesses, latest, reason, reoffer=True):
        """Free what each sale or request line holds beyond its quantity.

        ``excesses``: {line: quantity to free}; ``latest``: which allocations pay
        (rules.allocation.LATEST_ORDERS when supply shrank, LATEST_ARRIVALS when
        demand did). Released quantity is never taken back. Returns the sale
        lines that lost quantity.
        """
        changes = {}
        for line, excess in excesses.items():
            if excess > 0:
                changes.update(
                    line.preorder_allocation_ids._preorder_plan_free(
                        excess, latest, line.product_id.uom_id.rounding, line.order_id.name
                    )
                )
        return self.browse(list(changes))._preorder_free(changes, reason, reoffer=reoffer)

    def _preorder_free_changed_product(self, reason):
        """After a sale or request line changed product: its allocations of the
        old product go, and what they held is offered to parked lines. A line
        whose goods are already released cannot change product."""
        stale = self.filtered(
            lambda a: a.product_id != a.sale_line_id.product_id
            or a.product_id != a.purchase_line_id.product_id
        )
        released = stale.filtered(lambda a: a.state == "released")
        if released:
            raise UserError(
                self.env._(
                    "%(order)s (%(request)s): goods are already released for this line; its "
                    "product cannot change.",
                    order=released[:1].sale_order_id.name,
                    request=released[:1].purchase_order_id.name,
                )
            )
        return stale._preorder_free_all(reason)

    def _preorder_free_all(self, reason):
        """Remove every allocation of ``self`` that is not released (see _preorder_free)."""
        open_ = self.filtered(lambda allocation: allocation.state == "allocated")
        return self._preorder_free(dict.fromkeys(open_.ids, 0.0), reason)

    def _preorder_free(self, changes, reason, reoffer=True, exclude=None):
        """Apply ``{allocation_id: new_quantity}`` (0 removes the allocation).

        The one path by which allocations shrink or go: logs on the requests and
        on the sale orders concerned, updates the promise dates, then re-offers
        the freed quantity to the parked lines of those products, oldest order
        first (so a later order never overtakes them). Released allocations are
        refused here: callers plan with _preorder_plan_free. Returns the sale
        lines that lost quantity.
        """
        SaleLine = self.env["sale.order.line"]
        changes = {aid: qty for aid, qty in changes.items() if qty >= 0}
        allocations = self.sudo().browse(list(changes)).exists()
        if not allocations:
            return SaleLine
        if allocations.filtered(lambda a: a.state == "released"):
            raise UserError(self.env._("Released allocations cannot be taken back."))
        freed = {a: a.quantity - max(changes[a.id], 0.0) for a in allocations}
        allocations._preorder_log_freed(freed, reason)
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

    def _preorder_log_freed(self, freed, reason):
        """One chatter note per request and per sale order naming what was freed."""
        by_request, by_order = {}, {}
        for allocation in self:
            quantity = freed.get(allocation, 0.0)
            if quantity <= 0:
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
        sale_lines = self.sudo().sale_line_id
        if message:
            self.sudo()._preorder_log_freed({a: a.quantity for a in self}, message)
        self.sudo().unlink()
        sale_lines._preorder_update_promise_dates()
        return sale_lines

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
        open_ = self.filtered(lambda a: a.state == "allocated")
        if not open_:
            raise ValidationError(self.env._("Select allocations that are not released yet."))
        # checked above; the sale lines and requests are the allocator's work
        open_.sudo()._preorder_free(
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
