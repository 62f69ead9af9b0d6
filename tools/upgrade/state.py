# Run by tools/upgrade_check.sh through `odoo-bin shell`, twice:
# UPGRADE_MODE=snapshot on the OLD version writes what an upgrade must keep to
# $UPGRADE_SNAPSHOT; UPGRADE_MODE=check on THIS version, after the upgrade,
# compares (allocations, pre-order lines and checkout holds kept; an upgrade
# may add demo records) and checks that every scheduled action of the addon is
# on a model that exists, keeps the merchant's schedule and runs. Exits
# non-zero on a failure.
import json
import os
import sys

CRONS = {
    "ir_cron_refresh_catalog": "product.product",
    "ir_cron_release_preorders": "preorder.allocation",
    "ir_cron_presale_price_update": "product.pricelist",
    "ir_cron_preorder_consent_lapse": "sale.order.line",
}


def state():
    """What an upgrade must keep, as plain data: per pre-order line its kind,
    quantity, state, promise date and what is allocated and released to it."""
    lines = env["sale.order.line"].search([("preorder_kind", "!=", "stock")])
    crons = {}
    for xmlid in CRONS:
        cron = env.ref(f"website_preorder.{xmlid}", raise_if_not_found=False)
        if cron:
            crons[xmlid] = [cron.interval_number, cron.interval_type, cron.active]
    rows = []
    for line in lines:
        allocations = line.sudo().preorder_allocation_ids
        rows.append(
            [
                line.id,
                line.preorder_kind,
                round(line.product_uom_qty, 4),
                line.preorder_state or "",
                str(line.promise_date or ""),
                round(sum(allocations.mapped("quantity")), 4),
                round(sum(a.quantity for a in allocations if a.state == "released"), 4),
            ]
        )
    # checkout holds (18.0.1.3.0 on): what each holds and for which payment
    holds = []
    if "preorder.hold" in env:
        for hold in env["preorder.hold"].search([]):
            holds.append(
                [
                    hold.sale_line_id.id,
                    hold.purchase_line_id.id,
                    round(hold.quantity, 4),
                    hold.transaction_id.reference or "",
                ]
            )
    return {
        "allocations": len(env["preorder.allocation"].search([])),
        "lines": sorted(rows),
        "crons": crons,
        "holds": sorted(holds),
    }


def hold_a_payment_in_flight():
    """On a release with checkout holds: a quotation of a national pre-order
    starts its payment, so the upgrade meets a hold as that release stored it
    (committed, as a shopper's would be)."""
    supply = env["purchase.order.line"].search(
        [("preorder_kind", "=", "national"), ("preorder_atp", ">", 0)], limit=1
    )
    if not supply:
        return
    order = env["sale.order"].create(
        {
            "partner_id": env.ref("base.res_partner_2").id,
            "order_line": [
                (0, 0, {"product_id": supply.product_id.id, "product_uom_qty": 1,
                        "preorder_kind": "national"})
            ],
        }
    )  # fmt: skip
    env.cr.commit()
    env["payment.transaction"].create(
        {
            "provider_id": env.ref("payment.payment_provider_demo").id,
            "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
            "amount": order.amount_total,
            "currency_id": order.currency_id.id,
            "partner_id": order.partner_id.id,
            "sale_order_ids": [(6, 0, order.ids)],
        }
    )
    env.cr.commit()
    env.invalidate_all()


path = os.environ["UPGRADE_SNAPSHOT"]
if os.environ.get("UPGRADE_MODE") == "snapshot" and "preorder.hold" in env:
    hold_a_payment_in_flight()
now = state()
if os.environ.get("UPGRADE_MODE") == "snapshot":
    assert now["allocations"], "the demo has allocations"
    assert any(line[3] == "parked" for line in now["lines"]), "and parked lines"
    with open(path, "w") as handle:
        json.dump(now, handle)
    print(
        "[upgrade] snapshot: %d allocations, %d pre-order lines, %d crons, %d checkout holds"
        % (now["allocations"], len(now["lines"]), len(now["crons"]), len(now["holds"]))
    )
    sys.exit(0)

with open(path) as handle:
    before = json.load(handle)
problems = []
# what existed is kept. The upgrade also loads the new version's demo records:
# a new request arriving earlier may take over allocations (Move to Earlier
# Supply) or serve parked lines, which is the addon working, not a loss. So per
# line: same kind and quantity, no less allocated or released, an allocated or
# released line stays so, and its promise date does not move later.
lines_now = {row[0]: row for row in now["lines"]}
for line_id, kind, quantity, state, promise, allocated, released in before["lines"]:
    row = lines_now.get(line_id)
    if not row or (row[1], row[2]) != (kind, quantity):
        problems.append(f"line {line_id}: {kind} {quantity} -> {row}")
        continue
    _id, _kind, _qty, state_now, promise_now, allocated_now, released_now = row
    if allocated_now < allocated or released_now < released:
        problems.append(f"line {line_id}: allocated/released {allocated}/{released} -> {row}")
    if state in ("allocated", "released") and state_now not in ("allocated", "released"):
        problems.append(f"line {line_id}: {state} -> {state_now}")
    if state == "released" and state_now != "released":
        problems.append(f"line {line_id}: released -> {state_now}")
    if promise and promise_now and promise_now > promise:
        problems.append(f"line {line_id}: promise date {promise} -> {promise_now}")
for hold in before.get("holds", []):
    if hold not in now["holds"]:
        problems.append(f"checkout hold {hold} (sale line, supply, quantity, payment) lost")
for xmlid, model in CRONS.items():
    cron = env.ref(f"website_preorder.{xmlid}", raise_if_not_found=False)
    if not cron:
        problems.append(f"{xmlid}: missing")
        continue
    if cron.model_id.model != model:
        problems.append(f"{xmlid}: on {cron.model_id.model}, not {model}")
    if xmlid in before["crons"] and now["crons"][xmlid] != before["crons"][xmlid]:
        problems.append(f"{xmlid}: the merchant's schedule changed")
    try:
        cron.method_direct_trigger()
    except Exception as error:  # noqa: BLE001 -- reported, the check fails
        problems.append(f"{xmlid}: does not run: {error!r}")
env.cr.rollback()
if problems:
    print("[upgrade] FAILED:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(
    "[upgrade] kept what %d pre-order lines had (%d allocations now) and %d checkout holds; "
    "%d scheduled actions run"
    % (len(before["lines"]), now["allocations"], len(before.get("holds", [])), len(CRONS))
)
