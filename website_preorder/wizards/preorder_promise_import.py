import base64
import binascii

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..rules import promise_csv
from ..rules.kinds import REQUEST_KINDS


class PreorderPromiseImport(models.TransientModel):
    """Bulk promise date import: validates every row, applies all or nothing."""

    _name = "preorder.promise.import"
    _description = "Import Pre-order Promise Dates"

    file = fields.Binary("CSV File", required=True)
    filename = fields.Char()
    notify = fields.Boolean(
        "Notify customers", help="E-mail each customer whose promise dates changed."
    )

    def action_import(self):
        self.ensure_one()
        self.env["res.users"]._preorder_check_action(
            self, "sales", self.env._("import promise dates")
        )
        try:
            content = base64.b64decode(self.file or b"", validate=True)
        except (binascii.Error, ValueError) as error:
            raise UserError(self.env._("The file could not be read.")) from error
        try:
            rows = promise_csv.parse(content)
        except promise_csv.CsvError as error:
            raise UserError(self._problem_message(error.code, error.params)) from error
        orders, products, order_products, lines, states, today = self._lookup(rows)
        errors = promise_csv.validate(
            rows, orders, products, order_products, today, order_states=states
        )
        if errors:
            rows_text = "\n".join(
                self.env._(
                    "Row %(row)s: %(reasons)s",
                    row=number,
                    reasons="; ".join(self._problem_message(p.code, p.params) for p in problems),
                )
                for number, problems in errors
            )
            raise UserError(
                self.env._(
                    "Nothing was imported. Fix these rows and try again:\n%(rows)s", rows=rows_text
                )
            )
        changed = self.env["sale.order.line"]
        by_date = {}
        for row in rows:
            key = (orders[row.order][0], products[row.product][0])
            for line in lines[key]:
                if line.promise_date != row.date:
                    by_date.setdefault(row.date, self.env["sale.order.line"])
                    by_date[row.date] |= line
        for date, date_lines in by_date.items():
            old = {line: line.promise_date for line in date_lines}
            # an imported date is kept until staff sync with the request
            date_lines.with_context(preorder_system_update=True).write(
                {"promise_date": date, "promise_date_manual": True}
            )
            date_lines._preorder_log_promise_dates(old, self.env._("Imported promise dates"))
            changed |= date_lines
        message = self.env._(
            "%(rows)s row(s) read, %(lines)s line(s) changed.",
            rows=len(rows),
            lines=len(changed),
        )
        if self.notify:
            notified = changed.order_id.action_preorder_notify_promise_dates()
            message = self.env._(
                "%(imported)s %(notified)s",
                imported=message,
                notified=notified["params"]["message"],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _problem_message(self, code, params):
        """The message of a ``rules.promise_csv`` reason code."""
        values = dict(params)
        if "date" in values:
            values["date"] = format_date(self.env, values["date"])
        messages = {
            promise_csv.EMPTY: lambda: self.env._("The file is empty."),
            promise_csv.NOT_UTF8: lambda: self.env._(
                "Row %(row)s: not UTF-8 text (save the file as CSV UTF-8 and try again).",
                **values,
            ),
            promise_csv.MALFORMED: lambda: self.env._(
                "Row %(row)s: malformed CSV (%(detail)s).", **values
            ),
            promise_csv.WRONG_COLUMNS: lambda: self.env._(
                "Wrong columns: expected a header with order reference, product SKU or "
                "barcode, and new date (got: %(got)s).",
                got=values["got"] or self.env._("nothing"),
            ),
            promise_csv.NO_ROWS: lambda: self.env._("The file has no rows to import."),
            promise_csv.NO_ORDER: lambda: self.env._("no order reference"),
            promise_csv.UNKNOWN_ORDER: lambda: self.env._("unknown order %(order)r", **values),
            promise_csv.AMBIGUOUS_ORDER: lambda: self.env._(
                "ambiguous order %(order)r (%(count)s orders bear it)", **values
            ),
            promise_csv.ORDER_CANCELLED: lambda: self.env._(
                "order %(order)s is cancelled", **values
            ),
            promise_csv.ORDER_NOT_CONFIRMED: lambda: self.env._(
                "order %(order)s is not confirmed", **values
            ),
            promise_csv.NO_PRODUCT: lambda: self.env._("no product"),
            promise_csv.UNKNOWN_PRODUCT: lambda: self.env._(
                "unknown product %(product)r", **values
            ),
            promise_csv.AMBIGUOUS_PRODUCT: lambda: self.env._(
                "ambiguous product %(product)r (the SKU or barcode of %(count)s products)",
                **values,
            ),
            promise_csv.NOT_ON_ORDER: lambda: self.env._(
                "product %(product)r is not a pre-order line of %(order)s", **values
            ),
            promise_csv.DUPLICATE: lambda: self.env._(
                "same order and product as row %(row)s", **values
            ),
            promise_csv.BAD_DATE: lambda: self.env._(
                "bad date %(value)r (use YYYY-MM-DD)", **values
            ),
            promise_csv.PAST_DATE: lambda: self.env._("date %(date)s is in the past", **values),
        }
        return messages[code]()

    def _lookup(self, rows):
        """Grouped look-ups of the orders and products named in ``rows``.

        Every order bearing a reference and every product bearing a code (as
        SKU or barcode) is kept, so that the rule can refuse ambiguous ones.
        """
        references = {row.order for row in rows if row.order}
        codes = {row.product for row in rows if row.product}
        found = self.env["sale.order"].search([("name", "in", list(references))])
        orders, states, today = {}, {}, {}
        for order in found:
            orders.setdefault(order.name, []).append(order.id)
            states[order.id] = order.state
        for company, company_orders in found.grouped("company_id").items():
            company_today = company._preorder_today()
            today.update(dict.fromkeys(company_orders.ids, company_today))
        if not today:
            today = {None: self.env.company._preorder_today()}
        Product = self.env["product.product"].with_context(active_test=False)
        products = {}
        for product in Product.search(
            ["|", ("default_code", "in", list(codes)), ("barcode", "in", list(codes))]
        ):
            for code in {product.default_code, product.barcode}:
                if code in codes:
                    products.setdefault(code, []).append(product.id)
        sale_lines = self.env["sale.order.line"].search(
            [("order_id", "in", found.ids), ("preorder_kind", "in", list(REQUEST_KINDS))]
        )
        order_products, lines = {}, {}
        for line in sale_lines:
            order_products.setdefault(line.order_id.id, set()).add(line.product_id.id)
            key = (line.order_id.id, line.product_id.id)
            lines[key] = lines.get(key, self.env["sale.order.line"]) | line
        return orders, products, order_products, lines, states, today
