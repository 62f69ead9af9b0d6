import secrets

from odoo import api, fields, models

from .res_company import WAREHOUSE_MODES


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    preorder_enabled = fields.Boolean(related="company_id.preorder_enabled", readonly=False)
    presale_enabled = fields.Boolean(related="company_id.presale_enabled", readonly=False)
    preorder_only_out_of_stock = fields.Boolean(
        related="company_id.preorder_only_out_of_stock", readonly=False
    )
    preorder_feed_token = fields.Char(
        related="company_id.preorder_feed_token", readonly=False, groups="base.group_system"
    )

    # The warehouse setting is one value in three fields: written to the company
    # together (one inverse), so its constraint never sees half of it.
    preorder_warehouse_mode = fields.Selection(
        WAREHOUSE_MODES,
        string="Stock Warehouse",
        compute="_compute_preorder_warehouses",
        inverse="_inverse_preorder_warehouses",
        readonly=False,
    )
    preorder_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Pre-order Warehouse",
        compute="_compute_preorder_warehouses",
        inverse="_inverse_preorder_warehouses",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    preorder_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Pre-order Warehouses",
        compute="_compute_preorder_warehouses",
        inverse="_inverse_preorder_warehouses",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    presale_pricelist_id = fields.Many2one(
        related="company_id.presale_pricelist_id", readonly=False
    )
    preorder_excluded_pricelist_id = fields.Many2one(
        related="company_id.preorder_excluded_pricelist_id", readonly=False
    )
    presale_cash_payment_percent = fields.Float(
        related="company_id.presale_cash_payment_percent", readonly=False
    )
    presale_qty_multiplier = fields.Float(
        related="company_id.presale_qty_multiplier", readonly=False
    )
    presale_min_qty = fields.Float(related="company_id.presale_min_qty", readonly=False)
    presale_days = fields.Integer(related="company_id.presale_days", readonly=False)
    international_pricelist_id = fields.Many2one(
        related="company_id.international_pricelist_id", readonly=False
    )
    next_day_cash_pricelist_id = fields.Many2one(
        related="company_id.next_day_cash_pricelist_id", readonly=False
    )
    next_day_credit_pricelist_id = fields.Many2one(
        related="company_id.next_day_credit_pricelist_id", readonly=False
    )
    preorder_config_qty = fields.Float(related="company_id.preorder_config_qty", readonly=False)
    preorder_move_earlier = fields.Boolean(
        related="company_id.preorder_move_earlier", readonly=False
    )
    preorder_activity_user_id = fields.Many2one(
        related="company_id.preorder_activity_user_id", readonly=False
    )
    presale_message = fields.Text(related="company_id.presale_message", readonly=False)
    international_preorder_message = fields.Text(
        related="company_id.international_preorder_message", readonly=False
    )
    preorder_cancel_enabled = fields.Boolean(
        related="company_id.preorder_cancel_enabled", readonly=False
    )
    preorder_cancel_hours = fields.Float(related="company_id.preorder_cancel_hours", readonly=False)
    preorder_slip_days = fields.Integer(related="company_id.preorder_slip_days", readonly=False)
    preorder_delay_policy = fields.Selection(
        related="company_id.preorder_delay_policy", readonly=False
    )
    preorder_hold_minutes = fields.Integer(
        related="company_id.preorder_hold_minutes", readonly=False
    )
    preorder_deposit_national = fields.Float(
        related="company_id.preorder_deposit_national", readonly=False
    )
    preorder_deposit_international = fields.Float(
        related="company_id.preorder_deposit_international", readonly=False
    )
    preorder_deposit_presale = fields.Float(
        related="company_id.preorder_deposit_presale", readonly=False
    )
    preorder_balance_notice_days = fields.Integer(
        related="company_id.preorder_balance_notice_days", readonly=False
    )
    preorder_balance_attempts = fields.Integer(
        related="company_id.preorder_balance_attempts", readonly=False
    )
    preorder_balance_retry_days = fields.Integer(
        related="company_id.preorder_balance_retry_days", readonly=False
    )
    preorder_balance_final_days = fields.Integer(
        related="company_id.preorder_balance_final_days", readonly=False
    )
    preorder_balance_final_action = fields.Selection(
        related="company_id.preorder_balance_final_action", readonly=False
    )
    preorder_ship_unpaid_balance = fields.Boolean(
        related="company_id.preorder_ship_unpaid_balance", readonly=False
    )
    preorder_consent_days = fields.Integer(
        related="company_id.preorder_consent_days", readonly=False
    )
    preorder_consent_lapse = fields.Selection(
        related="company_id.preorder_consent_lapse", readonly=False
    )
    preorder_pricelist_warning = fields.Text(compute="_compute_preorder_pricelist_warning")

    @api.depends(
        "company_id",
        "presale_pricelist_id",
        "international_pricelist_id",
        "next_day_cash_pricelist_id",
        "next_day_credit_pricelist_id",
    )
    def _compute_preorder_pricelist_warning(self):
        """Special pricelists are set by the cart or given to customers: warn when a
        shopper could pick one, or get one by default."""
        for settings in self:
            websites = (
                self.env["website"].sudo().search([("company_id", "=", settings.company_id.id)])
            )
            warnings = []
            for label, pricelist in (
                (self.env._("Pre-sale Pricelist"), settings.presale_pricelist_id),
                (
                    self.env._("International Preorder Pricelist"),
                    settings.international_pricelist_id,
                ),
            ):
                shown = [
                    w.name for w in websites if pricelist and pricelist._is_available_on_website(w)
                ]
                if shown:
                    warnings.append(
                        self.env._(
                            "The %(setting)s %(pricelist)s is offered on %(websites)s: the cart "
                            "sets it by itself, so leave its Website empty and Selectable off.",
                            setting=label,
                            pricelist=pricelist.display_name,
                            websites=", ".join(shown),
                        )
                    )
            defaults = {website: website.sudo().pricelist_ids[:1] for website in websites}
            for label, pricelist in (
                (self.env._("Cash Next Day Pricelist"), settings.next_day_cash_pricelist_id),
                (self.env._("Credit Next Day Pricelist"), settings.next_day_credit_pricelist_id),
            ):
                if not pricelist:
                    continue
                default_on = [w.name for w, first in defaults.items() if first == pricelist]
                if pricelist.selectable or default_on:
                    warnings.append(
                        self.env._(
                            "The %(setting)s %(pricelist)s is selectable or the default of "
                            "%(websites)s: give it to customers instead, with a higher sequence "
                            "than the public pricelist and Selectable off.",
                            setting=label,
                            pricelist=pricelist.display_name,
                            websites=", ".join(default_on) or self.env._("the website"),
                        )
                    )
            settings.preorder_pricelist_warning = "\n".join(warnings) or False

    @api.depends("company_id")
    def _compute_preorder_warehouses(self):
        for settings in self:
            company = settings.company_id
            settings.preorder_warehouse_mode = company.preorder_warehouse_mode
            settings.preorder_warehouse_id = company.preorder_warehouse_id
            settings.preorder_warehouse_ids = company.preorder_warehouse_ids

    def _inverse_preorder_warehouses(self):
        for settings in self:
            settings.company_id.write(
                {
                    "preorder_warehouse_mode": settings.preorder_warehouse_mode or "all",
                    "preorder_warehouse_id": settings.preorder_warehouse_id.id,
                    "preorder_warehouse_ids": [(6, 0, settings.preorder_warehouse_ids.ids)],
                }
            )

    def action_preorder_generate_feed_token(self):
        self.ensure_one()
        self.env["res.users"]._preorder_check_action(
            self.company_id, "settings", self.env._("rotate the feed token")
        )
        self.company_id.preorder_feed_token = secrets.token_urlsafe(24)
        return {"type": "ir.actions.client", "tag": "reload"}
