# Run by tools/upgrade_check.sh through `odoo-bin shell` after the uninstall:
# nothing of the addon is left, an ordinary sale still works. Exits non-zero
# on a failure (the sale is rolled back).
import json
import os
import sys

with open(os.environ["UPGRADE_SNAPSHOT"]) as handle:
    before = json.load(handle)
problems = []
cr = env.cr
state = env["ir.module.module"].search([("name", "=", "website_preorder")]).state
if state != "uninstalled":
    problems.append(f"module state {state}")
checks = {
    "models": "SELECT model FROM ir_model WHERE model LIKE 'preorder.%%'",
    "fields": "SELECT model || '.' || name FROM ir_model_fields WHERE name LIKE 'preorder%%'"
    " OR name LIKE 'presale%%'",
    # the addon's own structure: views, actions, menus, crons, access rights,
    # rules, templates (business records of its demo that orders still use,
    # such as products and a warehouse, stay, as Odoo keeps them)
    "records": "SELECT model || ',' || res_id FROM ir_model_data WHERE module = 'website_preorder'"
    " AND (model LIKE 'ir.%%' OR model IN ('mail.template', 'res.groups'))",
    "crons": "SELECT cron_name FROM ir_cron WHERE cron_name::text LIKE '%%Pre-order%%'",
    "menus": "SELECT name::text FROM ir_ui_menu WHERE name::text ILIKE '%%pre-order%%'"
    " OR name::text ILIKE '%%pre-sale%%'",
    "parameters": "SELECT key FROM ir_config_parameter WHERE key LIKE 'website_preorder.%%'",
    "tables": "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'preorder%%'",
    "columns": "SELECT table_name || '.' || column_name FROM information_schema.columns"
    " WHERE column_name LIKE 'preorder%%' OR column_name LIKE 'presale%%'"
    " OR column_name IN ('promise_date', 'is_restock', 'next_day_shipping')",
}
for what, query in checks.items():
    cr.execute(query)
    left = [row[0] for row in cr.fetchall()]
    if left:
        problems.append(f"{what} left: {left[:20]}")
items = env["product.pricelist.item"].search_count([])
if items != before["pricelist_items"] - before["managed_items"]:
    problems.append(
        "pricelist rules: %d, expected %d (the addon's %d removed, the others kept)"
        % (items, before["pricelist_items"] - before["managed_items"], before["managed_items"])
    )
# an ordinary sale: a stocked product sold, confirmed and delivered
product = env["product.product"].create({"name": "Upgrade Check Chair", "is_storable": True})
warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 3)
partner = env["res.partner"].create({"name": "Upgrade Check Customer"})
order = env["sale.order"].create(
    {
        "partner_id": partner.id,
        "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 2})],
    }
)
order.action_confirm()
picking = order.picking_ids
picking.action_assign()
picking.move_ids.quantity = 2
picking.button_validate()
if (order.state, picking.state, order.order_line.qty_delivered) != ("sale", "done", 2):
    problems.append(f"ordinary sale: {order.state}, {picking.state}")
cr.rollback()
if problems:
    print("[upgrade] FAILED after the uninstall:\n  " + "\n  ".join(problems))
    sys.exit(1)
print("[upgrade] nothing of the addon is left; an ordinary sale is confirmed and delivered")
