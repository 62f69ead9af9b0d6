import logging

from odoo import api, models
from odoo.exceptions import UserError

from ..rules import presale as presale_rules
from ..rules.kinds import PRESALE

_logger = logging.getLogger(__name__)

#: where an interrupted pass of the pre-sale price job resumes: "company id:product id"
PRESALE_CURSOR = "website_preorder.presale_price_cursor"


class ProductPricelist(models.Model):
    """The pre-sale price job (SPEC §6): fixed-price rules the addon writes in
    the Pre-sale Pricelist, at list price × (1 − Cash Payment %)."""

    _inherit = "product.pricelist"

    @api.model
    def _preorder_update_presale_prices(self, products):
        """Write the pre-sale price rules of ``products`` in the company's Pre-sale
        Pricelist.

        Variants on pre-sale get a fixed-price rule at list price × (1 − Cash
        Payment %); rules the addon wrote for the others are removed; rules
        written by hand are never touched. Returns the counts.
        """
        company = self.env.company
        pricelist = company.presale_pricelist_id
        if not pricelist:
            raise UserError(
                self.env._(
                    "Set a Pre-sale Pricelist in Website ▸ Configuration ▸ Settings "
                    "before calculating pre-sale prices."
                )
            )
        products = products.filtered(lambda p: p.company_id in (company, self.env["res.company"]))
        items = (
            self.env["product.pricelist.item"]
            .sudo()
            .search(
                [
                    ("pricelist_id", "=", pricelist.id),
                    ("applied_on", "=", "0_product_variant"),
                    ("product_id", "in", products.ids),
                ]
            )
        )
        existing = {}
        for item in items.filtered("preorder_managed"):
            existing.setdefault(item.product_id.id, []).append((item.id, item.fixed_price))
        manual = set(items.filtered(lambda i: not i.preorder_managed).product_id.ids)
        availability = products._get_preorder_availability(company)
        on_presale = {pid for pid, avail in availability.items() if avail.presale.qty > 0}
        today = company._preorder_today()
        list_prices = {
            product.id: company.currency_id._convert(
                product.lst_price, pricelist.currency_id, company, today, round=False
            )
            for product in products.with_context(pricelist=False, quantity=1)
        }
        create, update, delete = presale_rules.plan_price_rules(
            list_prices,
            on_presale,
            manual,
            existing,
            company.presale_cash_payment_percent,
            pricelist.currency_id.decimal_places,
        )
        Item = self.env["product.pricelist.item"].sudo()
        Item.browse(delete).unlink()
        by_price = {}
        for item_id, price in update.items():
            by_price.setdefault(price, []).append(item_id)
        for price, item_ids in by_price.items():
            Item.browse(item_ids).write({"fixed_price": price})
        products_by_id = {product.id: product for product in products}
        Item.create(
            [
                {
                    "pricelist_id": pricelist.id,
                    "applied_on": "0_product_variant",
                    "display_applied_on": "1_product",
                    "product_id": variant_id,
                    "product_tmpl_id": products_by_id[variant_id].product_tmpl_id.id,
                    "compute_price": "fixed",
                    "fixed_price": price,
                    "preorder_managed": True,
                }
                for variant_id, price in create.items()
            ]
        )
        return {"created": len(create), "updated": len(update), "removed": len(delete)}

    @api.model
    def _cron_update_presale_prices(self, batch_size=2000):
        """Presale Price Update: every company with a Pre-sale Pricelist.

        Considers the variants of open pre-sale requests and those holding a
        rule the addon wrote. One batch of (company, variant) pairs per call,
        after the cursor kept in ``ir.config_parameter``; the cron progress API
        makes Odoo's runner commit each batch and call again for the rest, so a
        run killed in the middle resumes after the last committed batch. A
        failing company is logged and skipped, not the run. Returns the summed
        counts, with ``remaining`` for this pass.
        """
        totals = {"created": 0, "updated": 0, "removed": 0, "failed_companies": 0}
        companies = self.env["res.company"].search(
            [("presale_pricelist_id", "!=", False)], order="id"
        )
        pairs = sorted(
            (company.id, product_id)
            for company in companies
            for product_id in self._preorder_presale_candidates(company).ids
        )
        Param = self.env["ir.config_parameter"].sudo()
        cursor = tuple(
            int(part)
            for part in (Param._preorder_get_job_cursor(PRESALE_CURSOR) or "0:0").split(":")
        )
        pending = [pair for pair in pairs if pair > cursor]
        batch, rest = pending[:batch_size], pending[batch_size:]
        by_company = {}
        for company_id, product_id in batch:
            by_company.setdefault(company_id, []).append(product_id)
        for company_id, product_ids in by_company.items():
            company = companies.browse(company_id)
            Pricelist = self.with_company(company)
            try:
                with self.env.cr.savepoint():
                    variants = self.env["product.product"].browse(product_ids)
                    counts = Pricelist._preorder_update_presale_prices(variants)
            except Exception:
                _logger.exception("Pre-sale price update failed for company %s", company.name)
                totals["failed_companies"] += 1
                continue
            for key, value in counts.items():
                totals[key] += value
        Param._preorder_set_job_cursor(PRESALE_CURSOR, "%s:%s" % batch[-1] if rest else "0:0")
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=len(rest))
        return {**totals, "remaining": len(rest)}

    @api.model
    def _preorder_presale_candidates(self, company):
        """Variants of open pre-sale requests, plus those holding a rule the addon
        wrote (whose rule may have to go)."""
        items = (
            self.env["product.pricelist.item"]
            .sudo()
            ._read_group(
                [
                    ("pricelist_id", "=", company.presale_pricelist_id.id),
                    ("preorder_managed", "=", True),
                ],
                groupby=["product_id"],
            )
        )
        managed = self.env["product.product"].browse({product.id for (product,) in items})
        Supply = self.env["purchase.order.line"]
        return Supply._preorder_request_products(company, [PRESALE], open_only=True) | managed
