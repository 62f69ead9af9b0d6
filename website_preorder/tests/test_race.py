import threading

from psycopg2 import errors

from odoo import api
from odoo.modules.registry import Registry
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import BaseCase, get_db_name, tagged


@tagged("post_install", "-at_install")
class TestRace(BaseCase):
    """Two real transactions race for the last unit of ATP: exactly one gets it.

    Uses committed data and two cursors of its own, so it cleans up after itself.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            env.company.preorder_enabled = True
            partner = env["res.partner"].create({"name": "Race Customer"})
            product = env["product.product"].create(
                {"name": "Race Product", "type": "consu", "is_storable": True}
            )
            vendor = env["res.partner"].create({"name": "Race Vendor"})
            request = env["purchase.order"].create(
                {
                    "partner_id": vendor.id,
                    "preorder_kind": "national",
                    "order_line": [(0, 0, {"product_id": product.id, "product_qty": 1})],
                }
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": 1,
                                    "preorder_kind": "national",
                                },
                            )  # fmt: skip
                        ],
                    }
                    for _ in range(2)
                ]
            )
            self.ids = {
                "orders": orders.ids,
                "request": request.id,
                "product": product.id,
                "partners": [partner.id, vendor.id],
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            orders = env["sale.order"].browse(self.ids["orders"])
            orders._action_cancel()
            orders.unlink()
            request = env["purchase.order"].browse(self.ids["request"])
            request.button_cancel()
            request.unlink()
            env["stock.move"].search([("product_id", "=", self.ids["product"])]).unlink()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def _confirm(self, order_id, barrier, outcome):
        """Confirm one order in its own transaction, retrying as Odoo does."""
        for attempt in range(5):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
                    order = env["sale.order"].browse(order_id)
                    if attempt == 0:
                        barrier.wait(timeout=10)
                    order.action_confirm()
                    outcome[order_id] = attempt
                return
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                continue
            except errors.LockNotAvailable:
                continue

    def test_last_unit_goes_to_exactly_one(self):
        barrier = threading.Barrier(2)
        outcome = {}
        threads = [
            threading.Thread(target=self._confirm, args=(order_id, barrier, outcome))
            for order_id in self.ids["orders"]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(len(outcome), 2, "both orders were confirmed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            lines = env["sale.order"].browse(self.ids["orders"]).order_line
            states = sorted(lines.mapped("preorder_state"))
            self.assertEqual(states, ["allocated", "parked"], "exactly one got the last unit")
            request = env["purchase.order"].browse(self.ids["request"])
            self.assertEqual(request.order_line.preorder_allocated_qty, 1.0)
            self.assertEqual(request.order_line.preorder_atp, 0.0)
