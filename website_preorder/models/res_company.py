from datetime import datetime, time

import pytz

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..rules import balance as balance_rules
from ..rules import deposit as deposit_rules
from ..rules.availability import Settings as AvailabilitySettings
from ..rules.kinds import INTERNATIONAL, NATIONAL, PRESALE

WAREHOUSE_MODES = [("all", "All"), ("specific", "Specific"), ("several", "Several")]


class ResCompany(models.Model):
    _inherit = "res.company"

    preorder_enabled = fields.Boolean("Enable PreOrder")
    presale_enabled = fields.Boolean("Enable PreSale")
    preorder_warehouse_mode = fields.Selection(
        WAREHOUSE_MODES,
        string="Stock Warehouse",
        default="all",
        required=True,
        help="Warehouses whose stock and incoming requests are offered on the website.",
    )
    preorder_warehouse_id = fields.Many2one(
        "stock.warehouse", string="Pre-order Warehouse", check_company=True
    )
    preorder_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "res_company_preorder_warehouse_rel",
        "company_id",
        "warehouse_id",
        string="Pre-order Warehouses",
        check_company=True,
    )
    presale_pricelist_id = fields.Many2one(
        "product.pricelist", string="Pre-sale Pricelist", check_company=True
    )
    preorder_excluded_pricelist_id = fields.Many2one(
        "product.pricelist", string="Excluded Pricelist", check_company=True
    )
    presale_cash_payment_percent = fields.Float("Cash Payment %", digits=(16, 2))
    presale_qty_multiplier = fields.Float(
        "Available Quantity Multiplier", digits=(16, 4), default=1.0
    )
    presale_min_qty = fields.Float("Minimum Amount Quantity", digits="Product Unit of Measure")
    presale_days = fields.Integer("Days for Calculation")
    international_pricelist_id = fields.Many2one(
        "product.pricelist", string="International Preorder Pricelist", check_company=True
    )
    next_day_cash_pricelist_id = fields.Many2one(
        "product.pricelist", string="Cash Next Day Pricelist", check_company=True
    )
    next_day_credit_pricelist_id = fields.Many2one(
        "product.pricelist", string="Credit Next Day Pricelist", check_company=True
    )
    preorder_config_qty = fields.Float("Config Quantity", digits="Product Unit of Measure")
    preorder_move_earlier = fields.Boolean(
        "Move to Earlier Supply",
        default=True,
        help="When a request arriving earlier has quantity to promise, allocations of the "
        "same product and kind on later requests move to it, oldest orders first, and "
        "the customers whose promise date improved are e-mailed.",
    )
    preorder_activity_user_id = fields.Many2one("res.users", string="Activity User")
    preorder_slip_days = fields.Integer(
        "Ask consent when a date slips by more than (days)",
        default=0,
        help="A pre-order line whose promise date moves later than the date the customer "
        "agreed to by more than this many days asks the customer to accept the new date or "
        "cancel the line. 0: any slip.",
    )
    preorder_consent_days = fields.Integer(
        "Days to answer",
        default=14,
        help="Without an answer after this many days the question lapses (0: never).",
    )
    preorder_delay_policy = fields.Selection(
        [
            ("always", "Always ask"),
            ("ftc", "US FTC rule"),
            ("eu", "EU directive"),
        ],
        string="Delay policy",
        default="always",
        required=True,
        help="Always ask: every slip is asked and an unanswered question follows the setting "
        "below. US FTC rule: a line left without a date is asked too; silence accepts only a "
        "first delay of at most 30 days, otherwise the lines are cancelled and refunded. EU "
        "directive: a line not delivered by its agreed date is offered to wait or cancel; "
        "silence keeps it.",
    )
    preorder_consent_lapse = fields.Selection(
        [("keep", "Keep the lines"), ("cancel", "Cancel the lines")],
        string="Without an answer",
        default="keep",
        required=True,
    )
    preorder_hold_minutes = fields.Integer(
        "Checkout hold (minutes)",
        default=15,
        help="When a shopper starts paying, the cart's pre-order and pre-sale lines hold "
        "their quantity for this many minutes: nobody else can buy it meanwhile, and the "
        "payment's confirmation turns the hold into the order's allocation.",
    )
    preorder_deposit_national = fields.Float(
        "Pre-order deposit (%)",
        help="Share of a national pre-order line paid online at checkout; the balance is "
        "invoiced when the line is released. 0: paid in full.",
    )
    preorder_deposit_international = fields.Float(
        "International pre-order deposit (%)",
        help="Share of an international pre-order line paid online at checkout. 0: paid in full.",
    )
    preorder_deposit_presale = fields.Float(
        "Pre-sale deposit (%)",
        help="Share of a pre-sale line paid online at checkout. 0: paid in full.",
    )
    preorder_ship_unpaid_balance = fields.Boolean(
        "Ship before the balance is paid",
        help="Deliveries of a deposit order's pre-ordered goods may be validated while its "
        "balance is unpaid. Off: they wait for the payment (customers marked as trusted "
        "excepted, and an Inventory Manager may ship with a reason).",
    )
    preorder_balance_notice_days = fields.Integer(
        "Upcoming charge notice (days)",
        default=3,
        help="This many days before a deposit order's promise date its customer is told the "
        "balance that will be charged to the saved payment method (0: no notice).",
    )
    preorder_balance_attempts = fields.Integer(
        "Charge attempts",
        default=3,
        help="How many times a deposit order's balance is charged to the saved payment method "
        "before giving up.",
    )
    preorder_balance_retry_days = fields.Integer(
        "Days between attempts",
        default=2,
        help="Days before the second attempt; each later attempt waits twice as long.",
    )
    preorder_balance_final_days = fields.Integer(
        "Days to pay after the last attempt",
        default=7,
        help="After the last failed attempt (or the payment link, without a saved payment "
        "method) the customer has this many days before the final action.",
    )
    preorder_balance_final_action = fields.Selection(
        [
            (balance_rules.KEEP, "Keep the order, To-Do for staff"),
            (balance_rules.CANCEL, "Cancel the unpaid lines and refund the deposit"),
        ],
        string="Balance still unpaid",
        default=balance_rules.KEEP,
        required=True,
    )
    presale_message = fields.Text("Pre-Sale Message", translate=True)
    international_preorder_message = fields.Text("International Pre-order Message", translate=True)
    preorder_cancel_enabled = fields.Boolean("Enable website sale orders cancellation")
    preorder_cancel_hours = fields.Float("Time limit to cancel (hours)")
    preorder_only_out_of_stock = fields.Boolean(
        "Pre-orders only when out of stock",
        help="List products for pre-order only while they have no free stock in the "
        "configured warehouses.",
    )
    preorder_release_swept_on = fields.Date(
        readonly=True,
        copy=False,
        help="Last day (company timezone) the release job looked at every open pre-order.",
    )
    preorder_feed_token = fields.Char(
        "Catalogue Feed Token",
        copy=False,
        groups="base.group_system",
        help="Secret that lets external sales channels read the catalogue feed.",
    )

    @api.constrains(
        "presale_qty_multiplier",
        "presale_days",
        "presale_cash_payment_percent",
        "preorder_cancel_hours",
        "presale_min_qty",
        "preorder_config_qty",
        "preorder_deposit_national",
        "preorder_deposit_international",
        "preorder_deposit_presale",
        "preorder_hold_minutes",
        "preorder_balance_notice_days",
        "preorder_balance_attempts",
        "preorder_balance_retry_days",
        "preorder_balance_final_days",
    )
    def _check_preorder_numbers(self):
        for company in self:
            if company.presale_qty_multiplier < 0:
                raise ValidationError(
                    self.env._("The Available Quantity Multiplier cannot be negative.")
                )
            if company.presale_days < 0:
                raise ValidationError(self.env._("The Days for Calculation cannot be negative."))
            if not 0 <= company.presale_cash_payment_percent <= 100:
                raise ValidationError(self.env._("The Cash Payment % must be between 0 and 100."))
            if company.preorder_cancel_hours < 0:
                raise ValidationError(
                    self.env._("The time limit to cancel orders cannot be negative.")
                )
            if company.presale_min_qty < 0 or company.preorder_config_qty < 0:
                raise ValidationError(
                    self.env._("Quantities in the pre-order settings cannot be negative.")
                )
            balance = (
                company.preorder_balance_notice_days,
                company.preorder_balance_retry_days,
                company.preorder_balance_final_days,
            )
            if min(balance) < 0 or not 1 <= company.preorder_balance_attempts <= 10:
                raise ValidationError(
                    self.env._(
                        "Balance collection: days cannot be negative and there are between "
                        "1 and 10 charge attempts."
                    )
                )
            if not 1 <= company.preorder_hold_minutes <= 24 * 60:
                raise ValidationError(
                    self.env._("A checkout hold lasts between 1 minute and 24 hours.")
                )
            deposits = company._preorder_deposit_percents().values()
            if any(map(deposit_rules.percent_problem, deposits)):
                raise ValidationError(self.env._("A deposit must be between 0 and 100 %."))

    @api.constrains("preorder_warehouse_mode", "preorder_warehouse_id", "preorder_warehouse_ids")
    def _check_preorder_warehouses(self):
        for company in self:
            mode = company.preorder_warehouse_mode
            if mode == "specific" and not company.preorder_warehouse_id:
                raise ValidationError(
                    self.env._("Choose the warehouse of the Specific stock warehouse mode.")
                )
            if mode == "several" and not company.preorder_warehouse_ids:
                raise ValidationError(
                    self.env._(
                        "Choose at least one warehouse for the Several stock warehouse mode."
                    )
                )

    @api.constrains("presale_pricelist_id", "preorder_excluded_pricelist_id")
    def _check_preorder_pricelists(self):
        for company in self:
            excluded = company.preorder_excluded_pricelist_id
            if excluded and excluded == company.presale_pricelist_id:
                raise ValidationError(
                    self.env._("The Excluded Pricelist cannot also be the Pre-sale Pricelist.")
                )

    def _preorder_deposit_percents(self):
        """{request kind: deposit share (%)} of this company (README, Deposits)."""
        self.ensure_one()
        return {
            NATIONAL: self.preorder_deposit_national,
            INTERNATIONAL: self.preorder_deposit_international,
            PRESALE: self.preorder_deposit_presale,
        }

    def _preorder_needed_pricelist(self, kind):
        """Id of this company's pricelist a website cart line of ``kind`` puts the
        cart on (0: none; README "Cart pricelists")."""
        if kind == PRESALE:
            return self.presale_pricelist_id.id or 0
        if kind == INTERNATIONAL:
            return self.international_pricelist_id.id or 0
        return 0

    def _preorder_forced_pricelists(self):
        """{kind: pricelist id} of the kinds that put a website cart on their own pricelist."""
        return {kind: self._preorder_needed_pricelist(kind) for kind in (PRESALE, INTERNATIONAL)}

    def _get_preorder_warehouses(self):
        """The warehouses considered for stock and requests (Stock Warehouse setting)."""
        self.ensure_one()
        if self.preorder_warehouse_mode == "specific":
            return self.preorder_warehouse_id
        if self.preorder_warehouse_mode == "several":
            return self.preorder_warehouse_ids
        # the names come with the search: the product page shows them
        return self.env["stock.warehouse"].search_fetch([("company_id", "=", self.id)], ["name"])

    # ------------------------------------------------------------------
    # One "today" (SPEC §4): the company's timezone date, whoever asks
    # ------------------------------------------------------------------

    def _preorder_tz(self):
        """The company's timezone: its partner's, else UTC."""
        self.ensure_one()
        name = self._preorder_tz_name()
        return pytz.timezone(name) if name in pytz.all_timezones_set else pytz.utc

    @tools.ormcache("self.id")
    def _preorder_tz_name(self):
        """The name of this company's timezone (its partner's), cached: every
        page, cart and checkout that says "today" asks for it, and reading the
        partner would cost each of them a query. A change of the partner's
        timezone (``res.partner.write``) or of the company's partner
        (``write``) clears the cache (``_preorder_clear_tz_cache``)."""
        return self.sudo().partner_id.tz or ""  # public visitors may not read the partner

    @api.model
    def _preorder_clear_tz_cache(self):
        """Forget the cached timezones: now, for this transaction, and again
        once it commits (another thread of this server may have cached the
        old timezone in between, reading what was committed then)."""
        registry = self.env.registry
        registry.clear_cache()
        self.env.cr.postcommit.add(registry.clear_cache)

    def write(self, vals):
        result = super().write(vals)
        if "partner_id" in vals:
            self._preorder_clear_tz_cache()
        return result

    def _preorder_today(self, now=None):
        """Today's date in the company's timezone (``now``: a naive UTC datetime)."""
        now = now or fields.Datetime.now()
        return pytz.utc.localize(now).astimezone(self._preorder_tz()).date()

    def _preorder_date_of(self, moment):
        """The company-timezone date of a naive UTC datetime (e.g. an Expected Arrival)."""
        if not moment:
            return None
        return pytz.utc.localize(moment).astimezone(self._preorder_tz()).date()

    def _preorder_day_start_utc(self, day):
        """The naive UTC datetime at which ``day`` starts in the company's timezone."""
        start = self._preorder_tz().localize(datetime.combine(day, time.min))
        return start.astimezone(pytz.utc).replace(tzinfo=None)

    def _get_preorder_availability_settings(self):
        """The settings availability depends on, as the pure rule takes them."""
        self.ensure_one()
        return AvailabilitySettings(
            preorder_enabled=self.preorder_enabled,
            presale_enabled=self.presale_enabled,
            multiplier=self.presale_qty_multiplier,
            minimum=self.presale_min_qty,
            days=self.presale_days,
        )

    def _preorder_website(self):
        """The website whose prices and texts the company's e-mails give: its first."""
        self.ensure_one()
        Website = self.env["website"].sudo()
        return Website.search([("company_id", "=", self.id)], limit=1) or Website.search(
            [], limit=1
        )
