from odoo.exceptions import AccessError, MissingError
from odoo.http import request, route

from odoo.addons.purchase.controllers.portal import CustomerPortal as PurchasePortal
from odoo.addons.sale.controllers.portal import CustomerPortal

from ..rules import cancellation as cancellation_rules

# The order page shows one of these fixed, translatable messages (in the
# template) chosen by a flag in the URL; no text ever comes from the URL.
CANCEL_FLAGS = {True: "preorder_cancelled", False: "preorder_cancel_refused"}


def _token_is_wellformed(token):
    """An access token as Odoo issues them (ASCII text), or none: anything else
    is a bad link, answered as such instead of reaching ``consteq`` (which
    raises on non-ASCII text)."""
    return token is None or (isinstance(token, str) and token.isascii())


class PreorderCustomerPortal(CustomerPortal):
    @route(
        "/my/orders/<int:order_id>/preorder_cancel",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_preorder_cancel(self, order_id, access_token=None, **kwargs):
        """The customer cancels their own confirmed order within the time limit.

        CSRF-protected POST. Refused (nothing changes) after the limit, when the
        setting is off, or for an order the visitor may not access.
        """
        order = self._preorder_portal_order(order_id, access_token)
        if not order:
            return request.redirect("/my")
        flag = CANCEL_FLAGS[bool(order._preorder_portal_cancel())]
        return request.redirect(order.get_portal_url(query_string="&%s=1" % flag))

    @route(
        "/my/orders/<int:order_id>/preorder_line/<int:line_id>",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_preorder_line(
        self, order_id, line_id, access_token=None, quantity=None, cancel=None, **kwargs
    ):
        """The customer lowers (``quantity``) or cancels (``cancel``, or a
        quantity of 0) one pre-order or pre-sale line of their confirmed order,
        until it is on its way
        (``sale.order.line._preorder_portal_change``). CSRF-protected POST; a
        bad link, someone else's order or line, or a refused change (a fixed
        message on the order page) changes nothing."""
        order = self._preorder_portal_order(order_id, access_token)
        if not order:
            return request.redirect("/my")
        line = order.sudo().order_line.filtered(lambda line: line.id == line_id)
        amount = "0" if cancel == "1" else quantity.strip() if isinstance(quantity, str) else ""
        number = int(amount) if amount.isdigit() and len(amount) <= 7 else None
        refusal = (
            line._preorder_portal_change(number)
            if line and number is not None
            else cancellation_rules.LINE_NOT_LOWER
        )
        return self._preorder_changed(order, refusal)

    @route(
        "/my/orders/<int:order_id>/preorder_shipping",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_preorder_shipping(self, order_id, access_token=None, policy=None, **kwargs):
        """The customer's shipping choice for their pre-ordered items, until
        something is released or shipped (``sale.order._preorder_portal_set_shipping``)."""
        order = self._preorder_portal_order(order_id, access_token)
        if not order:
            return request.redirect("/my")
        return self._preorder_changed(order, order._preorder_portal_set_shipping(policy))

    @route(
        "/my/orders/<int:order_id>/preorder_balance_method",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_preorder_balance_method(self, order_id, access_token=None, token_id=None, **kwargs):
        """The saved payment method the customer's balance is charged to, one of
        theirs, until the balance is charged
        (``sale.order._preorder_portal_set_balance_token``)."""
        order = self._preorder_portal_order(order_id, access_token)
        if not order:
            return request.redirect("/my")
        # a record id: digits, within PostgreSQL's integer (anything else is no choice)
        number = (
            token_id if isinstance(token_id, str) and token_id.isdigit() and len(token_id) <= 9
            else "0"
        )  # fmt: skip
        return self._preorder_changed(order, order._preorder_portal_set_balance_token(int(number)))

    def _preorder_portal_order(self, order_id, access_token):
        """The order the visitor may change (their own, or by its token link), or None."""
        if not _token_is_wellformed(access_token):
            return None
        try:
            return self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return None

    def _preorder_changed(self, order, refusal):
        """Back to the order page, with the fixed message of the outcome."""
        flag = f"preorder_refused={refusal}" if refusal else "preorder_changed=1"
        return request.redirect(order.get_portal_url(query_string=f"&{flag}"))

    @route(
        "/my/orders/<int:order_id>/preorder_consent",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_preorder_consent(self, order_id, access_token=None, answer=None, **kwargs):
        """Date-slip consent: the customer accepts the new dates or cancels the
        lines that slipped (README). GET shows the question; POST (CSRF) answers.
        A bad link, an order shipped, a lapsed or answered question is refused
        with a message and changes nothing."""
        values = {"order": False, "refusal": False, "answered": False, "access_token": access_token}
        if not _token_is_wellformed(access_token):
            values.update(refusal="bad_link", access_token=False)
            return request.render("website_preorder.portal_preorder_consent", values)
        try:
            order = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            values["refusal"] = "bad_link"
            return request.render("website_preorder.portal_preorder_consent", values)
        values["order"] = order
        order = order.sudo()
        if request.httprequest.method == "POST":
            values["refusal"] = order._preorder_consent_answer(answer)
            values["answered"] = not values["refusal"] and answer
        else:
            values["refusal"] = order._preorder_consent_refusal("accept")
        return request.render("website_preorder.portal_preorder_consent", values)


class PreorderVendorPortal(PurchasePortal):
    def _document_check_access(self, model_name, document_id, access_token=None):
        """Requests are never shown to portal or public users, not even to their
        vendor holding the access token of the e-mail link (SPEC §8): every
        /my/purchase route then answers as for a document they may not access.
        Ordinary purchase orders keep Odoo's vendor portal."""
        document = super()._document_check_access(model_name, document_id, access_token)
        if model_name == "purchase.order" and document.preorder_kind and request.env.user.share:
            raise AccessError(request.env._("This document is not available on the portal."))
        return document
