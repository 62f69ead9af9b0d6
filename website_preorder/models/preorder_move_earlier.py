from markupsafe import Markup

from odoo import api, models

from ..rules import allocation as allocation_rules


class PreorderMoveEarlier(models.AbstractModel):
    """Earlier supply first (Move to Earlier Supply, a company setting): when a
    request arriving earlier has quantity to promise, open allocations of the
    same product and kind on requests arriving later move to it, oldest orders
    first (``rules.allocation.plan_earlier``). Run by ``preorder.allocator``
    after every allocation of parked lines, i.e. whenever supply changed or
    was freed."""

    _name = "preorder.move.earlier"
    _description = "Pre-order Move to Earlier Supply"

    @api.model
    def _run(self, products, kinds=None):
        """Move open allocations of ``products`` to supply arriving earlier that
        has quantity to promise (``rules.allocation.plan_earlier``), in the
        companies that allow it (Move to Earlier Supply). The supply rows are
        locked as for allocating. Logged on both requests; each order whose
        promise date improved gets one e-mail. Returns the moves."""
        Allocation = self.env["preorder.allocation"].sudo()
        domain = [("product_id", "in", products.ids), ("state", "=", "allocated")]
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
                        a.state == "released",
                        a.product_id.uom_id.rounding,
                    )
                    for a in held
                ],
                [supply._preorder_supply() for supply in supplies],
            )
            if planned:
                sale_lines |= self._apply(planned, supplies)
                moves.extend(planned)
        if moves:
            # internal: the user who changed the supply may not read sale orders
            Promise = self.env["preorder.promise"].sudo()
            improved = Promise._update(sale_lines)
            Promise._notify_changes(improved.order_id)
            # what the later requests got back may serve lines still parked
            parked = (
                self.env["sale.order.line"]
                .sudo()
                .search([("preorder_state", "=", "parked"), ("product_id", "in", products.ids)])
            )
            self.env["preorder.allocator"]._allocate(parked)
        return moves

    @api.model
    def _apply(self, moves, supplies):
        """Apply ``rules.allocation.Move`` rows: the moved part of an allocation
        becomes an allocation of the earlier supply line. Returns the sale lines."""
        Allocation = self.env["preorder.allocation"].sudo()
        supplies_by_id = {supply.id: supply for supply in supplies}
        allocations = Allocation.browse({move.allocation_id for move in moves})
        moved = dict.fromkeys(allocations.ids, 0.0)
        Allocator = self.env["preorder.allocator"]
        values = []
        for move in moves:
            allocation = allocations.browse(move.allocation_id)
            moved[allocation.id] += move.quantity
            values.append(
                Allocator._values(
                    allocation.sale_line_id, supplies_by_id[move.to_supply_id], move.quantity
                )
            )
        self._log(moves, allocations, supplies_by_id)
        sale_lines = allocations.sale_line_id
        rounding = {a.id: a.product_id.uom_id.rounding for a in allocations}
        gone = allocations.filtered(lambda a: a.quantity - moved[a.id] <= rounding[a.id] / 2)
        left = allocations - gone
        gone.unlink()
        for allocation in left:
            allocation.quantity -= moved[allocation.id]
        Allocator._insert(values)
        return sale_lines

    @api.model
    def _log(self, moves, allocations, supplies_by_id):
        """One chatter note on each request an allocation left and on each it joined."""
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
