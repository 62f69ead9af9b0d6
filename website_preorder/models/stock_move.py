from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        """Unreleased pre-order deliveries never take stock ahead of earlier customers.

        Their reservation waits for the release (rules.release), which reserves
        released lines oldest order first.
        """
        waiting = self.filtered(
            lambda move: move.sale_line_id and move.sale_line_id._preorder_blocks_reservation()
        )
        return super(StockMove, self - waiting)._action_assign(force_qty=force_qty)

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        received = moves.filtered(
            lambda move: move.state == "done"
            and move.purchase_line_id.preorder_kind
            and move.location_dest_id.usage == "internal"
        )
        Allocation = self.env["preorder.allocation"]
        for company, company_moves in received.grouped("company_id").items():
            Allocation.with_company(company)._release(company_moves.product_id, company)
        return moves
