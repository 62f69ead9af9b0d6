"""Demo of the delay timeline (README, "Delay policy", "Refunds"), run by
``make run`` through ``odoo-bin shell`` once payment_demo is installed.
Idempotent.

Five orders of the demo vinyl reissue, paid with the demo card; its supplier
slips 20 days. One customer has not answered yet (waiting), one accepted, one
cancelled (refunded through the demo provider), one did not answer under
"Always ask" (kept), one did not answer under the US FTC rule (a first delay of
at most 30 days: accepted by silence; the demo judges that one lapse under
the FTC rule, the company keeps "Always ask"). Each order's *Delay Notices* tab holds
the evidence; the Print menu prints it.
"""

from datetime import datetime, timedelta

env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
if env["product.product"].search([("default_code", "=", "PRE-REISSUE")], limit=1):
    print("DEMO timeline: already there")
else:
    company = env.company
    provider = env.ref("payment.payment_provider_demo")
    method = env.ref("payment_demo.payment_method_demo")
    reissue = env["product.product"].create(
        {
            "name": "Vinyl Reissue (delay timeline demo)",
            "default_code": "PRE-REISSUE",
            "type": "consu",
            "is_storable": True,
            "list_price": 40.0,
            "taxes_id": False,
        }
    )
    request = env["purchase.order"].create(
        {
            "partner_id": env.ref("base.res_partner_1").id,
            "preorder_kind": "national",
            "order_line": [
                (0, 0, {"product_id": reissue.id, "product_qty": 10, "price_unit": 20.0,
                        "date_planned": datetime.now() + timedelta(days=10)})
            ],
        }
    )  # fmt: skip
    request.button_confirm()
    partners = ["base.res_partner_2", "base.res_partner_3", "base.res_partner_4",
                "base.res_partner_10", "base.res_partner_12"]  # fmt: skip
    orders = env["sale.order"]
    for xmlid in partners:
        order = env["sale.order"].create(
            {
                "partner_id": env.ref(xmlid).id,
                "order_line": [
                    (0, 0, {"product_id": reissue.id, "product_uom_qty": 1,
                            "preorder_kind": "national"})
                ],
            }
        )  # fmt: skip
        order.action_confirm()
        order.order_line._preorder_mark_notified()
        env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "sale_order_ids": [(6, 0, order.ids)],
                "state": "done",
            }
        )
        orders |= order
    waiting, accepted, declined, kept, silent = orders
    policy = company.preorder_delay_policy
    # the supplier slips 20 days: every customer is asked
    company.preorder_delay_policy = "always"
    request.order_line.date_planned = datetime.now() + timedelta(days=30)
    accepted._preorder_consent_answer("accept")
    declined._preorder_consent_answer("cancel")
    long_ago = datetime.now() - timedelta(days=company.preorder_consent_days + 1)
    (kept | silent).order_line.preorder_consent_asked_at = long_ago
    kept.order_line._preorder_lapse_consent()
    # the last lapse is judged under the US FTC rule: silence accepts a first
    # delay of at most 30 days
    company.preorder_delay_policy = "ftc"
    silent.order_line._preorder_lapse_consent()
    company.preorder_delay_policy = policy
    print(
        "DEMO timeline:",
        [(order.name, order.order_line.preorder_consent_state) for order in orders],
    )
env.cr.commit()
