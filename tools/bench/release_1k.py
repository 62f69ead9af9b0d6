"""Time one release of 1,000 due pre-order lines (run through ``odoo-bin shell``).

200 products × 5 confirmed national pre-order lines, allocated on one request
arriving today, stock in the warehouse for all of them; then one release of
those products is timed (wall time, SQL queries). Works with the release API
before issue 10 (``_release``) and after (``_release_products``). Rolls back.
    BENCH_PRODUCTS=200 BENCH_LINES_PER_PRODUCT=5
"""

import json
import os
import time
from datetime import datetime

env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", 200))
PER_PRODUCT = int(os.environ.get("BENCH_LINES_PER_PRODUCT", 5))
company = env.company
company.write({"preorder_enabled": True})
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
partner = env["res.partner"].create({"name": "Bench customer", "email": "bench@example.com"})
vendor = env["res.partner"].create({"name": "Bench vendor"})
products = env["product.product"].create(
    [
        {"name": f"Release bench {i}", "type": "consu", "is_storable": True, "list_price": 10}
        for i in range(PRODUCTS)
    ]
)
env["purchase.order"].create(
    {
        "partner_id": vendor.id,
        "preorder_kind": "national",
        "order_line": [
            (
                0,
                0,
                {
                    "product_id": p.id,
                    "product_qty": PER_PRODUCT,
                    "price_unit": 1,
                    "date_planned": datetime.now(),
                },
            )  # fmt: skip
            for p in products
        ],
    }
)
for _index in range(PER_PRODUCT):
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [
                (0, 0, {"product_id": p.id, "product_uom_qty": 1, "preorder_kind": "national"})
                for p in products
            ],
        }
    )
    order.action_confirm()
for product in products:
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, PER_PRODUCT)
lines = env["sale.order.line"].search([("product_id", "in", products.ids)])
assert set(lines.mapped("preorder_state")) == {"allocated"}, set(lines.mapped("preorder_state"))
if "preorder.release" in env:  # versions before 18.0.1.3.0
    job = lambda: env["preorder.release"]._release_products(products).reserved  # noqa: E731
elif hasattr(env["preorder.allocation"], "_release_products"):
    job = lambda: env["preorder.allocation"]._release_products(products).reserved  # noqa: E731
else:
    job = lambda: env["preorder.allocation"]._release(products, company)  # noqa: E731
env.flush_all()
env.invalidate_all()
queries = env.cr.sql_log_count
start = time.perf_counter()
released = job()
env.flush_all()
row = {
    "job": f"release of {len(lines)} due lines ({PRODUCTS} products)",
    "seconds": round(time.perf_counter() - start, 3),
    "queries": env.cr.sql_log_count - queries,
    "released": len(released),
    "released_lines": len(lines.filtered(lambda line: line.preorder_state == "released")),
}
print("BENCH " + json.dumps(row), flush=True)
env.cr.rollback()
