"""Fixtures of the throughput soak (``SOAK_SCENARIO=throughput``, through
``odoo-bin shell``), on the addon's database and on plain Odoo's alike: a shop
with one hot product every shopper buys again and again, a demo payment
provider in test mode and a free delivery method. On the addon's database the
hot product is a national pre-order with enough units on its request for the
whole run (every payment takes a checkout hold on it); on plain Odoo's it is in
stock. Prints one line ``SOAK_FIXTURE <json>`` the locustfile reads.
"""

import json
import os
from datetime import datetime, time, timedelta

RUN = os.environ["SOAK_RUN"]
UNITS = 100000
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))  # noqa: F821
addon = "preorder_kind" in env["sale.order.line"]._fields
company = env.company
website = env["website"].search([("company_id", "=", company.id)], limit=1)

# as the mixed soak (tools/soak/fixture.py): loopback links, confirmation
# e-mails from a cron, outgoing mail queued and never sent
params = env["ir.config_parameter"].sudo()
base_url = f"http://127.0.0.1:{os.environ.get('SOAK_PORT', '8169')}"
params.set_param("web.base.url", base_url)
params.set_param("web.base.url.freeze", True)
params.set_param("report.url", base_url)
params.set_param("sale.async_emails", True)
params.set_param("mail.mail.force.send.limit", 0)
mail_queue = env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
if mail_queue:
    mail_queue.active = False

provider = env.ref("payment.payment_provider_demo")
provider.write({"state": "test", "is_published": True, "company_id": company.id})
method = env.ref("payment_demo.payment_method_demo")
method.active = True
provider.payment_method_ids = [(4, method.id)]

carrier = env["delivery.carrier"].search([("name", "=", "Soak Free Delivery")], limit=1)
if not carrier:
    carrier = env["delivery.carrier"].create(
        {
            "name": "Soak Free Delivery",
            "delivery_type": "fixed",
            "fixed_price": 0.0,
            "product_id": env["product.product"]
            .create({"name": "Soak Free Delivery", "type": "service", "list_price": 0.0})
            .id,
            "is_published": True,
            "website_id": website.id,
        }
    )
env["delivery.carrier"].search([("id", "!=", carrier.id)]).write({"is_published": False})
env["product.template"].search([("default_code", "=like", "SOAK-%")]).write({"is_published": False})

hot = env["product.product"].create(
    {
        "name": f"Soak Hot Sneaker {RUN}",
        "default_code": f"SOAK-{RUN}-HOT",
        "type": "consu",
        "is_storable": True,
        "is_published": True,
        "website_id": website.id,
        "list_price": 100.0,
        "standard_price": 50.0,
    }
)
if addon:
    company.write({"preorder_enabled": True, "preorder_warehouse_mode": "all"})
    vendor = env["res.partner"].search([("name", "=", "Soak Vendor")], limit=1) or env[
        "res.partner"
    ].create({"name": "Soak Vendor"})
    arrival = datetime.combine(datetime.now().date() + timedelta(days=14), time(12, 0))
    env["purchase.order"].create(
        {
            "partner_id": vendor.id,
            "preorder_kind": "national",
            "order_line": [
                (0, 0, {"product_id": hot.id, "product_qty": UNITS, "price_unit": 10.0,
                        "date_planned": arrival})
            ],
        }
    ).button_confirm()  # fmt: skip
    env["product.product"]._preorder_refresh_catalog_all()
    kind = "national"
else:
    location = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    env["stock.quant"]._update_available_quantity(hot, location.lot_stock_id, UNITS)
    kind = None
env.cr.commit()
offer = {"product_id": hot.id, "product_tmpl_id": hot.product_tmpl_id.id, "kind": kind}
fixture = {
    "run": RUN,
    "addon": addon,
    "website_id": website.id,
    "offers": [offer],
    "hot_offer": offer,
    "provider_id": provider.id,
    "payment_method_id": method.id,
    "country_id": env.ref("base.be").id,
}
print("SOAK_FIXTURE " + json.dumps(fixture), flush=True)
