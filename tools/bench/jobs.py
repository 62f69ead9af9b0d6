"""Time the scheduled jobs on a generated database (run through ``odoo-bin shell``).

Prints one JSON line per job: wall time, SQL queries, peak RSS of this process.
Nothing is committed.
"""

import json
import os
import resource
import time
from datetime import datetime, timedelta

SCALE = int(os.environ["BENCH_SCALE"])
env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
company = env.company
Product = env["product.product"]
Allocation = env["preorder.allocation"]


def measure(name, func):
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    result = func()
    env.flush_all()
    seconds = time.perf_counter() - start
    row = {
        "scale": SCALE,
        "job": name,
        "seconds": round(seconds, 3),
        "queries": env.cr.sql_log_count - queries,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "result": result if isinstance(result, dict) else len(result),
    }
    print("BENCH " + json.dumps(row), flush=True)
    return result


# a full pass: every flag has to be written again
env.cr.execute(
    "UPDATE product_product SET preorder_national_listed = false,"
    " preorder_international_listed = false, presale_listed = false"
)
catalogue_job = env["preorder.catalog"]._refresh_all
measure("catalogue job (all flags rewritten)", catalogue_job)
measure("catalogue job (nothing changed)", catalogue_job)

parked = env["sale.order.line"].search([("preorder_state", "=", "parked")])
products = parked.product_id
vendor = env["res.partner"].search([("name", "=", "Bench Vendor")], limit=1)
request = env["purchase.order"].create(
    {
        "partner_id": vendor.id,
        "order_line": [
            (
                0,
                0,
                {
                    "product_id": p.id,
                    "product_qty": 1000,
                    "price_unit": 1,
                    "date_planned": datetime.now() + timedelta(days=5),
                },
            )  # fmt: skip
            for p in products
        ],
    }
)
# the purchase order becomes a national request: it starts taking orders and
# every parked line of its products is allocated (what the merchant does)
allocations = measure(
    f"allocation of {len(parked)} parked lines",
    lambda: request.write({"preorder_kind": "national"}) and request.preorder_allocation_ids,
)
assert len(allocations) == len(parked), (len(allocations), len(parked))
# goods arrive: free stock for every allocated product, promise dates due today
quant_location = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
for product in products:
    env["stock.quant"]._update_available_quantity(product, quant_location.lot_stock_id, 1000)
allocations.sale_line_id.with_context(preorder_system_update=True).write(
    {"promise_date": datetime.now().date()}
)
# the generated orders have no deliveries (confirmed by writing their state):
# this measures the release planning only; tools/bench/release_1k.py measures
# a release with real deliveries to reserve
measure(
    f"release planning of {len(allocations.sale_line_id)} lines (no deliveries)",
    lambda: {"released_lines": len(env["preorder.release"]._release_products(products).reserved)},
)
env.cr.rollback()
