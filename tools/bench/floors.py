"""What Odoo's own machinery costs for the work the addon's jobs cannot skip
(run through ``odoo-bin shell`` on a generated database, e.g.
``preorder_bench_10000``; nothing is committed).

Allocation must store each allocated line's figures and promise date and each
request line's figures; Sync Date must write the promise dates and log one
chatter note per order; the Google feed must price, name and link every
variant it lists. Each is timed here alone, through the ORM as the addon does
it (values assigned as a compute assigns them, then flushed; ``write``;
``_message_log_batch``; Odoo's pricing, ``display_name`` and ``website_url``),
on the parked lines of the database and the variants of the shop. Prints one
``FLOOR`` JSON line per measure.
"""

import json
import time
from datetime import date, timedelta

from markupsafe import Markup

env = env(context=dict(env.context, tracking_disable=True, preorder_system_update=True))  # noqa: F821
SaleLine = env["sale.order.line"].sudo()
lines = SaleLine.search([("preorder_state", "=", "parked")])
lines.fetch(["preorder_allocated_qty", "preorder_parked_qty", "preorder_state", "promise_date"])
supplies = env["purchase.order.line"].sudo().search([], limit=len(lines) // 2 or 1)
supplies.fetch(["preorder_allocated_qty", "preorder_atp"])
orders = lines.order_id
env.flush_all()


def measure(name, func, cold=False):
    env.flush_all()
    if cold:
        env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    func()
    env.flush_all()
    row = {
        "floor": name,
        "seconds": round(time.perf_counter() - start, 3),
        "queries": env.cr.sql_log_count - queries,
    }
    print("FLOOR " + json.dumps(row), flush=True)


def assign(records, values):
    """Values put in the cache as a compute method assigns them (to be written)."""
    for name, value in values.items():
        field = records._fields[name]
        cache_value = field.convert_to_cache(value, records)
        env.cache.update(records, field, [cache_value] * len(records), dirty=True)


measure(
    f"figures of {len(lines)} allocated sale lines (3 stored fields) written",
    lambda: assign(
        lines,
        {"preorder_allocated_qty": 1.0, "preorder_parked_qty": 0.0, "preorder_state": "allocated"},
    ),
)
measure(
    f"figures of {len(supplies)} request lines (2 stored fields) written",
    lambda: assign(supplies, {"preorder_allocated_qty": 2.0, "preorder_atp": 998.0}),
)
measure(
    f"promise date of {len(lines)} sale lines (one write)",
    lambda: lines.write({"promise_date": date.today() + timedelta(days=5)}),
)
note = Markup("Synced with the request<br/>") + Markup("<br/>").join(
    [Markup("Product: promise date 01/01/2027 → 01/02/2027")] * 10
)
measure(
    f"{len(orders)} chatter notes of 10 lines (_message_log_batch)",
    lambda: orders._message_log_batch(bodies=dict.fromkeys(orders.ids, note)),
)
env.cr.rollback()
env.invalidate_all()

# the Google feed's Odoo part, on the variants the shop sells
company = env.company
website = env["website"].search([("company_id", "=", company.id)], limit=1)
visitor = website.with_user(website.user_id).sudo().with_company(company)
products = env["product.product"].with_company(company).search([("sale_ok", "=", True)])
measure(
    f"Odoo's pricing of {len(products)} variants (_get_products_price)",
    lambda: visitor.pricelist_id._get_products_price(products, 1.0, currency=visitor.currency_id),
    cold=True,
)
measure(
    f"Odoo's display_name of {len(products)} variants",
    lambda: products.mapped("display_name"),
    cold=True,
)
measure(
    f"Odoo's website_url of {len(products)} variants",
    lambda: products.mapped("website_url"),
    cold=True,
)
env.cr.rollback()
