"""A website cart ready to be paid, for the payment route's benchmark
(``odoo-bin shell``; tools/bench.sh). On the addon's database the cart holds
one unit of a national pre-order (paying takes a checkout hold), on plain
Odoo's one unit from stock. Prints ``CART <json>``."""

import json

env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
company = env.company
website = env["website"].search([("company_id", "=", company.id)], limit=1)
provider = env.ref("payment.payment_provider_demo")
provider.write({"state": "test", "is_published": True, "company_id": company.id})
method = env.ref("payment_demo.payment_method_demo")
method.active = True
provider.payment_method_ids = [(4, method.id)]
delivery = env["product.product"].create({"name": "Bench Delivery", "type": "service"})
carrier = env["delivery.carrier"].create(
    {
        "name": "Bench Free Delivery",
        "delivery_type": "fixed",
        "fixed_price": 0.0,
        "product_id": env["product.product"]
        .create({"name": "Bench Delivery", "type": "service"})
        .id,
        "is_published": True,
    }
)
addon = "preorder_kind" in env["sale.order.line"]._fields
product = env["product.product"].search([("default_code", "=", "BENCH-000003")], limit=1)
line = {"product_id": product.id, "product_uom_qty": 1}
if addon:
    vendor = env["res.partner"].create({"name": "Bench Payment Vendor"})
    env["purchase.order"].create(
        {
            "partner_id": vendor.id,
            "preorder_kind": "national",
            "order_line": [(0, 0, {"product_id": product.id, "product_qty": 100000})],
        }
    ).button_confirm()
    line["preorder_kind"] = "national"
else:
    location = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    env["stock.quant"]._update_available_quantity(product, location.lot_stock_id, 100000)
partner = env["res.partner"].create(
    {
        "name": "Bench Payer",
        "email": "payer@example.com",
        "phone": "+32 2 000 00 00",
        "street": "Rue du Bench 1",
        "city": "Bruxelles",
        "zip": "1000",
        "country_id": env.ref("base.be").id,
    }
)
order = env["sale.order"].create(
    {"partner_id": partner.id, "website_id": website.id, "order_line": [(0, 0, line)]}
)
order.set_delivery_line(carrier, 0.0)
order._portal_ensure_token()
env.cr.commit()
cart = {
    "order_id": order.id,
    "access_token": order.access_token,
    "provider_id": provider.id,
    "payment_method_id": method.id,
    "amount": order.amount_total,
}
print("CART " + json.dumps(cart), flush=True)
