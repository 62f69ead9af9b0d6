import contextlib
import hashlib
import logging
import math
import time
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, fields, models, modules
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.osv import expression
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, float_compare, format_date, format_datetime, formatLang

from ..rules import balance as balance_rules
from ..rules import cancellation as cancellation_rules
from ..rules import cart as cart_rules
from ..rules import consent as consent_rules
from ..rules import deposit as deposit_rules
from ..rules import hold as hold_rules
from ..rules import launch as launch_rules
from ..rules import refund as refund_rules
from ..rules import self_service as self_service_rules
from ..rules.allocation import RELEASED
from ..rules.kinds import (
    INTERNATIONAL,
    NATIONAL,
    NEXT_DAY,
    PRESALE,
    REQUEST_KINDS,
    SALE_KINDS,
    STOCK,
)
from .ir_qweb import BATCH_KEY as QWEB_BATCH_KEY

_logger = logging.getLogger(__name__)


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
    preorder_balance_token_id = fields.Many2one(
        "payment.token",
        string="Balance Payment Method",
        copy=False,
        readonly=True,
        groups="sales_team.group_sale_salesman",
        help="Saved with the deposit; the balance is charged to it at release.",
    )
    preorder_balance_state = fields.Selection(
        [
            ("charging", "Being charged"),
            ("link", "Payment link sent"),
            ("overdue", "Balance overdue"),
            ("paid", "Balance paid"),
        ],
        string="Balance",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    preorder_balance_attempts = fields.Integer("Charge Attempts", copy=False, readonly=True)
    preorder_balance_failed_at = fields.Datetime("Last Failed Charge", copy=False, readonly=True)
    preorder_balance_retry_at = fields.Datetime("Next Charge Attempt", copy=False, readonly=True)
    preorder_balance_noticed = fields.Boolean(copy=False, readonly=True)
    preorder_balance_closed = fields.Boolean(copy=False, readonly=True)
    preorder_consent_event_ids = fields.One2many(
        "preorder.consent.event",
        "sale_order_id",
        string="Delay Notices",
        groups="sales_team.group_sale_salesman",
    )
    preorder_override_controls = fields.Boolean(
        "Override Launch Controls",
        copy=False,
        help="Confirm this order even though a pre-order or pre-sale line is outside its "
        "campaign dates or above the product's limit per order or per customer; the "
        "reasons are logged on the order.",
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
        may_cancel = self._preorder_may_cancel()
        for order in self:
            order.preorder_can_cancel = may_cancel[order.id]

    def action_confirm(self):
        """Back-office orders meet the launch controls (campaign dates, limits
        per order and per customer) unless staff override them, which is
        logged; website carts met them in the cart and at payment, and their
        payment's confirmation is never refused."""
        self._preorder_check_launch_controls()
        return super().action_confirm()

    def _preorder_check_launch_controls(self):
        logs = {}
        for order in self.filtered(lambda order: not order.website_id):
            problems = order._preorder_launch_problems()
            if not problems:
                continue
            if not order.preorder_override_controls:
                raise UserError(
                    "\n".join(
                        [
                            *problems,
                            self.env._(
                                "%(order)s: tick Override Launch Controls to confirm it anyway.",
                                order=order.name,
                            ),
                        ]
                    )
                )
            logs[order.id] = Markup("<br/>").join(
                [
                    self.env._("Launch controls overridden by %(user)s:", user=self.env.user.name),
                    *problems,
                ]
            )
        if logs:
            self.browse(list(logs))._message_log_batch(bodies=logs)

    def _preorder_launch_problems(self):
        """What this order's pre-order and pre-sale lines break of the launch
        controls, as sentences: a campaign not open yet or closed (only where
        no supply line of the kind is open), a limit per order or per customer
        (``rules.cart.launch_refusal``). Read in sets: one read of windows, one
        of the customer's confirmed quantities."""
        self.ensure_one()
        lines = self.order_line.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS and line.product_id
        )
        if not lines:
            return []
        company = self.company_id.sudo()
        products = lines.product_id.with_company(company).sudo()
        windows = products._preorder_windows(company)
        bought = self._preorder_customer_bought(products)
        problems = []
        for line in lines:
            state, when = windows.get((line.product_id.id, line.preorder_kind), (None, None))
            if state in (launch_rules.NOT_YET, launch_rules.CLOSED):
                problems.append(
                    self.env._(
                        "%(product)s: %(reason)s",
                        product=line.product_id.display_name,
                        reason=self._preorder_window_message(line.preorder_kind, state, when),
                    )
                )
        checked = set()
        for line in lines:
            if line.product_id in checked:
                continue
            checked.add(line.product_id)
            same = lines.filtered(lambda sol, product=line.product_id: sol.product_id == product)
            total = sum(sol._preorder_to_product_qty(sol.product_uom_qty) for sol in same)
            refusal = cart_rules.launch_refusal(
                cart_rules.CartLine(
                    kind=line.preorder_kind,
                    quantity=total,
                    kind_total=total,
                    offered=0.0,
                    order_limit=line.product_id.preorder_order_limit,
                    customer_limit=line.product_id.preorder_customer_limit,
                    product_total=total,
                    customer_bought=bought.get(line.product_id.id, 0.0),
                    rounding=line.product_id.uom_id.rounding,
                )
            )
            if refusal:
                problems.append(self._preorder_refusal_sentence(line.product_id, refusal))
        return problems

    def _preorder_customer_bought(self, products):
        """{product id: quantity} this order's customer bought as pre-order or
        pre-sale in their other confirmed orders (their company's contacts, and
        for guests the same e-mail), for the products with a limit per
        customer. One grouped read; none when no product has such a limit."""
        self.ensure_one()
        limited = products.filtered("preorder_customer_limit")
        partner = self.partner_id.sudo()
        # a public user's partner (a visitor's cart) is anyone's: the customer
        # is known at the address step
        users = partner.with_context(active_test=False).user_ids
        if not limited or not partner or any(user._is_public() for user in users):
            return {}
        customer = [
            ("order_partner_id.commercial_partner_id", "=", partner.commercial_partner_id.id)
        ]
        if partner.email_normalized:
            customer = expression.OR(
                [customer, [("order_partner_id.email_normalized", "=", partner.email_normalized)]]
            )
        groups = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("state", "=", "sale"),
                    ("order_id", "!=", self.id),
                    ("product_id", "in", limited.ids),
                    ("preorder_kind", "in", list(REQUEST_KINDS)),
                    *customer,
                ],
                ["product_id", "product_uom"],
                ["product_uom_qty:sum"],
            )
        )
        bought = {}
        for product, uom, quantity in groups:
            if uom and uom != product.uom_id:
                quantity = uom._compute_quantity(
                    quantity, product.uom_id, rounding_method="HALF-UP"
                )
            bought[product.id] = bought.get(product.id, 0.0) + quantity
        return bought

    @api.model
    def _preorder_window_message(self, kind, state, when):
        """The sentence for a kind whose campaign is not open (rules.launch)."""
        kind_label = self._preorder_kind_label(kind)
        if state == launch_rules.NOT_YET:
            return self.env._(
                "%(kind)s orders open on %(date)s.",
                kind=kind_label,
                date=format_datetime(self.env, when, dt_format="short"),
            )
        return self.env._(
            "%(kind)s orders closed on %(date)s.",
            kind=kind_label,
            date=format_datetime(self.env, when, dt_format="short"),
        )

    @api.model
    def _preorder_kind_label(self, kind):
        return {
            NATIONAL: self.env._("Pre-order"),
            INTERNATIONAL: self.env._("International pre-order"),
            PRESALE: self.env._("Pre-sale"),
        }.get(kind, kind)

    def _action_confirm(self):
        # allocate before the deliveries exist, so none of them reserves too early
        self.order_line._preorder_allocate_confirmed()
        return super()._action_confirm()

    def _action_cancel(self):
        allocations = self.order_line.sudo().preorder_allocation_ids
        products = allocations.product_id
        # a paid order with pre-order or pre-sale lines gives its money back
        # (README, Refunds): what each line weighed, read before cancelling
        paid = {
            order: order._preorder_paid_weights()
            for order in self.sudo()
            if order.state == "sale"
            and any(kind in REQUEST_KINDS for kind in order.order_line.mapped("preorder_kind"))
            and not order.currency_id.is_zero(order._preorder_paid())
        }
        result = super()._action_cancel()
        for order, weights in paid.items():
            order._preorder_refund_cancelled(
                order.order_line.filtered(
                    lambda line: not line.display_type and not line.is_downpayment
                ),
                weights,
                self.env._("The order was cancelled: refund."),
            )
        if allocations:
            allocations._deallocate(self.env._("The sale order was cancelled."))
            # what they held may serve parked lines of other orders
            self.env["preorder.allocation"]._allocate_parked(products)
        return result

    def _get_prepayment_required_amount(self):
        # a shop cart paying a deposit (Deposits, below) is confirmed by it
        due = self._preorder_deposit_due_now() if self.preorder_deposit == "due" else None
        return super()._get_prepayment_required_amount() if due is None else due

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

    def _notify_by_email_prepare_rendering_context(self, message, *args, **kwargs):
        render_context = super()._notify_by_email_prepare_rendering_context(
            message, *args, **kwargs
        )
        if self.env.context.get("preorder_confirmation_mail") and len(self) == 1:
            render_context["preorder_lines"] = self._preorder_mail_lines()
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
        return self._preorder_lines(
            lambda line: line.preorder_consent_state == consent_rules.PENDING
        )

    def preorder_release_lines(self):
        """Lines with quantity released since the customer was last told."""
        return self._preorder_lines(lambda line: line.preorder_release_notify_qty > 0)

    def action_preorder_notify_promise_dates(self):
        """Notify customers: one e-mail per order listing its changed promise dates."""
        self.env["res.users"]._preorder_check_action(
            self, "sales", self.env._("notify customers of promise dates")
        )
        return self._preorder_action_notify_customers()

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
        message = self._preorder_cart_update_refusal(order_line, product_id, kind, new_qty, kwargs)
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
        kwargs = self._preorder_cart_update_kwargs(kwargs)
        result = super()._cart_update(*args, **kwargs)
        self._preorder_sync_pricelists()
        return result

    def _preorder_shipping_choice(self):
        """The shipping choice as the shopper reads it, or "" when the order has
        no pre-order or pre-sale line (confirmation page, portal, e-mail)."""
        self.ensure_one()
        if not self._preorder_offers_shipping_choice():
            return ""
        return self._preorder_shipping_labels()[self.picking_policy]

    def _preorder_is_managed_cart(self):
        self.ensure_one()
        return bool(self.website_id) and self.state == "draft"

    # ------------------------------------------------------------------
    # What a website cart may hold (SPEC §7), as the cart hooks above apply
    # it: the facts ``rules.cart`` decides on, gathered in a few grouped
    # reads, and the shopper's sentence for each refusal
    # ------------------------------------------------------------------

    def _preorder_cart_line_facts(self, product, kind, order_line, new_qty, exclusivity):
        """What rules.cart needs to judge ``order_line`` of this cart (or a new
        line of ``product`` as ``kind``) holding ``new_qty``: a few grouped reads,
        no loop of queries."""
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
            if self.env.context.get("preorder_holds_follow"):
                # the payment about to start takes holds: they judge the
                # quantity under the supply rows' lock, with the same sentence
                offered = None
            else:
                # what this cart holds while its shopper pays is its own
                availability = product.with_context(
                    preorder_hold_order_id=self.id
                )._get_preorder_availability(company)[product.id]
                offered = availability.get(kind).qty
            enabled = company.presale_enabled if kind == PRESALE else company.preorder_enabled
            if kind != PRESALE and company.preorder_only_out_of_stock:
                free = self.env["stock.quant"]._preorder_free_qty(product, company)[product.id]
                rounding = product.uom_id.rounding
                in_stock_blocks = float_compare(free, 0.0, precision_rounding=rounding) > 0
        else:
            offered, enabled = 0.0, False
        limits = {}
        if kind in REQUEST_KINDS and (
            product.preorder_order_limit or product.preorder_customer_limit
        ):
            limits = {
                "order_limit": product.preorder_order_limit,
                "customer_limit": product.preorder_customer_limit,
                "product_total": new_qty
                + sum(
                    same.filtered(lambda sol: sol.preorder_kind in REQUEST_KINDS).mapped(
                        "product_uom_qty"
                    )
                ),
                "customer_bought": self._preorder_customer_bought(product).get(product.id, 0.0),
            }
        return cart_rules.CartLine(
            **limits,
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
            needed_pricelist_id=company._preorder_needed_pricelist(kind),
            other_needed_pricelist_ids=frozenset(
                company._preorder_needed_pricelist(line.preorder_kind) for line in others
            ),
            in_stock_blocks_preorder=in_stock_blocks,
            rounding=product.uom_id.rounding,
        )

    @api.model
    def _preorder_refusal_sentence(self, product, refusal):
        """ "*Product*: *why*" for a ``rules.cart.Refusal`` of ``product``."""
        return self.env._(
            "%(product)s: %(reason)s",
            product=product.display_name,
            reason=self._preorder_cart_refusal_message(refusal),
        )

    @api.model
    def _preorder_cart_refusal_message(self, refusal):
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
            cart_rules.ORDER_LIMIT: lambda: self.env._(
                "At most %(limit)s per order as pre-order or pre-sale: a line of it holds at "
                "most %(available)s.",
                **params,
            ),
            cart_rules.CUSTOMER_LIMIT: lambda: self.env._(
                "At most %(limit)s per customer as pre-order or pre-sale (your earlier orders "
                "count): %(available)s left for this order.",
                **params,
            ),
        }
        return messages[refusal.code]()

    def _preorder_cart_update_refusal(self, order_line, product_id, kind, new_qty, kwargs):
        """The shopper's message when ``order_line`` of this cart (or a new line
        of ``kind``) may not hold ``new_qty``, else None."""
        exclusivity = (
            order_line.preorder_exclusivity
            if order_line
            else bool(kwargs.get("preorder_exclusivity"))
        )
        product = self.env["product.product"].browse(product_id)
        refusal = cart_rules.refusal(
            self._preorder_cart_line_facts(product, kind, order_line, new_qty, exclusivity)
        )
        return self._preorder_cart_refusal_message(refusal) if refusal else None

    @api.model
    def _preorder_cart_update_kwargs(self, kwargs):
        """The arguments of a cart update, checked: an unknown kind or a quantity
        Odoo cannot read is refused (Odoo would turn it into 1); optional products
        and combo items are bought from stock; exclusivity goes with international
        pre-orders only."""
        kind = kwargs.get("preorder_kind")
        if kind and kind not in SALE_KINDS:
            raise UserError(self.env._("Unknown way to buy: %s", kind))
        for name in ("add_qty", "set_qty"):
            if not cart_rules.is_valid_quantity(kwargs.get(name)):
                raise UserError(self.env._("The quantity must be a whole number."))
        if kwargs.get("linked_line_id"):
            return dict(kwargs, preorder_kind=STOCK, preorder_exclusivity=False)
        if kwargs.get("preorder_exclusivity") and kind != INTERNATIONAL:
            return dict(kwargs, preorder_exclusivity=False)
        return kwargs

    def _preorder_cart_payment_messages(self):
        """Before payment: every pre-order, pre-sale and next-day line of this
        cart against its rules, and the cart's pricelists and prices against what
        the rules give now. Nothing is changed here."""
        messages = []
        # the products of every line at once (Odoo's own checks read them next)
        self.order_line.product_id.product_tmpl_id.mapped("uom_id")
        for line in self.order_line.filtered(lambda sol: sol.preorder_kind != STOCK):
            refusal = line._preorder_cart_refusal()
            if refusal:
                messages.append(self._preorder_refusal_sentence(line.product_id, refusal))
        if self._preorder_is_managed_cart() and not self._preorder_prices_seen():
            messages += self._preorder_price_messages()
        return messages

    # ------------------------------------------------------------------
    # Shipping choice (README "Shipping choice at checkout")
    # ------------------------------------------------------------------

    @api.model
    def _preorder_shipping_labels(self):
        """{picking_policy: what the shopper reads}."""
        return {
            "direct": self.env._("Ship each item when it is ready"),
            "one": self.env._("Ship everything together"),
        }

    def _preorder_offers_shipping_choice(self):
        """A cart with pre-order or pre-sale lines lets the shopper choose."""
        return any(line.preorder_kind in REQUEST_KINDS for line in self.order_line)

    def _preorder_set_shipping_choice(self, policy):
        """Store the shopper's choice as this cart's picking_policy; deliveries
        follow it (one delivery when everything is ready, or each item as the
        release reserves it). Bad input is refused and changes nothing."""
        if not isinstance(policy, str) or policy not in self._preorder_shipping_labels():
            raise UserError(self.env._("Choose how your items are shipped."))
        if not self._preorder_is_managed_cart():
            raise UserError(self.env._("This order can no longer be changed."))
        if not self._preorder_offers_shipping_choice():
            raise UserError(self.env._("Your cart holds no pre-ordered items."))
        self.picking_policy = policy

    # ------------------------------------------------------------------
    # Website cart pricelists (README "Cart pricelists"): a pre-sale or
    # international line puts the order on its kind's pricelist, every other
    # line stays priced by the shopper's pricelist, remembered on the order
    # (preorder_base_pricelist_id)
    # ------------------------------------------------------------------

    def _recompute_prices(self):
        # whatever set the pricelist (address, login, pricelist switch, promo
        # code), a website cart is repriced on the pricelists the rules require
        self._preorder_fix_pricelists()
        return super()._recompute_prices()

    def _cart_update_pricelist(self, pricelist_id=None):
        result = super()._cart_update_pricelist(pricelist_id=pricelist_id)
        # super() reprices only when the order's pricelist changed: the pricelist
        # the shopper chose may be new for the ordinary lines of a forced cart
        self._preorder_sync_pricelists()
        return result

    def _update_address(self, partner_id, fnames=None):
        result = super()._update_address(partner_id, fnames=fnames)
        self._preorder_sync_pricelists()
        shopper = self.preorder_base_pricelist_id
        if shopper and request:
            # the shop goes on showing the shopper's prices, not the cart's forced ones
            request.session["website_sale_current_pl"] = shopper.id
        return result

    def _check_cart_is_ready_to_be_paid(self):
        """Before payment, the cart against the rules (``_preorder_cart_payment_messages``):
        a refusal changes nothing; the checkout pages then show the fixed cart."""
        messages = self._preorder_cart_payment_messages()
        if messages:
            raise ValidationError("\n".join(messages))
        return super()._check_cart_is_ready_to_be_paid()

    def _preorder_shopper_pricelist(self):
        """The pricelist of the cart's ordinary lines: the shopper's."""
        return self.preorder_base_pricelist_id or self.pricelist_id

    def _preorder_pricelist_plan(self):
        """The ``rules.cart.pricelist_plan`` of this cart: the pricelist and the
        shopper's pricelist its lines' kinds require."""
        forced = self.company_id._preorder_forced_pricelists()
        current, base = self.pricelist_id.id or 0, self.preorder_base_pricelist_id.id or 0
        default = self.env["product.pricelist"]
        if self.website_id and cart_rules.needs_default_pricelist(forced, current, base):
            # forced with no shopper's pricelist known (an old or merged cart)
            default = self.website_id.with_company(self.company_id)._get_current_pricelist()
        return cart_rules.pricelist_plan(
            self.order_line.mapped("preorder_kind"),
            forced,
            current,
            base,
            default.id or 0,
        )

    def _preorder_fix_pricelists(self):
        """Put each website cart of these orders on the pricelists the rules
        require (no repricing).

        Returns the carts that changed."""
        changed = self.browse()
        for order in self.filtered(lambda order: order._preorder_is_managed_cart()):
            plan = order._preorder_pricelist_plan()
            if plan.conflict:
                continue
            if (order.pricelist_id.id or 0, order.preorder_base_pricelist_id.id or 0) != (
                plan.pricelist_id,
                plan.base_pricelist_id,
            ):
                order.write(
                    {
                        "pricelist_id": plan.pricelist_id or False,
                        "preorder_base_pricelist_id": plan.base_pricelist_id or False,
                    }
                )
                changed |= order
        return changed

    def _preorder_sync_pricelists(self):
        """Fix these carts' pricelists and reprice those whose pricelists changed."""
        changed = self._preorder_fix_pricelists()
        if changed:
            changed._recompute_prices()
        return changed

    def _preorder_price_changes(self):
        """Lines of this cart whose price differs from what the rules give now,
        and whether the pricelist is wrong. Changes nothing: when the cart's
        pricelists are the ones the rules require (the usual case) each line is
        priced on an in-memory copy (``sale.order.line._preorder_price_now``);
        otherwise the whole cart is repriced the way the cart would be, in a
        rolled back savepoint."""
        digits = self.env["decimal.precision"].precision_get("Product Price")
        lines = self._get_update_prices_lines()
        before = {line.id: (line.price_unit, line.discount) for line in lines}

        def changed(line_prices):
            return [
                (line_id, price)
                for line_id, (price, discount) in line_prices.items()
                if float_compare(price, before[line_id][0], precision_digits=digits)
                or float_compare(discount, before[line_id][1], precision_digits=2)
            ]

        plan = self._preorder_pricelist_plan()
        if (plan.pricelist_id, plan.base_pricelist_id) == (
            self.pricelist_id.id or 0,
            self.preorder_base_pricelist_id.id or 0,
        ):
            return {
                "pricelist": False,
                "lines": changed({line.id: line._preorder_price_now() for line in lines}),
            }
        report = {"pricelist": True}

        class _Rollback(Exception):
            pass

        with contextlib.suppress(_Rollback), self.env.cr.savepoint():
            self._recompute_prices()
            report["lines"] = changed({line.id: (line.price_unit, line.discount) for line in lines})
            raise _Rollback
        return report

    def _preorder_price_fingerprint(self):
        """What a shopper sees of this cart's prices, as one string: its
        pricelists, currency and fiscal position, and each line's product,
        kind, quantity, unit, unit price and discount."""
        self.ensure_one()
        lines = sorted(
            (
                line.id,
                line.product_id.id,
                line.preorder_kind or "",
                line.product_uom.id,
                line.product_uom_qty,
                line.price_unit,
                line.discount,
            )
            for line in self.order_line
        )
        seen = (
            self.pricelist_id.id,
            self.preorder_base_pricelist_id.id,
            self.currency_id.id,
            self.fiscal_position_id.id,
            lines,
        )
        return hashlib.sha256(repr(seen).encode()).hexdigest()

    def _preorder_prices_seen_stamp(self):
        """What a checkout page notes after checking this cart's prices against
        the rules and showing them (``rules.cart.prices_seen``)."""
        self.ensure_one()
        return [self.id, self._preorder_price_fingerprint(), time.time()]

    def _preorder_prices_seen(self):
        """True when the payment that starts takes this cart's prices as its
        checkout page checked and showed them moments ago (the stamp the
        payment route passes in the context as ``preorder_prices_seen``): the
        same cart, unchanged, within ``rules.cart.PRICES_SEEN_SECONDS``. Then
        the prices are not computed a second time; otherwise they are."""
        stamp = self.env.context.get("preorder_prices_seen")
        return bool(stamp) and cart_rules.prices_seen(
            stamp,
            self.id,
            self._preorder_price_fingerprint(),
            time.time(),
            max_age=cart_rules.PRICES_SEEN_SECONDS,
        )

    def _preorder_price_messages(self):
        """What the shopper must review before paying this cart: kinds that
        cannot share a cart, a wrong pricelist, changed prices (nothing changed
        here)."""
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

    # ------------------------------------------------------------------
    # Checkout holds (README, "Launch day: checkout holds")
    # ------------------------------------------------------------------

    def _preorder_take_holds(self, transaction=None):
        """Hold the supply of these carts' pre-order and pre-sale lines while
        their shoppers pay (``transaction``: the payment that starts).

        Each cart's holds are taken in a short transaction of their own
        (``_preorder_hold_env``), committed at once: the supply rows stay locked
        for the hold only, not for the rest of the payment's request, and a
        checkout that waited for another's lock reads what that one held
        instead of failing on PostgreSQL's serialization check (on launch day
        every payment of a hot product meets on one row). The holds name their
        payment by its reference (the payment is not committed yet: it cannot
        be referred to from there); they are dropped if the payment's own
        transaction rolls back (an error after the hold, or Odoo retrying the
        request), so a hold never outlives a payment that was not created.

        What the lock does not protect is read first, in the payment's
        request (``_preorder_hold_facts``); under the supply rows' lock only
        their ATP and state and the other carts' holds are read, and
        ``rules.hold.decide`` judges the cart: a website cart asking more than
        its kinds offer now is refused with a UserError saying how many are
        left of what, and nothing is held (no payment is created). Otherwise
        the lines hold their quantity first in first out like allocation: a
        pre-sale holds what ATP has, the multiplier's part beyond it is not held
        (it is parked once paid, as the shop offered it). Earlier holds of the
        same carts (a payment tried again) are replaced. Orders not made on the
        website (a quotation paid from the portal) hold what there is and are
        never refused: staff decided them. Returns the holds."""
        reference = transaction.reference if transaction else False
        hold_ids = []
        if self._preorder_holds_own_transaction():
            # a payment whose transaction rolls back (another cart of it
            # refused included) gives back what its carts held
            Hold = self.env["preorder.hold"]

            def drop():
                if not hold_ids:
                    return
                try:
                    with Hold._committed_env(forget=False) as env:
                        env["preorder.hold"].browse(hold_ids)._drop()
                except Exception:
                    # never in the shopper's way: the holds expire anyway
                    _logger.exception("Checkout holds %s not given back", hold_ids)

            self.env.cr.postrollback.add(drop)
        for order in self.sudo():
            facts = order._preorder_hold_facts()
            with order._preorder_hold_env() as env:
                refused, ids = order.with_env(env)._preorder_hold_cart(facts, reference)
                if refused:
                    # raised inside: the hold's transaction rolls back, the
                    # cart's earlier holds stay as they were
                    raise UserError(order._preorder_hold_refusal_message(refused))
            hold_ids += ids
        return self.env["preorder.hold"].sudo().browse(hold_ids)

    @api.model
    def _preorder_holds_own_transaction(self):
        """True when checkout holds are taken (and read by allocations, and
        converted) in transactions of their own: in a request or a job, not
        while modules are installed or upgraded (their tables and data are not
        committed yet) nor inside Odoo's tests, whose data other cursors cannot
        see (there it all happens in the current transaction; the concurrency
        tests switch this on with committed data)."""
        registry = self.env.registry
        return registry.ready and not modules.module.current_test and not registry.in_test_mode()

    @contextlib.contextmanager
    def _preorder_hold_env(self):
        """The environment a cart's holds are taken in: a cursor of its own,
        READ COMMITTED (having waited for another checkout's supply-row lock,
        it reads that checkout's holds) and committed on leaving; within
        tests, the current one. The current environment's cached holds and
        held quantities are dropped afterwards."""
        if not self._preorder_holds_own_transaction():
            yield self.env
            return
        with self.env["preorder.hold"]._committed_env() as env:
            yield env

    def _preorder_hold_facts(self):
        """What this cart's holds are decided on that the supply rows' lock
        does not protect, read in the payment's request (its cache is warm):
        {"cart": rules.hold.CartLine rows, "supplies": rules.hold.SupplyLine
        rows of the supply lines open to the cart's products and kinds,
        "requests": {supply line id: request id}, "today", "settings",
        "judge": a website cart (refused when it asks too much), "expires_at",
        "company_id"}. A few grouped reads."""
        self.ensure_one()
        order = self.sudo()
        company = order.company_id
        lines = order.order_line.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.product_id
            and float_compare(
                line.product_uom_qty, 0.0, precision_rounding=line.product_uom.rounding
            )
            > 0
        )
        facts = {
            "cart": [
                hold_rules.CartLine(
                    line.id,
                    line.product_id.id,
                    line.preorder_kind,
                    line._preorder_to_product_qty(line.product_uom_qty),
                    line.product_id.uom_id.rounding,
                )
                for line in lines
            ],
            "supplies": [],
            "requests": {},
            "today": company._preorder_today(),
            "settings": company._get_preorder_availability_settings(),
            "judge": bool(order.website_id),
            "expires_at": hold_rules.expiry(fields.Datetime.now(), company.preorder_hold_minutes),
            "company_id": company.id,
        }
        if not lines:
            return facts
        products = lines.product_id.with_company(company)
        # the supply lines and their requests' restock flag, in one query
        SupplyLine = self.env["purchase.order.line"].sudo()
        query = SupplyLine._search(
            products._get_supply_domain(
                company, facts["today"], set(lines.mapped("preorder_kind")), selling=True
            )
        )
        rows = self.env.execute_query(
            query.select(
                *(
                    SupplyLine._field_to_sql(query.table, fname, query)
                    for fname in ("id", "product_id", "preorder_kind", "date_planned", "order_id")
                ),
                SQL(
                    "(SELECT is_restock FROM purchase_order WHERE id = %s)",
                    SQL.identifier(query.table, "order_id"),
                    to_flush=self.env["purchase.order"]._fields["is_restock"],
                ),
            )
        )
        rounding = {line.product_id: line.rounding for line in facts["cart"]}
        facts["supplies"] = [
            hold_rules.SupplyLine(
                supply_id,
                product_id,
                kind,
                date_planned,
                company._preorder_date_of(date_planned),
                bool(is_restock),
                rounding[product_id],
            )
            for supply_id, product_id, kind, date_planned, _request_id, is_restock in rows
        ]
        facts["requests"] = {row[0]: row[4] for row in rows}
        return facts

    def _preorder_hold_cart(self, facts, reference=False):
        """Take this cart's holds in the current environment from ``facts``
        (``_preorder_hold_facts``), for the payment of ``reference``: the
        supply rows are locked and their ATP and state read, the other carts'
        holds on them summed, ``rules.hold.decide`` decides, and the cart's
        earlier holds (a payment tried again) are replaced by the new ones.
        Returns ``(refused, hold ids)``: nothing is written when a line is
        refused (the cart's earlier holds stay). Three statements, no other
        read: this runs in a cursor of its own whose cache is empty."""
        self.ensure_one()
        Hold = self.env["preorder.hold"].sudo()
        if not facts["cart"]:
            Hold._drop_of_orders(self)
            return {}, []
        supplies = self.env["purchase.order.line"].sudo().browse(list(facts["requests"]))
        locked = supplies._preorder_lock_and_read()
        self._preorder_log_lock_time(time.monotonic())
        # the cart's own earlier holds are replaced: they do not count
        held = Hold.with_context(preorder_hold_order_id=self.id)._held_by_supply(
            supply_lines=supplies
        )
        refused, planned = hold_rules.decide(
            facts["cart"],
            facts["supplies"],
            locked,
            held,
            facts["today"],
            facts["settings"],
            judge=facts["judge"],
        )
        if refused:
            return refused, []
        kinds = {line.id: (line.product_id, line.kind) for line in facts["cart"]}
        hold_ids = Hold._insert(
            [
                {
                    "sale_line_id": row.demand_id,
                    "sale_order_id": self.id,
                    "purchase_line_id": row.supply_id,
                    "purchase_order_id": facts["requests"][row.supply_id],
                    "product_id": kinds[row.demand_id][0],
                    "kind": kinds[row.demand_id][1],
                    "company_id": facts["company_id"],
                    "quantity": row.quantity,
                    "expires_at": facts["expires_at"],
                    "payment_reference": reference,
                }
                for row in planned
            ],
            replacing=self,
        )
        # the supply rows are not written: an allocation that waits for their
        # lock reads these holds as committed (preorder.hold._held_by_supply)
        return {}, hold_ids

    def _preorder_log_lock_time(self, locked_at):
        """Log (debug, logger of this module) how long the supply rows stayed
        locked for this cart's holds: from ``locked_at`` to the commit that
        releases them (``make soak``'s throughput run reports it)."""
        if _logger.isEnabledFor(logging.DEBUG):
            self.env.cr.postcommit.add(
                lambda: _logger.debug(
                    "checkout hold of %s: supply rows locked %.1f ms",
                    self.id,
                    (time.monotonic() - locked_at) * 1000,
                )
            )

    def _preorder_hold_refusal_message(self, refused):
        """The shopper's message for the lines of this cart that cannot be held
        (``refused``: {line id: what is left}), one sentence per line, as the
        cart's own check before payment words it."""
        self.ensure_one()
        lines = self.order_line.browse(sorted(refused))
        return "\n".join(
            self._preorder_refusal_sentence(
                line.product_id,
                cart_rules.Refusal(
                    cart_rules.NOT_ENOUGH, line.preorder_kind, {"available": refused[line.id]}
                ),
            )
            for line in lines
        )

    # ------------------------------------------------------------------
    # Deposits (README, Deposits): the ORM adapter of ``rules.deposit``.
    # A website cart with lines of a kind that takes a deposit pays that share
    # of them online (Odoo's partial prepayment: ``require_payment`` and
    # ``prepayment_percent``); the payment confirms the order and is invoiced
    # as a down payment (payment.transaction); once the order's pre-order and
    # pre-sale lines are all released, the balance is invoiced: a regular
    # invoice that deducts it.
    # ------------------------------------------------------------------

    def _preorder_deposit_due_now(self):
        """What this website cart pays online now, or None when none of its
        lines takes a deposit (then it is paid in full, as Odoo does)."""
        order = self.sudo()
        if not order.website_id or order.state not in ("draft", "sent"):
            return None
        lines = [
            (line.preorder_kind, line.price_total)
            for line in order.order_line
            if not line.display_type
        ]
        percents = order.company_id._preorder_deposit_percents()
        return deposit_rules.due_now(lines, percents, order.currency_id.round)

    def _preorder_deposit_prepare_payment(self, amount=None):
        """Before the shop's payment of this cart for ``amount``.

        The deposit due (or no amount): the order asks for that prepayment
        (Odoo's Online payment and its percentage, as staff see them) and is
        marked as a deposit order; returns the deposit. The whole cart (express
        checkout pays it, a shopper may too): back to the company's defaults;
        returns None, Odoo's own payment. Any other amount, or a deposit already
        paid, is refused and changes nothing. An order no longer in the cart
        state is left to Odoo's own checks.
        """
        order = self.sudo()
        if order.state not in ("draft", "sent"):
            return None
        due = order._preorder_deposit_due_now()
        compare = order.currency_id.compare_amounts
        if due is not None and (amount is None or not compare(amount, due)):
            if compare(order.amount_paid, due) >= 0:
                raise UserError(
                    self.env._("The deposit has already been paid. Please refresh the page.")
                )
            order.write(
                {
                    "require_payment": True,
                    "prepayment_percent": due / order.amount_total,
                    "preorder_deposit": "due",
                }
            )
            return due
        if due is not None and compare(amount, order.amount_total):
            raise ValidationError(self.env._("The cart has been updated. Please refresh the page."))
        if order.preorder_deposit:
            order.preorder_deposit = False
            order._compute_require_payment()
            order._compute_prepayment_percent()
        return None

    def _preorder_invoice_deposit(self):
        """This order's paid deposit as Odoo's down-payment invoice, posted."""
        invoices = self._generate_downpayment_invoices()
        invoices.action_post()
        for invoice in invoices:
            invoice._portal_ensure_token()
        return invoices

    def _preorder_invoice_balances(self):
        """Invoice the balance of the deposit orders among these orders whose
        pre-order and pre-sale lines are all released. An order that cannot be
        invoiced never holds back the release: it keeps its balance due and its
        salesperson gets a To-Do. Returns the invoices."""
        invoices = self.env["account.move"]
        due = self.sudo().filtered(lambda o: o.preorder_deposit == "due")
        # two releases of different lines of one order at once: the second
        # waits here, then PostgreSQL refuses it (the first wrote the order)
        # and Odoo retries it, seeing both lines released: invoiced once
        due._preorder_lock(touch=True)
        for order in due:
            lines = order.order_line.filtered(
                lambda line: line.preorder_kind in REQUEST_KINDS and line.product_uom_qty > 0
            )
            if order.state != "sale" or not deposit_rules.balance_due(
                line.preorder_state == RELEASED for line in lines
            ):
                continue
            invoices |= (
                order._preorder_invoice_or_todo(
                    self.env._("Invoice the balance of a deposit order"),
                    lambda order=order: order.with_company(
                        order.company_id
                    )._preorder_invoice_balance(),
                )
                or self.env["account.move"]
            )
        return invoices

    def _preorder_invoice_or_todo(self, summary, work):
        """``work()``'s result; when it fails (accounting set-up, a locked
        period), nothing it did stays, the payment or the release goes on, and
        this order's salesperson gets a To-Do saying why. Returns None then."""
        try:
            with self.env.cr.savepoint():
                return work()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # another transaction at work on the order: Odoo retries, no To-Do
            raise
        except Exception as error:  # noqa: BLE001 - told to staff, the caller goes on
            _logger.exception("%s: %s failed", self.name, summary)
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=self._preorder_responsible_user().id,
                summary=summary,
                note=self.env._(
                    "%(order)s could not be invoiced: %(error)s", order=self.name, error=str(error)
                ),
            )
            return None

    def _preorder_balance_unpaid(self):
        """What this deposit order's customer still owes (order currency): its
        total less what its posted invoices and credit notes were paid. Zero for
        an order without a deposit."""
        self.ensure_one()
        if not self.preorder_deposit:
            return 0.0
        paid = 0.0
        invoices = self.sudo().invoice_ids.filtered(
            lambda move: move.state == "posted" and move.move_type in ("out_invoice", "out_refund")
        )
        for invoice in invoices:
            sign = -1 if invoice.move_type == "out_refund" else 1
            paid += sign * (invoice.amount_total - invoice.amount_residual)
        unpaid = self.currency_id.round(self.amount_total - paid)
        return unpaid if self.currency_id.compare_amounts(unpaid, 0.0) > 0 else 0.0

    def _preorder_invoice_balance(self):
        """Everything not yet invoiced on this order, at ordered quantities, less
        the down payment: one posted invoice (Odoo's final invoice)."""
        self._force_lines_to_invoice_policy_order()
        balance = self.with_context(raise_if_nothing_to_invoice=False)._create_invoices(final=True)
        balance.action_post()
        for invoice in balance:
            invoice._portal_ensure_token()
        # what the customer paid since the deposit (a payment link) settles it
        for payment in self.transaction_ids.filtered(lambda tx: tx.state == "done").payment_id:
            (payment.move_id.line_ids + balance.line_ids).filtered(
                lambda line, payment=payment: line.account_id == payment.destination_account_id
                and not line.reconciled
            ).reconcile()
        self.preorder_deposit = "invoiced"
        self._message_log(
            body=self.env._(
                "Pre-orders released: the balance is invoiced (%(invoices)s).",
                invoices=", ".join(balance.mapped("name")),
            )
        )
        if balance.filtered(lambda move: move.move_type == "out_invoice"):
            # charged to the payment method saved with the deposit (or asked by link)
            self._preorder_charge_balance()
        return balance

    # ------------------------------------------------------------------
    # Balance collection (README, "Balance collection"): the balance invoiced
    # at release is charged to the payment method saved with the deposit
    # (``rules.balance``); failures are retried, told and, at last, settled
    # by the company's final action
    # ------------------------------------------------------------------

    def _preorder_balance_invoices(self):
        """This order's posted customer invoices still to be paid."""
        self.ensure_one()
        return self.sudo().invoice_ids.filtered(
            lambda move: move.state == "posted"
            and move.move_type == "out_invoice"
            and not move.currency_id.is_zero(move.amount_residual)
        )

    def _preorder_balance_token(self):
        """The saved payment method the balance can be charged to, if usable."""
        self.ensure_one()
        token = self.sudo().preorder_balance_token_id
        if token and token.active and token.provider_id.state in ("enabled", "test"):
            return token
        return None

    def _preorder_charge_balance(self):
        """Charge each order's unpaid balance invoice to its saved payment method
        (an offline, token payment linked to the invoice and the order; Odoo's
        post-processing reconciles it). Without a usable method, or when the
        charge fails, the customer gets a payment link (``_preorder_balance_failed``).
        Returns the transactions created."""
        Transaction = self.env["payment.transaction"].sudo()
        created = Transaction
        for order in self.sudo():
            invoices = order._preorder_balance_invoices()
            if not invoices:
                order.preorder_balance_state = "paid"
                continue
            token = order._preorder_balance_token()
            if not token:
                order._preorder_balance_failed(
                    self.env._("No saved payment method: the balance is asked by payment link."),
                    attempt=False,
                )
                continue
            amount = sum(invoices.mapped("amount_residual"))
            tx = Transaction.create(
                {
                    "provider_id": token.provider_id.id,
                    "payment_method_id": token.payment_method_id.id,
                    "token_id": token.id,
                    "amount": amount,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_invoice_id.id,
                    "operation": "offline",
                    "invoice_ids": [Command.set(invoices.ids)],
                    "sale_order_ids": [Command.set(order.ids)],
                }
            )
            created |= tx
            order.preorder_balance_state = "charging"
            try:
                with self.env.cr.savepoint():
                    tx._send_payment_request()
            except (UserError, ValidationError) as error:
                # the provider refused the request itself: a failed charge
                tx._set_error(str(error))
            if order.preorder_balance_state == "charging":
                # not answered yet through the transaction's own hooks
                order._preorder_balance_outcome(tx)
        return created

    def _preorder_balance_outcome(self, tx):
        """Where the balance stands after the charge ``tx`` answered."""
        self.ensure_one()
        if tx.state == "done":
            if not tx.is_post_processed:
                # its post-processing reconciles the invoice and comes back here
                tx._post_process()
                return
            if self.preorder_balance_state == "charging" and not self._preorder_balance_invoices():
                self.preorder_balance_state = "paid"
                self._message_log(
                    body=self.env._(
                        "Balance of %(amount)s charged to the saved payment method (%(payment)s).",
                        amount=formatLang(self.env, tx.amount, currency_obj=self.currency_id),
                        payment=tx.reference,
                    )
                )
        elif tx.state in ("error", "cancel"):
            self._preorder_balance_failed(
                self.env._(
                    "The charge of the balance failed (%(payment)s): %(reason)s",
                    payment=tx.reference,
                    reason=tx.state_message or tx.state,
                )
            )

    def _preorder_balance_failed(self, reason, attempt=True):
        """The balance could not be charged (``attempt``: a charge was tried and
        counts): balance overdue, the next attempt planned with growing
        spacing, the customer e-mailed a link to pay the invoice online, and
        the reason in the chatter."""
        self.ensure_one()
        company = self.company_id
        now = fields.Datetime.now()
        attempts = self.preorder_balance_attempts + (1 if attempt else 0)
        self.write(
            {
                # asked by link without a saved method; overdue once a charge failed
                "preorder_balance_state": "overdue" if attempts else "link",
                "preorder_balance_attempts": attempts,
                "preorder_balance_failed_at": now,
                "preorder_balance_retry_at": (
                    balance_rules.retry_at(now, attempts, company.preorder_balance_retry_days)
                    if attempts < company.preorder_balance_attempts
                    else False
                ),
            }
        )
        for invoice in self._preorder_balance_invoices():
            invoice._portal_ensure_token()
        self._preorder_send_mail("website_preorder.mail_template_preorder_balance_failed", reason)

    def preorder_balance_payment_url(self):
        """The link in the e-mails: the first unpaid invoice's portal page (Odoo's
        Pay Now), else the order's. Public for the e-mail templates: the caller
        must be allowed to read the order (the link carries an access token)."""
        self.ensure_one()
        self.check_access("read")
        invoices = self._preorder_balance_invoices()
        record = invoices[:1] or self
        return record.get_base_url() + record.sudo().get_portal_url()

    def preorder_balance_amount(self):
        """What the customer still owes (the e-mail templates); read access needed."""
        self.ensure_one()
        self.check_access("read")
        return self._preorder_balance_unpaid()

    @api.model
    def _cron_preorder_collect_balances(self, limit=200):
        """Scheduled action: the "upcoming charge" e-mails, the retries of
        failed charges when their time has come, and the final action for
        balances still unpaid after the last attempt (``rules.balance``). Two
        searches on indexed fields, then the orders one by one (each charge is
        a call to the payment provider). Returns {step: count}."""
        counts = defaultdict(int)
        now = fields.Datetime.now()
        Order = self.sudo()
        upcoming = Order.search(
            [
                ("preorder_deposit", "=", "due"),
                ("preorder_balance_noticed", "=", False),
                ("preorder_balance_token_id", "!=", False),
                ("state", "=", "sale"),
            ],
            limit=limit,
        )
        noticed = Order.browse()
        for order in upcoming:
            dates = order.order_line.filtered("promise_date").mapped("promise_date")
            today = order.company_id._preorder_today()
            if balance_rules.notice_due(
                today, min(dates) if dates else None,
                order.company_id.preorder_balance_notice_days, False,
            ):  # fmt: skip
                noticed |= order
        if noticed:
            noticed._preorder_send_mail(
                "website_preorder.mail_template_preorder_balance_upcoming",
                self.env._("Upcoming charge of the balance e-mailed to the customer."),
            )
            noticed.write({"preorder_balance_noticed": True})
            counts["noticed"] = len(noticed)
        overdue = Order.search(
            [
                ("preorder_balance_state", "in", ("overdue", "link", "charging")),
                ("preorder_balance_closed", "=", False),
            ],
            limit=limit,
        )
        for order in overdue:
            company = order.company_id
            if not order._preorder_balance_invoices():
                order.preorder_balance_state = "paid"
                counts["paid"] += 1
                continue
            if order.preorder_balance_state == "charging":
                continue  # a charge answered later (a pending payment) settles it
            step = balance_rules.next_step(
                now,
                order.preorder_balance_attempts,
                company.preorder_balance_attempts,
                order.preorder_balance_retry_at,
                order.preorder_balance_failed_at,
                company.preorder_balance_final_days,
                bool(order._preorder_balance_token()),
            )
            if step == balance_rules.RETRY:
                order._preorder_charge_balance()
            elif step == balance_rules.FINAL:
                order._preorder_balance_final()
            counts[step] += 1
        return dict(counts)

    def _preorder_balance_final(self):
        """The balance is still unpaid after the last attempt and the days to pay:
        the company's final action. Cancel (when nothing of the order was
        delivered): the order is cancelled and what was paid refunded (README,
        Refunds); otherwise, and by default, the order is kept and its
        salesperson gets a To-Do."""
        self.ensure_one()
        amount = formatLang(
            self.env, self._preorder_balance_unpaid(), currency_obj=self.currency_id
        )
        delivered = any(
            float_compare(line.qty_delivered, 0.0, precision_rounding=line.product_uom.rounding) > 0
            for line in self.order_line
            if line.product_uom
        )
        if self.company_id.preorder_balance_final_action == balance_rules.CANCEL and not delivered:
            self.preorder_balance_closed = True
            self._action_cancel()
            self._message_log(
                body=self.env._(
                    "Balance of %(amount)s unpaid after the last attempt: the order is cancelled "
                    "and what was paid refunded.",
                    amount=amount,
                )
            )
            return
        self.preorder_balance_closed = True
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=self._preorder_responsible_user().id,
            summary=self.env._("Balance overdue"),
            note=self.env._(
                "%(order)s: the balance of %(amount)s is still unpaid after %(attempts)s "
                "attempt(s) and the days to pay. Its goods are kept for the customer; "
                "contact them, or cancel the order (what was paid is refunded).",
                order=self.name,
                amount=amount,
                attempts=self.preorder_balance_attempts,
            ),
        )

    # ------------------------------------------------------------------
    # Refunds (README, "Refunds"): what was paid for cancelled pre-order
    # lines goes back through the payment it came from (``rules.refund``)
    # ------------------------------------------------------------------

    def _preorder_paid_weights(self):
        """{line id: what the line weighs in what this order's customer paid}
        (``rules.refund.weight``), read before lines are cancelled."""
        self.ensure_one()
        percents = self.company_id._preorder_deposit_percents()
        return {
            line.id: refund_rules.weight(
                line.preorder_kind, line.price_total, percents, bool(self.preorder_deposit)
            )
            for line in self.order_line
            if not line.display_type and not line.is_downpayment
        }

    def _preorder_refund_sources(self):
        """The done payments of this order that gave money (``rules.refund.Source``),
        each with what is left to refund of it: its amount less its refunds
        done or on their way."""
        self.ensure_one()
        transactions = self.sudo().transaction_ids
        children = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("source_transaction_id", "in", transactions.ids),
                    ("operation", "=", "refund"),
                    ("state", "not in", ("cancel", "error")),
                ]
            )
        )
        refunded = defaultdict(float)
        for child in children:
            refunded[child.source_transaction_id.id] += child.amount  # negative
        return [
            refund_rules.Source(
                tx.id,
                self.currency_id.round(tx.amount + refunded[tx.id]),
                tx.provider_id.support_refund or "",
            )
            for tx in transactions
            if tx.state == "done" and tx.operation != "refund"
        ]

    def _preorder_paid(self):
        """What this order's customer paid and was not refunded (order
        currency): through its payments, or through its invoices when they were
        paid otherwise (a bank transfer: then staff refund by hand)."""
        self.ensure_one()
        online = sum(source.refundable for source in self._preorder_refund_sources())
        invoiced = 0.0
        for invoice in self.sudo().invoice_ids.filtered(
            lambda move: move.state == "posted" and move.move_type in ("out_invoice", "out_refund")
        ):
            sign = -1 if invoice.move_type == "out_refund" else 1
            invoiced += sign * (invoice.amount_total - invoice.amount_residual)
        return self.currency_id.round(max(online, invoiced))

    def _preorder_refund_cancelled(self, lines, weights, reason, after=None, credit=None):
        """Give back what was paid for the cancelled ``lines`` of this order
        (``weights``: ``_preorder_paid_weights()`` read before they changed):
        a credit note for what of it was invoiced, a refund through each
        payment whose provider refunds (Odoo's refund request, reconciled with
        the credit note), and for what none can refund a To-Do for the
        salesperson with the amount and the date to refund by. Logged on the
        order. ``after``: the lines' weights once lowered (only the difference
        goes back); ``credit``: {line: quantity to credit} of what was invoiced
        (default: their invoiced quantities). Returns the refund transactions."""
        self.ensure_one()
        order = self.sudo()
        currency = order.currency_id
        amount = refund_rules.paid_for(
            lines.ids, weights, order._preorder_paid(), currency.round, after=after
        )
        Transaction = self.env["payment.transaction"].sudo()
        if currency.is_zero(amount):
            return Transaction
        refunds, left = refund_rules.plan(amount, order._preorder_refund_sources(), currency.round)
        credit_note = order._preorder_credit_note(lines, amount, credit) if refunds else None
        done = Transaction
        for tx_id, refund in refunds:
            refund_tx = Transaction.browse(tx_id)._send_refund_request(amount_to_refund=refund)
            if credit_note:
                refund_tx.invoice_ids = credit_note
            if refund_tx.state == "done":
                # the provider answered at once: its payment is made and
                # reconciled with the credit note now, not by the next cron
                refund_tx._post_process()
            done |= refund_tx
        products = ", ".join(lines.product_id.mapped("display_name"))
        body = [reason]
        for refund_tx in done:
            body.append(
                self.env._(
                    "%(amount)s refunded through the payment %(payment)s (%(state)s).",
                    amount=formatLang(self.env, -refund_tx.amount, currency_obj=currency),
                    payment=refund_tx.source_transaction_id.reference,
                    state=dict(refund_tx._fields["state"]._description_selection(self.env))[
                        refund_tx.state
                    ],
                )
            )
        if credit_note:
            body.append(self.env._("Credit note %(name)s.", name=credit_note.name))
        if not currency.is_zero(left):
            deadline = refund_rules.manual_deadline(fields.Date.context_today(self))
            text = self.env._(
                "Refund %(amount)s to %(customer)s for %(products)s of %(order)s by "
                "%(deadline)s: no payment of the order can refund it online.",
                amount=formatLang(self.env, left, currency_obj=currency),
                customer=order.partner_id.display_name,
                products=products,
                order=order.name,
                deadline=format_date(self.env, deadline),
            )
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=deadline,
                user_id=order._preorder_responsible_user().id,
                summary=self.env._("Refund cancelled pre-order lines"),
                note=text,
            )
            body.append(text)
        order._message_log(body=Markup("<br/>").join(body))
        return done

    def _preorder_credit_note(self, lines, amount, credit=None):
        """A posted credit note for what of ``amount`` was invoiced for the
        cancelled ``lines``: their invoiced quantities (Automatic Invoice); for
        a deposit order, its down payment reversed and the part kept invoiced
        again as a new down payment, the two reconciled (Odoo deducts a down
        payment whole at the final invoice: so the balance invoiced at release
        deducts only what was kept). None when nothing of it was invoiced."""
        self.ensure_one()
        order = self.sudo().with_company(self.company_id)
        if credit is None:
            credit = {line: line.qty_invoiced for line in lines}
        invoiced = lines.filtered(
            lambda line: float_compare(
                credit.get(line, 0.0), 0.0, precision_rounding=line.product_uom.rounding
            )
            > 0
        )
        if invoiced:
            unpaid = order._preorder_balance_invoices()
            credit_note = order._preorder_post_move(
                "out_refund",
                [
                    Command.create(line._prepare_invoice_line(quantity=credit[line]))
                    for line in invoiced
                ],
            )
            # what was invoiced and never paid is settled by the credit note first
            (credit_note | unpaid).line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            ).reconcile()
            return credit_note
        dp_lines = order.order_line.filtered(
            lambda line: line.is_downpayment and not line.display_type
        ).invoice_lines.filtered(lambda aml: aml.move_id.state == "posted")
        # what the down payment stands at now (invoices less credit notes)
        total = sum(
            aml.price_total * (-1 if aml.move_id.move_type == "out_refund" else 1)
            for aml in dp_lines
        )
        if order.currency_id.compare_amounts(total, 0.0) <= 0:
            return None
        keep = max(0.0, 1.0 - amount / total)
        # read before posting: posting recomputes the down payment line's price
        prices = {sol: sol.price_unit for sol in dp_lines.sale_line_ids}

        def down_payment(ratio):
            return [
                Command.create(
                    {
                        "product_id": sol.product_id.id,
                        "name": sol.name,
                        "quantity": 1.0,
                        "price_unit": order.currency_id.round(price * ratio),
                        "tax_ids": [Command.set(sol.tax_id.ids)],
                        "sale_line_ids": [Command.set(sol.ids)],
                    }
                )
                for sol, price in prices.items()
            ]

        credit_note = order._preorder_post_move("out_refund", down_payment(1.0))
        if order.currency_id.compare_amounts(total * keep, 0.0) > 0:
            kept = order._preorder_post_move("out_invoice", down_payment(keep))
            (credit_note | kept).line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            ).reconcile()
        return credit_note

    def _preorder_post_move(self, move_type, lines):
        """A posted customer invoice or credit note of this order with ``lines``."""
        move = (
            self.env["account.move"]
            .sudo()
            .with_context(default_move_type=move_type)
            .create({**self._prepare_invoice(), "move_type": move_type, "invoice_line_ids": lines})
        )
        move.action_post()
        return move

    # ------------------------------------------------------------------
    # Portal cancellation (SPEC §7): the ORM adapter of ``rules.cancellation``.
    # A customer cancels their own confirmed order from the portal while its
    # company allows it, within the company's hours and before anything was
    # delivered or invoiced.
    # ------------------------------------------------------------------

    def _preorder_may_cancel(self):
        """{order id: whether its customer may cancel it now}."""
        now = fields.Datetime.now()
        result = {}
        for order in self.sudo():
            company, lines = order.company_id, order.order_line
            result[order.id] = cancellation_rules.may_cancel(
                company.preorder_cancel_enabled,
                order.state,
                order.date_order,
                company.preorder_cancel_hours,
                now,
                started=any(lines.mapped("qty_delivered")) or any(lines.mapped("qty_invoiced")),
            )
        return result

    def _preorder_portal_cancel(self):
        """Cancel this order at its customer's request, inside the window; False
        when refused (nothing changes)."""
        self.ensure_one()
        # a release or a second request for the same order waits here, then sees
        # the order as it is now (Odoo retries the request on a stale snapshot)
        self._preorder_lock()
        if not self._preorder_may_cancel()[self.id]:
            return False
        self.sudo()._action_cancel()
        self.sudo()._message_log(body=self.env._("Cancelled by the customer from the portal."))
        return True

    # ------------------------------------------------------------------
    # Self-service on the portal (README, "Self-service"): the customer
    # changes their confirmed pre-order (``rules.self_service``); every change
    # is logged on the order and confirmed by e-mail
    # ------------------------------------------------------------------

    def _preorder_line_payments(self):
        """{line id: (paid, due)} of this order's pre-order and pre-sale lines:
        what the customer paid shared out among the lines as a refund shares
        it (``rules.refund.paid_for``), and the rest of each line's total."""
        self.ensure_one()
        order = self.sudo()
        lines = order.order_line.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS and not line.display_type
        )
        if not lines or order.state != "sale":
            return {}
        weights, paid = order._preorder_paid_weights(), order._preorder_paid()
        result = {}
        for line in lines:
            share = refund_rules.paid_for(
                [line.id], weights, paid, round_amount=order.currency_id.round
            )
            result[line.id] = (share, order.currency_id.round(max(line.price_total - share, 0.0)))
        return result

    def _preorder_portal_started(self):
        """True once something of this order was released or shipped."""
        lines = self.sudo().order_line.filtered("product_uom")
        return any(
            float_compare(quantity, 0.0, precision_rounding=line.product_uom.rounding) > 0
            for line in lines
            for quantity in (line.preorder_released_qty, line.qty_delivered)
        ) or any(picking.state == "done" for picking in self.sudo().picking_ids)

    def _preorder_portal_shipping_refusal(self, policy):
        """Why the customer may not set this order's shipping choice to
        ``policy`` now (a ``rules.self_service`` code), or None."""
        self.ensure_one()
        return self_service_rules.shipping_change_refusal(
            self.state,
            self.locked,
            self._preorder_offers_shipping_choice(),
            self._preorder_portal_started(),
            policy,
            tuple(self._preorder_shipping_labels()),
        )

    def _preorder_portal_set_shipping(self, policy):
        """The customer's new shipping choice (``picking_policy``, and the open
        deliveries' shipping policy), until something is released or
        shipped; returns the refusal code, None when done."""
        self.ensure_one()
        self._preorder_lock()
        refusal = self._preorder_portal_shipping_refusal(policy)
        if refusal:
            return refusal
        order = self.sudo()
        if order.picking_policy != policy:
            order.picking_policy = policy
            order.picking_ids.filtered(
                lambda picking: picking.state not in ("done", "cancel")
            ).write({"move_type": policy})
            order._preorder_confirm_change(
                self.env._(
                    "Shipping choice changed by the customer from the portal: %s.",
                    self._preorder_shipping_labels()[policy],
                )
            )
        return None

    def _preorder_balance_tokens(self):
        """The customer's saved payment methods this order's balance may be
        charged to: their commercial entity's, of this company's providers."""
        self.ensure_one()
        order = self.sudo()
        return (
            self.env["payment.token"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", order.partner_id.commercial_partner_id.id),
                    ("provider_id.company_id", "=", order.company_id.id),
                ]
            )
        )

    def _preorder_portal_balance_refusal(self, token=None):
        """Why the customer may not choose ``token`` (any of theirs when not
        given) for this order's balance now, or None."""
        self.ensure_one()
        order = self.sudo()
        tokens = order._preorder_balance_tokens()
        return self_service_rules.balance_method_refusal(
            order.state,
            order.preorder_deposit,
            order.preorder_balance_state,
            bool(tokens if token is None else token & tokens),
        )

    def _preorder_portal_set_balance_token(self, token_id):
        """The saved payment method the balance is charged to, chosen by the
        customer among theirs; returns the refusal code, None when done."""
        self.ensure_one()
        self._preorder_lock()
        order = self.sudo()
        token = self.env["payment.token"].sudo().browse(token_id).exists()
        refusal = order._preorder_portal_balance_refusal(token)
        if refusal:
            return refusal
        if order.preorder_balance_token_id != token:
            order.preorder_balance_token_id = token
            order._preorder_confirm_change(
                self.env._(
                    "Balance payment method changed by the customer from the portal: %s.",
                    token.display_name,
                )
            )
        return None

    def _preorder_confirm_change(self, log):
        """A change the customer made from the portal: ``log`` on the order and
        an e-mail confirming it."""
        self._preorder_send_mail("website_preorder.mail_template_preorder_changed", log)

    # ------------------------------------------------------------------
    # Customer e-mails about pre-order lines, date-slip answers, To-Dos
    # ------------------------------------------------------------------

    def _preorder_notify_promise_changes(self):
        """One e-mail per order listing its changed promise dates; the orders
        e-mailed (callers checked the user)."""
        orders = self.filtered(lambda order: order.preorder_promise_changed_lines())
        orders._preorder_send_mail(
            "website_preorder.mail_template_promise_date_changed",
            self.env._("Promise date change e-mailed to the customer."),
        )
        lines = self.env["sale.order.line"].concat(
            *(order.preorder_promise_changed_lines() for order in orders)
        )
        lines._preorder_mark_notified()
        return orders

    def _preorder_notify_released(self):
        """One e-mail per order with the quantities released since the last one."""
        released = self.sudo().order_line.filtered(
            lambda line: line.preorder_release_notify_qty > 0
        )
        released.order_id._preorder_send_mail(
            "website_preorder.mail_template_preorder_released",
            self.env._("Release e-mail sent: pre-ordered goods are reserved for delivery."),
        )
        released.preorder_release_notify_qty = 0

    def _preorder_send_mail(self, template_xmlid, log):
        """One e-mail per order, rendered and queued in one batch (sent by the
        mail queue), the template's body compiled once per language
        (``ir.qweb._compile``), and one line in each order's chatter, also in
        one batch."""
        orders = self
        if not orders:
            return self.env["mail.mail"]
        template = self.env.ref(template_xmlid).sudo().with_context(**{QWEB_BATCH_KEY: {}})
        mails = template.send_mail_batch(orders.ids).with_env(self.env)
        orders._message_log_batch(bodies=dict.fromkeys(orders.ids, log))
        return mails

    def _preorder_action_notify_customers(self):
        """Notify customers (staff button): e-mail the orders with changed promise
        dates and say how many were told."""
        notified = self._preorder_notify_promise_changes()
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

    def _preorder_mail_lines(self):
        """Kind, date and unit price of the lines not served from stock, for e-mails."""
        self.ensure_one()
        order = self
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

    def _preorder_consent_refusal(self, answer):
        """The ``rules.consent`` code refusing the customer's ``answer`` to a
        date-slip question on this order now, or None."""
        self.ensure_one()
        order = self
        lines = order.order_line
        pending = lines.filtered(lambda line: line.preorder_consent_state == consent_rules.PENDING)
        if order.state != "sale":
            return consent_rules.NOTHING_WAITING
        shipped = order.locked or any(
            line.qty_delivered or line.preorder_released_qty for line in pending
        )
        return consent_rules.answer_refusal(
            answer, set(lines.mapped("preorder_consent_state")), shipped
        )

    def _preorder_lock(self, touch=False):
        """Lock these orders' rows, in one query, for a change that must not
        run twice at once (a date-slip answer and the lapse job, a portal
        cancellation and a release, two releases invoicing one balance): the
        other waits here, then sees the orders as they are now (an order changed
        and committed meanwhile makes PostgreSQL refuse the lock with a
        serialization error, which Odoo retries). ``touch``: the rows are
        written (their write date), for a caller whose change is elsewhere (two
        releases of different lines of one order: each changed only its own
        line; the second must see the first's, not decide on its snapshot)."""
        if not self:
            return
        if touch:
            query = SQL(
                "UPDATE sale_order SET write_date = (now() at time zone 'UTC') "
                "WHERE id IN (SELECT id FROM sale_order WHERE id IN %s ORDER BY id FOR UPDATE)",
                tuple(self.ids),
            )
        else:
            query = SQL(
                "SELECT id FROM sale_order WHERE id IN %s ORDER BY id FOR UPDATE", tuple(self.ids)
            )
        self.env.cr.execute(query, log_exceptions=False)
        self.invalidate_recordset()
        self.order_line.invalidate_recordset()

    def _preorder_consent_answer(self, answer):
        """The customer's answer from the portal (the order: sudo, access checked).
        Returns the refusal code, or None when taken. Idempotent: a second
        answer finds nothing waiting and changes nothing."""
        self.ensure_one()
        order = self
        order._preorder_lock()
        refusal = order._preorder_consent_refusal(answer)
        if refusal:
            return refusal
        pending = order.order_line.filtered(
            lambda line: line.preorder_consent_state == consent_rules.PENDING
        )
        Event = self.env["preorder.consent.event"]
        if answer == consent_rules.ACCEPT:
            pending.write({"preorder_consent_state": consent_rules.ACCEPTED})
            pending._preorder_log_consent(self.env._("The customer accepted the new dates:"))
            Event._record(pending, "answer", "accepted")
        else:
            Event._record(pending, "answer", "declined")
            pending._preorder_cancel_for_consent(
                consent_rules.DECLINED,
                self.env._("The customer cancelled these lines rather than wait:"),
            )
        return None

    def _preorder_responsible_user(self):
        """Who gets a To-Do about this order (a refund after a consent
        cancellation, a balance that could not be invoiced): its salesperson,
        else the company's Activity User, the sales team's leader, the
        administrator."""
        self.ensure_one()
        return (
            self.user_id
            or self.company_id.preorder_activity_user_id
            or self.team_id.user_id
            or self.env.ref("base.user_admin")
        )
