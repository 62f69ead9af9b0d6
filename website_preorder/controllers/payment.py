from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request, route

from odoo.addons.website_sale.controllers.payment import PaymentPortal


class PreorderPaymentPortal(PaymentPortal):
    @route()
    def shop_payment_transaction(self, order_id, access_token, **kwargs):
        """A cart with a deposit due (README, Deposits) pays the deposit, or in
        full (express checkout); ``sale.order._preorder_deposit_prepare_payment``
        refuses any other amount (``_validate_transaction_kwargs``, once Odoo
        has checked the access token and locked the order).

        The transaction about to be created holds the cart's pre-order and
        pre-sale quantities under the supply rows' lock and refuses what is no
        longer there: the cart's check before payment leaves that to it. The
        prices the checkout page checked and showed moments ago (its stamp in
        the session) are the prices paid: they are not computed again."""
        request.update_context(
            preorder_holds_follow=True,
            preorder_payment_order_id=order_id,
            preorder_prices_seen=request.session.get("preorder_prices_seen"),
        )
        return super().shop_payment_transaction(order_id, access_token, **kwargs)

    @route()
    def portal_order_transaction(self, order_id, access_token, **kwargs):
        """A website cart paid from the portal's payment form (with its access
        token) passes the checks of the shop's payment: its pre-order,
        pre-sale and next-day lines against their rules and its prices
        against the pricelist rules (Odoo checks nothing of the cart there);
        the quantities are judged by the checkout holds the payment takes. A
        refusal creates no payment. Quotations staff sent are not carts: Odoo's
        flow, unchanged."""
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token)
        except (AccessError, MissingError):
            # refused by Odoo with its own message
            return super().portal_order_transaction(order_id, access_token, **kwargs)
        if order_sudo._preorder_is_managed_cart():
            request.update_context(preorder_holds_follow=True)
            messages = order_sudo._preorder_cart_payment_messages()
            if messages:
                raise ValidationError("\n".join(messages))
        return super().portal_order_transaction(order_id, access_token, **kwargs)

    def _validate_transaction_kwargs(self, kwargs, additional_allowed_keys=()):
        # Odoo's shop route calls this after checking the access token, locking
        # the order and checking the cart (website_sale/controllers/payment.py):
        # the deposit is prepared there, on the order that route checked
        # (test_deposit pays through that route)
        super()._validate_transaction_kwargs(
            kwargs, additional_allowed_keys=additional_allowed_keys
        )
        order_id = request.env.context.get("preorder_payment_order_id")
        if not order_id:
            return
        # the shop's payment of a cart: Odoo checked its access token and locked it
        order_sudo = request.env["sale.order"].sudo().browse(order_id)
        due = order_sudo._preorder_deposit_prepare_payment(kwargs.get("amount"))
        if due is not None:
            # Odoo compares the amount with the cart's total: the deposit is set
            # on the transaction (_create_transaction)
            kwargs["amount"] = order_sudo.amount_total
            request.update_context(preorder_deposit_amount=due)

    def _create_transaction(self, *args, **kwargs):
        due = request.env.context.get("preorder_deposit_amount")
        if due is not None:
            kwargs["amount"] = due
        return super()._create_transaction(*args, **kwargs)
