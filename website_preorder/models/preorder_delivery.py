from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class PreorderDelivery(models.AbstractModel):
    """Pre-order sale lines' deliveries as the release sees them (SPEC §4):
    where a line's goods are counted, which of its moves take goods from
    stock, what they already took, and the guard that keeps a line's quantity
    at or above what is released for it."""

    _name = "preorder.delivery"
    _description = "Pre-order Deliveries"

    @api.model
    def _location(self, line):
        """The delivery source location release counts stock in: the stock
        location of the order's warehouse (children included)."""
        return line.order_id.warehouse_id.lot_stock_id

    @api.model
    def _takes_from_stock(self, move):
        """A move that takes goods from stock: the first step of a delivery."""
        return not move.move_orig_ids and move.location_id.usage == "internal"

    @api.model
    def _taking_moves(self, lines):
        """The moves of ``lines`` that take goods from stock, cancelled ones excluded."""
        return lines.move_ids.filtered(
            lambda move: move.state != "cancel" and self._takes_from_stock(move)
        )

    @api.model
    def _taken_qty(self, lines):
        """{line id: quantity its deliveries reserved or delivered, product unit}."""
        taken = dict.fromkeys(lines.ids, 0.0)
        for move in self._taking_moves(lines):
            quantity = move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id, rounding_method="HALF-UP"
            )
            taken[move.sale_line_id.id] = taken.get(move.sale_line_id.id, 0.0) + quantity
        return taken

    @api.model
    def _check_released_quantity(self, lines, vals):
        """Released allocations are never shrunk: a line written with ``vals``
        cannot go below what is already released (reserved) for it."""
        for line in lines.sudo().filtered("preorder_released_qty"):
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
