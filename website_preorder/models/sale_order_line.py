import functools
import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, float_compare, float_is_zero, format_date

from ..rules import allocation as allocation_rules
from ..rules import cancellation as cancellation_rules
from ..rules import cart as cart_rules
from ..rules import consent as consent_rules
from ..rules import hold as hold_rules
from ..rules import release as release_rules
from ..rules.allocation import ALLOCATED, OPEN_STATES, PARKED, RELEASED
from ..rules.kinds import INTERNATIONAL, NATIONAL, NEXT_DAY, PRESALE, REQUEST_KINDS, STOCK

_logger = logging.getLogger(__name__)

SALE_KIND_SELECTION = [
    (STOCK, "From stock"),
    (NATIONAL, "Pre-order"),
    (INTERNATIONAL, "International pre-order"),
    (PRESALE, "Pre-sale"),
    (NEXT_DAY, "Next-day shipping"),
]
PREORDER_STATES = [(PARKED, "Parked"), (ALLOCATED, "Allocated"), (RELEASED, "Released")]
STAFF = "sales_team.group_sale_salesman,purchase.group_purchase_user,stock.group_stock_user"


def _staff_qty(string, compute=None, **kwargs):
    """A pre-order quantity of a line, in the product's unit, that only staff
    read: stored when computed, not copied otherwise."""
    if compute:
        kwargs.update(compute=compute, store=True)
    else:
        kwargs.update(copy=False)
    return fields.Float(string, digits="Product Unit of Measure", groups=STAFF, **kwargs)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    preorder_kind = fields.Selection(
        SALE_KIND_SELECTION, string="Kind", default=STOCK, required=True, index=True
    )
    preorder_is_restock = fields.Boolean(
        "Back-order",
        compute="_compute_preorder_is_restock",
        help="A national pre-order of a restocked product: shown as Back-order.",
    )

    preorder_allocation_ids = fields.One2many(
        "preorder.allocation", "sale_line_id", string="Allocations", groups=STAFF
    )
    preorder_hold_ids = fields.One2many(
        "preorder.hold", "sale_line_id", string="Checkout Holds", groups=STAFF
    )
    preorder_allocated_qty = _staff_qty("Allocated", compute="_compute_preorder_quantities")
    preorder_parked_qty = _staff_qty("Parked", compute="_compute_preorder_quantities")
    preorder_state = fields.Selection(
        PREORDER_STATES,
        string="Pre-order Status",
        compute="_compute_preorder_quantities",
        store=True,
        index=True,
    )
    promise_date = fields.Date(copy=False, help="The date the shopper was promised for this line.")
    promise_date_notified = fields.Date(
        copy=False,
        groups=STAFF,
        help="The promise date the customer was last told (order confirmation e-mail or "
        "promise date notification).",
    )
    promise_date_manual = fields.Boolean(
        "Promise Date Set by Hand",
        copy=False,
        groups=STAFF,
        help="Set by hand or imported: automatic updates keep it until staff sync the "
        "date with the request (Sync Date with SO).",
    )
    preorder_request_ids = fields.Many2many(
        "purchase.order", string="Requests", compute="_compute_preorder_request_ids", groups=STAFF
    )
    preorder_released_qty = _staff_qty(
        "Released",
        compute="_compute_preorder_quantities",
        help="Quantity reserved for delivery by the release, in the product's unit.",
    )
    preorder_stock_released_qty = _staff_qty(
        "Released from Stock",
        help="Parked quantity released from free stock, without an allocation.",
    )
    preorder_release_notify_qty = _staff_qty(
        "Release Not Yet Told", help="Quantity released since the customer was last told."
    )
    preorder_expected_date = fields.Date(
        "Expected",
        compute="_compute_preorder_expected_date",
        help="The promise date, or while there is none the earliest Expected Arrival on offer.",
    )
    preorder_exclusivity = fields.Boolean(
        "Exclusivity", help="The shopper asked for the exclusivity of this product."
    )
    preorder_activity_scheduled = fields.Boolean(copy=False, groups=STAFF)
    preorder_consent_state = fields.Selection(
        [
            ("pending", "Waiting for the customer"),
            ("accepted", "Accepted"),
            ("declined", "Declined"),
            ("lapsed", "Lapsed"),
        ],
        string="Date-slip Consent",
        copy=False,
        index="btree_not_null",
        help="The customer's answer to a promise date that slipped (README, Date-slip consent).",
    )
    preorder_consent_old_date = fields.Date("Agreed Date", copy=False, groups=STAFF)
    preorder_consent_asked_at = fields.Datetime("Consent Asked", copy=False, groups=STAFF)
    preorder_delay_count = fields.Integer(
        "Delays Notified",
        copy=False,
        groups=STAFF,
        help="How many delays of this line its customer was asked about (the delay policy "
        "treats a second delay differently from the first).",
    )

    @api.depends("preorder_kind", "product_uom_qty", "product_uom", "order_id.state",
                 "preorder_allocation_ids.quantity", "preorder_allocation_ids.state",
                 "preorder_stock_released_qty")  # fmt: skip
    def _compute_preorder_quantities(self):
        """The figures of ``rules.allocation.line_quantities``. Lines with the same
        figures are assigned together: thousands of lines allocated at once mostly
        share a handful of values."""
        step = 10 ** -self._fields["preorder_parked_qty"].get_digits(self.env)[1]
        values = defaultdict(list)
        for line in self:
            figures = allocation_rules.line_quantities(
                [(a.quantity, a.state == RELEASED) for a in line.preorder_allocation_ids],
                line.preorder_stock_released_qty,
                line._preorder_to_product_qty(line.product_uom_qty),
                line.preorder_kind in REQUEST_KINDS and line.order_id.state == "sale",
                line.product_id.uom_id.rounding or 0.01,
                step,
            )
            values[figures].append(line.id)
        for figures, ids in values.items():
            self.browse(ids).update(
                {
                    "preorder_allocated_qty": figures.allocated,
                    "preorder_released_qty": figures.released,
                    "preorder_parked_qty": figures.parked,
                    "preorder_state": figures.state or False,
                }
            )

    @api.depends("preorder_allocation_ids.purchase_order_id")
    def _compute_preorder_request_ids(self):
        for line in self:
            line.preorder_request_ids = line.preorder_allocation_ids.purchase_order_id

    @api.depends("promise_date", "preorder_kind", "product_id")
    @api.depends_context("company", "tz")
    def _compute_preorder_expected_date(self):
        dates = self._preorder_expected_dates()
        for line in self:
            line.preorder_expected_date = dates[line.id]

    def get_description_following_lines(self):
        """Cart and checkout lines tell the kind and its date (SPEC §7)."""
        lines = super().get_description_following_lines()
        label = self._preorder_kind_description()
        return [*lines, label] if label else lines

    def _preorder_to_product_qty(self, quantity):
        """``quantity`` in the line's unit, in the product's."""
        self.ensure_one()
        uom, product_uom = self.product_uom, self.product_id.uom_id
        if not uom or not product_uom or uom == product_uom:
            return quantity
        return uom._compute_quantity(quantity, product_uom, rounding_method="HALF-UP")

    def _preorder_format_qty(self, quantity):
        """``quantity`` (in the product's unit) for people, e.g. ``2.00 Units``."""
        self.ensure_one()
        return self.env["preorder.allocation"]._preorder_format_qty(
            quantity, self.product_id.uom_id
        )

    def _preorder_qty_label(self):
        """The ordered quantity for the customer: ``1,200.00 Units`` (called by
        the merchants' mail templates, which are ``noupdate``: keep the name)."""
        self.ensure_one()
        return self.env["preorder.allocation"]._preorder_format_qty(
            self.product_uom_qty, self.product_uom
        )

    def action_preorder_release(self):
        """Release now: the release rule, run for these lines' products."""
        self.check_access("write")
        return self.sudo()._preorder_release_now()

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # lines added to an already confirmed order are allocated like confirmed ones
        confirmed = lines.filtered(lambda line: line.order_id.state == "sale")
        confirmed._preorder_allocate_confirmed()
        return lines

    def write(self, vals):
        if "preorder_kind" in vals:
            locked = self.filtered(
                lambda line: line.order_id.state == "sale"
                and line.preorder_kind != vals["preorder_kind"]
            )
            if locked:
                raise UserError(self.env._("The kind of a confirmed order line cannot change."))
        if {"product_uom_qty", "product_uom"} & set(vals):
            self._preorder_check_released_quantity(vals)
        old_dates = {}
        manual = "promise_date" in vals and not self.env.context.get("preorder_system_update")
        if manual:
            old_dates = {line: line.promise_date for line in self}
            vals = {**vals, "promise_date_manual": True}
        # paid orders whose pre-order lines are lowered or cancelled give back
        # what was paid for the difference (README, Refunds): weights read before
        paid = self._preorder_paid_orders() if "product_uom_qty" in vals else {}
        result = super().write(vals)
        if old_dates:
            self._preorder_log_promise_dates(old_dates)
            self._preorder_ask_consent(old_dates)
        preorder_lines = self.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
        if "product_id" in vals:
            preorder_lines.sudo().preorder_allocation_ids._free_changed_product(
                self.env._("The product of a sale line changed.")
            )
        if {"product_id", "product_uom_qty", "product_uom"} & set(vals):
            preorder_lines._preorder_replan()
            # before the balance: a refund of a deposit changes what it deducts
            self._preorder_refund_lowered(paid)
            # the last line waiting may have gone: the balance of a deposit is due
            preorder_lines.order_id._preorder_invoice_balances()
        return result

    def _preorder_paid_orders(self):
        """{order: its lines' weights in what was paid} of the paid, confirmed
        orders of these pre-order and pre-sale lines (before they change)."""
        lines = self.sudo().filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS and line.order_id.state == "sale"
        )
        return {
            order: order._preorder_paid_weights()
            for order in lines.order_id
            if not order.currency_id.is_zero(order._preorder_paid())
        }

    def _preorder_refund_lowered(self, paid):
        """Refund what was paid for the quantity these lines lost (``paid``:
        ``_preorder_paid_orders()`` read before the change); the reason in the
        context key ``preorder_refund_reason`` (the consent page's), else a
        lowered quantity."""
        reason = self.env.context.get("preorder_refund_reason") or self.env._(
            "Pre-order quantity lowered or cancelled by %(user)s: refund.", user=self.env.user.name
        )
        for order, before in paid.items():
            after = order._preorder_paid_weights()
            lowered = order.order_line.filtered(
                lambda line,
                before=before,
                after=after,
                compare=order.currency_id.compare_amounts: (
                    line.id in before and compare(after.get(line.id, 0.0), before[line.id]) < 0
                )
            )
            if lowered:
                order._preorder_refund_cancelled(
                    lowered,
                    before,
                    reason,
                    after=after,
                    credit={
                        line: max(line.qty_invoiced - line.product_uom_qty, 0.0) for line in lowered
                    },
                )

    def unlink(self):
        allocations = self.sudo().preorder_allocation_ids
        products, kinds = allocations.product_id, set(allocations.mapped("kind"))
        result = super().unlink()
        if products:
            # what they held goes to the oldest parked lines
            self.env["preorder.allocation"]._allocate_parked(products, kinds)
        return result

    # ------------------------------------------------------------------
    # Website cart: per-line pricelists, cart page limits, Back-order label
    # ------------------------------------------------------------------

    @api.depends("preorder_kind", "product_id", "company_id")
    def _compute_preorder_is_restock(self):
        flags = self._preorder_restock_flags()
        for line in self:
            line.preorder_is_restock = flags.get(line.id, False)

    @api.depends("preorder_kind", "order_id.preorder_base_pricelist_id")
    def _compute_pricelist_item_id(self):
        result = super()._compute_pricelist_item_id()
        self._preorder_price_with_shopper_pricelist()
        return result

    def _preorder_price_now(self):
        """(unit price, discount) this line gets when its cart is repriced now
        (``sale.order._recompute_prices``), computed by Odoo's own price
        computations on an in-memory copy of the line: nothing is written."""
        self.ensure_one()
        draft = self.new(origin=self).with_context(force_price_recomputation=True)
        draft._compute_pricelist_item_id()
        draft._compute_price_unit()
        draft.discount = 0.0
        draft._compute_discount()
        return draft.price_unit, draft.discount

    def _get_max_available_qty(self):
        """Cart page "+": a non-stock line is capped by what its kind offers, not
        by free stock."""
        if self.preorder_kind == STOCK:
            return super()._get_max_available_qty()
        return self._preorder_cart_room()

    def _preorder_price_with_shopper_pricelist(self):
        """On a cart forced onto the pre-sale or international pricelist, the
        other lines are priced by the shopper's pricelist (their pricelist item)."""
        for line in self:
            order = line.order_id
            base = order.preorder_base_pricelist_id
            if (
                not base
                or not line.product_id
                or line.display_type
                or cart_rules.forced_line(
                    line.preorder_kind,
                    order.company_id._preorder_forced_pricelists(),
                    order.pricelist_id.id,
                )
            ):
                continue
            line.pricelist_item_id = base._get_product_rule(
                line.product_id,
                quantity=line.product_uom_qty or 1.0,
                uom=line.product_uom,
                date=line._get_order_date(),
            )

    def _preorder_cart_facts(self):
        """The ``rules.cart.CartLine`` of this cart line as it stands."""
        return self.order_id._preorder_cart_line_facts(
            self.product_id,
            self.preorder_kind,
            self,
            self.product_uom_qty,
            self.preorder_exclusivity,
        )

    def _preorder_cart_refusal(self):
        """The ``rules.cart.Refusal`` of this cart line as it stands, or None."""
        return cart_rules.refusal(self._preorder_cart_facts())

    def _preorder_cart_room(self):
        """How much more the cart page's "+" may add to this non-stock line: what
        its kind offers less what the cart already holds of it."""
        facts = self._preorder_cart_facts()
        return max(facts.offered - facts.kind_total, 0.0)

    # ------------------------------------------------------------------
    # Allocation (preorder.allocation) seen from the sale line
    # ------------------------------------------------------------------

    def _preorder_demand(self):
        """The ``rules.allocation.Demand`` of this line: its parked quantity."""
        self.ensure_one()
        return allocation_rules.Demand(
            self.id,
            self.product_id.id,
            self.preorder_kind,
            self.order_id.date_order,
            self.preorder_parked_qty,
            self.product_id.uom_id.rounding,
        )

    def _preorder_allocate_confirmed(self):
        """Lines of a confirmed order (at confirmation, or added to it later):
        allocated, and each large national pre-order gets its To-Do. Lines
        paid with checkout holds are allocated once the confirmation commits
        (``_preorder_convert_holds_after_commit``)."""
        deferred = self._preorder_convert_holds_after_commit()
        lines = self - deferred
        self.env["preorder.allocation"]._allocate(lines)
        lines._preorder_schedule_large_order_todo()

    def _preorder_convert_holds_after_commit(self):
        """Lines of these whose checkout holds become their allocations after the
        current transaction commits, in a short READ COMMITTED transaction of
        their own; returns them (none inside Odoo's tests, or when already
        converting).

        On launch day every paid cart of a hot product is confirmed in Odoo's
        payment post-processing (REPEATABLE READ), and allocating there writes
        the supply row: two confirmations that overlap collide on it, PostgreSQL
        refuses the later one and the payment page polls again. Converting holds
        gives nothing new away (what they hold was already counted for nobody
        else), so it waits for the row's lock after the commit instead. Until
        then the holds keep counting, and the lines carry the promise their
        holds made (the latest arrival of the supply they hold), which the
        confirmation e-mail tells. A conversion that fails is logged; the
        scheduled sweep converts what is left (``preorder.hold._cron_sweep_expired``).
        """
        SaleOrder = self.env["sale.order"]
        if (
            self.env.context.get("preorder_convert_now")
            or not SaleOrder._preorder_holds_own_transaction()
        ):
            return self.browse()
        now = fields.Datetime.now()
        held = self.sudo().filtered(
            lambda line: line.order_id.state == "sale"
            and line.preorder_kind in REQUEST_KINDS
            and any(hold.expires_at > now for hold in line.preorder_hold_ids)
        )
        if not held:
            return self.browse()
        # until they are converted the holds keep counting, however long it
        # takes (the sweep converts what the commit did not): their own rows,
        # not the supply row
        held.preorder_hold_ids.filtered(lambda hold: hold.expires_at > now).write(
            {"expires_at": now + hold_rules.KEEP_EXPIRED_OPEN}
        )
        for line, promised in held._preorder_held_promise_dates().items():
            # a date staff set by hand stays theirs, as allocation keeps it
            if promised != line.promise_date and not line.promise_date_manual:
                line.with_context(preorder_system_update=True).promise_date = promised
        Hold, line_ids = self.env["preorder.hold"], held.ids

        def convert():
            try:
                with Hold._committed_env(forget=False) as env:
                    env["sale.order.line"].with_context(preorder_convert_now=True).browse(
                        line_ids
                    ).exists()._preorder_convert_holds()
            except Exception:
                _logger.exception(
                    "Checkout holds of sale lines %s not converted: the sweep will", line_ids
                )

        self.env.cr.postcommit.add(convert)
        return held.with_env(self.env)

    def _preorder_held_promise_dates(self):
        """{line: the promise its active checkout holds make} of these lines
        whose holds cover all they wait for: the latest arrival (company date)
        of the supply they hold (a line partly held is parked for the rest and
        has no promise date, as its allocation will leave it)."""
        now = fields.Datetime.now()
        result = {}
        for line in self:
            holds = line.preorder_hold_ids.filtered(lambda hold: hold.expires_at > now)
            if (
                float_compare(
                    sum(holds.mapped("quantity")),
                    line.preorder_parked_qty,
                    precision_rounding=line.product_id.uom_id.rounding,
                )
                < 0
            ):
                continue
            latest = allocation_rules.promise_date(holds.purchase_line_id.mapped("date_planned"))
            result[line] = latest and line.company_id.sudo()._preorder_date_of(latest)
        return result

    def _preorder_convert_holds(self):
        """Allocate these confirmed lines now, their checkout holds first (see
        ``_preorder_convert_holds_after_commit``): the lines are locked first,
        so two converters of one line (the commit's and the sweep's) take
        turns and the second finds it allocated."""
        lines = self.sudo().exists()
        if not lines:
            return
        self.env.cr.execute(
            SQL(
                "SELECT id FROM sale_order_line WHERE id IN %s ORDER BY id FOR UPDATE",
                tuple(lines.ids),
            )
        )
        lines.invalidate_recordset()
        # parked until allocated, the lines have no promise date of their own:
        # the one their holds made is given back to allocation, which sets it
        # again, or asks the customer when the holds could not be kept
        lines.filtered(
            lambda line: line.promise_date
            and not line.promise_date_manual
            and not line.preorder_allocation_ids
        ).with_context(preorder_system_update=True).write({"promise_date": False})
        lines.with_context(preorder_convert_now=True)._preorder_allocate_confirmed()

    def _preorder_replan(self):
        """After these lines' quantity changed: free the excess through the one
        deallocation rule (latest arrivals first, released quantity never), then
        offer what is on order to the parked lines, oldest order first."""
        Allocation = self.env["preorder.allocation"]
        lines = self.sudo().filtered(lambda line: line.order_id.state == "sale")
        # what is released from stock without an allocation stays the line's
        Allocation._free_excess(
            {
                line: line.preorder_allocated_qty
                + line.preorder_stock_released_qty
                - line._preorder_to_product_qty(line.product_uom_qty)
                for line in lines
            },
            allocation_rules.LATEST_ARRIVALS,
            self.env._("The ordered quantity was lowered."),
            reoffer=False,
        )
        if lines:
            Allocation._allocate_parked(lines.product_id, set(lines.mapped("preorder_kind")))

    def _preorder_schedule_large_order_todo(self):
        """The To-Do for the company's Activity User when a national pre-order
        line is larger than its Config Quantity (SPEC §2), once per line: on the
        request the line is allocated to, or on the sale order while parked."""
        Allocation = self.env["preorder.allocation"]
        for line in self.sudo():
            company = line.company_id
            user = company.preorder_activity_user_id
            limit = company.preorder_config_qty
            if (
                line.preorder_kind != NATIONAL
                or line.preorder_activity_scheduled
                or not user
                or not limit
                or line._preorder_to_product_qty(line.product_uom_qty) <= limit
            ):
                continue
            target = line.preorder_allocation_ids[:1].purchase_order_id or line.order_id
            target.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Large national pre-order"),
                note=self.env._(
                    "%(order)s pre-orders %(qty)s of %(product)s (more than %(limit)s).",
                    order=line.order_id.name,
                    qty=Allocation._preorder_format_qty(line.product_uom_qty, line.product_uom),
                    product=line.product_id.display_name,
                    limit=Allocation._preorder_format_qty(limit, line.product_id.uom_id),
                ),
            )
            line.preorder_activity_scheduled = True

    # ------------------------------------------------------------------
    # Promise dates (SPEC §4) and how a line's kind is told
    # ------------------------------------------------------------------

    def _preorder_update_promise_dates(self, sync=False):
        """Promise date of these lines = latest Expected Arrival of their
        allocations (its date in the company's timezone); none while parked.

        A date set by hand or imported is kept until staff sync (``sync=True``,
        Sync Date with SO): then it follows the allocations again and the change
        is logged on the order. Returns the lines whose promise date changed.
        """
        lines = self.sudo()
        # what the loop reads, at once (Sync Date covers thousands of lines)
        lines.fetch(
            [
                "preorder_kind",
                "promise_date_manual",
                "promise_date",
                "company_id",
                "order_id",
                "preorder_parked_qty",
            ]
        )
        lines = lines.filtered(lambda line: line.preorder_kind in REQUEST_KINDS)
        if not sync:
            lines = lines.filtered(lambda line: not line.promise_date_manual)
        # each line's request lines, in one grouped query (as ids: thousands of
        # groups), and their arrivals (the allocation's related date would be
        # computed record by record)
        supplies_of = {}
        if lines:
            self.env["preorder.allocation"].flush_model(["sale_line_id", "purchase_line_id"])
            supplies_of = dict(
                self.env.execute_query(
                    SQL(
                        "SELECT sale_line_id, ARRAY_AGG(purchase_line_id) FROM preorder_allocation "
                        "WHERE sale_line_id IN %s GROUP BY sale_line_id",
                        tuple(lines.ids),
                    )
                )
            )
        supplies = (
            self.env["purchase.order.line"]
            .sudo()
            .browse({supply_id for ids in supplies_of.values() for supply_id in ids})
        )
        # their arrival only (request lines are wide rows)
        supplies.fetch(["date_planned"])
        arrival_of = dict(zip(supplies.ids, supplies.mapped("date_planned"), strict=True))
        by_date, old = {}, {}
        for company, company_lines in lines.grouped("company_id").items():
            # a handful of distinct arrivals: each converted to the company's date once
            day_of = functools.cache(company.sudo()._preorder_date_of)
            for line in company_lines:
                new = False
                if not line.preorder_parked_qty and line.id in supplies_of:
                    arrival = allocation_rules.promise_date(
                        arrival_of[supply_id] for supply_id in supplies_of[line.id]
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
            changed._preorder_log_promise_dates(old, self.env._("Synced with the request"))
        changed._preorder_ask_consent(old)
        return changed.with_env(self.env)

    def _preorder_log_promise_dates(self, old_dates, reason=None):
        """One chatter note per order naming each of these lines' old and new
        promise date (``old_dates``: {line: date before}), written in one batch.
        Each distinct date is formatted once (a handful for thousands of lines)."""
        date_text = functools.cache(self._preorder_format_date)
        names = {product.id: product.display_name for product in self.product_id}
        bodies = {}
        for order, order_lines in self.grouped("order_id").items():
            changes = [
                self.env._(
                    "%(product)s: promise date %(old)s → %(new)s",
                    product=names[line.product_id.id],
                    old=date_text(old_dates[line]),
                    new=date_text(line.promise_date),
                )
                for line in order_lines
                if old_dates[line] != line.promise_date
            ]
            if changes:
                if reason:
                    changes.insert(0, reason)
                bodies[order.id] = Markup("<br/>").join(changes)
        if bodies:
            self.order_id.browse(list(bodies))._message_log_batch(bodies=bodies)

    @api.model
    def _preorder_format_date(self, date):
        """A promise date for people (chatter, e-mails): the user's format, or "none"."""
        return format_date(self.env, date) if date else self.env._("none")

    def _preorder_mark_notified(self):
        """The customer was just told these lines' promise dates."""
        for date, date_lines in self.sudo().grouped("promise_date").items():
            date_lines.write({"promise_date_notified": date})

    def _preorder_kind_description(self):
        """The kind and its date, as cart, checkout, portal and e-mails show them.
        National pre-orders of restocked products say "Back-order", as the
        product page does."""
        self.ensure_one()
        line = self
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

    def _preorder_expected_dates(self):
        """{line id: its promise date, or while there is none the earliest date its
        kind offers now}. One availability query per company."""
        lines = self
        waiting = lines.filtered(
            lambda line: not line.promise_date and line.preorder_kind in REQUEST_KINDS
        )
        dates = {line.id: line.promise_date for line in lines}
        # a cart's own checkout holds do not hide its dates from its shopper
        own = {"preorder_hold_order_id": lines.order_id.id} if len(lines.order_id) == 1 else {}
        for company, company_lines in waiting.grouped("company_id").items():
            availability = (
                company_lines.product_id.sudo()
                .with_context(**own)
                ._get_preorder_availability(company)
            )
            for line in company_lines:
                offer = availability[line.product_id.id].get(line.preorder_kind)
                dates[line.id] = offer.date or False
        return dates

    def _preorder_restock_flags(self):
        """{line id: Back-order} of these lines that are national pre-orders:
        allocated lines follow their requests, the others the product's open
        requests, as the product page does. Read in sets: one query per company."""
        lines = self.filtered(lambda line: line.preorder_kind == NATIONAL and line.product_id)
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

    # ------------------------------------------------------------------
    # Date-slip consent (README): ask, cancel, lapse
    # ------------------------------------------------------------------

    def _preorder_ask_consent(self, old_dates, undated=False, force=False):
        """Date-slip consent (README): ask the customers of these lines whose
        promise date slipped later than the date they agreed to, by more than
        the company's threshold (``old_dates``: {line: date before the change};
        ``undated``: a line left without a date counts as slipped, as a paid
        checkout whose hold could not be kept). One e-mail per order links to
        the portal page where the customer accepts the new dates or cancels the
        lines. Under the FTC and EU delay policies a line left without a date is
        asked too; ``force``: asked whatever the dates (the EU policy's passed
        agreed date). The notice is kept as evidence (``preorder.consent.event``).
        Returns the lines asked."""
        asked = self.browse()
        now = fields.Datetime.now()
        for line in self.sudo():
            order = line.order_id
            if (
                order.state != "sale"
                or line.preorder_kind not in REQUEST_KINDS
                or float_is_zero(line.product_uom_qty, precision_rounding=line.product_uom.rounding)
            ):
                continue  # nothing waits on it (a line cancelled to 0 asks nothing)
            policy = order.company_id.preorder_delay_policy
            pending = line.preorder_consent_state == consent_rules.PENDING
            agreed = (
                line.preorder_consent_old_date
                if pending
                else line.promise_date_notified or old_dates.get(line)
            )
            if not force and not consent_rules.slipped(
                agreed,
                line.promise_date,
                order.company_id.preorder_slip_days,
                undated or consent_rules.asks_undated(policy),
            ):
                if pending and line.promise_date:
                    # the date came back: nothing to ask any more, the agreed date stands
                    line.write(
                        {
                            "preorder_consent_state": False,
                            "promise_date_notified": line.preorder_consent_old_date,
                        }
                    )
                continue
            line.write(
                {
                    "preorder_consent_state": consent_rules.PENDING,
                    "preorder_consent_old_date": agreed,
                    "preorder_consent_asked_at": now,
                    "preorder_delay_count": line.preorder_delay_count + (0 if pending else 1),
                    # this e-mail tells the new date: not told again as a change
                    "promise_date_notified": line.promise_date or agreed,
                }
            )
            asked |= line
        if asked:
            mails = asked.order_id._preorder_send_mail(
                "website_preorder.mail_template_preorder_consent",
                self.env._("Promise date slipped: the customer was asked to accept or cancel."),
            )
            self.env["preorder.consent.event"]._record(
                asked, "notice", "asked", {mail.res_id: mail.body_html for mail in mails or ()}
            )
        return asked

    # ------------------------------------------------------------------
    # Self-service: the customer lowers or cancels one pre-order line from
    # the portal (``rules.cancellation.line_change_refusal``)
    # ------------------------------------------------------------------

    def _preorder_portal_change_refusal(self, quantity):
        """Why this line's customer may not set it to ``quantity`` units from
        the portal now (a ``rules.cancellation`` code), or None."""
        self.ensure_one()
        line = self.sudo()
        company, order = line.company_id, line.order_id
        return cancellation_rules.line_change_refusal(
            company.preorder_cancel_enabled,
            order.state,
            order.locked,
            cancellation_rules.within_window(
                order.date_order, company.preorder_cancel_hours, fields.Datetime.now()
            ),
            line.preorder_kind in REQUEST_KINDS,
            line.preorder_released_qty,
            line.qty_delivered,
            line.product_uom_qty,
            quantity,
            line.product_uom.rounding or 0.01,
        )

    def _preorder_portal_changeable(self):
        """True when the customer may lower or cancel this line now."""
        self.ensure_one()
        return self._preorder_portal_change_refusal(0) is None

    def _preorder_portal_change(self, quantity):
        """Set this pre-order line to ``quantity`` units (0 cancels it) at its
        customer's request; returns the refusal code, None when done.

        As when staff lower a line: what it no longer needs is freed and goes
        to the oldest parked orders, what was paid for the difference is
        refunded through the payment that paid it, and a cancelled line's open
        delivery is cancelled. Logged on the order and confirmed by e-mail."""
        self.ensure_one()
        # a release or a second request for the same order waits here, then sees
        # the order as it is now (Odoo retries the request on a stale snapshot)
        self.order_id._preorder_lock()
        refusal = self._preorder_portal_change_refusal(quantity)
        if refusal:
            return refusal
        line = self.sudo()
        before = line.product_uom_qty
        line.with_context(
            preorder_refund_reason=self.env._(
                "Pre-order quantity lowered by the customer from the portal: refund."
            )
        ).write({"product_uom_qty": float(quantity)})
        if not quantity:
            line.move_ids.filtered(
                lambda move: move.state not in ("done", "cancel")
            )._action_cancel()
        line.order_id._preorder_confirm_change(
            self.env._(
                "%(product)s: %(before)s → %(after)s, changed by the customer from the portal.",
                product=line.product_id.display_name,
                before=line._preorder_format_qty(line._preorder_to_product_qty(before)),
                after=line._preorder_format_qty(line._preorder_to_product_qty(float(quantity))),
            )
        )
        return None

    def _preorder_cancel_for_consent(self, state, reason):
        """Cancel these lines (quantity 0, their open deliveries cancelled, their
        allocations freed like any lowered quantity), their consent ``state``
        recorded; what was paid for them refunded (``sale.order._preorder_refund_cancelled``)."""
        lines = self
        lines._preorder_log_consent(reason)
        # what was paid for them goes back (the quantity write refunds it)
        lines.with_context(
            preorder_refund_reason=self.env._(
                "Pre-order lines cancelled after their date slipped: refund."
            )
        ).write({"preorder_consent_state": state, "product_uom_qty": 0.0})
        lines.move_ids.filtered(lambda move: move.state not in ("done", "cancel"))._action_cancel()

    def _preorder_log_consent(self, reason):
        """One chatter note per order: ``reason`` and each line's agreed and new
        date, written in one batch."""
        bodies = {}
        for order, order_lines in self.grouped("order_id").items():
            rows = [
                self.env._(
                    "%(product)s: %(old)s → %(new)s",
                    product=line.product_id.display_name,
                    old=self._preorder_format_date(line.preorder_consent_old_date),
                    new=self._preorder_format_date(line.promise_date),
                )
                for line in order_lines
            ]
            bodies[order.id] = Markup("<br/>").join([reason, *rows])
        if bodies:
            self.order_id.browse(list(bodies))._message_log_batch(bodies=bodies)

    @api.model
    def _cron_preorder_consent_lapse(self):
        """Questions without an answer for the company's days lapse: the lines
        are kept or cancelled as the company chose. One search; then one order
        at a time, its row locked as the customer's answer locks it, and its
        lines read again under the lock (an answer given meanwhile wins). An
        order another transaction holds is left for the next run, the others
        lapse. Returns the lines that lapsed."""
        now = fields.Datetime.now()
        # EU delay policy: agreed dates that passed undelivered are asked about first
        self.sudo().search(
            [
                ("company_id.preorder_delay_policy", "=", consent_rules.EU),
                ("state", "=", "sale"),
                ("preorder_kind", "in", list(REQUEST_KINDS)),
                ("preorder_state", "in", list(OPEN_STATES)),
                ("promise_date_notified", "<", fields.Date.today()),
                ("preorder_consent_state", "!=", consent_rules.PENDING),
            ]
        )._preorder_ask_late()
        pending = self.sudo().search([("preorder_consent_state", "=", consent_rules.PENDING)])
        due = pending.filtered(
            lambda line: consent_rules.lapse_due(
                line.preorder_consent_asked_at, now, line.company_id.preorder_consent_days
            )
        )
        lapsed = self.browse()
        for order, lines in due.grouped("order_id").items():
            try:
                with self.env.cr.savepoint():
                    order._preorder_lock()
                    lines = lines.filtered(
                        lambda line: line.preorder_consent_state == consent_rules.PENDING
                    )
                    if lines:
                        lines._preorder_lapse_consent()
                # written (flushed) when the savepoint closed: they lapsed
                lapsed |= lines
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                _logger.info("Date-slip consent of %s: busy, lapses at the next run", order.name)
        return lapsed

    def _preorder_lapse_consent(self):
        """These lines' question went unanswered (one order, locked): what
        silence means under the company's delay policy
        (``rules.consent.lapse_outcome``): cancelled (and refunded) when it
        says so and they can be, kept otherwise -- under the FTC rule a short
        first delay is accepted by silence. Each outcome is kept as evidence."""
        order = self.order_id
        company = order.company_id
        Event = self.env["preorder.consent.event"]
        outcomes = {
            line: consent_rules.lapse_outcome(
                company.preorder_delay_policy,
                company.preorder_consent_lapse,
                line.preorder_consent_old_date,
                line.promise_date,
                line.preorder_delay_count,
            )
            for line in self
        }
        cancel = self.filtered(lambda line: outcomes[line] == consent_rules.CANCEL_LINES)
        keep = self
        if cancel and not order._preorder_consent_refusal(consent_rules.CANCEL):
            try:
                with self.env.cr.savepoint():
                    Event._record(cancel, "lapse", "cancelled")
                    cancel._preorder_cancel_for_consent(
                        consent_rules.LAPSED,
                        self.env._("No answer to the new dates: the lines are cancelled:"),
                    )
                keep = self - cancel
            except UserError:
                _logger.exception("Date-slip consent: could not cancel %s", order.name)
        # kept: so decided, or the goods are on their way (or cannot be cancelled)
        if not keep:
            return
        silent = keep.filtered(lambda line: outcomes[line] == consent_rules.KEEP)
        if company.preorder_delay_policy == consent_rules.FTC and silent:
            # the FTC rule: silence is consent to a first delay of at most 30 days
            silent.write({"preorder_consent_state": consent_rules.ACCEPTED})
            silent._preorder_log_consent(
                self.env._("No answer to a first delay of at most 30 days: accepted (FTC rule):")
            )
            Event._record(silent, "lapse", "accepted_silence")
            keep -= silent
        if keep:
            keep.write({"preorder_consent_state": consent_rules.LAPSED})
            keep._preorder_log_consent(
                self.env._("No answer to the new dates: the lines are kept:")
            )
            Event._record(keep, "lapse", "kept")

    def _preorder_ask_late(self):
        """EU delay policy: these lines' agreed date passed and they were not
        delivered: their customers are offered to wait for the new date (or
        without one) or cancel, once per agreed date. Returns the lines asked."""
        today_of = {}
        late = self.browse()
        for line in self.sudo():
            company = line.company_id
            if company not in today_of:
                today_of[company] = company._preorder_today()
            agreed = line.promise_date_notified
            asked_for = line.preorder_consent_state and line.preorder_consent_old_date == agreed
            rounding = line.product_uom.rounding
            delivered = (
                float_compare(line.qty_delivered, line.product_uom_qty, precision_rounding=rounding)
                >= 0
                or float_compare(line.preorder_released_qty, 0.0, precision_rounding=rounding) > 0
            )
            if not asked_for and consent_rules.eu_late(agreed, today_of[company], delivered):
                late |= line
        return late._preorder_ask_consent({line: line.promise_date_notified for line in late},
                                          force=True)  # fmt: skip

    # ------------------------------------------------------------------
    # Deliveries as the release sees them, and Release now
    # ------------------------------------------------------------------

    def _preorder_release_location(self):
        """The delivery source location release counts stock in for this line:
        the stock location of the order's warehouse (children included)."""
        self.ensure_one()
        return self.order_id.warehouse_id.lot_stock_id

    def _preorder_taking_moves(self):
        """The moves of these lines that take goods from stock, cancelled ones excluded."""
        return self.move_ids.filtered(
            lambda move: move.state != "cancel" and move._preorder_takes_from_stock()
        )

    def _preorder_taken_qty(self):
        """{line id: quantity its deliveries reserved or delivered, product unit}."""
        taken = dict.fromkeys(self.ids, 0.0)
        for move in self._preorder_taking_moves():
            quantity = move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id, rounding_method="HALF-UP"
            )
            taken[move.sale_line_id.id] = taken.get(move.sale_line_id.id, 0.0) + quantity
        return taken

    def _preorder_check_released_quantity(self, vals):
        """Released allocations are never shrunk: a line written with ``vals``
        cannot go below what is already released (reserved) for it."""
        for line in self.sudo().filtered("preorder_released_qty"):
            # released allocations and parked quantity released from stock
            released = line.preorder_released_qty
            uom = self.env["uom.uom"].browse(vals.get("product_uom", line.product_uom.id))
            quantity = vals.get("product_uom_qty", line.product_uom_qty)
            product_uom = line.product_id.uom_id
            if uom and uom != product_uom:
                quantity = uom._compute_quantity(quantity, product_uom, rounding_method="HALF-UP")
            if float_compare(quantity, released, precision_rounding=product_uom.rounding) < 0:
                raise UserError(
                    self.env._(
                        "%(order)s: %(released)s of %(product)s is already released "
                        "(reserved for delivery); the quantity cannot go below it. Cancel "
                        "or return the delivery first.",
                        order=line.order_id.name,
                        released=line._preorder_format_qty(released),
                        product=line.product_id.display_name,
                    )
                )

    def _preorder_release_now(self):
        """Release now on sale lines: those of these lines not released yet."""
        lines = self.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS and line.preorder_state in OPEN_STATES
        )
        if not lines:
            raise UserError(self.env._("Select pre-order lines that are not released yet."))
        return lines._preorder_release_report()

    def _preorder_release_report(self, apply=True):
        """Release now (staff): run (or, ``apply=False``, only plan) the release of
        these lines' products, oldest orders first (the one release rule,
        ``preorder.allocation._release_products``), and tell staff what happened
        to each line (``rules.release.blocked_reason``). Callers check access;
        the lines are sudo."""
        lines = self
        result = self.env["preorder.allocation"]._release_products(lines.product_id, apply=apply)
        planned = {release.sale_line_id for release in result.planned}
        # the open (or just served) pre-order lines of these products, read once
        queue = lines.search(
            [
                ("product_id", "in", lines.product_id.ids),
                ("preorder_kind", "in", list(REQUEST_KINDS)),
                ("order_id.state", "=", "sale"),
                "|",
                ("preorder_state", "in", list(OPEN_STATES)),
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
                complete = complete and line.preorder_state == RELEASED
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
            messages.append(line._preorder_release_blocked_message(result, name, queue))
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

    def _preorder_release_blocked_message(self, result, name, queue):
        """Why release reserved nothing for this line (rules.release.blocked_reason);
        ``queue``: the open pre-order lines of its product."""
        self.ensure_one()
        line = self
        location = line._preorder_release_location()
        allocations = line.preorder_allocation_ids.filtered(lambda a: a.state == ALLOCATED)
        today = result.today.get(line.company_id.id) or line.company_id._preorder_today()
        rounding = line.product_id.uom_id.rounding
        due = release_rules.is_due(
            line.preorder_parked_qty,
            sum(result.covered.get(a.id, 0.0) for a in allocations),
            line.promise_date or None,
            today,
            rounding,
        )
        same_queue = queue.filtered(
            lambda other: other.product_id == line.product_id
            and other._preorder_release_location() == location
        )
        earlier = release_rules.earlier_lines(
            line.id, line.order_id.date_order, [(o.id, o.order_id.date_order) for o in same_queue]
        )
        reason, waiting = release_rules.blocked_reason(
            line.id, line.product_id.id, location.id, result.free, earlier, due, rounding
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
