from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..rules import release as release_rules
from ..rules.kinds import REQUEST_KINDS


class PreorderReleaseNow(models.AbstractModel):
    """Release now (staff), on sale lines and deliveries: runs the one release
    rule (``preorder.release``) for the lines' products and tells staff, line
    by line, what was reserved or why a line waits
    (``rules.release.blocked_reason``)."""

    _name = "preorder.release.now"
    _description = "Pre-order Release Now"

    @api.model
    def _run_lines(self, lines):
        """Release now on sale lines: those of ``lines`` not released yet."""
        lines = lines.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.preorder_state in ("parked", "allocated")
        )
        if not lines:
            raise UserError(self.env._("Select pre-order lines that are not released yet."))
        return self._run(lines)

    @api.model
    def _run(self, lines, apply=True):
        """Release now (staff): run (or, ``apply=False``, only plan) the release of
        ``lines``' products, oldest orders first, and tell staff what happened to
        each line. Callers check access; ``lines`` are sudo."""
        result = self.env["preorder.release"]._release_products(lines.product_id, apply=apply)
        planned = {release.sale_line_id for release in result.planned}
        # the open (or just served) pre-order lines of these products, read once
        queue = lines.search(
            [
                ("product_id", "in", lines.product_id.ids),
                ("preorder_kind", "in", list(REQUEST_KINDS)),
                ("order_id.state", "=", "sale"),
                "|",
                ("preorder_state", "in", ["parked", "allocated"]),
                ("id", "in", list(result.reserved)),
            ]
        )
        messages, complete = [], True
        for line in lines:
            name = self.env._(
                "%(order)s · %(product)s",
                order=line.order_id.name,
                product=line.product_id.display_name,
            )
            reserved = result.reserved.get(line.id, 0.0)
            if reserved:
                messages.append(
                    self.env._(
                        "%(line)s: %(qty)s reserved for delivery.",
                        line=name,
                        qty=line._preorder_format_qty(reserved),
                    )
                )
                complete = complete and line.preorder_state == "released"
                continue
            complete = False
            if not apply and line.id in planned:
                messages.append(
                    self.env._(
                        "%(line)s: can be released now (Release now, or the release job).",
                        line=name,
                    )
                )
                continue
            messages.append(self._blocked_message(line, result, name, queue))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if complete else "warning",
                "title": self.env._("Release"),
                "message": "\n".join(messages),
                "sticky": not complete,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _blocked_message(self, line, result, name, queue):
        """Why release reserved nothing for ``line`` (rules.release.blocked_reason);
        ``queue``: the open pre-order lines of its product."""
        Delivery = self.env["preorder.delivery"]
        location = Delivery._location(line)
        allocations = line.preorder_allocation_ids.filtered(lambda a: a.state == "allocated")
        today = result.today.get(line.company_id.id) or line.company_id._preorder_today()
        due = bool(
            line.preorder_parked_qty
            or any(result.covered.get(a.id) for a in allocations)
            or (line.promise_date and line.promise_date <= today)
        )
        mine = (line.order_id.date_order, line.id)
        earlier = queue.filtered(
            lambda other: other.product_id == line.product_id
            and Delivery._location(other) == location
            and (other.order_id.date_order, other.id) < mine
        )
        reason, waiting = release_rules.blocked_reason(
            line.id, line.product_id.id, location.id, result.free, earlier.ids, due
        )
        if reason == release_rules.NOT_DUE:
            return self.env._(
                "%(line)s waits for its goods: they have not arrived for it and its promise "
                "date (%(date)s) has not come.",
                line=name,
                date=format_date(self.env, line.promise_date)
                if line.promise_date
                else self.env._("none"),
            )
        if reason == release_rules.NO_STOCK:
            return self.env._(
                "%(line)s: no free stock in %(location)s.",
                line=name,
                location=location.display_name,
            )
        orders = ", ".join(sorted(set(line.browse(waiting).order_id.mapped("name"))))
        return self.env._(
            "%(line)s waits for earlier orders: %(orders)s.", line=name, orders=orders
        )
