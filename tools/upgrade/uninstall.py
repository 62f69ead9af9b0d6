# Run by tools/upgrade_check.sh through `odoo-bin shell`: what is there before
# the uninstall, then the uninstall itself (Odoo's button, committed).
import json
import os

Item = env["product.pricelist.item"]
managed = Item.search([("preorder_managed", "=", True)])
snapshot = {
    "pricelist_items": Item.search_count([]),
    "managed_items": len(managed),
    "orders": env["sale.order"].search_count([]),
}
assert snapshot["managed_items"], "the demo has pre-sale price rules written by the addon"
with open(os.environ["UPGRADE_SNAPSHOT"], "w") as handle:
    json.dump(snapshot, handle)
module = env["ir.module.module"].search([("name", "=", "website_preorder")])
module.button_immediate_uninstall()
env.cr.commit()
print("[upgrade] uninstalled website_preorder: %s" % module.state)
