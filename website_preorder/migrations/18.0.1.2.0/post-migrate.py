"""18.0.1.2.0: the release job has its own model, ``preorder.release.job``.

The cron record is ``noupdate``: point the existing one at the new model (its
schedule, user and activity stay as the merchant set them).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("website_preorder.ir_cron_release_preorders", raise_if_not_found=False)
    if cron and cron.model_id.model != "preorder.release.job":
        cron.model_id = env["ir.model"]._get("preorder.release.job")
