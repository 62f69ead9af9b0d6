from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request, route

from odoo.addons.website_sale.controllers.payment import PaymentPortal


class PreorderPaymentPortal(PaymentPortal):
    @route()
    def shop_payment_transaction(self, order_id, access_token, **kwargs):
        """A cart with a deposit due (README, Deposits) pays that amount: the
        shopper's amount must be the deposit, Odoo's own checks (access, lock,
        cart ready, already paid) run on the cart as it is, then the transaction
        is created for the deposit."""
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token)
        except (AccessError, MissingError):
            # Odoo refuses it with its own message
            return super().shop_payment_transaction(order_id, access_token, **kwargs)
        due = request.env["preorder.deposit"]._prepare_payment(order_sudo)
        if due is not None:
            amount = kwargs.get("amount")
            if amount is not None and order_sudo.currency_id.compare_amounts(amount, due):
                raise ValidationError(
                    request.env._("The cart has been updated. Please refresh the page.")
                )
            # Odoo compares the amount with the cart's total: the deposit is set below
            kwargs["amount"] = order_sudo.amount_total
            request.update_context(preorder_deposit_amount=due)
        return super().shop_payment_transaction(order_id, access_token, **kwargs)

    def _create_transaction(self, *args, **kwargs):
        due = request.env.context.get("preorder_deposit_amount")
        if due is not None:
            kwargs["amount"] = due
        return super()._create_transaction(*args, **kwargs)
