"""Deterministic synthetic data for the benchmarks (run through ``odoo-bin shell``).

SCALE product variants (one per template, published), two extra warehouses,
stock for a third of them, requests covering half of them (national,
international and confirmed pre-sale, 100 lines per request) and SCALE parked
pre-order sale lines. On a database without website_preorder the same products,
stock, purchase orders and sale orders (as ordinary stock orders) are made,
without the addon's fields; both databases are ANALYZEd at the end.
"""

import os
import random
import time
from datetime import datetime, timedelta

SCALE = int(os.environ["BENCH_SCALE"])
rng = random.Random(20261122)
has_addon = "preorder.allocation" in env  # noqa: F821
started = time.perf_counter()
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True,  # noqa: F821
                       mail_notrack=True))  # fmt: skip
company = env.company
if has_addon:
    company.write({"preorder_enabled": True, "presale_enabled": True})

warehouses = env["stock.warehouse"].search([("company_id", "=", company.id)])
for code in ("BW2", "BW3"):
    if code not in warehouses.mapped("code"):
        warehouses |= env["stock.warehouse"].create({"name": f"Bench {code}", "code": code})

category = env["product.public.category"].create({"name": "Bench"})
BATCH = 1000
products = env["product.product"]
for start in range(0, SCALE, BATCH):
    templates = env["product.template"].create(
        [
            {
                "name": f"Bench Product {i:06d}",
                "default_code": f"BENCH-{i:06d}",
                "type": "consu",
                "is_storable": True,
                "is_published": True,
                "list_price": rng.randint(5, 500),
                "public_categ_ids": [(6, 0, category.ids)],
                **({"next_day_shipping": i % 10 == 0} if has_addon else {}),
            }
            for i in range(start, min(start + BATCH, SCALE))
        ]
    )
    products |= templates.product_variant_ids
    env.cr.commit()
print(f"products: {len(products)} in {time.perf_counter() - started:.0f}s", flush=True)

Quant = env["stock.quant"]
for index, product in enumerate(products):
    if index % 3 == 0:
        warehouse = warehouses[index % len(warehouses)]
        Quant._update_available_quantity(product, warehouse.lot_stock_id, rng.randint(1, 50))
env.cr.commit()
print(f"stock done in {time.perf_counter() - started:.0f}s", flush=True)

vendor = env["res.partner"].create({"name": "Bench Vendor"})
kinds = ["national", "international", "presale"]
requested = products[: SCALE // 2]
for start in range(0, len(requested), 100):
    chunk = requested[start : start + 100]
    kind = kinds[(start // 100) % 3]
    warehouse = warehouses[(start // 100) % len(warehouses)]
    values = {
        "partner_id": vendor.id,
        "picking_type_id": warehouse.in_type_id.id,
        "order_line": [
            (0, 0, {
                "product_id": product.id,
                "product_qty": rng.randint(5, 40),
                "price_unit": 10,
                "date_planned": datetime.now() + timedelta(days=rng.randint(3, 90)),
            })
            for product in chunk
        ],
    }  # fmt: skip
    if has_addon:
        values["preorder_kind"] = kind
    order = env["purchase.order"].create(values)
    if kind == "presale":
        order.button_confirm()
    if start % 2000 == 0:
        env.cr.commit()
env.cr.commit()
print(f"requests done in {time.perf_counter() - started:.0f}s", flush=True)

# SCALE sale lines on products that are not on a request yet, confirmed
# without launching deliveries: parked pre-order lines with the addon (the
# benchmark measures their allocation), the same orders as ordinary stock
# orders on plain Odoo, so both databases hold the same history.
customer = env["res.partner"].create({"name": "Bench Customer"})
waiting = products[SCALE // 2 :]
for start in range(0, SCALE, 500):
    line_values = [
        [
            {
                "product_id": waiting[(start + i * 10 + j) % len(waiting)].id,
                "product_uom_qty": 1,
                **({"preorder_kind": "national"} if has_addon else {}),
            }
            for j in range(10)
        ]
        for i in range(min(50, (SCALE - start) // 10 or 1))
    ]
    orders = env["sale.order"].create(
        [
            {"partner_id": customer.id, "order_line": [(0, 0, values) for values in lines]}
            for lines in line_values
        ]
    )
    orders.write({"state": "sale", "date_order": datetime.now()})
    env.cr.commit()
print(f"sale lines done in {time.perf_counter() - started:.0f}s", flush=True)
if has_addon:
    env["product.product"]._preorder_refresh_catalog_all()  # the shop filters read its flags
env.cr.commit()
# both databases get fresh planner statistics before anything is measured
env.cr.execute("ANALYZE")
env.cr.commit()
print(f"GENERATED scale={SCALE} in {time.perf_counter() - started:.1f}s", flush=True)
