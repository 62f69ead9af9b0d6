from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError

from ..rules import allocation as allocation_rules


class PreorderDeallocator(models.AbstractModel):
    """The one path by which allocations shrink or go (SPEC §4): the ORM
    adapter of ``rules.allocation.plan_deallocation``. Every change to demand
    or supply (cancellations, edited quantities, products and kinds, Remove)
    comes here; what is freed is logged on the orders and requests and
    re-offered to the oldest parked lines (``preorder.allocator``)."""

    _name = "preorder.deallocator"
    _description = "Pre-order Deallocator"

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
            self.env["preorder.allocator"]._allocate_parked(products, kinds, exclude=exclude)
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
            self.env["preorder.allocator"]._allocate_parked(
                lines.product_id, set(lines.mapped("preorder_kind"))
            )
