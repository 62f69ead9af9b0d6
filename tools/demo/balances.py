"""Demo of balance collection (README, "Balance collection"), run by
``make run`` through ``odoo-bin shell`` once payment_demo is installed (the
addon's own demo data cannot rely on it). Idempotent.

Two shop orders of the demo turntable paid their 30 % deposit with Odoo's demo
card, saved at checkout. The turntables arrive and are released: the first
order's balance is charged to its saved card (it can ship); the second card is
declined: the order shows *Balance overdue*, its delivery cannot be validated
and its customer was e-mailed a link to pay.
"""

from datetime import datetime, timedelta

env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
if env["product.product"].search([("default_code", "=", "PRE-TURNTABLE")], limit=1):
    print("DEMO balances: already there")
else:
    company = env.company
    website = env["website"].search([("company_id", "=", company.id)], limit=1)
    provider = env.ref("payment.payment_provider_demo")
    provider.write({"state": "test", "is_published": True, "allow_tokenization": True})
    provider.company_id = company
    method = env.ref("payment_demo.payment_method_demo")
    turntable = env["product.product"].create(
        {
            "name": "Turntable (balance collection demo)",
            "default_code": "PRE-TURNTABLE",
            "type": "consu",
            "is_storable": True,
            "list_price": 300.0,
            "taxes_id": False,
            "is_published": True,
        }
    )
    request = env["purchase.order"].create(
        {
            "partner_id": env.ref("base.res_partner_1").id,
            "preorder_kind": "national",
            "order_line": [
                (0, 0, {"product_id": turntable.id, "product_qty": 2, "price_unit": 150.0,
                        "date_planned": datetime.now() + timedelta(days=3)})
            ],
        }
    )  # fmt: skip
    request.button_confirm()
    carrier = env["delivery.carrier"].search([("website_published", "=", True)], limit=1)
    orders = env["sale.order"]
    for partner, card in (("base.res_partner_12", "done"), ("base.res_partner_10", "error")):
        order = env["sale.order"].create(
            {
                "partner_id": env.ref(partner).id,
                "website_id": website.id,
                "order_line": [
                    (0, 0, {"product_id": turntable.id, "product_uom_qty": 1,
                            "preorder_kind": "national"})
                ],
            }
        )  # fmt: skip
        if carrier:
            order.set_delivery_line(carrier, carrier.fixed_price)
        due = order._preorder_deposit_prepare_payment()
        tx = env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "amount": due,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "sale_order_ids": [(6, 0, order.ids)],
                "tokenize": True,
            }
        )
        notification = {"reference": tx.reference, "payment_details": "4242"}
        tx._handle_notification_data("demo", {**notification, "simulated_state": "done"})
        tx._post_process()
        tx.token_id.demo_simulated_state = card
        orders |= order
    # the turntables arrive: received and released, the balances charged
    picking = request.picking_ids
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty
    picking.button_validate()
    env["preorder.allocation"]._release_products(turntable)
    print(
        "DEMO balances:",
        [(order.name, order.preorder_balance_state) for order in orders],
    )
env.cr.commit()
