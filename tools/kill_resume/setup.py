"""Kill-and-resume check, step 1 (``odoo-bin shell``): due pre-order lines.

KR_PRODUCTS products, each on KR_ORDERS confirmed orders (one line per product
per order), allocated on a request arriving today, with stock for every line:
everything is due for release. Every product is marked pending. Commits.
"""

import os
from datetime import datetime

env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
PRODUCTS = int(os.environ.get("KR_PRODUCTS", 300))
ORDERS = int(os.environ.get("KR_ORDERS", 10))
company = env.company
company.write({"preorder_enabled": True})
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
vendor = env["res.partner"].create({"name": "Kill-resume vendor"})
products = env["product.product"].create(
    [
        {"name": f"Kill-resume {i}", "type": "consu", "is_storable": True, "list_price": 10}
        for i in range(PRODUCTS)
    ]
)
env["purchase.order"].create(
    {
        "partner_id": vendor.id,
        "preorder_kind": "national",
        "order_line": [
            (0, 0, {"product_id": p.id, "product_qty": ORDERS, "price_unit": 1,
                    "date_planned": datetime.now()})
            for p in products
        ],
    }
)  # fmt: skip
for index in range(ORDERS):
    partner = env["res.partner"].create(
        {"name": f"Kill-resume customer {index}", "email": f"kr{index}@example.com"}
    )
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "client_order_ref": "kill-resume",
            "order_line": [
                (0, 0, {"product_id": p.id, "product_uom_qty": 1, "preorder_kind": "national"})
                for p in products
            ],
        }
    )
    order.action_confirm()
    env.cr.commit()
for product in products:
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, ORDERS)
lines = env["sale.order.line"].search([("order_id.client_order_ref", "=", "kill-resume")])
assert set(lines.mapped("preorder_state")) == {"allocated"}, set(lines.mapped("preorder_state"))
lines.with_context(preorder_system_update=True).write({"promise_date": datetime.now().date()})
env["product.product"].search([]).filtered(
    "preorder_release_pending"
).preorder_release_pending = False
products.preorder_release_pending = True
env.cr.commit()
print(f"KR_SETUP products={len(products)} orders={ORDERS} lines={len(lines)}", flush=True)
