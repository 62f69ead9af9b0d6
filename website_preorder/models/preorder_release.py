import logging

from odoo import api, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from ..rules import release as release_rules

_logger = logging.getLogger(__name__)


class PreorderRelease(models.AbstractModel):
    """Release (SPEC §4): the ORM adapter of ``rules.release``.

    One rule, three callers: the release job (cron, triggered by incoming
    stock and swept daily), Release now on sale lines and deliveries, and the
    explanation a delivery's Check Availability gives for pre-order lines (the
    last two through ``preorder.release.now``).
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
        """
        result = release_rules.ReleaseResult()
        lines = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("product_id", "in", products.ids),
                    ("preorder_state", "in", ["parked", "allocated"]),
                ],
                order="id",
            )
        )
        for company, company_lines in lines.grouped("company_id").items():
            self.sudo().with_company(company)._release_plan(company, company_lines, result)
        if apply and result.planned:
            self.sudo()._release_apply(result, notify=notify)
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
    def _release_apply(self, result, notify=True):
        """Reserve the planned releases and record what was actually reserved."""
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
            line.preorder_stock_released_qty += from_stock
            line.preorder_release_notify_qty += reserved
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
        if notify:
            released = lines.filtered(lambda line: line.id in result.reserved)
            self.env["preorder.promise"]._notify_released(released.order_id)

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
        self._preorder_release_sweep()
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        batch = Product.browse(self._preorder_take_pending(batch_size))
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
            self.env["preorder.promise"]._notify_released()
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=remaining)
        return {**counts, "done": len(batch), "remaining": remaining}

    @api.model
    def _preorder_take_pending(self, limit):
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
    def _preorder_release_sweep(self):
        """Once a day per company: every product with open pre-order lines is pending."""
        # every company (a handful of records): each has its own "today"
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        for company in companies:
            today = company._preorder_today()
            if company.preorder_release_swept_on == today:
                continue
            self._preorder_mark_pending([("company_id", "=", company.id)])
            company.preorder_release_swept_on = today

    @api.model
    def _preorder_mark_pending(self, domain):
        """Mark pending the products of the open pre-order lines in ``domain``."""
        groups = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [*domain, ("preorder_state", "in", ["parked", "allocated"])],
                groupby=["product_id"],
            )
        )
        products = self.env["product.product"].union(*(product for (product,) in groups))
        waiting = products.sudo().filtered(lambda product: not product.preorder_release_pending)
        waiting.preorder_release_pending = True
        return products

    @api.model
    def _preorder_on_incoming_stock(self, products):
        """Stock came in (receipt, put-away, return, adjustment): products with
        open pre-order lines become pending and the release job is triggered.

        Never raises: a release problem must not block the stock operation.
        """
        if not products:
            return
        domain = [("product_id", "in", products.ids)]
        # a read first: the savepoint below flushes every pending computation,
        # which must not happen inside receipts of products nobody pre-ordered
        # (Odoo logs received quantities as its own computation finds them)
        open_lines = (
            self.env["sale.order.line"]
            .sudo()
            .search_count([*domain, ("preorder_state", "in", ["parked", "allocated"])], limit=1)
        )
        if not open_lines:
            return
        try:
            with self.env.cr.savepoint():
                if self._preorder_mark_pending(domain):
                    cron = self.env.ref(
                        "website_preorder.ir_cron_release_preorders", raise_if_not_found=False
                    )
                    if cron:
                        cron.sudo()._trigger()
        except Exception:
            _logger.exception("Could not trigger the pre-order release for %s", products.ids)
