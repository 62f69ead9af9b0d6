"""Time the allocation of the parked lines, or Sync Date with SO after it, alone
(run through ``odoo-bin shell`` on a generated database, e.g.
``preorder_bench_10000``; nothing is committed). The same set-up as
``tools/bench/jobs.py``: a request of 1,000 units of every product with parked
lines, which becomes a national request (every parked line is allocated);
for Sync Date, every allocated line then carries a later date set by hand.

``BENCH_JOB=allocation`` (default) or ``BENCH_JOB=sync``. Prints one
``BENCH`` JSON line (wall time, SQL queries). Quicker than ``make bench``
for comparing a change: run it a few times, alternating.
"""

import json
import os
import time
from datetime import datetime, timedelta

env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
JOB = os.environ.get("BENCH_JOB", "allocation")
products = env["product.product"].browse(
    product.id
    for [product] in env["sale.order.line"]._read_group(
        [("preorder_state", "=", "parked")], ["product_id"]
    )
)
vendor = env["res.partner"].search([("name", "=", "Bench Vendor")], limit=1)
request = env["purchase.order"].create({"partner_id": vendor.id})
for start in range(0, len(products), 5000):
    request.write(
        {
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": product.id,
                        "product_qty": 1000,
                        "price_unit": 1,
                        "date_planned": datetime.now() + timedelta(days=5),
                    },
                )  # fmt: skip
                for product in products[start : start + 5000]
            ],
        }
    )
    env.invalidate_all(flush=True)


def timed(name, func):
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    func()
    env.flush_all()
    row = {
        "job": name,
        "seconds": round(time.perf_counter() - start, 3),
        "queries": env.cr.sql_log_count - queries,
    }
    print("BENCH " + json.dumps(row), flush=True)


if JOB == "sync":
    request.write({"preorder_kind": "national"})
    lines = request.preorder_allocation_ids.sale_line_id
    lines.with_context(preorder_system_update=True).write(
        {"promise_date": (datetime.now() + timedelta(days=30)).date(), "promise_date_manual": True}
    )
    timed(
        f"Sync Date with SO: {len(lines)} lines of {len(lines.order_id)} orders",
        request.action_sync_promise_dates,
    )
else:
    timed(
        f"allocation of the parked lines of {len(products)} products",
        lambda: request.write({"preorder_kind": "national"}),
    )
env.cr.rollback()
