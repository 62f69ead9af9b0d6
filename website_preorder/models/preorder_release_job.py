import logging

from odoo import api, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class PreorderReleaseJob(models.AbstractModel):
    """The release job (SPEC §4): when ``preorder.release`` runs by itself.

    Incoming stock marks the products with open pre-order lines *pending* and
    triggers the scheduled action; once a day (company timezone) every such
    product is swept in. The job releases pending products in committed
    batches, several workers sharing them.
    """

    _name = "preorder.release.job"
    _description = "Pre-order Release Job"

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
        self._sweep()
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        batch = Product.browse(self._take_pending(batch_size))
        Release = self.env["preorder.release"]
        remaining = Product.search_count([("preorder_release_pending", "=", True)]) - len(batch)
        counts = {"released": 0, "failed": 0, "busy": 0}
        busy = Product.browse()
        try:
            with self.env.cr.savepoint():
                counts["released"] += len(Release._release_products(batch, notify=False).reserved)
        except Exception:
            _logger.exception("Pre-order release failed for a batch; retrying product by product")
            for product in batch:
                try:
                    with self.env.cr.savepoint():
                        released = Release._release_products(product, notify=False).reserved
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
    def _take_pending(self, limit):
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
    def _sweep(self):
        """Once a day per company: every product with open pre-order lines is pending."""
        # every company (a handful of records): each has its own "today"
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        for company in companies:
            today = company._preorder_today()
            if company.preorder_release_swept_on == today:
                continue
            self._mark_pending([("company_id", "=", company.id)])
            company.preorder_release_swept_on = today

    @api.model
    def _mark_pending(self, domain):
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
    def _on_incoming_stock(self, products):
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
                if self._mark_pending(domain):
                    cron = self.env.ref(
                        "website_preorder.ir_cron_release_preorders", raise_if_not_found=False
                    )
                    if cron:
                        cron.sudo()._trigger()
        except Exception:
            _logger.exception("Could not trigger the pre-order release for %s", products.ids)
