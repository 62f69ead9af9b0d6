import base64
import binascii

from odoo import _, fields, models
from odoo.exceptions import UserError

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
        self.env["res.users"]._preorder_check_action(self, "sales", _("import promise dates"))
        try:
            content = base64.b64decode(self.file or b"", validate=True)
        except (binascii.Error, ValueError) as error:
            raise UserError(_("The file could not be read.")) from error
        try:
            rows = promise_csv.parse(content)
        except promise_csv.CsvError as error:
            raise UserError(str(error)) from error
        orders, products, order_products, lines, states, today = self._lookup(rows)
        errors = promise_csv.validate(
            rows, orders, products, order_products, today, order_states=states
        )
        if errors:
            raise UserError(
                _("Nothing was imported. Fix these rows and try again:\n%s")
                % promise_csv.format_errors(errors)
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
            date_lines._preorder_log_promise_dates(old, _("Imported promise dates"))
            changed |= date_lines
        message = _(
            "%(rows)s row(s) read, %(lines)s line(s) changed.",
            rows=len(rows),
            lines=len(changed),
        )
        if self.notify:
            notified = changed.order_id.action_preorder_notify_promise_dates()
            message = "%s %s" % (message, notified["params"]["message"])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

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
