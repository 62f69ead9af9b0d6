"""Time the scheduled jobs on a generated database (run through ``odoo-bin shell``).

Prints one JSON line per job: wall time, SQL queries, and the peak RSS of this
process during the job (the high-water mark is reset before each job, so what
the set-up between jobs held does not count). Nothing is committed.
"""

import gc
import json
import os
import re
import time
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.addons.stock.models.stock_move import StockMove as StockStockMove
from odoo.addons.website_preorder.controllers.feed import PreorderFeed

SCALE = int(os.environ["BENCH_SCALE"])
env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
company = env.company
Product = env["product.product"]
Allocation = env["preorder.allocation"]


def peak_rss_mb():
    with open("/proc/self/status") as status:
        return round(int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1)) / 1024)


LAST = {}  # the row of the last measured job


def measure(name, func):
    env.flush_all()
    env.invalidate_all()
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # reset the process's peak RSS to its current RSS
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
        "peak_rss_mb": peak_rss_mb(),
        "result": result if isinstance(result, dict) else len(result),
    }
    print("BENCH " + json.dumps(row), flush=True)
    LAST.update(row)
    return result


# a full pass: every flag has to be written again
env.cr.execute(
    "UPDATE product_product SET preorder_national_listed = false,"
    " preorder_international_listed = false, presale_listed = false"
)
catalogue_job = env["product.product"]._preorder_refresh_catalog_all
measure("catalogue job (all flags rewritten)", catalogue_job)
measure("catalogue job (nothing changed)", catalogue_job)


def streamed(rows):
    """Consume a feed's response body as a client would: its size in bytes."""
    return {"bytes": sum(len(chunk) for chunk in rows)}


# the feeds stream with a cursor of their own (committed data), like the routes
feeds = PreorderFeed()
measure(
    "CSV feed (/preorder/feed.csv)", lambda: streamed(feeds._feed_rows(env.cr.dbname, company.id))
)
measure(
    "Google feed (/preorder/feed/google.xml)",
    lambda: streamed(feeds._google_feed_rows(env.cr.dbname, company.id)),
)

# customer e-mails: one batch of (up to) 1,000 orders, as release and date
# changes send them (rendered and queued, not sent)
savepoint = env.cr.savepoint()
mail_orders = env["sale.order"].search([("state", "=", "sale")], limit=1000)
measure(
    f"{len(mail_orders)} customer e-mails rendered and queued (one batch)",
    lambda: mail_orders._preorder_send_mail(
        "website_preorder.mail_template_preorder_released", "Released"
    ),
)
savepoint.close(rollback=True)
env.invalidate_all()

parked_count = env["sale.order.line"].search_count([("preorder_state", "=", "parked")])
products = Product.browse(
    product.id
    for [product] in env["sale.order.line"]._read_group(
        [("preorder_state", "=", "parked")], ["product_id"]
    )
)
vendor = env["res.partner"].search([("name", "=", "Bench Vendor")], limit=1)
request = env["purchase.order"].create({"partner_id": vendor.id})
# its lines in batches: the set-up's memory is not the job's
for start in range(0, len(products), 5000):
    request.write(
        {
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
                for p in products[start : start + 5000]
            ],
        }
    )
    env.invalidate_all(flush=True)
# the purchase order becomes a national request: it starts taking orders and
# every parked line of its products is allocated (what the merchant does)
allocations = measure(
    f"allocation of {parked_count} parked lines",
    lambda: request.write({"preorder_kind": "national"}) and request.preorder_allocation_ids,
)
assert len(allocations) == parked_count, (len(allocations), parked_count)


def measure_sync(request, allocations):
    """Sync Date with SO on ``request``: dates set by hand on every allocated
    line (later than the arrival) follow the request again, one chatter note
    per order. The caller rolls back."""
    synced = allocations.sale_line_id
    synced.with_context(preorder_system_update=True).write(
        {"promise_date": (datetime.now() + timedelta(days=30)).date(), "promise_date_manual": True}
    )
    measure(
        f"Sync Date with SO: {len(synced)} lines of {len(synced.order_id)} orders",
        lambda: request.action_sync_promise_dates() and {"lines": len(synced)},
    )


