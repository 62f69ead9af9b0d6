"""Fixtures of one soak run (through ``odoo-bin shell``): a shop with products
that have few units of supply across national, international and pre-sale
requests, stock for a few, a demo payment provider in test mode and a staff
user for the jobs. Each run makes its own products (``SOAK-<run>-…``) and
unpublishes those of earlier runs, so a reused database starts from a clean
catalogue while the invariants still cover every run's orders.

Prints one line ``SOAK_FIXTURE <json>`` the locustfile reads.
"""

import json
import os
from datetime import datetime, time, timedelta

RUN = os.environ["SOAK_RUN"]
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))  # noqa: F821
company = env.company
website = env["website"].search([("company_id", "=", company.id)], limit=1)

# Loopback only: links and wkhtmltopdf (the confirmation e-mail's PDF fetches
# its assets over HTTP) go to the soak's own server, never to port 8069.
params = env["ir.config_parameter"].sudo()
base_url = f"http://127.0.0.1:{os.environ.get('SOAK_PORT', '8169')}"
params.set_param("web.base.url", base_url)
params.set_param("web.base.url.freeze", True)
params.set_param("report.url", base_url)
# Order confirmation e-mails from a cron (Odoo's sale_async_emails switch), as a
# prefork deployment needs: sent inside the payment's request, each renders the
# quotation PDF with wkhtmltopdf, which fetches its assets from the same
# server's workers, while the confirmation holds the supply lines' row locks;
# with as many paid carts as workers, every worker waits (see docs/perf/SOAK.md).
# SOAK_SYNC_EMAILS=1 keeps Odoo's default (synchronous) to reproduce it.
sync_emails = os.environ.get("SOAK_SYNC_EMAILS") == "1"
env["ir.config_parameter"].sudo().set_param("sale.async_emails", not sync_emails)
# Outgoing mail: queued, never sent (no SMTP server on a loopback-only soak).
params.set_param("mail.mail.force.send.limit", 0)
mail_queue = env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
if mail_queue:
    mail_queue.active = False

# Pricelists: the website's public one, and the two the carts are forced onto.
Pricelist = env["product.pricelist"]


def pricelist(name, **vals):
    return Pricelist.search([("name", "=", name)], limit=1) or Pricelist.create(
        {"name": name, **vals}
    )


pl_presale = pricelist("Soak Pre-sale", website_id=False)
pl_international = pricelist(
    "Soak International",
    website_id=False,
    item_ids=[(0, 0, {"compute_price": "percentage", "percent_price": -20})],
)
company.write(
    {
        "preorder_enabled": True,
        "presale_enabled": True,
        "preorder_warehouse_mode": "all",
        "presale_pricelist_id": pl_presale.id,
        "international_pricelist_id": pl_international.id,
        "presale_cash_payment_percent": 30.0,
        # a multiplier above 1 knowingly oversells pre-sales: the excess is parked,
        # so allocation, parking and the release from stock all get work
        "presale_qty_multiplier": 1.5,
        "presale_min_qty": 0.0,
        "presale_days": 0,
        "preorder_only_out_of_stock": False,
    }
)

# Payment: Odoo's demo provider in test mode (payment_demo), published.
provider = env.ref("payment.payment_provider_demo")
provider.write({"state": "test", "is_published": True, "company_id": company.id})
method = env.ref("payment_demo.payment_method_demo", raise_if_not_found=False) or env[
    "payment.method"
].with_context(active_test=False).search([("code", "=", "demo")], limit=1)
method.active = True
provider.payment_method_ids = [(4, method.id)]

# Delivery: one free, published method (a cart with goods needs one to be paid).
carrier = env["delivery.carrier"].search([("name", "=", "Soak Free Delivery")], limit=1)
if not carrier:
    carrier_product = env["product.product"].create(
        {"name": "Soak Free Delivery", "type": "service", "list_price": 0.0}
    )
    carrier = env["delivery.carrier"].create(
        {
            "name": "Soak Free Delivery",
            "delivery_type": "fixed",
            "fixed_price": 0.0,
            "product_id": carrier_product.id,
            "is_published": True,
            "website_id": website.id,
        }
    )
env["delivery.carrier"].search([("id", "!=", carrier.id)]).write({"is_published": False})

# Staff user running the jobs over JSON-RPC (admin: Settings, purchase, sales).
admin = env.ref("base.user_admin")
admin.write({"password": "admin"})

# Earlier runs' products leave the shop.
env["product.template"].search([("default_code", "=like", "SOAK-%")]).write({"is_published": False})

