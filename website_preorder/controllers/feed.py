import csv
import hmac
import io

from odoo import SUPERUSER_ID, api, http
from odoo.http import request
from odoo.modules.registry import Registry

from ..rules.atp import plain_qty
from ..rules.supply import REQUEST_KINDS

FEED_COLUMNS = ("sku", "barcode", "kind", "quantity", "promise_date", "listed")
BATCH = 500


class PreorderFeed(http.Controller):
    @http.route("/preorder/feed.csv", type="http", auth="public", methods=["GET"], sitemap=False)
    def preorder_feed(self, token=None, **kwargs):
        """Catalogue feed for external sales channels (SPEC §5).

        Readable by internal users, or with the company's secret token; 403 otherwise.
        """
        company = self._feed_company(token)
        if company is None:
            return request.make_response("Forbidden", status=403)
        headers = [
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", 'attachment; filename="preorder_feed.csv"'),
            ("Cache-Control", "no-store"),
        ]
        return request.make_response(
            self._feed_rows(request.env.cr.dbname, company.id), headers=headers
        )

    def _feed_company(self, token):
        user = request.env.user
        if user and not user._is_public() and user._is_internal():
            return request.env.company
        if not token:
            return None
        companies = request.env["res.company"].sudo().search([("preorder_feed_token", "!=", False)])
        for company in companies:
            if hmac.compare_digest(company.preorder_feed_token, token):
                return company
        return None

    def _feed_rows(self, dbname, company_id):
        """Yield the CSV in chunks: the file is never held in memory whole.

        The body is produced after the request's own cursor is closed, so it
        reads with a cursor of its own.
        """
        with Registry(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(company_id)
            Product = env["product.product"].with_company(company)
            products = Product._preorder_catalog_candidates(company).sorted("id")
            yield from self._feed_chunks(products, company)

    def _feed_chunks(self, products, company):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(FEED_COLUMNS)
        yield buffer.getvalue().encode()
        for start in range(0, len(products), BATCH):
            batch = products[start : start + BATCH]
            availability = batch._get_preorder_availability(company)
            buffer.seek(0)
            buffer.truncate()
            for product in batch:
                avail = availability[product.id]
                listed = {
                    "national": product.preorder_national_listed,
                    "international": product.preorder_international_listed,
                    "presale": product.presale_listed,
                }
                for kind in REQUEST_KINDS:
                    kind_availability = avail.get(kind)
                    writer.writerow(
                        (
                            product.default_code or "",
                            product.barcode or "",
                            kind,
                            plain_qty(kind_availability.qty),
                            kind_availability.date.isoformat() if kind_availability.date else "",
                            "1" if listed[kind] else "0",
                        )
                    )
            batch.invalidate_recordset()
            yield buffer.getvalue().encode()
