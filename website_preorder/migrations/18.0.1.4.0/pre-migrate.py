"""18.0.1.4.0: a checkout hold names its payment by reference.

Holds are committed before their payment (``sale.order._preorder_take_holds``),
so ``preorder_hold.transaction_id`` (a foreign key) gave way to
``payment_reference``. The holds in flight keep their payment: the reference is
copied before the old column goes.
"""

from odoo.tools.sql import SQL, column_exists, create_column


def migrate(cr, version):
    if not column_exists(cr, "preorder_hold", "transaction_id"):
        return
    if not column_exists(cr, "preorder_hold", "payment_reference"):
        create_column(cr, "preorder_hold", "payment_reference", "varchar")
    cr.execute(
        SQL(
            """UPDATE preorder_hold h SET payment_reference = tx.reference
                 FROM payment_transaction tx WHERE tx.id = h.transaction_id"""
        )
    )
    cr.execute(SQL("ALTER TABLE preorder_hold DROP COLUMN transaction_id"))
