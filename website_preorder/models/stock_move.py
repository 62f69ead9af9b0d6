from odoo import models

from ..rules.kinds import REQUEST_KINDS


class StockMove(models.Model):
    """Delivery caps (SPEC §4): a pre-order delivery reserves only what the
    release granted its line; incoming stock triggers the release job."""

    _inherit = "stock.move"

    def _preorder_takes_from_stock(self):
        """A move that takes goods from stock: the first step of a delivery."""
        self.ensure_one()
        return not self.move_orig_ids and self.location_id.usage == "internal"

    def _preorder_is_capped(self):
        """A pre-order delivery move that takes goods from stock."""
        self.ensure_one()
        return (
            self.sale_line_id.preorder_kind in REQUEST_KINDS and self._preorder_takes_from_stock()
        )

    def _action_assign(self, force_qty=False):
        """Pre-order deliveries reserve only what the release granted their line.

        Unreleased pre-order deliveries never take stock ahead of earlier
        customers (SPEC §4): a move reserves up to its line's released quantity
        (plus what the running release grants, ``preorder_release_extra``),
        less what the line's deliveries already reserved or delivered.
        """
        capped = self.filtered(lambda move: move._preorder_is_capped())
        result = super(StockMove, self - capped)._action_assign(force_qty=force_qty)
        if not capped:
            return result
        extra = self.env.context.get("preorder_release_extra") or {}
        lines = capped.sale_line_id.sudo()
        taken = lines._preorder_taken_qty()
        allowed = {
            line.id: line.preorder_released_qty + extra.get(line.id, 0.0) - taken[line.id]
            for line in lines
        }
        full, partial = self.browse(), []
        for move in capped:
            if move.picked or move.state in ("draft", "done", "cancel"):
                continue
            rounding = move.product_id.uom_id.rounding
            left = allowed[move.sale_line_id.id]
            reserved = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)
            missing = move.product_qty - reserved
            if left < rounding / 2 or missing < rounding / 2:
                continue
            if left >= missing - rounding / 2 and move.state != "assigned":
                full |= move
                allowed[move.sale_line_id.id] -= missing
            else:
                # part of it (or a move Odoo already calls assigned after an
                # earlier partial release): reserve exactly that much
                partial.append((move, min(left, missing)))
                allowed[move.sale_line_id.id] -= min(left, missing)
        if full:
            super(StockMove, full)._action_assign()
        forced = self.browse()
        for move, quantity in partial:
            force = move.product_id.uom_id._compute_quantity(quantity, move.product_uom)
            super(StockMove, move)._action_assign(force_qty=force)
            forced |= move
        # Odoo marks a move reserved with force_qty "assigned" even when only part
        # of it is: let its state say what is reserved, for the shipping policy
        forced._recompute_state()
        return result

    def _action_done(self, cancel_backorder=False):
        """Incoming stock triggers the release job; it never releases inline, so a
        release problem never blocks the receipt (SPEC §4)."""
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        incoming = moves.filtered(
            lambda move: move.state == "done" and move.location_dest_id.usage == "internal"
        )
        incoming.product_id._preorder_on_incoming_stock()
        return moves
