import functools

from markupsafe import Markup

from odoo import api, models
from odoo.tools import format_date, formatLang

from ..rules import allocation as allocation_rules
from ..rules.kinds import NATIONAL, REQUEST_KINDS, STOCK


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
        self.env["preorder.consent"]._ask(changed, old)
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
    def _notify_action(self, orders):
        """Notify customers (staff button): e-mail the orders with changed promise
        dates and say how many were told."""
        notified = self._notify_changes(orders)
        if not notified:
            # nothing to tell is news for staff, not an error (an import goes on)
            kind, message = (
                "warning",
                self.env._("No promise date changed since the customers were last told."),
            )
        else:
            kind, message = "success", self.env._("%s customer(s) notified.", len(notified))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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

    # ------------------------------------------------------------------
    # How a line's kind is told
    # ------------------------------------------------------------------

    @api.model
    def _kind_description(self, line):
        """The kind and its date. National pre-orders of restocked products say
        "Back-order", as the product page does."""
        kind = line.preorder_kind
        if kind == STOCK:
            return ""
        if kind == NATIONAL and line.preorder_is_restock:
            label = self.env._("Back-order")
        else:
            label = dict(line._fields["preorder_kind"]._description_selection(self.env))[kind]
        date = line.preorder_expected_date
        if date:
            return self.env._(
                "%(kind)s — expected %(date)s", kind=label, date=format_date(self.env, date)
            )
        return label

    @api.model
    def _expected_dates(self, lines):
        """{line id: its promise date, or while there is none the earliest date its
        kind offers now}. One availability query per company."""
        waiting = lines.filtered(
            lambda line: not line.promise_date and line.preorder_kind in REQUEST_KINDS
        )
        dates = {line.id: line.promise_date for line in lines}
        for company, company_lines in waiting.grouped("company_id").items():
            availability = company_lines.product_id.sudo()._get_preorder_availability(company)
            for line in company_lines:
                offer = availability[line.product_id.id].get(line.preorder_kind)
                dates[line.id] = offer.date or False
        return dates

    @api.model
    def _restock_flags(self, lines):
        """{line id: Back-order} of national pre-order lines: allocated lines follow
        their requests, the others the product's open requests, as the product
        page does. Read in sets: one query per company."""
        lines = lines.filtered(lambda line: line.preorder_kind == NATIONAL and line.product_id)
        flags = {}
        waiting = lines.browse()
        for line in lines:
            requests = line.sudo().preorder_allocation_ids.purchase_order_id
            if requests:
                flags[line.id] = all(requests.mapped("is_restock"))
            else:
                waiting |= line
        for company, company_lines in waiting.grouped("company_id").items():
            restock = self.env["purchase.order.line"]._preorder_restock_products(
                company_lines.product_id, company
            )
            for line in company_lines:
                flags[line.id] = line.product_id.id in restock
        return flags
