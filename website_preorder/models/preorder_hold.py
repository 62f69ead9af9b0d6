import contextlib
import logging

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL

from ..rules import hold as hold_rules

_logger = logging.getLogger(__name__)


class PreorderHold(models.Model):
    """A quantity of supply a cart holds while its shopper pays (README,
    "Launch day: checkout holds").

    Holds are taken by ``sale.order._preorder_take_holds`` when a payment
    transaction is created for a cart, under the supply rows' lock and first in
    first out like allocation; until ``expires_at`` they count against what
    every other shopper, the catalogue and the feeds see as available
    (``product.product._get_preorder_supply_groups``) and against allocation.
    The payment's confirmation turns them into the order's allocations
    (``preorder.allocation._allocate``); a cancelled or failed payment drops
    them, and the scheduled action ``_cron_sweep_expired`` removes the rest.
    """

    _name = "preorder.hold"
    _description = "Pre-order Checkout Hold"
    _order = "expires_at, id"
    _check_company_auto = True

    sale_line_id = fields.Many2one(
        "sale.order.line", required=True, index=True, ondelete="cascade", readonly=True
    )
    # set at creation (a hold never moves): no recomputation after its insert
    sale_order_id = fields.Many2one("sale.order", string="Cart", index=True, readonly=True)
    purchase_line_id = fields.Many2one(
        "purchase.order.line",
        string="Request Line",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    purchase_order_id = fields.Many2one("purchase.order", string="Request", readonly=True)
    product_id = fields.Many2one("product.product", required=True, index=True, readonly=True)
    kind = fields.Selection(
        [("national", "Pre-order"), ("international", "International pre-order"),
         ("presale", "Pre-sale")],
        readonly=True,
    )  # fmt: skip
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    quantity = fields.Float(digits="Product Unit of Measure", required=True, readonly=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    expires_at = fields.Datetime("Expires", required=True, index=True, readonly=True)
    # the payment is named by its reference: a hold is committed before its
    # payment (``sale.order._preorder_take_holds``), a foreign key could not
    # point at it yet
    payment_reference = fields.Char(index="btree_not_null", readonly=True)
    transaction_id = fields.Many2one(
        "payment.transaction", string="Payment", compute="_compute_transaction_id"
    )
    active_hold = fields.Boolean(
        "Counting", compute="_compute_active_hold", search="_search_active_hold"
    )

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "A hold quantity must be positive."),
    ]

    def _compute_transaction_id(self):
        references = {reference for reference in self.mapped("payment_reference") if reference}
        transactions = (
            {
                transaction.reference: transaction
                for transaction in self.env["payment.transaction"]
                .sudo()
                .search([("reference", "in", list(references))])
            }
            if references
            else {}
        )
        for hold in self:
            hold.transaction_id = transactions.get(hold.payment_reference, False)

    def _compute_active_hold(self):
        now = fields.Datetime.now()
        for hold in self:
            hold.active_hold = hold_rules.is_active(hold.expires_at, now)

    def _search_active_hold(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Search Counting with = or != and a boolean."))
        active = (operator == "=") == value
        return [("expires_at", ">" if active else "<=", fields.Datetime.now())]

    # ------------------------------------------------------------------
    # Holds live in short transactions of their own (README, "Launch day")
    # ------------------------------------------------------------------

    @api.model
    @contextlib.contextmanager
    def _committed_env(self, forget=True):
        """A superuser environment in a cursor of its own, READ COMMITTED (it
        reads and writes holds as committed, whatever the caller's snapshot),
        committed on leaving; with ``forget``, the caller's cached holds and
        held quantities are dropped afterwards (not after the caller's own
        commit or rollback: its transaction is over). Checkout holds,
        allocations' reads of them, their conversion after a confirmation and
        the release of a declined or failed payment's holds all go through it."""
        with self.env.registry.cursor() as cr:
            # no statement: psycopg2 begins the transaction at this level
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            yield api.Environment(cr, SUPERUSER_ID, {})
        if forget:
            self._invalidate_hold_caches()

    @api.model
    def _invalidate_hold_caches(self):
        """Forget what this environment cached of holds (their rows, the
        request lines' and sale lines' holds, the held quantities)."""
        self.invalidate_model()
        self.env["purchase.order.line"].invalidate_model(["preorder_held_qty", "preorder_hold_ids"])
        self.env["sale.order.line"].invalidate_model(["preorder_hold_ids"])

    # ------------------------------------------------------------------
    # What the readers subtract: active holds, in one grouped query
    # ------------------------------------------------------------------

    @api.model
    def _held_by_supply(
        self, products=None, supply_lines=None, exclude_sale_lines=None, fresh=False
    ):
        """{request line id: quantity held by active holds} of ``products`` (or
        of ``supply_lines``), leaving out the holds of ``exclude_sale_lines``
        (the cart or order the caller serves) and of the order in the context
        key ``preorder_hold_order_id`` (a shopper's own cart). One query.

        ``fresh``: the caller holds the supply rows' lock and gives their
        quantity away (allocation): the holds are read as committed now, in a
        cursor of their own, not as the caller's snapshot saw them. Holds are
        taken under the same lock and never write the supply row, so a payment's
        confirmation does not collide with every other shopper's hold on the
        row (PostgreSQL would refuse it and Odoo retry it); what the caller
        must not miss is read this way instead. Within tests (one transaction
        other cursors cannot see), in the current one."""
        domain = [("expires_at", ">", fields.Datetime.now())]
        if products is not None:
            if not products:
                return {}
            domain.append(("product_id", "in", products.ids))
        if supply_lines is not None:
            if not supply_lines:
                return {}
            domain.append(("purchase_line_id", "in", supply_lines.ids))
        if exclude_sale_lines:
            domain.append(("sale_line_id", "not in", exclude_sale_lines.ids))
        own_order = self.env.context.get("preorder_hold_order_id")
        if own_order:
            domain.append(("sale_order_id", "!=", own_order))
        if fresh and self.env["sale.order"]._preorder_holds_own_transaction():
            with self._committed_env() as env:
                groups = env[self._name]._read_group(domain, ["purchase_line_id"], ["quantity:sum"])
                return {line.id: quantity for line, quantity in groups}
        groups = self.sudo()._read_group(domain, ["purchase_line_id"], ["quantity:sum"])
        return {line.id: quantity for line, quantity in groups}

    @api.model
    def _insert(self, vals_list, replacing=None):
        """Insert holds (``vals_list``: their stored fields' values) in one
        statement and return their ids; with ``replacing`` (sale orders), their
        earlier holds are removed by the same statement. A hold is plain data
        of the checkout that takes it: no default, compute, tracking nor
        company check to run, and that checkout's cursor has nothing in cache
        to run them on (its values come from records it read and locked)."""
        if not vals_list:
            if replacing:
                self._drop_of_orders(replacing)
            return []
        columns = list(vals_list[0])
        now, uid = fields.Datetime.now(), self.env.uid
        insert = SQL(
            "INSERT INTO preorder_hold (%s, create_uid, create_date, write_uid, write_date) "
            "VALUES %s RETURNING id",
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL(", ").join(
                SQL(
                    "(%s, %s, %s, %s, %s)",
                    SQL(", ").join(vals[column] or None for column in columns),
                    uid,
                    now,
                    uid,
                    now,
                )
                for vals in vals_list
            ),
        )
        if replacing:
            # the statement's snapshot does not hold the rows it inserts: only
            # the earlier holds go. The caller holds the supply rows' lock: it
            # does not wait for earlier holds another transaction is changing
            # (their payment's confirmation converting them) but fails at once,
            # a concurrency error Odoo retries the request for
            self.flush_model()
            insert = SQL(
                "WITH dropped AS (DELETE FROM preorder_hold WHERE id IN ("
                "SELECT id FROM preorder_hold WHERE sale_order_id IN %s FOR UPDATE NOWAIT"
                ")) %s",
                tuple(replacing.ids),
                insert,
            )
            self._invalidate_hold_caches()
        self.env.cr.execute(insert, log_exceptions=False)
        self.env["sale.order.line"].browse(
            {vals["sale_line_id"] for vals in vals_list}
        ).invalidate_recordset(["preorder_hold_ids"])
        self.env["purchase.order.line"].browse(
            {vals["purchase_line_id"] for vals in vals_list}
        ).invalidate_recordset(["preorder_hold_ids", "preorder_held_qty"])
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # Dropping holds
    # ------------------------------------------------------------------

    def _drop(self):
        """Remove these holds. Returns their supply lines. One DELETE: a hold
        has no attachment, external id, follower nor default to clean up
        after."""
        holds = self.sudo().exists()
        if not holds:
            return self.env["purchase.order.line"].sudo()
        supplies, sale_lines = holds.purchase_line_id, holds.sale_line_id
        self.env.cr.execute(SQL("DELETE FROM preorder_hold WHERE id IN %s", tuple(holds.ids)))
        holds.invalidate_recordset()
        supplies.invalidate_recordset(["preorder_hold_ids", "preorder_held_qty"])
        sale_lines.invalidate_recordset(["preorder_hold_ids"])
        return supplies

    @api.model
    def _drop_of_orders(self, orders):
        """Remove every hold of ``orders`` (a payment tried again) in one
        DELETE. Returns their supply lines."""
        if not orders:
            return self.env["purchase.order.line"].sudo()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "DELETE FROM preorder_hold WHERE sale_order_id IN %s "
                "RETURNING id, purchase_line_id, sale_line_id",
                tuple(orders.ids),
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return self.env["purchase.order.line"].sudo()
        supplies = self.env["purchase.order.line"].sudo().browse({row[1] for row in rows})
        self.browse([row[0] for row in rows]).invalidate_recordset()
        supplies.invalidate_recordset(["preorder_hold_ids", "preorder_held_qty"])
        self.env["sale.order.line"].browse({row[2] for row in rows}).invalidate_recordset(
            ["preorder_hold_ids"]
        )
        return supplies

    @api.model
    def _cron_sweep_expired(self, limit=5000):
        """Scheduled action: remove expired holds whose payment can no longer
        complete (``rules.hold.sweepable``), set-based, in batches. They stopped
        counting when they expired; this keeps the table and the request lines'
        Held column tidy. Holds of confirmed orders that were not converted
        after the confirmation's commit (a conversion that failed, a server
        stopped in between) are converted first
        (``sale.order.line._preorder_convert_holds``). Returns the number
        removed."""
        now = fields.Datetime.now()
        Hold = self.sudo()
        confirmed = Hold.search([("sale_order_id.state", "=", "sale")])
        if confirmed:
            _logger.info("Checkout holds: converting %s holds of confirmed orders", len(confirmed))
        for order, holds in confirmed.grouped("sale_order_id").items():
            # one order that cannot be converted does not stop the others
            try:
                with self.env.cr.savepoint():
                    holds.sale_line_id._preorder_convert_holds()
            except Exception:
                _logger.exception("Checkout holds of %s not converted", order.name)
        removed = 0
        while True:
            expired = Hold.search([("expires_at", "<=", now)], limit=limit, order="id")
            gone = expired.filtered(
                lambda hold: hold_rules.sweepable(
                    hold.expires_at, now, hold.transaction_id.state or None
                )
            )
            if gone:
                gone._drop()
                removed += len(gone)
            if len(expired) < limit or not gone:
                break
        if removed:
            _logger.info("Checkout holds: %s expired holds removed", removed)
        return removed
