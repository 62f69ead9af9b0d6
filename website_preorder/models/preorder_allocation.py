import logging
import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, formatLang

from ..rules import allocation as allocation_rules
from ..rules import atp as atp_rules

_logger = logging.getLogger(__name__)


class PreorderAllocation(models.Model):
    """A quantity of one sale line promised from one supply line."""

    _name = "preorder.allocation"
    _description = "Pre-order Allocation"
    _order = "purchase_line_id, order_confirmed_at, sale_line_id, id"
    _check_company_auto = True

    sale_line_id = fields.Many2one(
        "sale.order.line", required=True, index=True, ondelete="cascade", check_company=True
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line",
        string="Request Line",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    product_id = fields.Many2one("product.product", required=True, index=True)
    quantity = fields.Float(digits="Product Unit of Measure", required=True)
    state = fields.Selection(
        [("allocated", "Allocated"), ("released", "Released")],
        default="allocated",
        required=True,
        index=True,
    )
    kind = fields.Selection(related="sale_line_id.preorder_kind", store=True)
    exclusivity = fields.Boolean(related="sale_line_id.preorder_exclusivity")
    company_id = fields.Many2one(related="sale_line_id.company_id", store=True, index=True)
    sale_order_id = fields.Many2one(
        related="sale_line_id.order_id", store=True, index=True, string="Sale Order"
    )
    partner_id = fields.Many2one(related="sale_order_id.partner_id", string="Customer")
    order_confirmed_at = fields.Datetime(
        related="sale_order_id.date_order", store=True, string="Order Confirmed"
    )
    purchase_order_id = fields.Many2one(
        related="purchase_line_id.order_id", store=True, index=True, string="Request"
    )
    date_planned = fields.Datetime(
        related="purchase_line_id.date_planned", string="Expected Arrival"
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    # computed from the sale line, which purchase and stock users may not read
    qty_delivered = fields.Float(
        "Delivered",
        compute="_compute_fulfilment",
        digits="Product Unit of Measure",
        compute_sudo=True,
    )
    fulfilled_percent = fields.Float(
        "Order Fulfilled %", compute="_compute_fulfilment", compute_sudo=True
    )

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "An allocation quantity must be positive."),
    ]

    @api.depends(
        "quantity",
        "sale_line_id.qty_delivered",
        "sale_line_id.preorder_allocation_ids.quantity",
        "purchase_line_id.date_planned",
    )
    def _compute_fulfilment(self):
        """The sale line's delivered quantity covers ALL its allocations in
        arrival order (rules.allocation.fulfilment), whichever of them are
        shown: a request's Details tab reads only its own."""
        for line, allocations in self.grouped("sale_line_id").items():
            line = line.sudo()
            shares = allocation_rules.fulfilment(
                [(a.id, a.quantity, a.date_planned) for a in line.preorder_allocation_ids],
                line._preorder_to_product_qty(line.qty_delivered),
                line.product_id.uom_id.rounding,
            )
            for allocation in allocations:
                share = shares.get(allocation.id, 0.0)
                allocation.qty_delivered = share
                allocation.fulfilled_percent = (
                    100.0 * share / allocation.quantity if allocation.quantity else 0.0
                )

    @api.depends("sale_order_id.name", "purchase_order_id.name", "product_id", "quantity")
    def _compute_display_name(self):
        # staff who see an allocation see both its order and its request
        for allocation, record in zip(self, self.sudo(), strict=True):
            allocation.display_name = self.env._(
                "%(order)s → %(request)s: %(qty)s %(product)s",
                order=record.sale_order_id.name,
                request=record.purchase_order_id.name,
                qty=self._preorder_format_qty(record.quantity, record.product_id.uom_id),
                product=record.product_id.display_name,
            )

    @api.constrains("sale_line_id", "purchase_line_id", "product_id")
    def _check_matches(self):
        for allocation in self:
            sale_line, purchase_line = allocation.sale_line_id, allocation.purchase_line_id
            if not (sale_line.product_id == purchase_line.product_id == allocation.product_id):
                raise ValidationError(self.env._("An allocation joins lines of the same product."))
            if sale_line.preorder_kind != purchase_line.preorder_kind:
                raise ValidationError(
                    self.env._(
                        "A %(sale)s line cannot be allocated to a %(request)s request.",
                        sale=sale_line.preorder_kind,
                        request=purchase_line.preorder_kind or self.env._("ordinary purchase"),
                    )
                )

    @api.constrains("quantity", "sale_line_id")
    def _check_sale_line_quantity(self):
        for line in self.sale_line_id:
            allocated = sum(line.preorder_allocation_ids.mapped("quantity"))
            ordered = line._preorder_to_product_qty(line.product_uom_qty)
            rounding = line.product_id.uom_id.rounding
            if float_compare(allocated, ordered, precision_rounding=rounding) > 0:
                uom = line.product_id.uom_id
                raise ValidationError(
                    self.env._(
                        "%(line)s: %(allocated)s allocated is more than the %(ordered)s ordered.",
                        line=line.display_name,
                        allocated=self._preorder_format_qty(allocated, uom),
                        ordered=self._preorder_format_qty(ordered, uom),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("preorder_split"):
            # a released part split off an allocation moves quantity, adds none
            self._check_atp_for(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if "purchase_line_id" in vals or "sale_line_id" in vals:
            raise ValidationError(self.env._("Remove the allocation and allocate again instead."))
        if "quantity" in vals:
            self._check_atp_for(
                [
                    {
                        "purchase_line_id": allocation.purchase_line_id.id,
                        "quantity": vals["quantity"] - allocation.quantity,
                    }
                    for allocation in self
                ]
            )
        return super().write(vals)

    @api.model
    def _check_atp_for(self, vals_list):
        """Refuse allocations that would make a supply line's ATP negative."""
        wanted = {}
        for vals in vals_list:
            line_id = vals.get("purchase_line_id")
            if line_id:
                wanted[line_id] = wanted.get(line_id, 0.0) + (vals.get("quantity") or 0.0)
        lines = self.env["purchase.order.line"].sudo().browse(list(wanted))
        for line in lines:
            if wanted[line.id] <= 0:
                continue
            ordered, received = line._preorder_ordered_and_received()
            try:
                atp_rules.check_allocation(
                    ordered,
                    line.preorder_allocated_qty,
                    received,
                    wanted[line.id],
                    line.product_id.uom_id.rounding,
                )
            except atp_rules.NotEnoughAtp as error:
                uom = line.product_id.uom_id
                raise ValidationError(
                    self.env._(
                        "%(request)s: Only %(available)s can still be promised from this "
                        "line; %(asked)s asked.",
                        request=line.order_id.name,
                        available=self._preorder_format_qty(error.available, uom),
                        asked=self._preorder_format_qty(error.asked, uom),
                    )
                ) from error
            except atp_rules.NegativeQuantity as error:
                raise ValidationError(
                    self.env._(
                        "%(request)s: an allocation quantity cannot be negative.",
                        request=line.order_id.name,
                    )
                ) from error

    @api.model
    def _preorder_format_qty(self, quantity, uom=None):
        """A quantity for people (messages, e-mails): the user's language, the
        unit's rounding and name, e.g. ``1,234,567.00 Units``."""
        rounding = uom.rounding if uom else 0.0
        digits = max(0, -math.floor(math.log10(rounding))) if 0 < rounding < 1 else 0
        text = formatLang(self.env, quantity, digits=digits if uom else None)
        return f"{text} {uom.name}" if uom else text

    # ------------------------------------------------------------------
    # Review / remove (buttons of the allocation list)
    # ------------------------------------------------------------------

    def action_remove_allocations(self):
        """Remove the selected allocations; their sale lines are parked again.

        The freed quantity is offered to the other parked lines, oldest order
        first, but not to the lines just removed (staff removed them on purpose;
        Allocate Sales Orders takes them again).
        """
        self.env["res.users"]._preorder_check_action(
            self, "allocation_write", self.env._("remove allocations")
        )
        open_ = self.filtered(lambda a: a.state == "allocated")
        if not open_:
            raise ValidationError(self.env._("Select allocations that are not released yet."))
        # checked above; the sale lines and requests are the allocator's work
        self.env["preorder.deallocator"].sudo()._free(
            dict.fromkeys(open_.ids, 0.0),
            self.env._("Allocations removed by %s.", self.env.user.name),
            exclude=open_.sudo().sale_line_id,
        )
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_open_sale_order(self):
        """Open the sale order of this allocation (Details tab of a request)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