vendor = env["res.partner"].search([("name", "=", "Soak Vendor")], limit=1) or env[
    "res.partner"
].create({"name": "Soak Vendor"})


def product(code, name, **vals):
    return env["product.product"].create(
        {
            "name": f"Soak {name} {RUN}",
            "default_code": f"SOAK-{RUN}-{code}",
            "type": "consu",
            "is_storable": True,
            "is_published": True,
            "website_id": website.id,
            "list_price": 100.0,
            "standard_price": 50.0,
            **vals,
        }
    )


def arrival(days):
    return datetime.combine(datetime.now().date() + timedelta(days=days), time(12, 0))


def request(kind, lines, confirm):
    order = env["purchase.order"].create(
        {
            "partner_id": vendor.id,
            "preorder_kind": kind,
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": item.id,
                        "product_qty": qty,
                        "price_unit": 10.0,
                        "date_planned": arrival(days),
                    },
                )
                for item, qty, days in lines
            ],
        }
    )
    if confirm:
        order.button_confirm()
    return order


stock_location = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
stock_location = stock_location.lot_stock_id

gadget = product("GADGET", "Gadget")  # national: two requests, 3 + 2 units
lamp = product("LAMP", "Lamp")  # national 2 (draft RFQ) + stock 4
drone = product("DRONE", "Drone")  # international: 4 + 2 units
boots = product("BOOTS", "Boots")  # pre-sale: 4 units (offered 6)
mug = product("MUG", "Mug")  # pre-sale 2 (offered 3) + stock 3: release from stock
kite = product("KITE", "Kite")  # every kind, 2 units each, + stock 2
shirt = product("SHIRT", "Shirt")  # stock only: 8
launch = product("LAUNCH", "Launch Sneaker")  # launch day: 3 units, every shopper at once
request("national", [(gadget, 3, 5), (kite, 2, 6)], confirm=True)
request("national", [(gadget, 2, 12), (lamp, 2, 8)], confirm=False)
request("international", [(drone, 4, 20), (kite, 2, 25)], confirm=False)
request("international", [(drone, 2, 30)], confirm=True)
request("presale", [(boots, 4, 10), (mug, 2, 15), (kite, 2, 9)], confirm=True)
request("national", [(launch, 3, 14)], confirm=True)
Quant = env["stock.quant"]
for item, qty in ((lamp, 4), (mug, 3), (kite, 2), (shirt, 8)):
    Quant._update_available_quantity(item, stock_location, qty)
products = gadget | lamp | drone | boots | mug | kite | shirt | launch
env["product.pricelist"]._preorder_update_presale_prices(products)
env["product.product"]._preorder_refresh_catalog_all()

offers = [
    {"product_id": gadget.id, "kind": "national"},
    {"product_id": lamp.id, "kind": "national"},
    {"product_id": lamp.id, "kind": "stock"},
    {"product_id": drone.id, "kind": "international"},
    {"product_id": boots.id, "kind": "presale"},
    {"product_id": mug.id, "kind": "presale"},
    {"product_id": mug.id, "kind": "stock"},
    {"product_id": kite.id, "kind": "national"},
    {"product_id": kite.id, "kind": "international"},
    {"product_id": kite.id, "kind": "presale"},
    {"product_id": kite.id, "kind": "stock"},
    {"product_id": shirt.id, "kind": "stock"},
]
# the launch scenario (SOAK_SCENARIO=launch): every shopper wants one of these
launch_offers = [{"product_id": launch.id, "kind": "national"}]
for offer in offers + launch_offers:
    offer["product_tmpl_id"] = env["product.product"].browse(offer["product_id"]).product_tmpl_id.id
crons = {
    name: env.ref(f"website_preorder.{xmlid}").id
    for name, xmlid in (
        ("catalogue", "ir_cron_refresh_catalog"),
        ("release", "ir_cron_release_preorders"),
        ("presale_price", "ir_cron_presale_price_update"),
    )
}
country = env.ref("base.be")
env.cr.commit()
fixture = {
    "run": RUN,
    "website_id": website.id,
    "offers": offers,
    "launch_offers": launch_offers,
    "product_ids": products.ids,
    "restock_products": [gadget.id, drone.id, boots.id, kite.id],
    "vendor_id": vendor.id,
    "crons": crons,
    "provider_id": provider.id,
    "payment_method_id": method.id,
    "country_id": country.id,
    "sync_emails": sync_emails,
}
print("SOAK_FIXTURE " + json.dumps(fixture), flush=True)
