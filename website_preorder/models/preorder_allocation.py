import logging
from datetime import datetime

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from ..rules import allocation as allocation_rules
from ..rules import atp as atp_rules
from ..rules import release as release_rules
from ..rules.supply import REQUEST_KINDS

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

    @api.depends("quantity", "sale_line_id.qty_delivered")
    def _compute_fulfilment(self):
        """The sale line's delivered quantity covers its allocations oldest first."""
        for line, allocations in self.grouped("sale_line_id").items():
            delivered = line._preorder_to_product_qty(line.qty_delivered)
            for allocation in allocations.sorted(lambda a: (a.date_planned or datetime.max, a.id)):
                share = max(0.0, min(allocation.quantity, delivered))
                delivered -= share
                allocation.qty_delivered = share
                allocation.fulfilled_percent = (
                    100.0 * share / allocation.quantity if allocation.quantity else 0.0
                )

    @api.constrains("sale_line_id", "purchase_line_id", "product_id")
    def _check_matches(self):
        for allocation in self:
            sale_line, purchase_line = allocation.sale_line_id, allocation.purchase_line_id
            if not (sale_line.product_id == purchase_line.product_id == allocation.product_id):
                raise ValidationError(_("An allocation joins lines of the same product."))
            if sale_line.preorder_kind != purchase_line.preorder_kind:
                raise ValidationError(
                    _(
                        "A %(sale)s line cannot be allocated to a %(request)s request.",
                        sale=sale_line.preorder_kind,
                        request=purchase_line.preorder_kind or _("ordinary purchase"),
                    )
                )

    @api.constrains("quantity", "sale_line_id")
    def _check_sale_line_quantity(self):
        for line in self.sale_line_id:
            allocated = sum(line.preorder_allocation_ids.mapped("quantity"))
            ordered = line._preorder_to_product_qty(line.product_uom_qty)
            rounding = line.product_id.uom_id.rounding
            if float_compare(allocated, ordered, precision_rounding=rounding) > 0:
                raise ValidationError(
                    _(
                        "%(line)s: %(allocated)s allocated is more than the %(ordered)s ordered.",
                        line=line.display_name,
                        allocated=allocated,
                        ordered=ordered,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_atp_for(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if "purchase_line_id" in vals or "sale_line_id" in vals:
            raise ValidationError(_("Remove the allocation and allocate again instead."))
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
            except ValueError as error:
                raise ValidationError(
                    _("%(line)s: %(reason)s", line=line.order_id.name, reason=error)
                ) from error

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
            today = products._preorder_today()
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
                created |= self.sudo().create(
                    [
                        {
                            "sale_line_id": row.demand_id,
                            "purchase_line_id": row.supply_id,
                            "product_id": lines_by_id[row.demand_id].product_id.id,
                            "quantity": row.quantity,
                        }
                        for row in planned
                    ]
                )
        created.sudo().sale_line_id._preorder_update_promise_dates()
        return created

    @api.model
    def _allocate_parked(self, products, kinds=None, supply_lines=None):
        """Allocate every parked sale line of ``products`` (oldest orders first)."""
        domain = [("preorder_state", "=", "parked"), ("product_id", "in", products.ids)]
        if kinds:
            domain.append(("preorder_kind", "in", list(kinds)))
        parked = self.env["sale.order.line"].sudo().search(domain)
        return self._allocate(parked, supply_lines=supply_lines)

    def _deallocate(self, message=None):
        """Remove these allocations: their sale lines become parked again.

        Posts ``message`` (with the orders concerned) on each request involved.
        Returns the sale lines concerned.
        """
        sale_lines = self.sudo().sale_line_id
        if message:
            self.sudo()._log_on_requests(message)
        self.sudo().unlink()
        sale_lines._preorder_update_promise_dates()
        return sale_lines

    def _log_on_requests(self, message):
        """Tell staff on each request which orders these allocations concern."""
        # internal: purchase users may not read the sale orders, sales users the requests
        for request, allocations in self.sudo().grouped("purchase_order_id").items():
            orders = ", ".join(sorted(set(allocations.mapped("sale_order_id.name"))))
            request._message_log(
                body=_("%(message)s Parked again: %(orders)s", message=message, orders=orders)
            )

    def _reduce_to(self, changes, message=None):
        """Apply ``{allocation_id: new_quantity}`` (0 removes it)."""
        removed = self.browse([aid for aid, qty in changes.items() if qty <= 0])
        reduced = self.browse([aid for aid, qty in changes.items() if qty > 0])
        if message:
            (removed | reduced)._log_on_requests(message)
        touched = removed._deallocate()
        for allocation in reduced:
            allocation.sudo().quantity = changes[allocation.id]
        touched |= reduced.sale_line_id
        touched._preorder_update_promise_dates()
        return touched

    # ------------------------------------------------------------------
    # Release (SPEC §4)
    # ------------------------------------------------------------------

    @api.model
    def _release(self, products=None, company=None):
        """Release the allocated sale lines whose goods are in stock for them.

        Reserves their deliveries oldest order first and tells the customers.
        Returns the released sale lines.
        """
        company = company or self.env.company
        SaleLine = self.env["sale.order.line"].sudo()
        domain = [("preorder_state", "=", "allocated"), ("company_id", "=", company.id)]
        if products is not None:
            domain.append(("product_id", "in", products.ids))
        candidates = SaleLine.search(domain)
        if not candidates:
            return SaleLine
        supply_lines = candidates.preorder_allocation_ids.purchase_line_id
        allocations = self.sudo().search([("purchase_line_id", "in", supply_lines.ids)])
        received = {line.id: line._preorder_ordered_and_received()[1] for line in supply_lines}
        free = candidates.product_id.with_company(company)._preorder_free_stock(company)
        today = fields.Date.context_today(self)
        released_ids = release_rules.decide(
            [line._preorder_release_candidate() for line in candidates],
            [
                release_rules.Allocated(
                    a.id, a.sale_line_id.id, a.purchase_line_id.id, a.quantity, a.order_confirmed_at
                )
                for a in allocations
            ],
            received,
            free,
            today,
        )
        released = SaleLine.browse(released_ids)
        if not released:
            return released
        released.preorder_allocation_ids.write({"state": "released"})
        # reserve in the decided (first in first out) order
        moves = self.env["stock.move"].browse(
            [
                move.id
                for line in released
                for move in line.move_ids
                if move.state not in ("done", "cancel", "assigned")
            ]
        )
        moves.with_context(preorder_release=True)._action_assign()
        released.order_id._preorder_notify_release(released)
        return released

    @api.model
    def _cron_release_preorders(self):
        """Daily release: every company, a failing company logged and skipped."""
        counts = {"released": 0, "failed_companies": 0}
        for company in self.env["res.company"].search([]):
            try:
                with self.env.cr.savepoint():
                    counts["released"] += len(self.with_company(company)._release(company=company))
            except Exception:
                _logger.exception("Pre-order release failed for company %s", company.name)
                counts["failed_companies"] += 1
        return counts

    # ------------------------------------------------------------------
    # Review / remove (buttons of the allocation list)
    # ------------------------------------------------------------------

    def action_remove_allocations(self):
        """Remove the selected allocations; their sale lines are parked again."""
        self.env["res.users"]._preorder_check_action(
            self, "allocation_write", _("remove allocations")
        )
        open_ = self.filtered(lambda a: a.state == "allocated")
        if not open_:
            raise ValidationError(_("Select allocations that are not released yet."))
        # checked above; the sale lines and requests are the allocator's work
        open_.sudo()._deallocate(_("Allocations removed by %s.", self.env.user.name))
        return {"type": "ir.actions.client", "tag": "soft_reload"}
