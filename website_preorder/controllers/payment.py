from psycopg2.errors import LockNotAvailable

from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request, route
from odoo.tools import SQL

from odoo.addons.website_sale.controllers.payment import PaymentPortal


class PreorderPaymentPortal(PaymentPortal):
    @route()
    def shop_payment_transaction(self, order_id, access_token, **kwargs):
        """A cart with a deposit due (README, Deposits) pays the deposit, or in
        full (express checkout); ``sale.order._preorder_deposit_prepare_payment``
        refuses any other amount.
        The order is locked first, as Odoo does, so a second click waits for
        nothing and is refused; then Odoo's own checks run (cart ready, already
        paid) and the transaction is created for the deposit, taking the cart's
        checkout holds (they judge the pre-ordered quantities, under lock)."""
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token)
            request.env.cr.execute(
                SQL("SELECT 1 FROM sale_order WHERE id = %s FOR NO KEY UPDATE NOWAIT", order_id)
            )
        except (AccessError, MissingError):
            # Odoo refuses it with its own message
            return super().shop_payment_transaction(order_id, access_token, **kwargs)
        except LockNotAvailable as error:
            raise UserError(request.env._("Payment is already being processed.")) from error
        # the transaction about to be created holds the cart's pre-order and
        # pre-sale quantities under the supply rows' lock and refuses what is no
        # longer there: the cart's check before payment leaves that to it
        request.update_context(preorder_holds_follow=True)
        amount = kwargs.get("amount")
        due = order_sudo._preorder_deposit_prepare_payment(amount)
        if due is not None:
            # Odoo compares the amount with the cart's total: the deposit is set below
            kwargs["amount"] = order_sudo.amount_total
            request.update_context(preorder_deposit_amount=due)
        return super().shop_payment_transaction(order_id, access_token, **kwargs)

    def _create_transaction(self, *args, **kwargs):
        due = request.env.context.get("preorder_deposit_amount")
        if due is not None:
            kwargs["amount"] = due
        return super()._create_transaction(*args, **kwargs)
