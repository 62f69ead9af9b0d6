"""18.0.1.3.0: the service models are folded into the models they concern.

The catalogue job is on ``product.product``, the release job on
``preorder.allocation``, the pre-sale price job on ``product.pricelist`` and
the date-slip lapse on ``sale.order.line`` (as ``_cron_preorder_consent_lapse``).
This one migration serves every earlier version (it replaces those of
18.0.1.1.0 and 18.0.1.2.0, which pointed the crons at models that are gone).
The cron records are ``noupdate``: point the existing ones at their new
models and methods (their schedule, user and activity stay as the merchant set
them) before the old models' records are removed at the end of the upgrade,
which would delete the crons with them.
"""

from odoo import SUPERUSER_ID, api

CRONS = {
    "ir_cron_refresh_catalog": ("product.product", "model._cron_refresh_preorder_catalog()"),
    # 18.0.1.0.0 had it on product.product
    "ir_cron_presale_price_update": ("product.pricelist", "model._cron_update_presale_prices()"),
    "ir_cron_release_preorders": ("preorder.allocation", "model._cron_release_preorders()"),
    "ir_cron_preorder_consent_lapse": (
        "sale.order.line",
        "model._cron_preorder_consent_lapse()",
    ),
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (model, code) in CRONS.items():
        cron = env.ref(f"website_preorder.{xmlid}", raise_if_not_found=False)
        if cron and (cron.model_id.model != model or cron.code.strip() != code):
            cron.write({"model_id": env["ir.model"]._get(model).id, "code": code})
