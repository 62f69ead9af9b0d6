import logging

from odoo import api, models
from odoo.tools import SQL

from ..rules.kinds import INTERNATIONAL, NATIONAL, PRESALE
from .product_template import LISTING_FLAGS

_logger = logging.getLogger(__name__)

#: where an interrupted pass of the catalogue job resumes (last product id done)
CATALOG_CURSOR = "website_preorder.catalog_cursor"
#: the kinds the job lists, in the order of the tuples below
LISTED_KINDS = (NATIONAL, INTERNATIONAL, PRESALE)
FLAG_FIELDS = tuple(LISTING_FLAGS[kind] for kind in LISTED_KINDS)


class PreorderCatalog(models.AbstractModel):
    """The catalogue job (SPEC §5): lists and unlists variants for each kind.

    Writes the stored flags the shop filters and badges read
    (``product.product.preorder_*_listed``) from the same availability the
    product page and the cart compute.
    """

    _name = "preorder.catalog"
    _description = "Pre-order Catalogue Job"

    @api.model
    def _cron_refresh_preorder_catalog(self, batch_size=2000):
        """List and unlist products for each kind (every 15 minutes).

        The flags are global per variant: a variant shared between companies is
        listed for a kind when any company with requests for it offers that
        kind, so the result does not depend on the order companies are visited.

        One batch of candidates per call, in product id order after the cursor
        kept in ``ir.config_parameter``; the cron progress API makes Odoo's
        runner commit each batch and call again for the rest. A run killed in
        the middle loses only its uncommitted batch (a batch is written whole or
        not at all) and the next run resumes after the last committed one. A
        failing batch is retried product by product, so one bad record is
        logged and skipped. Returns counts, with ``remaining`` for this pass.
        """
        counts = {"checked": 0, "changed": 0, "failed": 0}
        Param = self.env["ir.config_parameter"].sudo()
        cursor = int(Param.get_param(CATALOG_CURSOR, "0") or 0)
        batch_ids, remaining = self._candidates(cursor, batch_size)
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        owners = self._owners(Product.browse(batch_ids))
        by_owners = {}
        for product_id in batch_ids:
            by_owners.setdefault(owners[product_id], []).append(product_id)
        for company_ids, product_ids in by_owners.items():
            companies = self.env["res.company"].sudo().browse(company_ids)
            batch = Product.browse(product_ids)
            try:
                with self.env.cr.savepoint():
                    counts["changed"] += self._refresh(batch, companies)
                counts["checked"] += len(batch)
            except Exception:
                _logger.exception("Catalogue batch failed, retrying product by product")
                for product in batch:
                    try:
                        with self.env.cr.savepoint():
                            counts["changed"] += self._refresh(product, companies)
                        counts["checked"] += 1
                    except Exception:
                        _logger.exception("Catalogue refresh failed for %s", product.id)
                        counts["failed"] += 1
            batch.invalidate_recordset()
        Param.set_param(CATALOG_CURSOR, str(batch_ids[-1]) if remaining else "0")
        self.env["ir.cron"]._notify_progress(done=len(batch_ids), remaining=remaining)
        return {**counts, "remaining": remaining}

    @api.model
    def _refresh_all(self, batch_size=2000):
        """Run the catalogue job to the end of its pass in this transaction (demo
        data, benchmarks, set-up scripts): the cron runner's loop, without it."""
        totals = {"checked": 0, "changed": 0, "failed": 0}
        while True:
            counts = self._cron_refresh_preorder_catalog(batch_size=batch_size)
            for key in totals:
                totals[key] += counts[key]
            if not counts["remaining"]:
                return totals

    @api.model
    def _companies(self):
        # every company: a handful of records, each read with grouped queries
        return self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all

    @api.model
    def _candidates(self, after, limit):
        """(ids, remaining): the first ``limit`` variants with an id above ``after``
        whose flags the job decides (on an open request of any company, or
        listed now), and how many more follow them. One query, whatever the
        number of batches, so a pass costs what the open supply holds, not what
        history holds: a variant on no open request and listed for nothing is
        never read."""
        Supply = self.env["purchase.order.line"].sudo()
        parts = []
        for company in self._companies():
            query = Supply._search(
                [("product_id", "!=", False), *Supply._preorder_open_request_domain(company)]
            )
            parts.append(query.select(SQL.identifier(query.table, "product_id")))
        listed = (
            self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            ._search(["|", "|", *((flag, "=", True) for flag in FLAG_FIELDS)])
        )
        parts.append(listed.select())
        rows = self.env.execute_query(
            SQL(
                "SELECT id, count(*) OVER () FROM (%s) AS candidate(id)"
                " WHERE id > %s ORDER BY id LIMIT %s",
                SQL(" UNION ").join(parts),
                after,
                limit,
            )
        )
        return [row[0] for row in rows], (rows[0][1] - len(rows) if rows else 0)

    @api.model
    def _owners(self, products):
        """{product id: (company ids)}: the companies whose open requests decide
        the flags of each of ``products``. A variant listed now that is on no
        open request is unlisted by the first company; the others are unlisted
        already. One grouped query per company."""
        companies = self._companies()
        Supply = self.env["purchase.order.line"]
        owners = {}
        for company in companies:
            for product_id in Supply._preorder_products_on_request(products, company):
                owners.setdefault(product_id, []).append(company.id)
        for product_id in products.ids:
            owners.setdefault(product_id, companies[:1].ids)
        return {product_id: tuple(company_ids) for product_id, company_ids in owners.items()}

    @api.model
    def _refresh(self, products, companies):
        """Write the flags of ``products``: a kind is listed when one of
        ``companies`` lists it. Returns how many variants changed."""
        flags = dict.fromkeys(products.ids, (False, False, False))
        sources = {}  # {(product id, kind): the first company that lists it}
        for company in companies:
            for product_id, values in self._flags(products, company).items():
                flags[product_id] = tuple(
                    a or b for a, b in zip(flags[product_id], values, strict=True)
                )
                for kind, listed in zip(LISTED_KINDS, values, strict=True):
                    if listed:
                        sources.setdefault((product_id, kind), company)
        listed_before = self._current_flags(products)
        changed = self._write_flags(products, flags, listed_before)
        # "Tell me when it opens": kinds listed now that were not
        opened = {}
        for product in products:
            for kind, was, now in zip(
                LISTED_KINDS, listed_before[product.id], flags[product.id], strict=True
            ):
                if now and not was:
                    opened.setdefault(product, {})[kind] = sources[product.id, kind]
        if opened:
            try:
                # an e-mail that cannot be built never holds back the listing:
                # the subscriptions stay and are told at the next opening
                with self.env.cr.savepoint():
                    self.env["preorder.subscription"]._notify_opened(opened)
            except Exception:
                _logger.exception("Pre-order catalogue: opening e-mails failed")
        return changed

    @api.model
    def _flags(self, products, company):
        """{product id: (national, international, pre-sale)} as they should be now
        for ``company``: a kind is listed while it offers a quantity; pre-orders
        not while in stock when "Offer pre-orders only while out of stock" is on."""
        products = products.with_company(company)
        availability = products._get_preorder_availability(company)
        in_stock = {}
        if company.preorder_only_out_of_stock:
            in_stock = self.env["stock.quant"]._preorder_free_qty(products, company)
        flags = {}
        for product in products:
            avail = availability[product.id]
            blocked = in_stock.get(product.id, 0.0) > 0
            flags[product.id] = (
                avail.national.qty > 0 and not blocked,
                avail.international.qty > 0 and not blocked,
                avail.presale.qty > 0,
            )
        return flags

    @api.model
    def _current_flags(self, products):
        """{product id: (national, international, pre-sale)} as stored now, read a
        column at a time (no record built per product and field)."""
        columns = [products._fields[name].mapped(products) for name in FLAG_FIELDS]
        return dict(zip(products.ids, zip(*columns, strict=True), strict=True))

    @api.model
    def _write_flags(self, products, flags, current):
        """Write the flags that differ from ``current``, grouped by value: a few
        writes, not one per product."""
        by_value = {}
        for product_id in products.ids:
            if current[product_id] != flags[product_id]:
                by_value.setdefault(flags[product_id], []).append(product_id)
        for wanted, ids in by_value.items():
            products.browse(ids).write(dict(zip(FLAG_FIELDS, wanted, strict=True)))
        return sum(len(ids) for ids in by_value.values())
