import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.http import request

from ..rules.kinds import NEXT_DAY, REQUEST_KINDS, STOCK


class SaleOrder(models.Model):
    _inherit = "sale.order"

    preorder_line_count = fields.Integer(compute="_compute_preorder_line_count")
    preorder_can_cancel = fields.Boolean(
        "Customer may cancel", compute="_compute_preorder_can_cancel"
    )
    preorder_base_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Shopper's Pricelist",
        readonly=True,
        copy=False,
        help="While a pre-sale or international line puts a website cart on its own "
        "pricelist, the cart's other lines keep the shopper's pricelist, kept here.",
    )
    preorder_deposit = fields.Selection(
        [("due", "Balance due at release"), ("invoiced", "Balance invoiced")],
        string="Deposit",
        readonly=True,
        copy=False,
        help="The website cart paid a deposit; the balance is invoiced once its pre-order "
        "and pre-sale lines are released.",
    )
    preorder_request_count = fields.Integer(
        "Pre-order Requests",
        compute="_compute_preorder_request_count",
        groups="purchase.group_purchase_user",
    )

    @api.depends("order_line.preorder_allocation_ids")
    def _compute_preorder_request_count(self):
        for order in self:
            requests = order.sudo().order_line.preorder_allocation_ids.purchase_order_id
            order.preorder_request_count = len(requests)

    def action_view_preorder_requests(self):
        """The requests this order's lines are allocated to (smart button)."""
        self.env["res.users"]._preorder_check_action(
            self, "purchase", self.env._("open the pre-order requests"), "read"
        )
        requests = self.sudo().order_line.preorder_allocation_ids.purchase_order_id
        action = self.env["ir.actions.act_window"]._for_xml_id("purchase.purchase_rfq")
        action.update(
            {
                "domain": [("id", "in", requests.ids)],
                "context": {"create": False},
                "name": self.env._("Pre-order Requests"),
            }
        )
        if len(requests) == 1:
            action.update({"view_mode": "form", "views": [(False, "form")], "res_id": requests.id})
        return action

    @api.depends("order_line.preorder_kind")
    def _compute_preorder_line_count(self):
        for order in self:
            order.preorder_line_count = len(
                order.order_line.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
            )

    @api.depends("state", "date_order", "company_id", "order_line.qty_delivered",
                 "order_line.qty_invoiced")  # fmt: skip
    @api.depends_context("uid")
    def _compute_preorder_can_cancel(self):
        may_cancel = self.env["preorder.cancellation"]._may_cancel(self)
        for order in self:
            order.preorder_can_cancel = may_cancel[order.id]

    def _action_confirm(self):
        # allocate before the deliveries exist, so none of them reserves too early
        self.env["preorder.allocator"]._allocate_confirmed(self.order_line)
        return super()._action_confirm()

    def _action_cancel(self):
        allocations = self.order_line.sudo().preorder_allocation_ids
        products = allocations.product_id
        result = super()._action_cancel()
        if allocations:
            self.env["preorder.deallocator"]._deallocate(
                allocations, self.env._("The sale order was cancelled.")
            )
            # what they held may serve parked lines of other orders
            self.env["preorder.allocator"]._allocate_parked(products)
        return result

    def _get_prepayment_required_amount(self):
        # a shop cart paying a deposit (preorder.deposit) is confirmed by it
        due = (
            self.env["preorder.deposit"]._due_now(self) if self.preorder_deposit == "due" else None
        )
        return super()._get_prepayment_required_amount() if due is None else due

    def _send_order_confirmation_mail(self):
        """The merchant's confirmation template is kept; the notification layout
        adds each pre-order line's kind and date (views/mail_notification_layout.xml).
        The e-mail counts as telling the customer those promise dates (promise
        date notifications report changes since)."""
        result = super(
            SaleOrder, self.with_context(preorder_confirmation_mail=True)
        )._send_order_confirmation_mail()
        self.env["preorder.promise"]._mark_notified(
            self.order_line.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
        )
        return result

    def _notify_by_email_prepare_rendering_context(self, message, *args, **kwargs):
        render_context = super()._notify_by_email_prepare_rendering_context(
            message, *args, **kwargs
        )
        if self.env.context.get("preorder_confirmation_mail") and len(self) == 1:
            render_context["preorder_lines"] = self.env["preorder.promise"]._mail_lines(self)
            render_context["preorder_shipping"] = self._preorder_shipping_choice()
        return render_context

    # ------------------------------------------------------------------
    # Customer notifications
    # ------------------------------------------------------------------

    def _preorder_lines(self, predicate):
        """This order's lines matching ``predicate``, once the order is readable
        (mail templates, portal pages)."""
        self.ensure_one()
        self.check_access("read")
        return self.order_line.sudo().filtered(predicate)

    def preorder_promise_changed_lines(self):
        """Pre-order lines whose promise date changed since the customer was told."""
        return self._preorder_lines(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.promise_date != line.promise_date_notified
        )

    def preorder_consent_lines(self):
        """Lines whose slipped date waits for the customer's answer."""
        return self._preorder_lines(lambda line: line.preorder_consent_state == "pending")

    def preorder_release_lines(self):
        """Lines with quantity released since the customer was last told."""
        return self._preorder_lines(lambda line: line.preorder_release_notify_qty > 0)

    def action_preorder_notify_promise_dates(self):
        """Notify customers: one e-mail per order listing its changed promise dates."""
        self.env["res.users"]._preorder_check_action(
            self, "sales", self.env._("notify customers of promise dates")
        )
        return self.env["preorder.promise"]._notify_action(self)

    # ------------------------------------------------------------------
    # Website cart rules (SPEC §7): the same product as two kinds is two lines
    # ------------------------------------------------------------------

    def _cart_find_product_line(self, product_id, line_id=None, **kwargs):
        lines = super()._cart_find_product_line(product_id, line_id=line_id, **kwargs)
        if line_id:
            return lines
        kind = kwargs.get("preorder_kind") or STOCK
        return lines.filtered(lambda line: line.preorder_kind == kind)

    def _prepare_order_line_values(self, product_id, quantity, **kwargs):
        values = super()._prepare_order_line_values(product_id, quantity, **kwargs)
        values["preorder_kind"] = kwargs.get("preorder_kind") or STOCK
        values["preorder_exclusivity"] = bool(kwargs.get("preorder_exclusivity"))
        return values

    def _get_common_product_lines(self, line=None, product=None):
        # only lines served from stock compete for free stock
        lines = super()._get_common_product_lines(line=line, product=product)
        return lines.filtered(lambda sol: sol.preorder_kind in (STOCK, NEXT_DAY))

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        kind = order_line.preorder_kind if order_line else kwargs.get("preorder_kind") or STOCK
        if kind == STOCK:
            return super()._verify_updated_quantity(order_line, product_id, new_qty, **kwargs)
        message = self.env["preorder.cart"]._update_refusal(
            self, order_line, product_id, kind, new_qty, kwargs
        )
        if message:
            # also kept on the cart, for the "go to cart" flow (shown once there)
            self.shop_warning = message
            return (order_line.product_uom_qty if order_line else 0), message
        # the kind's own limit is checked: the other hooks still run, without
        # website_sale_stock's free-stock cap (pre-orders sell what is not in stock)
        return super(SaleOrder, self.with_context(preorder_uncapped=True))._verify_updated_quantity(
            order_line, product_id, new_qty, **kwargs
        )

    def _get_cart_and_free_qty(self, product, line=None):
        cart_qty, free_qty = super()._get_cart_and_free_qty(product, line=line)
        if self.env.context.get("preorder_uncapped"):
            return cart_qty, math.inf
        return cart_qty, free_qty

    def _cart_update(self, *args, **kwargs):
        kwargs = self.env["preorder.cart"]._cart_update_kwargs(kwargs)
        result = super()._cart_update(*args, **kwargs)
        self.env["preorder.cart.pricing"]._sync_pricelists(self)
        return result

    def _preorder_shipping_choice(self):
        """The shipping choice as the shopper reads it, or "" when the order has
        no pre-order or pre-sale line (confirmation page, portal, e-mail)."""
        self.ensure_one()
        Cart = self.env["preorder.cart"]
        if not Cart._offers_shipping_choice(self):
            return ""
        return Cart._shipping_labels()[self.picking_policy]

    def _preorder_is_managed_cart(self):
        self.ensure_one()
        return bool(self.website_id) and self.state == "draft"

    # ------------------------------------------------------------------
    # Website cart pricelists (preorder.cart.pricing): a pre-sale or
    # international line puts the order on its kind's pricelist, the other
    # lines keep the shopper's
    # ------------------------------------------------------------------

    def _recompute_prices(self):
        # whatever set the pricelist (address, login, pricelist switch, promo
        # code), a website cart is repriced on the pricelists the rules require
        self.env["preorder.cart.pricing"]._fix_pricelists(self)
        return super()._recompute_prices()

    def _cart_update_pricelist(self, pricelist_id=None):
        result = super()._cart_update_pricelist(pricelist_id=pricelist_id)
        # super() reprices only when the order's pricelist changed: the pricelist
        # the shopper chose may be new for the ordinary lines of a forced cart
        self.env["preorder.cart.pricing"]._sync_pricelists(self)
        return result

    def _update_address(self, partner_id, fnames=None):
        result = super()._update_address(partner_id, fnames=fnames)
        self.env["preorder.cart.pricing"]._sync_pricelists(self)
        shopper = self.preorder_base_pricelist_id
        if shopper and request:
            # the shop goes on showing the shopper's prices, not the cart's forced ones
            request.session["website_sale_current_pl"] = shopper.id
        return result

    def _check_cart_is_ready_to_be_paid(self):
        """Before payment, the cart against the rules (preorder.cart): a refusal
        changes nothing; the checkout pages then show the fixed cart."""
        messages = self.env["preorder.cart"]._payment_messages(self)
        if messages:
            raise ValidationError("\n".join(messages))
        return super()._check_cart_is_ready_to_be_paid()
