import csv
import hmac
import io
import re
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from odoo import SUPERUSER_ID, api, http
from odoo.http import request
from odoo.modules.registry import Registry

from ..rules.atp import plain_qty
from ..rules.kinds import REQUEST_KINDS

FEED_COLUMNS = ("sku", "barcode", "kind", "quantity", "promise_date", "listed")
CHANGE_COLUMNS = ("changed_at", "sku", "barcode", "kind", "listed", "reason")
BATCH = 500


# who reads the feed without a token (res.users.has_groups spec)
FEED_GROUPS = "sales_team.group_sale_salesman,purchase.group_purchase_user"
# a token longer than this is refused before any comparison
MAX_TOKEN_LENGTH = 256
BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)


def parse_since(value):
    """``since`` of the changes feed as a naive UTC datetime, or None when it is
    not an ISO date or date and time (with or without an offset)."""
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):  # not a date, or out of range once in UTC
        return None
    return moment


class PreorderFeed(http.Controller):
    @http.route("/preorder/feed.csv", type="http", auth="public", methods=["GET"], sitemap=False)
    def preorder_feed(self, token=None, **kwargs):
        """Catalogue feed for external sales channels (SPEC §5).

        Readable with the company's secret token, sent in an
        ``Authorization: Bearer <token>`` header (the ``?token=`` query string
        still works but ends up in access logs and browser history), or by a
        logged-in Sales or Purchase user, for their current company. Anything
        else answers 401 (no credentials) or 403 (wrong token, other users),
        never an error page.
        """
        company = self._feed_company(token)
        if isinstance(company, int):
            return self._feed_refused(company)
        headers = [
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", 'attachment; filename="preorder_feed.csv"'),
            ("Cache-Control", "no-store"),
        ]
        return request.make_response(
            self._feed_rows(request.env.cr.dbname, company.id), headers=headers
        )

    @http.route(
        "/preorder/feed/google.xml", type="http", auth="public", methods=["GET"], sitemap=False
    )
    def preorder_google_feed(self, token=None, **kwargs):
        """Google Merchant Center feed (RSS 2.0, ``g:`` namespace), read as the
        CSV feed is (token, Bearer header or staff): one item per variant that
        can be bought now and per website of the company, with the price the
        product page shows, ``availability`` (in_stock, preorder, backorder)
        and ``availability_date`` of the kind a shopper buys by default
        (``rules.availability``, as the page's structured data). A variant
        whose date is more than a year ahead is left out (Google refuses it)."""
        company = self._feed_company(token)
        if isinstance(company, int):
            return self._feed_refused(company)
        headers = [
            ("Content-Type", "application/rss+xml; charset=utf-8"),
            ("Cache-Control", "no-store"),
        ]
        return request.make_response(
            self._google_feed_rows(request.env.cr.dbname, company.id), headers=headers
        )

    @http.route(
        "/preorder/feed/changes.csv", type="http", auth="public", methods=["GET"], sitemap=False
    )
    def preorder_feed_changes(self, token=None, since=None, **kwargs):
        """Listing changes after ``since`` (a UTC date, or date and time in ISO
        format: ``2026-12-01`` or ``2026-12-01T08:00:00Z``), oldest first, read
        as the CSV feed is (token, Bearer header or staff): one row per kind of
        a variant the catalogue job listed or unlisted, with when and why
        (``preorder.listing.change``). A consumer asks again with the last
        ``changed_at`` it read. A missing or malformed ``since`` is answered 400
        with the expected format."""
        company = self._feed_company(token)
        if isinstance(company, int):
            return self._feed_refused(company)
        after = parse_since(since)
        if after is None:
            return request.make_response(
                "since: a UTC date or date and time in ISO format, e.g. 2026-12-01T08:00:00Z",
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                status=400,
            )
        headers = [
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", 'attachment; filename="preorder_listing_changes.csv"'),
            ("Cache-Control", "no-store"),
        ]
        return request.make_response(
            self._change_rows(request.env.cr.dbname, company.id, after), headers=headers
        )

    def _change_rows(self, dbname, company_id, after):
        """Yield the changes' CSV in chunks, with a cursor of its own."""
        with Registry(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            changes = env["preorder.listing.change"].search(
                [("changed_at", ">", after), ("company_id", "in", (company_id, False))],
                order="changed_at, id",
            )

            def rows(batch):
                for change in batch:
                    yield (
                        change.changed_at.isoformat() + "Z",
                        change.product_id.default_code or "",
                        change.product_id.barcode or "",
                        change.kind,
                        "1" if change.listed else "0",
                        change.reason,
                    )

            yield from self._csv_chunks(CHANGE_COLUMNS, changes, rows)

    @staticmethod
    def _csv_chunks(columns, records, rows):
        """The CSV of ``records`` in chunks of ``BATCH`` (header first): ``rows``
        gives the rows of one batch; each batch leaves the cache once written,
        so the file is never held in memory whole."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        yield buffer.getvalue().encode()
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(rows(batch))
            batch.invalidate_recordset()
            yield buffer.getvalue().encode()

    def _feed_company(self, token):
        """The company whose feed the caller may read, or the HTTP status that
        refuses it: a token (query string or ``Authorization: Bearer``), else
        a logged-in Sales or Purchase user for their current company."""
        header = request.httprequest.headers.get("Authorization")
        if header:
            match = BEARER.match(header)
            if not match:
                return 401
            token = match.group(1)
        if token:
            company = self._feed_token_company(token)
            return 403 if company is None else company
        user = request.env.user
        if user._is_public():
            return 401
        if not user.has_groups(FEED_GROUPS):
            return 403
        return request.env.company

    def _google_feed_rows(self, dbname, company_id):
        """Yield the RSS document in chunks, with a cursor of its own (the
        request's is closed by then)."""
        with Registry(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(company_id)
            products = self._feed_products(env["product.product"].with_company(company), company)
            websites = env["website"].search([("company_id", "=", company.id)], order="id")
            yield (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
                "<title>%s</title><link>%s</link><description>%s</description>"
                % (
                    escape(company.name),
                    escape(websites[:1].get_base_url() if websites else company.website or ""),
                    escape("Pre-orders and pre-sales of %s" % company.name),
                )
            ).encode()
            for start in range(0, len(products), BATCH):
                batch = products[start : start + BATCH]
                yield "".join(
                    self._google_item(item)
                    for item in batch._preorder_google_items(company, websites)
                ).encode()
                batch.invalidate_recordset()
            yield b"</channel></rss>\n"

    def _google_item(self, values):
        """One ``<item>``: ``values`` are Google attributes (without ``g:``)."""
        fields = "".join(
            "<g:%s>%s</g:%s>" % (name, escape(str(value)), name)
            for name, value in values.items()
            if value not in (None, "", False)
        )
        return "<item>%s</item>" % fields

    def _feed_refused(self, status):
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]
        if status == 401:
            headers.append(("WWW-Authenticate", 'Bearer realm="preorder feed"'))
            return request.make_response("Unauthorized", headers=headers, status=401)
        return request.make_response("Forbidden", headers=headers, status=403)

    def _feed_token_company(self, token):
        """The company whose token this is, compared in constant time as bytes
        (any text, however long or exotic, is only ever refused)."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            return None
        given = token.encode("utf-8", "replace")
        companies = request.env["res.company"].sudo().search([("preorder_feed_token", "!=", False)])
        found = None
        for company in companies:
            if hmac.compare_digest(company.preorder_feed_token.encode("utf-8"), given):
                found = company
        return found

    def _feed_rows(self, dbname, company_id):
        """Yield the CSV in chunks: the file is never held in memory whole.

        The body is produced after the request's own cursor is closed, so it
        reads with a cursor of its own.
        """
        with Registry(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(company_id)
            Product = env["product.product"].with_company(company)
            products = self._feed_products(Product, company)
            yield from self._feed_chunks(products, company)

    def _feed_products(self, Product, company):
        """Active, website-published products that are or were on requests of
        ``company`` and belong to it or to no company: never another company's."""
        on_requests = Product.env["purchase.order.line"]._preorder_request_products(company)
        return Product.search(
            [
                ("id", "in", on_requests.ids),
                ("is_published", "=", True),
                ("company_id", "in", (company.id, False)),
            ],
            order="id",
        )

    def _feed_chunks(self, products, company):
        def rows(batch):
            availability = batch._get_preorder_availability(company)
            for product in batch:
                avail = availability[product.id]
                # the stored flags are per variant: listed for this company
                # only while it offers a quantity itself
                listed = {
                    "national": product.preorder_national_listed and avail.national.qty > 0,
                    "international": product.preorder_international_listed
                    and avail.international.qty > 0,
                    "presale": product.presale_listed and avail.presale.qty > 0,
                }
                for kind in REQUEST_KINDS:
                    kind_availability = avail.get(kind)
                    yield (
                        product.default_code or "",
                        product.barcode or "",
                        kind,
                        plain_qty(kind_availability.qty),
                        kind_availability.date.isoformat() if kind_availability.date else "",
                        "1" if listed[kind] else "0",
                    )

        return self._csv_chunks(FEED_COLUMNS, products, rows)
