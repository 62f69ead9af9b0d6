from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError

from ..rules import allocation as allocation_rules
from ..rules.kinds import REQUEST_KINDS


class PreorderAllocator(models.AbstractModel):
    """Allocation (SPEC §4): the ORM adapter of ``rules.allocation``.

    Allocates parked sale lines first in first out (``plan``), then lets
    earlier supply serve older orders (``preorder.move.earlier``), and frees
    allocations through the one deallocation rule (``plan_deallocation``),
    re-offering what was freed to the oldest parked lines. Every change to
    demand or supply (confirmations, cancellations, edited quantities,
    products and kinds, Allocate Sales Orders, Remove) goes through here.
    """

    _name = "preorder.allocator"
    _description = "Pre-order Allocator"

    # ------------------------------------------------------------------
    # Allocation
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
        sale_lines = sale_lines.sudo()
        # orders and product templates are wide rows: read only what is needed
        sale_lines.order_id.fetch(["state", "date_order"])
        sale_lines.product_id.product_tmpl_id.fetch(["uom_id"])
        sale_lines = sale_lines.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.order_id.state == "sale"
            and line.preorder_parked_qty > 0
        )
        Allocation = self.env["preorder.allocation"].sudo()
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
                created |= Allocation.with_context(preorder_planned=True).create(
                    [
                        lines_by_id[row.demand_id]._preorder_allocation_values(
                            supplies_by_id[row.supply_id], row.quantity
                        )
                        for row in planned
                    ]
                )
        self.env["preorder.promise"]._update(created.sale_line_id)
        return created.with_env(self.env)

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
        created = self._allocate(parked, supply_lines=supply_lines)
        # supply changed or was freed: what arrives earlier serves older orders
        self.env["preorder.move.earlier"]._run(products, kinds)
        return created

    # ------------------------------------------------------------------
    # Deallocation: the one path every change takes
    # ------------------------------------------------------------------

    @api.model
    def _plan_free(self, allocations, excess, latest, rounding, what):
        """{allocation_id: new quantity} freeing ``excess`` of ``allocations``
        (one line's, rules.allocation). Released allocations are never shrunk:
        a UserError names ``what``.
        """
        existing = [
            allocation_rules.Existing(
                a.id,
                a.quantity,
                a.order_confirmed_at,
                a.sale_line_id.id,
                a.date_planned,
                a.state == "released",
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
            if excess > 0:
                changes.update(
                    self._plan_free(
                        line.preorder_allocation_ids,
                        excess,
                        latest,
                        line.product_id.uom_id.rounding,
                        line.order_id.name,
                    )
                )
        return self._free(changes, reason, reoffer=reoffer)

    @api.model
    def _free_changed_product(self, allocations, reason):
        """After a sale or request line changed product: its allocations of the
        old product go, and what they held is offered to parked lines. A line
        whose goods are already released cannot change product."""
        stale = allocations.filtered(
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
        return self._free_all(stale, reason)

    @api.model
    def _free_all(self, allocations, reason):
        """Remove every allocation of ``allocations`` that is not released (see _free)."""
        open_ = allocations.filtered(lambda allocation: allocation.state == "allocated")
        return self._free(dict.fromkeys(open_.ids, 0.0), reason)

    @api.model
    def _free(self, changes, reason, reoffer=True, exclude=None):
        """Apply ``{allocation_id: new_quantity}`` (0 removes the allocation).

        The one path by which allocations shrink or go: logs on the requests and
        on the sale orders concerned, updates the promise dates, then re-offers
        the freed quantity to the parked lines of those products, oldest order
        first (so a later order never overtakes them). Released allocations are
        refused here: callers plan with _plan_free. Returns the sale lines that
        lost quantity.
        """
        SaleLine = self.env["sale.order.line"]
        changes = {aid: qty for aid, qty in changes.items() if qty >= 0}
        allocations = self.env["preorder.allocation"].sudo().browse(list(changes)).exists()
        if not allocations:
            return SaleLine
        if allocations.filtered(lambda a: a.state == "released"):
            raise UserError(self.env._("Released allocations cannot be taken back."))
        freed = {a: a.quantity - max(changes[a.id], 0.0) for a in allocations}
        self._log_freed(allocations, freed, reason)
        products = allocations.product_id
        kinds = set(allocations.mapped("kind"))
        sale_lines = allocations.sale_line_id
        removed = allocations.filtered(lambda a: changes[a.id] <= 0)
        removed.unlink()
        for quantity, kept in (allocations - removed).grouped(lambda a: changes[a.id]).items():
            kept.write({"quantity": quantity})
        self.env["preorder.promise"]._update(sale_lines)
        if reoffer:
            self._allocate_parked(products, kinds, exclude=exclude)
        return sale_lines

    @api.model
    def _log_freed(self, allocations, freed, reason):
        """One chatter note per request and per sale order naming what was freed."""
        by_request, by_order = {}, {}
        for allocation in allocations:
            quantity = freed.get(allocation, 0.0)
            if quantity <= 0:
                continue
            qty = allocations._preorder_format_qty(quantity, allocation.product_id.uom_id)
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

    @api.model
    def _deallocate(self, allocations, message=None):
        """Remove ``allocations`` (released ones too: cancellations), without
        re-offering. Kept for the cancellation of sale orders."""
        allocations = allocations.sudo()
        sale_lines = allocations.sale_line_id
        if message:
            self._log_freed(allocations, {a: a.quantity for a in allocations}, message)
        allocations.unlink()
        self.env["preorder.promise"]._update(sale_lines)
        return sale_lines

    @api.model
    def _replan(self, sale_lines):
        """After a sale line's quantity changed: free the excess through the one
        deallocation rule (latest arrivals first, released quantity never), then
        offer what is on order to the parked lines, oldest order first."""
        lines = sale_lines.sudo().filtered(lambda line: line.order_id.state == "sale")
        # what is released from stock without an allocation stays the line's
        self._free_excess(
            {
                line: line.preorder_allocated_qty
                + line.preorder_stock_released_qty
                - line._preorder_to_product_qty(line.product_uom_qty)
                for line in lines
            },
            allocation_rules.LATEST_ARRIVALS,
            self.env._("The ordered quantity was lowered."),
            reoffer=False,
        )
        if lines:
            self._allocate_parked(lines.product_id, set(lines.mapped("preorder_kind")))