savepoint = env.cr.savepoint()
measure_sync(request, allocations)
savepoint.close(rollback=True)
env.invalidate_all()
# Sync Date with SO on a request with SYNC_ORDERS orders of one line each (issue
# 34's case: one chatter note per order), and their allocation; rolled back
SYNC_ORDERS = int(os.environ.get("BENCH_SYNC_ORDERS", 5000))
if SYNC_ORDERS:
    savepoint = env.cr.savepoint()
    one = Product.create({"name": "Bench one-line orders", "is_storable": True, "list_price": 10})
    customer = env["res.partner"].search([("name", "=", "Bench Customer")], limit=1)
    for start in range(0, SYNC_ORDERS, 1000):
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": customer.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": one.id,
                                "product_uom_qty": 1,
                                "preorder_kind": "national",
                            },
                        ),
                    ],
                }  # fmt: skip
                for _ in range(min(1000, SYNC_ORDERS - start))
            ]
        )
        orders.write({"state": "sale", "date_order": datetime.now()})
        env.invalidate_all(flush=True)
    one_request = env["purchase.order"].create(
        {
            "partner_id": vendor.id,
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": one.id,
                        "product_qty": SYNC_ORDERS,
                        "price_unit": 1,
                        "date_planned": datetime.now() + timedelta(days=5),
                    },
                ),
            ],
        }  # fmt: skip
    )
    one_allocations = measure(
        f"allocation of {SYNC_ORDERS} parked lines of {SYNC_ORDERS} orders",
        lambda: one_request.write({"preorder_kind": "national"})
        and one_request.preorder_allocation_ids,
    )
    measure_sync(one_request, one_allocations)
    savepoint.close(rollback=True)
    env.invalidate_all()

# BENCH_UNTIL=sync: stop after Sync Date with SO (no release), to compare a
# change of the allocation or of Sync Date quickly
UNTIL_SYNC = os.environ.get("BENCH_UNTIL") == "sync"
if not UNTIL_SYNC:
    # goods arrive: free stock for every allocated product, promise dates due today
    quant_location = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    for product in products:
        env["stock.quant"]._update_available_quantity(product, quant_location.lot_stock_id, 1000)
    allocations.sale_line_id.with_context(preorder_system_update=True).write(
        {"promise_date": datetime.now().date()}
    )
    # the generated orders have no deliveries (confirmed by writing their state):
    # first the release planning alone
    lines = allocations.sale_line_id
    measure(
        f"release planning of {len(lines)} lines (no deliveries)",
        lambda: {
            "released_lines": len(env["preorder.allocation"]._release_products(products).reserved)
        },
    )
if not UNTIL_SYNC and SCALE <= 10000:
    # then every line gets its delivery, as confirming the order gives it
    for start in range(0, len(lines), 2000):
        lines[start : start + 2000]._action_launch_stock_rule()
        env.invalidate_all(flush=True)
    moves = env["stock.move"].search([("sale_line_id", "in", lines.ids)])
    # what stock's own reservation of those deliveries costs, without the release
    savepoint = env.cr.savepoint()
    measure(
        f"stock's own reservation of the same {len(moves)} deliveries (no release)",
        lambda: StockStockMove._action_assign(moves) or {"moves": len(moves)},
    )
    savepoint.close(rollback=True)
    env.invalidate_all()
    # the release's total, and inside it the time of Odoo's own reservation of
    # the deliveries and of the e-mails: the rest is the addon's own work
    spent = {"reservation": 0.0, "mails": 0.0}
    depth = dict.fromkeys(spent, 0)
    SaleOrder = type(env["sale.order"])

    def timed(key, method):
        # the outermost call only, with the writes it leaves to the next flush
        # (what was pending before it is flushed first, outside its time)
        def wrapper(*args, **kwargs):
            if depth[key]:
                return method(*args, **kwargs)
            env.flush_all()
            start = time.perf_counter()
            depth[key] += 1
            try:
                result = method(*args, **kwargs)
                env.flush_all()
                return result
            finally:
                depth[key] -= 1
                spent[key] += time.perf_counter() - start

        return wrapper

    with (
        patch.object(
            StockStockMove, "_action_assign", timed("reservation", StockStockMove._action_assign)
        ),
        patch.object(
            SaleOrder, "_preorder_send_mail", timed("mails", SaleOrder._preorder_send_mail)
        ),
    ):
        release = measure(
            f"release of {len(lines)} lines (deliveries reserved, e-mails queued)",
            lambda: {
                "released_lines": len(
                    env["preorder.allocation"]._release_products(products).reserved
                ),
                "mails": env["mail.mail"].search_count([("model", "=", "sale.order")]),
            },
        )
    spent["rest"] = LAST["seconds"] - spent["reservation"] - spent["mails"]
    for key, label in (
        ("reservation", "of which Odoo's reservation (stock.move._action_assign)"),
        ("mails", f"of which {release['mails']} e-mails rendered and queued"),
        ("rest", "of which the rest: planning, released quantities, balances"),
    ):
        print("BENCH " + json.dumps({
            "scale": SCALE, "job": f"release: {label}", "seconds": round(spent[key], 3),
            "queries": "", "peak_rss_mb": "",
        }), flush=True)  # fmt: skip
env.cr.rollback()
