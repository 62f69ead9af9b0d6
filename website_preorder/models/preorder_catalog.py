import logging

from odoo import api, models

from ..rules.kinds import INTERNATIONAL, NATIONAL, PRESALE
from .product_template import LISTING_FLAGS

_logger = logging.getLogger(__name__)

#: the flags in the order of the tuples below: (national, international, pre-sale)
FLAG_FIELDS = tuple(LISTING_FLAGS[kind] for kind in (NATIONAL, INTERNATIONAL, PRESALE))


class PreorderCatalog(models.AbstractModel):
    """The catalogue job (SPEC §5): lists and unlists variants for each kind.

    Writes the stored flags the shop filters and badges read
    (``product.product.preorder_*_listed``) from the same availability the
    product page and the cart compute.
    """

    _name = "preorder.catalog"
    _description = "Pre-order Catalogue Job"

    @api.model
    def _cron_refresh_preorder_catalog(self, batch_size=1000):
        """List and unlist products for each kind (every 15 minutes).

        The flags are global per variant: a variant shared between companies is
        listed for a kind when any company with requests for it offers that
        kind, so the result does not depend on the order companies are visited.
        Works in batches; a failing batch is retried product by product so one
        bad record is logged and skipped instead of rolling back the run.
        Returns counts.
        """
        counts = {"checked": 0, "changed": 0, "failed": 0}
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        for company_ids, product_ids in self._owners().items():
            companies = self.env["res.company"].sudo().browse(company_ids)
            candidates = Product.browse(sorted(product_ids))
            for start in range(0, len(candidates), batch_size):
                batch = candidates[start : start + batch_size]
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
        return counts

    @api.model
    def _owners(self):
        """{(company ids): product ids}: the companies whose open requests decide
        each variant's flags. A variant listed now that is on no open request is
        unlisted by the first company; the others are unlisted already, so the
        job's cost follows open supply, not history. Grouped queries only."""
        # every company: a handful of records, each read with grouped queries
        companies = self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all
        Supply = self.env["purchase.order.line"]
        owners = {}
        for company in companies:
            for product_id in Supply._preorder_request_products(company, open_only=True).ids:
                owners.setdefault(product_id, []).append(company.id)
        listed = (
            self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            ._search(["|", "|", *((flag, "=", True) for flag in FLAG_FIELDS)])
        )
        for product_id in listed:
            owners.setdefault(product_id, companies[:1].ids)
        by_owners = {}
        for product_id, company_ids in owners.items():
            by_owners.setdefault(tuple(company_ids), []).append(product_id)
        return by_owners

    @api.model
    def _refresh(self, products, companies):
        """Write the flags of ``products``: a kind is listed when one of
        ``companies`` lists it. Returns how many variants changed."""
        flags = dict.fromkeys(products.ids, (False, False, False))
        for company in companies:
            for product_id, values in self._flags(products, company).items():
                flags[product_id] = tuple(
                    a or b for a, b in zip(flags[product_id], values, strict=True)
                )
        return self._write_flags(products, flags)

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
    def _write_flags(self, products, flags):
        """Write changed flags grouped by value: a few writes, not one per product."""
        by_value = {}
        for product in products:
            current = tuple(product[name] for name in FLAG_FIELDS)
            if current != flags[product.id]:
                by_value.setdefault(flags[product.id], []).append(product.id)
        for wanted, ids in by_value.items():
            products.browse(ids).write(dict(zip(FLAG_FIELDS, wanted, strict=True)))
        return sum(len(ids) for ids in by_value.values())
