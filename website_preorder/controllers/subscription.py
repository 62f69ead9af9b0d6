from odoo.exceptions import UserError
from odoo.http import Controller, request, route


class PreorderSubscriptionController(Controller):
    @route("/shop/preorder/subscribe", type="json", auth="public", website=True)
    def preorder_subscribe(self, product_id=None, email=None, **kwargs):
        """ "Tell me when it opens" from the product page: the logged-in shopper
        in one click, a visitor with an e-mail address."""
        if isinstance(product_id, bool) or not isinstance(product_id, int | str):
            raise UserError(request.env._("This product is not available."))
        try:
            product_id = int(product_id)
        except ValueError:
            raise UserError(request.env._("This product is not available.")) from None
        if email is not None and not isinstance(email, str):
            raise UserError(request.env._("Enter a valid e-mail address."))
        product = request.env["product.product"].browse(product_id)
        _partner, new = product._preorder_subscribe(
            email=email, client_ip=request.httprequest.remote_addr
        )
        if request.env.user._is_public():
            # the page shows the visitor's subscriptions, as Odoo's back-in-stock does
            subscribed = set(request.session.get("preorder_subscriptions", []))
            request.session["preorder_subscriptions"] = sorted(subscribed | {product_id})
            request.session["preorder_subscription_email"] = email
        return {"subscribed": True, "new": new}

    @route(
        "/preorder/unsubscribe/<int:product_id>/<int:partner_id>/<preorder_token:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
    )
    def preorder_unsubscribe(self, product_id, partner_id, token, **kwargs):
        """The link of the confirmation e-mail: GET asks, POST (CSRF) unsubscribes."""
        Product = request.env["product.product"]
        values = {"error": False, "done": False, "product": False}
        try:
            if request.httprequest.method == "POST":
                values["product"] = Product._preorder_unsubscribe(product_id, partner_id, token)
                values["done"] = True
            else:
                values["product"] = Product._preorder_check_unsubscribe_token(
                    product_id, partner_id, token
                )[0]
        except UserError as error:
            values["error"] = error.args[0]
        return request.render("website_preorder.subscription_unsubscribe_page", values)
