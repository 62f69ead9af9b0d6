from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..rules.allocation import ALLOCATED
from ..rules.kinds import INTERNATIONAL, NATIONAL, PRESALE, REQUEST_KINDS
from ..rules.supply import CONFIRMED_STATES, starts_taking

REQUEST_KIND_SELECTION = [
    (NATIONAL, "National Pre-Order"),
    (INTERNATIONAL, "International Pre-Order"),
    (PRESALE, "Pre-Sale"),
]


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    preorder_kind = fields.Selection(
        REQUEST_KIND_SELECTION,
        string="Request Kind",
        index=True,
        tracking=True,
        help="Set on pre-order and pre-sale requests; empty for an ordinary purchase.",
    )
    preorder_allocation_ids = fields.One2many(
        "preorder.allocation", "purchase_order_id", string="Pre-order Details"
    )
    preorder_allocation_count = fields.Integer(compute="_compute_preorder_allocation_count")
    preorder_sale_order_count = fields.Integer(
        "Pre-order Sale Orders", compute="_compute_preorder_allocation_count"
    )
    is_restock = fields.Boolean(
        "Restock",
        help="The request restocks an existing product: the website labels its "
        "products 'Back-order' instead of 'Pre-order'.",
    )
    preorder_safety_percent = fields.Float(
        "Safety Buffer (%)",
        help="Share of each line's ordered quantity withheld from what is promised to "
        "shoppers, because vendors under-deliver; a line's own Safety Buffer wins.",
    )

    @api.constrains("preorder_safety_percent")
    def _check_preorder_safety_percent(self):
        for request in self:
            if not 0 <= request.preorder_safety_percent <= 100:
                raise ValidationError(self.env._("A safety buffer is between 0 and 100 %."))

    @api.depends("preorder_allocation_ids")
    def _compute_preorder_allocation_count(self):
        for request in self:
            allocations = request.sudo().preorder_allocation_ids
            request.preorder_allocation_count = len(allocations)
            request.preorder_sale_order_count = len(allocations.sale_order_id)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            kind = vals.get("preorder_kind", self.env.context.get("default_preorder_kind"))
            if kind and kind not in REQUEST_KINDS:
                raise UserError(self.env._("Unknown request kind: %s", kind))
        return super().create(vals_list)

    def write(self, vals):
        if "preorder_kind" in vals:
            locked = self.filtered(
                lambda order: order.state in CONFIRMED_STATES
                and order.preorder_kind != (vals["preorder_kind"] or False)
            )
            if locked:
                raise UserError(
                    self.env._(
                        "The kind of a confirmed request cannot change: %s",
                        ", ".join(locked.mapped("name")),
                    )
                )
        old_states = {order: order.state for order in self} if "state" in vals else {}
        result = super().write(vals)
        if "preorder_kind" in vals:
            # a draft changing kind: its allocations were of the old kind
            stale = self.preorder_allocation_ids.filtered(
                lambda a: a.kind != a.purchase_line_id.preorder_kind
            )
            stale._free_all(self.env._("The kind of the request changed."))
            self.filtered("preorder_kind")._preorder_allocate_parked()
        if "preorder_safety_percent" in vals:
            self.filtered("preorder_kind")._preorder_allocate_parked()
        if old_states:
            # approved (two-step), confirmed, back to draft...: starts taking orders
            self.filtered(
                lambda order: starts_taking(order.preorder_kind, old_states[order], order.state)
            )._preorder_allocate_parked()
        return result

    # ------------------------------------------------------------------
    # Allocation (SPEC §4)
    # ------------------------------------------------------------------

    def button_confirm(self):
        result = super().button_confirm()
        self.filtered("preorder_kind")._preorder_allocate_parked()
        return result

    def button_cancel(self):
        result = super().button_cancel()
        # released allocations stay: their goods are reserved for the customer
        cancelled = self.filtered(lambda order: order.state == "cancel")
        cancelled.preorder_allocation_ids._free_all(self.env._("The request was cancelled."))
        return result

    def _preorder_allocate_parked(self):
        """Parked sale lines of these requests' products take their quantity."""
        lines = self.order_line.filtered(lambda line: line.product_id and line.preorder_kind)
        if not lines:
            return self.env["preorder.allocation"]
        return self.env["preorder.allocation"]._allocate_parked(
            lines.product_id, set(lines.mapped("preorder_kind")), supply_lines=lines
        )

    def action_allocate_sales_orders(self):
        """Allocate Sales Orders for every line of these requests."""
        self.env["res.users"]._preorder_check_action(
            self, "purchase", self.env._("allocate sales orders")
        )
        allocations = self._preorder_allocate_parked()
        return self._preorder_notification(
            self.env._("%s sale line(s) allocated.", len(allocations.sale_line_id))
        )

    def action_sync_promise_dates(self):
        """Sync Date with SO for every line of these requests."""
        self.env["res.users"]._preorder_check_action(
            self, "purchase", self.env._("sync promise dates")
        )
        return self.order_line.action_preorder_sync_promise_dates()

    def action_view_preorder_allocations(self):
        """Review allocations of every line of these requests."""
        self.env["res.users"]._preorder_check_action(
            self, "review", self.env._("review allocations"), "read"
        )
        return self.order_line.action_preorder_review_allocations()

    def action_remove_preorder_allocations(self):
        """Remove allocations of every line: their sale lines are parked again
        (released allocations stay)."""
        # checked here: the allocations below are the superuser's, whose own
        # check passes
        self.env["res.users"]._preorder_check_action(
            self, "purchase", self.env._("remove allocations")
        )
        allocations = self.sudo().preorder_allocation_ids.filtered(lambda a: a.state == ALLOCATED)
        if not allocations:
            raise UserError(self.env._("These requests have no allocation that is not released."))
        sale_lines = allocations.sale_line_id
        allocations.action_remove_allocations()
        return self._preorder_notification(
            self.env._("%s sale line(s) parked again.", len(sale_lines))
        )

    def action_view_preorder_sale_orders(self):
        """The sale orders allocated to these requests."""
        self.env["res.users"]._preorder_check_action(
            self, "review", self.env._("open the pre-ordering sale orders"), "read"
        )
        orders = self.sudo().preorder_allocation_ids.sale_order_id
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action.update(
            {
                "domain": [("id", "in", orders.ids)],
                "context": {"create": False},
                "name": self.env._("Pre-order Sale Orders"),
            }
        )
        if len(orders) == 1:
            action.update({"view_mode": "form", "views": [(False, "form")], "res_id": orders.id})
        return action

    def _preorder_notification(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _get_thread_with_access(self, thread_id, mode="read", **kwargs):
        """The portal's chatter routes open a document by its access token:
        never a request for portal and public users (SPEC §8)."""
        thread = super()._get_thread_with_access(thread_id, mode, **kwargs)
        if thread and self.env.user.share and thread.sudo().preorder_kind:
            return self.browse()
        return thread

    def action_compute_presale_prices(self):
        """Presale Price Calculation: the pre-sale prices of this request's products."""
        self.env["res.users"]._preorder_check_action(
            self, "purchase", self.env._("calculate pre-sale prices")
        )
        requests = self.filtered(lambda order: order.preorder_kind == PRESALE)
        if not requests:
            raise UserError(self.env._("Pre-sale prices are calculated on pre-sale requests only."))
        counts = {"created": 0, "updated": 0, "removed": 0}
        for company, orders in requests.grouped("company_id").items():
            products = orders.order_line.product_id.with_company(company)
            Pricelist = self.env["product.pricelist"].with_company(company)
            for key, value in Pricelist._preorder_update_presale_prices(products).items():
                counts[key] += value
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Pre-sale prices"),
                "message": self.env._(
                    "%(created)s created, %(updated)s updated, %(removed)s removed.", **counts
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
