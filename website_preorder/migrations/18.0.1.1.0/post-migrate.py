"""18.0.1.1.0: the scheduled actions moved to the models that hold their jobs.

The catalogue job is on ``preorder.catalog``, the release job on
``preorder.release`` and the pre-sale price job on ``product.pricelist``. The
cron records are ``noupdate``: point the existing ones at their new models
(their schedule, user and activity stay as the merchant set them).
"""

from odoo import SUPERUSER_ID, api

CRONS = {
    "ir_cron_refresh_catalog": "preorder.catalog",
    "ir_cron_release_preorders": "preorder.release",
    "ir_cron_presale_price_update": "product.pricelist",
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, model in CRONS.items():
        cron = env.ref(f"website_preorder.{xmlid}", raise_if_not_found=False)
        if cron and cron.model_id.model != model:
            cron.model_id = env["ir.model"]._get(model)
