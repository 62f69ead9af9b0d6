"""Kill-and-resume check, step 3 (``odoo-bin shell``): every line released once,
its delivery reserved exactly its quantity, one release e-mail per order,
nothing left pending. Exits non-zero when an invariant breaks."""

import sys

env = env  # noqa: F821
lines = env["sale.order.line"].search([("order_id.client_order_ref", "=", "kill-resume")])
orders = lines.order_id
problems = []
states = {state: len(group) for state, group in lines.grouped("preorder_state").items()}
if set(states) != {"released"}:
    problems.append(f"lines not all released: {states}")
for line in lines:
    allocated = sum(line.preorder_allocation_ids.mapped("quantity"))
    released = sum(
        line.preorder_allocation_ids.filtered(lambda a: a.state == "released").mapped("quantity")
    )
    reserved = sum(line.move_ids.filtered(lambda m: m.state != "cancel").mapped("quantity"))
    if (allocated, released, reserved) != (line.product_uom_qty,) * 3:
        problems.append(f"{line.order_id.name} {line.product_id.name}: allocated {allocated}, "
                        f"released {released}, reserved {reserved}")  # fmt: skip
template = env.ref("website_preorder.mail_template_preorder_released")
subject_start = template.subject.split("{{")[0]
mails = env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "in", orders.ids)])
per_order = {order.id: 0 for order in orders}
for mail in mails:
    if "ready to ship" in (mail.subject or ""):
        per_order[mail.res_id] += 1
wrong = {env["sale.order"].browse(k).name: v for k, v in per_order.items() if v != 1}
if wrong:
    problems.append(f"release e-mails per order other than one: {wrong}")
pending = lines.product_id.filtered("preorder_release_pending")
if pending:
    problems.append(f"{len(pending)} products still pending")
print(f"KR_CHECK lines={len(lines)} orders={len(orders)} release_mails={sum(per_order.values())}")
for problem in problems[:20]:
    print("KR_PROBLEM", problem)
print("KR_RESULT", "FAIL" if problems else "PASS", flush=True)
sys.exit(1 if problems else 0)
