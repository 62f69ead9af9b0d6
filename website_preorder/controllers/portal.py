from urllib.parse import quote

from odoo import _
from odoo.exceptions import AccessError, MissingError
from odoo.http import request, route

from odoo.addons.sale.controllers.portal import CustomerPortal


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
        try:
            order = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if order._preorder_portal_cancel():
            message = _("Your order was cancelled.")
        else:
            message = _("This order can no longer be cancelled.")
        url = order.get_portal_url(query_string="&preorder_message=%s" % quote(message))
        return request.redirect(url)
