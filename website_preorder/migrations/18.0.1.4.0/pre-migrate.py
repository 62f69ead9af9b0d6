"""18.0.1.4.0: checkout holds are committed before their payment and never
write their supply row.

``preorder_hold.transaction_id`` (a foreign key, which could not point at a
payment not committed yet) gave way to ``payment_reference``: the holds in
flight keep their payment, the reference is copied before the old column goes.
``purchase_order_line.preorder_held_qty`` is computed from the active holds
when it is shown: its column goes.
"""

from odoo.tools.sql import SQL, column_exists, create_column


def migrate(cr, version):
    if column_exists(cr, "purchase_order_line", "preorder_held_qty"):
        cr.execute(SQL("ALTER TABLE purchase_order_line DROP COLUMN preorder_held_qty"))
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
