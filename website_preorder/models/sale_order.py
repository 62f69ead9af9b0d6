import contextlib
import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import SQL, float_compare, formatLang

from ..rules import cancellation as cancellation_rules
from ..rules import cart as cart_rules
from ..rules.kinds import (
    INTERNATIONAL,
    NATIONAL,
    NEXT_DAY,
    PRESALE,
    REQUEST_KINDS,
    SALE_KINDS,
    STOCK,
)


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
        now = fields.Datetime.now()
        for order in self:
            company = order.company_id.sudo()
            lines = order.sudo().order_line
            order.preorder_can_cancel = cancellation_rules.may_cancel(
                company.preorder_cancel_enabled,
                order.state,
                order.date_order,
                company.preorder_cancel_hours,
                now,
                started=any(lines.mapped("qty_delivered")) or any(lines.mapped("qty_invoiced")),
            )

    def _preorder_portal_cancel(self):
        """Cancel at the customer's request, inside the window; False when refused."""
        self.ensure_one()
        # a release or a second request for the same order waits here, then sees
        # the order as it is now (Odoo retries the request on a stale snapshot)
        self.env.cr.execute(
            SQL("SELECT id FROM sale_order WHERE id = %s FOR UPDATE", self.id), log_exceptions=False
        )
        self.invalidate_recordset(["state", "preorder_can_cancel"])
        self.order_line.invalidate_recordset(["qty_delivered", "qty_invoiced"])
        if not self.preorder_can_cancel:
            return False
        self.sudo()._action_cancel()
        self.sudo()._message_log(body=self.env._("Cancelled by the customer from the portal."))
        return True

    def _action_confirm(self):
        # allocate before the deliveries exist, so none of them reserves too early
        lines = self.order_line.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
        self.env["preorder.allocation"]._allocate(lines)
        result = super()._action_confirm()
        lines._preorder_schedule_threshold_activity()
        return result

    def _action_cancel(self):
        allocations = self.order_line.sudo().preorder_allocation_ids
        products = allocations.product_id
        result = super()._action_cancel()
        if allocations:
            allocations._deallocate(self.env._("The sale order was cancelled."))
            # what they held may serve parked lines of other orders
            self.env["preorder.allocation"]._allocate_parked(products)
        return result

    def _send_order_confirmation_mail(self):
        """The merchant's confirmation template is kept; the notification layout
        adds each pre-order line's kind and date (views/mail_notification_layout.xml).
        The e-mail counts as telling the customer those promise dates (promise
        date notifications report changes since)."""
        result = super(
            SaleOrder, self.with_context(preorder_confirmation_mail=True)
        )._send_order_confirmation_mail()
        self.order_line.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
        )._preorder_mark_notified()
        return result

    def _notify_by_email_prepare_rendering_context(
        self, message, msg_vals=False, model_description=False, force_email_company=False,
        force_email_lang=False,
    ):  # fmt: skip
        render_context = super()._notify_by_email_prepare_rendering_context(
            message,
            msg_vals=msg_vals,
            model_description=model_description,
            force_email_company=force_email_company,
            force_email_lang=force_email_lang,
        )
        if self.env.context.get("preorder_confirmation_mail") and len(self) == 1:
            render_context["preorder_lines"] = self._preorder_mail_lines()
        return render_context

    def _preorder_mail_lines(self):
        """Kind, date and unit price of the lines not served from stock, for e-mails."""
        self.ensure_one()
        lines = self.order_line.filtered(
            lambda line: not line.display_type and line.preorder_kind != STOCK
        )
        return [
            {
                "product": line.product_id.display_name,
                "quantity": line.product_uom_qty,
                "kind": line._preorder_kind_description(),
                "price_unit": formatLang(self.env, line.price_unit, currency_obj=self.currency_id),
                "exclusivity": line.preorder_exclusivity,
            }
            for line in lines
        ]

    # ------------------------------------------------------------------
    # Customer notifications
    # ------------------------------------------------------------------

    def preorder_promise_changed_lines(self):
        """Pre-order lines whose promise date changed since the customer was told."""
        self.ensure_one()
        self.check_access("read")
        return self.order_line.sudo().filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.promise_date != line.promise_date_notified
        )

    def preorder_release_lines(self):
        """Lines with quantity released since the customer was last told."""
        self.ensure_one()
        self.check_access("read")
        return self.order_line.sudo().filtered(lambda line: line.preorder_release_notify_qty > 0)

    def action_preorder_notify_promise_dates(self):
        """Notify customers: one e-mail per order listing its changed promise dates."""
        self.env["res.users"]._preorder_check_action(
            self, "sales", self.env._("notify customers of promise dates")
        )
        orders = self.filtered(lambda order: order.preorder_promise_changed_lines())
        if not orders:
            # nothing to tell is news for staff, not an error (an import goes on)
            return self._preorder_notify_result(
                "warning", self.env._("No promise date changed since the customers were last told.")
            )
        orders._preorder_send(
            "website_preorder.mail_template_promise_date_changed",
            self.env._("Promise date change e-mailed to the customer."),
        )
        lines = self.env["sale.order.line"].concat(
            *(order.preorder_promise_changed_lines() for order in orders)
        )
        lines._preorder_mark_notified()
        return self._preorder_notify_result(
            "success", self.env._("%s customer(s) notified.", len(orders))
        )

    def _preorder_notify_result(self, kind, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _preorder_notify_release(self):
        """One e-mail per order with the quantities released since the last one."""
        released = self.order_line.sudo().filtered(
            lambda line: line.preorder_release_notify_qty > 0
        )
        orders = self & released.order_id
        orders._preorder_send(
            "website_preorder.mail_template_preorder_released",
            self.env._("Release e-mail sent: pre-ordered goods are reserved for delivery."),
        )
        released.preorder_release_notify_qty = 0

    def _preorder_send(self, template_xmlid, log):
        """One e-mail per order, rendered and queued in one batch (sent by the
        mail queue), and one line in each order's chatter, also in one batch."""
        if not self:
            return
        template = self.env.ref(template_xmlid)
        template.sudo().send_mail_batch(self.ids)
        self._message_log_batch(bodies=dict.fromkeys(self.ids, log))

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
        product = self.env["product.product"].browse(product_id)
        exclusivity = (
            order_line.preorder_exclusivity
            if order_line
            else bool(kwargs.get("preorder_exclusivity"))
        )
        facts = self._preorder_cart_facts(product, kind, order_line, new_qty, exclusivity)
        refusal = cart_rules.refusal(facts)
        if refusal:
            message = self._preorder_refusal_message(refusal)
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

    def _preorder_refusal_message(self, refusal):
        """The shopper's message for a ``rules.cart.Refusal``."""
        kind = {
            STOCK: self.env._("from stock"),
            NATIONAL: self.env._("pre-order"),
            INTERNATIONAL: self.env._("international pre-order"),
            PRESALE: self.env._("pre-sale"),
            NEXT_DAY: self.env._("next-day shipping"),
        }.get(refusal.kind, refusal.kind)
        params = {key: f"{value:g}" for key, value in refusal.params.items()}
        messages = {
            cart_rules.UNKNOWN_KIND: lambda: self.env._("Unknown way to buy: %(kind)s.", kind=kind),
            cart_rules.KIND_DISABLED: lambda: self.env._(
                "This product cannot be bought as %(kind)s at the moment.", kind=kind
            ),
            cart_rules.IN_STOCK: lambda: self.env._(
                "This product is in stock: it cannot be bought as %(kind)s at the moment.",
                kind=kind,
            ),
            cart_rules.EXCLUDED_PRICELIST: lambda: self.env._(
                "Products cannot be bought as %(kind)s with your price list.", kind=kind
            ),
            cart_rules.BELOW_MINIMUM: lambda: self.env._(
                "An international pre-order of this product is at least %(min_qty)s.", **params
            ),
            cart_rules.OTHER_PRICELIST: lambda: self.env._(
                "Your cart holds items with another price list: check them out before "
                "buying this one as %(kind)s.",
                kind=kind,
            ),
            cart_rules.EXCLUSIVITY_MINIMUM: lambda: self.env._(
                "Exclusivity of this product requires at least %(min_qty)s.", **params
            ),
            cart_rules.NOT_NEXT_DAY: lambda: self.env._(
                "This product is not offered for next-day shipping."
            ),
            cart_rules.NEXT_DAY_PRICELIST: lambda: self.env._(
                "Next-day shipping is only sold on the Cash or Credit Next Day price list."
            ),
            cart_rules.NOT_ENOUGH: lambda: self.env._(
                "Only %(available)s available as %(kind)s.", kind=kind, **params
            ),
        }
        return messages[refusal.code]()

    def _preorder_needed_pricelist(self, kind):
        company = self.company_id
        if kind == PRESALE:
            return company.presale_pricelist_id.id or 0
        if kind == INTERNATIONAL:
            return company.international_pricelist_id.id or 0
        return 0

    def _preorder_cart_facts(self, product, kind, order_line, new_qty, exclusivity):
        """Gather what rules.cart needs: a few grouped reads, no loop of queries."""
        company = self.company_id.sudo()
        others = self.order_line - order_line
        same = others.filtered(lambda line: line.product_id == product)
        kind_total = sum(
            same.filtered(lambda sol: sol.preorder_kind == kind).mapped("product_uom_qty")
        )
        product = product.with_company(company).sudo()
        on_request = in_stock_blocks = False
        if kind == NEXT_DAY:
            free = self.env["stock.quant"]._preorder_free_qty(product, company)[product.id]
            stock_in_cart = sum(
                same.filtered(lambda sol: sol.preorder_kind == STOCK).mapped("product_uom_qty")
            )
            offered = free - stock_in_cart
            Supply = self.env["purchase.order.line"]
            on_request = product.id in Supply._preorder_products_on_request(product, company)
            enabled = True
        elif kind in REQUEST_KINDS:
            availability = product._get_preorder_availability(company)[product.id]
            offered = availability.get(kind).qty
            enabled = company.presale_enabled if kind == PRESALE else company.preorder_enabled
            if kind != PRESALE and company.preorder_only_out_of_stock:
                free = self.env["stock.quant"]._preorder_free_qty(product, company)[product.id]
                in_stock_blocks = free > 0
        else:
            offered, enabled = 0.0, False
        return cart_rules.CartLine(
            kind=kind,
            quantity=new_qty,
            kind_total=kind_total + new_qty,
            offered=offered,
            kind_enabled=enabled,
            min_qty=product.preorder_min_qty,
            exclusivity=exclusivity,
            exclusivity_min_qty=product.exclusivity_min_qty,
            next_day_product=product.next_day_shipping,
            on_request=on_request,
            pricelist_id=self._preorder_shopper_pricelist().id or 0,
            excluded_pricelist_id=company.preorder_excluded_pricelist_id.id or 0,
            next_day_pricelist_ids=frozenset(
                (company.next_day_cash_pricelist_id | company.next_day_credit_pricelist_id).ids
            ),
            needed_pricelist_id=self._preorder_needed_pricelist(kind),
            other_needed_pricelist_ids=frozenset(
                self._preorder_needed_pricelist(line.preorder_kind) for line in others
            ),
            in_stock_blocks_preorder=in_stock_blocks,
        )

    def _cart_update(self, *args, **kwargs):
        kind = kwargs.get("preorder_kind")
        if kind and kind not in SALE_KINDS:
            raise UserError(self.env._("Unknown way to buy: %s", kind))
        for name in ("add_qty", "set_qty"):
            # Odoo turns a quantity it cannot read into 1: refuse it instead
            if not cart_rules.is_valid_quantity(kwargs.get(name)):
                raise UserError(self.env._("The quantity must be a whole number."))
        if kwargs.get("linked_line_id"):
            # optional products and combo items are bought from stock
            kwargs = dict(kwargs, preorder_kind=STOCK, preorder_exclusivity=False)
        elif kwargs.get("preorder_exclusivity") and kind != INTERNATIONAL:
            # exclusivity is offered with international pre-orders only
            kwargs = dict(kwargs, preorder_exclusivity=False)
        result = super()._cart_update(*args, **kwargs)
        self._preorder_sync_pricelist()
        return result

    # ------------------------------------------------------------------
    # Website cart pricelists (README "Cart pricelists"): a pre-sale or
    # international line puts the order on its kind's pricelist; every other
    # line stays priced by the shopper's pricelist, remembered here.
    # ------------------------------------------------------------------

    def _preorder_forced_pricelists(self):
        """{kind: pricelist id} of the kinds that put the cart on their own pricelist."""
        return {kind: self._preorder_needed_pricelist(kind) for kind in (PRESALE, INTERNATIONAL)}

    def _preorder_shopper_pricelist(self):
        """The pricelist of the cart's ordinary lines: the shopper's."""
        self.ensure_one()
        return self.preorder_base_pricelist_id or self.pricelist_id

    def _preorder_is_managed_cart(self):
        self.ensure_one()
        return bool(self.website_id) and self.state == "draft"

    def _preorder_pricelist_plan(self):
        self.ensure_one()
        forced = self._preorder_forced_pricelists()
        forced_ids = set(forced.values())
        default = self.env["product.pricelist"]
        if (
            self.website_id
            and self.pricelist_id.id in forced_ids
            and self.preorder_base_pricelist_id.id in forced_ids | {False}
        ):
            # forced with no shopper's pricelist known (an old or merged cart)
            default = self.website_id.with_company(self.company_id)._get_current_pricelist()
        return cart_rules.pricelist_plan(
            self.order_line.mapped("preorder_kind"),
            forced,
            self.pricelist_id.id or 0,
            self.preorder_base_pricelist_id.id or 0,
            default.id or 0,
        )

    def _preorder_fix_pricelist(self):
        """Put each website cart on the pricelists the rules require (no repricing).

        Returns the carts that changed."""
        changed = self.browse()
        for order in self.filtered(lambda order: order._preorder_is_managed_cart()):
            plan = order._preorder_pricelist_plan()
            if plan.conflict:
                continue
            values = {
                "pricelist_id": plan.pricelist_id or False,
                "preorder_base_pricelist_id": plan.base_pricelist_id or False,
            }
            if (order.pricelist_id.id or 0, order.preorder_base_pricelist_id.id or 0) != (
                plan.pricelist_id,
                plan.base_pricelist_id,
            ):
                order.write(values)
                changed |= order
        return changed

    def _preorder_sync_pricelist(self):
        """Fix the cart's pricelists and reprice it when they changed."""
        changed = self._preorder_fix_pricelist()
        if changed:
            changed._recompute_prices()
        return changed

    def _recompute_prices(self):
        # whatever set the pricelist (address, login, pricelist switch, promo
        # code), a website cart is repriced on the pricelists the rules require
        self._preorder_fix_pricelist()
        return super()._recompute_prices()

    def _cart_update_pricelist(self, pricelist_id=None):
        result = super()._cart_update_pricelist(pricelist_id=pricelist_id)
        # super() reprices only when the order's pricelist changed: the pricelist
        # the shopper chose may be new for the ordinary lines of a forced cart
        self._preorder_sync_pricelist()
        return result

    def _update_address(self, partner_id, fnames=None):
        result = super()._update_address(partner_id, fnames=fnames)
        self._preorder_sync_pricelist()
        shopper = self.preorder_base_pricelist_id
        if shopper and request:
            # the shop goes on showing the shopper's prices, not the cart's forced ones
            request.session["website_sale_current_pl"] = shopper.id
        return result

    def _preorder_price_changes(self):
        """Lines whose price differs from what the rules give now, and whether the
        pricelist is wrong. Changes nothing (computed in a rolled back savepoint)."""
        self.ensure_one()
        report = {}

        class _Rollback(Exception):
            pass

        lines = self._get_update_prices_lines()
        before = {line.id: (line.price_unit, line.discount) for line in lines}
        pricelists_before = (self.pricelist_id, self.preorder_base_pricelist_id)
        with contextlib.suppress(_Rollback), self.env.cr.savepoint():
            # repriced the way the cart would be (pricelists fixed first)
            self._recompute_prices()
            report["pricelist"] = (
                self.pricelist_id,
                self.preorder_base_pricelist_id,
            ) != pricelists_before
            digits = self.env["decimal.precision"].precision_get("Product Price")
            report["lines"] = [
                (line.id, line.price_unit)
                for line in lines
                if float_compare(line.price_unit, before[line.id][0], precision_digits=digits)
                or float_compare(line.discount, before[line.id][1], precision_digits=2)
            ]
            raise _Rollback
        return report

    def _check_cart_is_ready_to_be_paid(self):
        """Before payment: every pre-order, pre-sale and next-day line against its
        rules, and the cart's pricelists and prices against what the rules give
        now. A refusal changes nothing; the checkout pages then show the fixed cart."""
        messages = []
        for line in self.order_line.filtered(lambda sol: sol.preorder_kind != STOCK):
            facts = self._preorder_cart_facts(
                line.product_id,
                line.preorder_kind,
                line,
                line.product_uom_qty,
                line.preorder_exclusivity,
            )
            refusal = cart_rules.refusal(facts)
            if refusal:
                messages.append(
                    self.env._(
                        "%(product)s: %(reason)s",
                        product=line.product_id.display_name,
                        reason=self._preorder_refusal_message(refusal),
                    )
                )
        if self._preorder_is_managed_cart():
            messages += self._preorder_price_messages()
        if messages:
            raise ValidationError("\n".join(messages))
        return super()._check_cart_is_ready_to_be_paid()

    def _preorder_price_messages(self):
        self.ensure_one()
        if self._preorder_pricelist_plan().conflict:
            return [
                self.env._(
                    "Your cart holds pre-sale and international pre-order items: check "
                    "them out in separate orders."
                )
            ]
        report = self._preorder_price_changes()
        messages = []
        if report["pricelist"]:
            messages.append(self.env._("The price list of your cart no longer matches its items."))
        if report["lines"]:
            lines = self.env["sale.order.line"].browse(
                [line_id for line_id, _price in report["lines"]]
            )
            messages.append(
                self.env._(
                    "The price of %(products)s changed: please review your cart.",
                    products=", ".join(lines.product_id.mapped("display_name")),
                )
            )
        return messages
