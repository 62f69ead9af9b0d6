# Run by tools/upgrade_check.sh through `odoo-bin shell`, twice:
# UPGRADE_MODE=snapshot on the OLD version writes what an upgrade must keep to
# $UPGRADE_SNAPSHOT; UPGRADE_MODE=check on THIS version, after the upgrade,
# compares (allocations and pre-order lines kept; an upgrade may add demo
# records) and checks that every scheduled action of the addon is on a model that exists, keeps the
# merchant's schedule and runs. Exits non-zero on a failure.
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
    """What an upgrade must keep, as plain data."""
    allocations = env["preorder.allocation"].search([])
    lines = env["sale.order.line"].search([("preorder_kind", "!=", "stock")])
    crons = {}
    for xmlid in CRONS:
        cron = env.ref(f"website_preorder.{xmlid}", raise_if_not_found=False)
        if cron:
            crons[xmlid] = [cron.interval_number, cron.interval_type, cron.active]
    return {
        "allocations": sorted(
            [a.sale_line_id.id, a.purchase_line_id.id, round(a.quantity, 4), a.state]
            for a in allocations
        ),
        "lines": sorted(
            [
                line.id,
                line.preorder_kind,
                line.preorder_state or "",
                str(line.promise_date or ""),
                round(line.product_uom_qty, 4),
            ]
            for line in lines
        ),
        "crons": crons,
    }


path = os.environ["UPGRADE_SNAPSHOT"]
now = state()
if os.environ.get("UPGRADE_MODE") == "snapshot":
    assert now["allocations"], "the demo has allocations"
    assert any(line[2] == "parked" for line in now["lines"]), "and parked lines"
    with open(path, "w") as handle:
        json.dump(now, handle)
    print(
        "[upgrade] snapshot: %d allocations, %d pre-order lines, %d crons"
        % (len(now["allocations"]), len(now["lines"]), len(now["crons"]))
    )
    sys.exit(0)

with open(path) as handle:
    before = json.load(handle)
problems = []
# what existed is kept (an upgrade may add demo records: a new request may then
# allocate lines that were parked, which is the addon working, not a loss)
lost = [row for row in before["allocations"] if row not in now["allocations"]]
if lost:
    problems.append(f"allocations lost or changed: {lost}")
lines_now = {row[0]: row for row in now["lines"]}
for line_id, kind, state, promise, quantity in before["lines"]:
    row = lines_now.get(line_id)
    if not row or row[1] != kind or row[4] != quantity:
        problems.append(f"line {line_id}: {kind} {quantity} -> {row}")
    elif state in ("allocated", "released") and (row[2], row[3]) != (state, promise):
        problems.append(f"line {line_id}: {state} {promise} -> {row[2]} {row[3]}")
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
    "[upgrade] kept %d allocations and %d pre-order lines; %d scheduled actions run"
    % (len(now["allocations"]), len(now["lines"]), len(CRONS))
)
