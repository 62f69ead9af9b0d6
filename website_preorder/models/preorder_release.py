from collections import defaultdict

from odoo import api, models

from ..rules import batches as batch_rules
from ..rules import release as release_rules

#: open sale lines released between two flushes (memory stays flat)
BATCH_LINES = 5000


class PreorderRelease(models.AbstractModel):
    """Release (SPEC §4): the ORM adapter of ``rules.release``.

    One rule, three callers: the release job (``preorder.release.job``, triggered
    by incoming stock and swept daily), Release now on sale lines and deliveries,
    and the explanation a delivery's Check Availability gives for pre-order lines
    (the last two through ``preorder.release.now``).
    """

    _name = "preorder.release"
    _description = "Pre-order Release"

    @api.model
    def _release_products(self, products, apply=True, notify=True):
        """Release what may be released now for ``products``, in every company.

        Gathers the open allocations, parked lines, receipts and free stock in
        sets, plans with ``rules.release.plan``, then (``apply``) reserves the
        deliveries in plan order, each capped to what was planned for it, marks
        released exactly what they reserved (a partly released allocation is
        split) and (``notify``) e-mails each customer once; without ``notify``
        the released quantities wait on their lines for
        ``preorder.promise._notify_released``. Returns a ReleaseResult.

        Products are taken in batches of about ``BATCH_LINES`` open lines (a
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
                ("preorder_state", "in", ["parked", "allocated"]),
            ],
            ["product_id"],
            ["id:array_agg"],
            order="product_id",
        )
        batches = batch_rules.by_product(
            [(product.id, ids) for product, ids in groups], BATCH_LINES
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
            self.env["preorder.deposit"].sudo()._invoice_balances(orders)
            if notify:
                self.env["preorder.promise"].sudo()._notify_released(orders)
        return result

    @api.model
    def _release_plan(self, company, lines, result):
        """Plan the release of ``lines`` (one company) into ``result``."""
        today = company._preorder_today()
        allocations = lines.preorder_allocation_ids.filtered(lambda a: a.state == "allocated")
        supplies = allocations.purchase_line_id
        used = dict(
            self.env["preorder.allocation"]._read_group(
                [("purchase_line_id", "in", supplies.ids), ("state", "=", "released")],
                groupby=["purchase_line_id"],
                aggregates=["quantity:sum"],
            )
        )
        credit = {
            supply.id: supply._preorder_ordered_and_received()[1] - used.get(supply, 0.0)
            for supply in supplies
        }
        Delivery = self.env["preorder.delivery"]
        locations = {line.id: Delivery._location(line) for line in lines}
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
            )
            for line in lines
            if line.preorder_parked_qty > 0
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
        Allocation = self.env["preorder.allocation"].sudo()
        lines = self.env["sale.order.line"].sudo().browse(list(planned))
        Delivery = self.env["preorder.delivery"]
        before = Delivery._taken_qty(lines)
        rank = {line_id: index for index, line_id in enumerate(planned)}
        moves = (
            Delivery._taking_moves(lines)
            .filtered(lambda move: move.state != "done")
            .sorted(lambda move: (rank[move.sale_line_id.id], move.id))
        )
        extra = {line_id: sum(r.quantity for r in rows) for line_id, rows in planned.items()}
        moves.with_context(preorder_release_extra=extra)._action_assign()
        after = Delivery._taken_qty(lines)
        released_ids, splits = [], []
        # the lines' new quantities, written once per distinct value (not per line)
        stock_released, notify = defaultdict(list), defaultdict(list)
        for line in lines:
            reserved = after[line.id] - before[line.id]
            if reserved <= line.product_id.uom_id.rounding / 2:
                continue
            result.reserved[line.id] = reserved
            from_stock = 0.0
            for release, quantity in release_rules.apportion(planned[line.id], reserved):
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
        Allocation.browse(released_ids).write({"state": "released"})
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
                    "state": "released",
                }
                for allocation, quantity in splits
            ]
        )
        return lines.filtered(lambda line: line.id in result.reserved)
