from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import consteq, email_normalize
from odoo.tools.misc import hmac

TOKEN_SCOPE = "website_preorder-subscription"


class PreorderSubscription(models.AbstractModel):
    """ "Tell me when it opens" (README): on the page of a product that cannot be
    bought now a shopper leaves an e-mail address; when the catalogue job first
    lists the product for a kind, each subscriber gets one e-mail with the kind,
    its price and date, then the subscription ends. Odoo's back-in-stock
    notification (website_sale_stock) is the pattern: subscribers are partners
    on the variant, found or created from the address."""

    _name = "preorder.subscription"
    _description = "Pre-order Opening Subscriptions"

    @api.model
    def _subscribe(self, product, email=None):
        """Subscribe the logged-in shopper, or the partner of ``email`` for a
        visitor. Returns (partner, new); only a new subscription is confirmed by
        e-mail (with the unsubscribe link). Bad input changes nothing."""
        product = product.sudo().exists()
        if not product or not product.active or not product.website_published:
            raise UserError(self.env._("This product is not available."))
        user = self.env.user
        if user._is_public():
            normalized = email_normalize(email or "")
            if not normalized:
                raise UserError(self.env._("Enter a valid e-mail address."))
            partner = (
                self.env["mail.thread"]
                .sudo()
                ._mail_find_partner_from_emails([normalized], force_create=True)[0]
            )
        else:
            partner = user.partner_id
            if not partner.email:
                raise UserError(self.env._("Your account has no e-mail address."))
        if partner in product.preorder_subscriber_ids:
            return partner, False
        product.preorder_subscriber_ids = [(4, partner.id)]
        env = self.with_context(lang=partner.lang).env
        self._send(
            product,
            partner,
            env._("We will tell you when %(product)s opens", product=product.display_name),
            "website_preorder.subscription_confirmed_email",
            {"unsubscribe_url": self._unsubscribe_url(product, partner)},
        )
        return partner, True

    @api.model
    def _token(self, product, partner):
        return hmac(self.env(su=True), TOKEN_SCOPE, (product.id, partner.id))

    @api.model
    def _unsubscribe_url(self, product, partner):
        base = product.get_base_url()
        token = self._token(product, partner)
        return f"{base}/preorder/unsubscribe/{product.id}/{partner.id}/{token}"

    @api.model
    def _check_token(self, product_id, partner_id, token):
        """(product, partner) of a valid unsubscribe link, else a UserError."""
        product = self.env["product.product"].sudo().browse(product_id).exists()
        partner = self.env["res.partner"].sudo().browse(partner_id).exists()
        if not (product and partner and consteq(self._token(product, partner), token or "")):
            raise UserError(self.env._("This link is not valid."))
        return product, partner

    @api.model
    def _unsubscribe(self, product_id, partner_id, token):
        product, partner = self._check_token(product_id, partner_id, token)
        product.preorder_subscriber_ids = [(3, partner.id)]
        return product

    @api.model
    def _notify_opened(self, opened):
        """``opened``: {product: {kind: company}} of the kinds the catalogue job
        has just listed. Each subscriber of those products is e-mailed once
        (queued with the job's transaction) and unsubscribed."""
        products = self.env["product.product"].sudo().browse([p.id for p in opened])
        subscribed = products.filtered("preorder_subscriber_ids")
        # read once per company and per (product, company, language), not per subscriber
        websites, infos = {}, {}
        for product in subscribed:
            kinds = opened[product]
            for partner in product.preorder_subscriber_ids:
                offers = []
                for kind, company in kinds.items():
                    if company not in websites:
                        websites[company] = self._website(company)
                    website = websites[company].with_context(lang=partner.lang)
                    key = (product.id, company.id, partner.lang)
                    if key not in infos:
                        infos[key] = website._preorder_product_info(product)
                    offers.append(self._offer(website, infos[key], product, kind, partner))
                env = self.with_context(lang=partner.lang).env
                self._send(
                    product,
                    partner,
                    env._("%(product)s can now be ordered", product=product.display_name),
                    "website_preorder.subscription_opened_email",
                    {"offers": offers},
                )
            product.preorder_subscriber_ids = [(5, 0, 0)]
        return subscribed

    @api.model
    def _website(self, company):
        """The website whose prices and texts the e-mail gives: the company's first."""
        Website = self.env["website"].sudo()
        return Website.search([("company_id", "=", company.id)], limit=1) or Website.search(
            [], limit=1
        )

    @api.model
    def _offer(self, website, info, product, kind, partner):
        """The kind, its price for ``partner`` and its date, as the e-mail says
        (``info``: the website's product page payload)."""
        company = website.company_id
        pricelist = self.env["preorder.cart.pricing"]._needed_pricelist(company, kind)
        pricelist = self.env["product.pricelist"].browse(pricelist) or (
            partner.with_company(company).property_product_pricelist
        )
        return {
            "kind": info[kind]["text"],
            "date": info[kind]["date"],
            "price": website._preorder_price(product, pricelist),
            "currency": website.currency_id,
        }

    @api.model
    def _send(self, product, partner, subject, view, values):
        """Queue one e-mail to ``partner`` about ``product`` (Odoo's light layout)."""
        # shoppers subscribe as public or portal users: the e-mail is the company's
        self = self.sudo()
        partner = partner.sudo()
        product = product.with_context(lang=partner.lang)
        env = self.with_context(lang=partner.lang).env
        body = env["ir.qweb"]._render(view, {"product": product, "partner": partner, **values})
        message = env["mail.message"].sudo().new({"body": body, "record_name": product.name})
        company = product.company_id or self.env.company
        env["mail.mail"].sudo().create(
            {
                "subject": subject,
                "email_from": company.partner_id.email_formatted or self.env.user.email_formatted,
                "email_to": partner.email_formatted,
                "body_html": env["mail.render.mixin"]._render_encapsulate(
                    "mail.mail_notification_light",
                    Markup(body),
                    add_context={"message": message, "model_description": env._("Product")},
                ),
                "auto_delete": True,
            }
        )
