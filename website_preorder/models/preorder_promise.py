import functools

from markupsafe import Markup

from odoo import api, models
from odoo.tools import format_date, formatLang

from ..rules import allocation as allocation_rules
from ..rules.kinds import REQUEST_KINDS, STOCK


class PreorderPromise(models.AbstractModel):
    """Promise dates (SPEC §5) and what customers are told about their lines.

    A pre-order line's promise date follows its allocations
    (``rules.allocation.promise_date``) unless staff set or imported it; the
    customer hears of a changed date or of released goods in one e-mail per
    order, and every change is logged on the order. Callers: the allocator,
    Sync Date with SO, the promise date import, the release job and the order
    confirmation e-mail.
    """

    _name = "preorder.promise"
    _description = "Pre-order Promise Dates"

    # ------------------------------------------------------------------
    # Promise dates
    # ------------------------------------------------------------------

    @api.model
    def _update(self, lines, sync=False):
        """Promise date = latest Expected Arrival of the allocations (its date in
        the company's timezone); none while parked.

        A date set by hand or imported is kept until staff sync (``sync=True``,
        Sync Date with SO): then it follows the allocations again and the change
        is logged on the order. Returns the lines whose promise date changed.
        """
        lines = lines.sudo().filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
        if not sync:
            lines = lines.filtered(lambda line: not line.promise_date_manual)
        by_date, old = {}, {}
        for company, company_lines in lines.grouped("company_id").items():
            # a handful of distinct arrivals: each converted to the company's date once
            day_of = functools.cache(company.sudo()._preorder_date_of)
            for line in company_lines:
                new = False
                if not line.preorder_parked_qty and line.preorder_allocation_ids:
                    # the request lines' own dates (the allocation's related
                    # field would be computed record by record)
                    arrival = allocation_rules.promise_date(
                        line.preorder_allocation_ids.purchase_line_id.mapped("date_planned")
                    )
                    new = arrival and day_of(arrival)
                old[line] = line.promise_date
                if new != line.promise_date:
                    by_date.setdefault(new, []).append(line.id)
        changed = lines.browse()
        for new, ids in by_date.items():
            date_lines = lines.browse(ids)
            date_lines.with_context(preorder_system_update=True).write({"promise_date": new})
            changed |= date_lines
        if sync:
            lines.filtered("promise_date_manual").write({"promise_date_manual": False})
            self._log(changed, old, self.env._("Synced with the request"))
        return changed.with_env(self.env)

    @api.model
    def _log(self, lines, old_dates, reason=None):
        """One chatter note per order naming each line's old and new promise date."""
        for order, order_lines in lines.grouped("order_id").items():
            changes = [
                self.env._(
                    "%(product)s: promise date %(old)s → %(new)s",
                    product=line.product_id.display_name,
                    old=self._format(old_dates[line]),
                    new=self._format(line.promise_date),
                )
                for line in order_lines
                if old_dates[line] != line.promise_date
            ]
            if changes:
                if reason:
                    changes.insert(0, reason)
                order._message_log(body=Markup("<br/>").join(changes))

    @api.model
    def _format(self, date):
        return format_date(self.env, date) if date else self.env._("none")

    @api.model
    def _mark_notified(self, lines):
        """The customer was just told these lines' promise dates."""
        for date, date_lines in lines.sudo().grouped("promise_date").items():
            date_lines.write({"promise_date_notified": date})

    # ------------------------------------------------------------------
    # Customer e-mails
    # ------------------------------------------------------------------

    @api.model
    def _notify_changes(self, orders):
        """One e-mail per order listing its changed promise dates; the orders
        e-mailed (callers checked the user)."""
        orders = orders.filtered(lambda order: order.preorder_promise_changed_lines())
        self._send(
            orders,
            "website_preorder.mail_template_promise_date_changed",
            self.env._("Promise date change e-mailed to the customer."),
        )
        lines = self.env["sale.order.line"].concat(
            *(order.preorder_promise_changed_lines() for order in orders)
        )
        self._mark_notified(lines)
        return orders

    @api.model
    def _notify_released(self, orders=None):
        """One e-mail per order with the quantities released since the last one
        (``orders``: all orders with such quantities)."""
        SaleLine = self.env["sale.order.line"].sudo()
        if orders is None:
            released = SaleLine.search([("preorder_release_notify_qty", ">", 0)])
        else:
            released = orders.sudo().order_line.filtered(
                lambda line: line.preorder_release_notify_qty > 0
            )
        self._send(
            released.order_id,
            "website_preorder.mail_template_preorder_released",
            self.env._("Release e-mail sent: pre-ordered goods are reserved for delivery."),
        )
        released.preorder_release_notify_qty = 0

    @api.model
    def _send(self, orders, template_xmlid, log):
        """One e-mail per order, rendered and queued in one batch (sent by the
        mail queue), and one line in each order's chatter, also in one batch."""
        if not orders:
            return
        template = self.env.ref(template_xmlid)
        template.sudo().send_mail_batch(orders.ids)
        orders._message_log_batch(bodies=dict.fromkeys(orders.ids, log))

    @api.model
    def _mail_lines(self, order):
        """Kind, date and unit price of the lines not served from stock, for e-mails."""
        lines = order.order_line.filtered(
            lambda line: not line.display_type and line.preorder_kind != STOCK
        )
        return [
            {
                "product": line.product_id.display_name,
                "quantity": line.product_uom_qty,
                "kind": line._preorder_kind_description(),
                "price_unit": formatLang(self.env, line.price_unit, currency_obj=order.currency_id),
                "exclusivity": line.preorder_exclusivity,
            }
            for line in lines
        ]
